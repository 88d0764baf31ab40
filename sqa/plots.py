"""The figures of the notebooks, as functions (seaborn styling), so notebooks only call and show."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .metrics.evaluate import AVG_DIMENSIONS

sns.set_theme(style="whitegrid", context="notebook")


def _default_window(curve: pd.DataFrame) -> int:
    """Rolling-mean width of the reward plots: a tenth of the run, at least 5 steps."""
    return max(5, len(curve) // 10)


def _plot_trend(ax, curve: pd.DataFrame):
    """Draw the total reward's least-squares trend (dashed) on ``ax``; return the fit (None: too short)."""
    from .tables import reward_trend

    fit = reward_trend(curve)
    if fit is not None:
        ax.plot(curve["step"], fit.intercept + fit.slope * curve["step"], "k--", lw=1)
    return fit


def reward_curves(curve: pd.DataFrame, title: str = "", window: int | None = None):
    """Total and per-function rewards (rolling mean over ``window`` steps, default a tenth of the run, at
    least 5), the least-squares trend of the total (dashed), and KL over GRPO steps."""
    window = window or _default_window(curve)
    cols = [c for c in curve.columns if c.startswith("reward_") and c != "reward_std"]
    fig, (ax, ax_kl) = plt.subplots(1, 2, figsize=(11, 3.5))
    for c in ["reward", *cols]:
        ax.plot(curve["step"], curve[c].rolling(window, min_periods=1).mean(), label=c.removeprefix("reward_") or c,
                lw=2 if c == "reward" else 1)
    fit = _plot_trend(ax, curve)
    if fit is not None:
        ax.lines[-1].set_label(f"trend {100 * fit.slope:+.2f}/100 steps (p={fit.pvalue:.2g})")
    ax.set(xlabel="GRPO step", ylabel=f"reward (rolling mean, {window})", title=title or "reward")
    ax.legend(fontsize=8)
    ax_kl.plot(curve["step"], curve["kl"], color="tab:red")
    ax_kl.set(xlabel="GRPO step", ylabel="KL to reference", title="KL")
    fig.tight_layout()
    return fig


def pcc_bars(table: pd.DataFrame, dims: Sequence[str] = (*AVG_DIMENSIONS, "avg"), title: str = "PCC per dimension"):
    """Grouped bars: one group per dimension, one bar per system."""
    cols = [d for d in dims if d in table.columns]
    long = table.melt(id_vars="system", value_vars=cols, var_name="dimension", value_name="PCC")
    fig, ax = plt.subplots(figsize=(12, 4))
    sns.barplot(long, x="dimension", y="PCC", hue="system", ax=ax)
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def artifact_bars(table3: pd.DataFrame, metric: str = "f1", title: str = ""):
    """Bars of one Table 3 metric (``f1``, ``iou``, ``corr``) per artifact and system."""
    cols = [c for c in table3.columns if c.endswith(f"_{metric}") and not c.startswith("longform")]
    long = table3.melt(id_vars="system", value_vars=cols, var_name="artifact", value_name=metric)
    long["artifact"] = long["artifact"].str.removesuffix(f"_{metric}")
    fig, ax = plt.subplots(figsize=(10, 3.5))
    sns.barplot(long, x="artifact", y=metric, hue="system", ax=ax)
    ax.set_title(title or f"artifact {metric}")
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def ours_vs_paper(long: pd.DataFrame, title: str = "tiny profile vs paper"):
    """Scatter of (paper, ours) per system and metric from :func:`sqa.tables.side_by_side`."""
    fig, ax = plt.subplots(figsize=(5, 5))
    sns.scatterplot(long, x="paper", y="ours", hue="system", style="metric", ax=ax, s=60)
    lo = min(0.0, float(long[["ours", "paper"]].min().min()))
    ax.plot([lo, 1], [lo, 1], color="grey", lw=1, ls="--")
    ax.set(title=title, xlim=(lo, 1), ylim=(lo, 1))
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def reward_curve_grid(curves: dict[str, pd.DataFrame], window: int | None = None):
    """One panel per GRPO run (rewards live on different scales): rolling mean of the total reward, the
    per-step values faintly, and the least-squares trend with its slope per 100 steps and p-value."""
    n = max(1, len(curves))
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, (name, c) in zip(axes.flat, curves.items()):
        w = window or _default_window(c)
        ax.plot(c["step"], c["reward"], color="tab:blue", alpha=0.25, lw=0.8)
        ax.plot(c["step"], c["reward"].rolling(w, min_periods=1).mean(), color="tab:blue", lw=2)
        fit = _plot_trend(ax, c)
        label = "" if fit is None else f"\ntrend {100 * fit.slope:+.3g}/100 steps, p={fit.pvalue:.2g}"
        ax.set_title(name + label, fontsize=9)
        ax.set(xlabel="GRPO step", ylabel=f"reward (rolling {w})")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


SURVIVAL_SYSTEMS: tuple[str, ...] = ("Calibration-only", "QualiSpeech-FT (learned encoder)", "Acc+Sem dim-wise GRPO",
                                     "LLM-judge dim-wise GRPO", "SQ-LLM")
"""The systems along the paper's pipeline: Calibration, the SFT warm-up (= QualiSpeech-FT stage 2 from the
calibrated model), then GRPO with dimension-wise rewards and with SQ-LLM's unified reward."""


def pcc_through_stages(table1: pd.DataFrame, systems: Sequence[str] = SURVIVAL_SYSTEMS,
                       title: str = "Does calibration survive reasoning? (PCC, speed excluded)"):
    """Grouped bars of Table 1's PCC for the pipeline's stages, in order (a missing bar: PCC undefined)."""
    rows = table1[table1["system"].isin(systems)].copy()
    rows["system"] = pd.Categorical(rows["system"], [s for s in systems if s in set(rows["system"])], ordered=True)
    return pcc_bars(rows.sort_values("system"), title=title)
