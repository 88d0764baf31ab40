"""The figures of the notebooks, as functions (seaborn styling), so notebooks only call and show."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from sqa.metrics.evaluate import AVG_DIMENSIONS
from sqa.metrics.reward_curve import reward_trend

sns.set_theme(style="whitegrid", context="notebook")


def _default_window(curve: pd.DataFrame) -> int:
    """Rolling-mean width of the reward plots: a tenth of the run, at least 5 steps."""
    return max(5, len(curve) // 10)


def _plot_trend(ax, curve: pd.DataFrame):
    """Draw the total reward's least-squares trend (dashed) on ``ax``; return the fit (None: too short)."""

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
        ax.plot(
            curve["step"],
            curve[c].rolling(window, min_periods=1).mean(),
            label=c.removeprefix("reward_") or c,
            lw=2 if c == "reward" else 1,
        )
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
    sns.barplot(
        long, x="dimension", y="PCC", hue="system", ax=ax, palette={s: system_color(s) for s in table["system"]}
    )
    _mark_undefined(ax, long, "dimension", "PCC")
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def _mark_undefined(ax, long: pd.DataFrame, x: str, y: str) -> None:
    """Write "n/a (constant)" where a grouped bar is missing because its value is undefined."""
    groups = list(dict.fromkeys(long[x]))
    hues = list(dict.fromkeys(long["system"]))
    width = 0.8 / max(1, len(hues))
    for _, r in long[long[y].isna()].iterrows():
        pos = groups.index(r[x]) - 0.4 + width * (hues.index(r["system"]) + 0.5)
        ax.text(pos, 0.01, NA_LABEL, rotation=90, fontsize=6, ha="center", va="bottom", color=system_color(r["system"]))


def artifact_bars(table3: pd.DataFrame, metric: str = "f1", title: str = ""):
    """Bars of one Table 3 metric (``f1``, ``iou``, ``corr``) per artifact and system."""
    cols = [c for c in table3.columns if c.endswith(f"_{metric}") and not c.startswith("longform")]
    long = table3.melt(id_vars="system", value_vars=cols, var_name="artifact", value_name=metric)
    long["artifact"] = long["artifact"].str.removesuffix(f"_{metric}")
    fig, ax = plt.subplots(figsize=(10, 3.5))
    sns.barplot(
        long, x="artifact", y=metric, hue="system", ax=ax, palette={s: system_color(s) for s in table3["system"]}
    )
    _mark_undefined(ax, long, "artifact", metric)
    ax.set_title(title or f"artifact {metric}")
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def ours_vs_paper(long: pd.DataFrame, title: str = "tiny profile vs paper"):
    """Scatter of (paper, ours) per system and metric from :func:`sqa.analysis.tables.side_by_side`."""
    fig, ax = plt.subplots(figsize=(5, 5))
    sns.scatterplot(
        long,
        x="paper",
        y="ours",
        hue="system",
        style="metric",
        ax=ax,
        s=60,
        palette={s: system_color(s) for s in long["system"]},
    )
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


SURVIVAL_SYSTEMS: tuple[str, ...] = (
    "Calibration-only",
    "QualiSpeech-FT (learned encoder)",
    "Acc+Sem dim-wise GRPO",
    "LLM-judge dim-wise GRPO",
    "SQ-LLM",
)
"""The systems along the paper's pipeline: Calibration, the SFT warm-up (= QualiSpeech-FT stage 2 from the
calibrated model), then GRPO with dimension-wise rewards and with SQ-LLM's unified reward."""


def pcc_through_stages(
    table1: pd.DataFrame,
    systems: Sequence[str] = SURVIVAL_SYSTEMS,
    title: str = "Does calibration survive reasoning? (PCC, speed excluded)",
):
    """Grouped bars of Table 1's PCC for the pipeline's stages, in order (a missing bar: PCC undefined)."""
    rows = table1[table1["system"].isin(systems)].copy()
    rows["system"] = pd.Categorical(rows["system"], [s for s in systems if s in set(rows["system"])], ordered=True)
    return pcc_bars(rows.sort_values("system"), title=title)


# ---------------------------------------------------------------- one colour per system, intervals, claims

PALETTE: dict[str, str] = dict(
    zip(
        [
            "QualiSpeech-FT",
            "SQ-LLM",
            "Acc+Sem dim-wise GRPO",
            "LLM-judge dim-wise GRPO",
            "QualiSpeech-FT (learned encoder)",
            "QualiSpeech-FT (no calibration)",
            "Calibration-only",
            "IoU reward GRPO",
            "Signal reward GRPO",
            "Acc+Sem dim-wise GRPO, audio withheld",
            "LLM-judge dim-wise GRPO, audio withheld",
            "Acc+Sem GRPO trained text-only",
            "QualiSpeech-FT-SALMONN",
        ],
        [
            "#7f7f7f",
            "#d62728",
            "#1f77b4",
            "#2ca02c",
            "#9467bd",
            "#8c564b",
            "#ff7f0e",
            "#17becf",
            "#bcbd22",
            "#aec7e8",
            "#98df8a",
            "#c5b0d5",
            "#c7c7c7",
        ],
    )
)
"""One colour per system in every figure (the paper's rows and ours share names, so they share colours)."""
PALETTE.update({"DNSMOS P.835": "#393b79", "DNSMOS P.808": "#e377c2", "Signal detectors (no model)": "#843c39"})
NA_LABEL = "n/a (constant)"
NOT_PREDICTED_LABEL = "n/a (not predicted)"
"""A figure a no-training system does not predict (``note`` of the interval tables; :mod:`sqa.evaluation.baselines`)."""


EXTRA_COLORS = (
    "#637939",
    "#8c6d31",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
    "#9c9ede",
    "#cedb9c",
    "#e7ba52",
    "#e7969c",
    "#de9ed6",
    "#6baed6",
    "#fd8d3c",
    "#74c476",
)
"""Colours of the systems :data:`PALETTE` does not name (a registered reward's system, a backbone row)."""


def system_color(name: str) -> str:
    """The system's colour: its :data:`PALETTE` entry, else one of :data:`EXTRA_COLORS` picked by a hash of the
    name (the same in every figure and every run).

    >>> system_color("SQ-LLM"), system_color("Toy reward GRPO") == system_color("Toy reward GRPO")
    ('#d62728', True)
    """
    if name in PALETTE:
        return PALETTE[name]
    return EXTRA_COLORS[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(EXTRA_COLORS)]


def interval_bars(
    ci: pd.DataFrame,
    metrics: Sequence[str],
    systems: Sequence[str] | None = None,
    paper: pd.DataFrame | None = None,
    title: str = "",
    ylabel: str = "",
    ax=None,
):
    """Grouped bars from a ``table1_ci`` / ``table3_ci`` table (``system, metric, value, ci_low, ci_high,
    note``): one group per metric, one bar per system in its :data:`PALETTE` colour, the 95 % interval as
    an error bar, the paper's value (when ``paper`` has it) as a black diamond, an undefined value as an
    explicit "n/a (constant)" mark ("n/a (not predicted)" where the system does not predict it), and an
    average over fewer dimensions than the paper's flagged with ``*``."""
    import numpy as np

    systems = list(systems or dict.fromkeys(ci["system"]))
    metrics = [m for m in metrics if m in set(ci["metric"])]
    idx = ci.set_index(["system", "metric"])
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 1.3 * len(metrics) * max(1, len(systems)) / 3), 4))
    width = 0.8 / max(1, len(systems))
    flagged = False
    for j, s in enumerate(systems):
        for i, m in enumerate(metrics):
            x = i - 0.4 + width * (j + 0.5)
            if (s, m) not in idx.index:
                continue
            r = idx.loc[(s, m)]
            v = r["value"]
            if pd.isna(v):
                label = NOT_PREDICTED_LABEL if str(r.get("note", "")).startswith(NOT_PREDICTED_LABEL) else NA_LABEL
                ax.bar(x, 0.02, width, color="none", edgecolor=system_color(s), hatch="///")
                ax.text(x, 0.03, label, rotation=90, ha="center", va="bottom", fontsize=6, color=system_color(s))
            else:
                lo, hi = r["ci_low"], r["ci_high"]
                yerr = None if pd.isna(lo) else [[v - lo], [hi - v]]
                ax.bar(x, v, width, color=system_color(s), yerr=yerr, capsize=2, error_kw={"lw": 0.8})
                if isinstance(r.get("note"), str) and r["note"].startswith("average over"):
                    ax.text(x, v + (0 if yerr is None else hi - v) + 0.01, "*", ha="center", fontsize=9)
                    flagged = True
            if paper is not None and s in set(paper["system"]) and m in paper.columns:
                pv = paper.set_index("system").loc[s, m]
                if not pd.isna(pv):
                    ax.plot(x, pv, "D", color="black", ms=4, zorder=5)
    ax.set_xticks(np.arange(len(metrics)), metrics, rotation=20)
    ax.axhline(0, color="black", lw=0.6)
    handles = [plt.Rectangle((0, 0), 1, 1, color=system_color(s)) for s in systems]
    labels = list(systems)
    if paper is not None:
        handles.append(plt.Line2D([], [], marker="D", color="black", ls="none", ms=4))
        labels.append("paper (AF3, QualiSpeech)")
    ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    footnote = "bars: ours, 95 % bootstrap interval over test clips"
    if flagged:
        footnote += "; * average over fewer dimensions than the paper's six (others undefined)"
    ax.set(title=title, ylabel=ylabel)
    ax.figure.text(0.01, 0.0, footnote, fontsize=7, va="bottom")
    ax.figure.tight_layout(rect=(0, 0.04, 1, 1))
    return ax.figure


def claim_figure(claim: pd.Series, ci: pd.DataFrame, paper: pd.DataFrame | None = None):
    """One claim of ``claims.csv``: left, the two systems' values (ours with 95 % intervals, the paper's as
    diamonds); right, the paired difference with its interval beside the paper's difference."""
    a, b = (s.strip() for s in str(claim["contrast"]).removesuffix(" (relative)").split(" - ", 1))
    metric = claim["metric"]
    fig, (ax, ax_d) = plt.subplots(1, 2, figsize=(9, 3.4), gridspec_kw={"width_ratios": [2, 1]})
    interval_bars(ci, [metric], [a, b], paper=paper, ax=ax, ylabel=metric)
    ax.set_xticks([])
    ax.set_xlabel(metric)
    ours, lo, hi, pv = claim["ours"], claim["ci_low"], claim["ci_high"], claim["paper"]
    if pd.isna(ours):
        ax_d.text(0, 0, f"difference {NA_LABEL}", ha="center", va="center", fontsize=9)
    else:
        ax_d.errorbar([0], [ours], yerr=[[ours - lo], [hi - ours]], fmt="o", color="black", capsize=4, label="ours")
    if not pd.isna(pv):
        ax_d.plot([0.3], [pv], "D", color="black", mfc="white", label="paper")
    ax_d.axhline(-0.05 if claim.get("direction") == "not_worse" else 0, color="grey", ls="--", lw=1)
    ax_d.set(
        xlim=(-0.5, 0.8),
        xticks=[],
        ylabel="relative difference" if "relative" in claim["contrast"] else "difference",
        title=claim["verdict"],
    )
    ax_d.legend(fontsize=7)
    fig.suptitle(claim["claim"], fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


STAGES: tuple[tuple[str, str], ...] = (
    ("Calibration", "Calibration-only"),
    ("warm-up (SFT)", "QualiSpeech-FT (learned encoder)"),
    ("GRPO Acc+Sem", "Acc+Sem dim-wise GRPO"),
    ("GRPO LLM judge", "LLM-judge dim-wise GRPO"),
    ("GRPO unified (SQ-LLM)", "SQ-LLM"),
)
"""The pipeline's stages in order: Calibration -> SFT warm-up -> GRPO (dimension-wise rewards and SQ-LLM's)."""
CONTROL = ("no calibration (SFT only)", "QualiSpeech-FT (no calibration)")


def stage_plot(ci1: pd.DataFrame, paper1: pd.DataFrame, metrics: Sequence[str] = ("avg", "overall")):
    """Does calibration survive reasoning? Ours (with 95 % intervals) and the paper's values along
    Calibration -> warm-up -> GRPO, with the no-calibration control beside them; one panel per metric."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    idx = ci1.set_index(["system", "metric"])
    ref = paper1.set_index("system")
    for ax, m in zip(axes.flat, metrics):
        for x, (_label, s) in enumerate([*STAGES, CONTROL]):
            color = system_color(s)
            if (s, m) in idx.index and not pd.isna(idx.loc[(s, m), "value"]):
                r = idx.loc[(s, m)]
                ax.errorbar(
                    [x - 0.1],
                    [r["value"]],
                    yerr=[[r["value"] - r["ci_low"]], [r["ci_high"] - r["value"]]],
                    fmt="o",
                    color=color,
                    capsize=3,
                )
            else:
                ax.text(x - 0.1, 0.02, NA_LABEL, rotation=90, fontsize=7, ha="center", color=color)
            if s in ref.index and m in ref.columns:
                ax.plot([x + 0.1], [ref.loc[s, m]], "D", color=color, mfc="white")
        ours_line = [idx.loc[(s, m), "value"] if (s, m) in idx.index else float("nan") for _, s in STAGES[:3]]
        ax.plot([-0.1, 0.9, 1.9], ours_line, color="grey", lw=0.8, zorder=0)
        ax.axvline(len(STAGES) - 0.5, color="grey", ls=":", lw=1)
        ax.set_xticks(
            range(len(STAGES) + 1), [label for label, _ in [*STAGES, CONTROL]], rotation=25, ha="right", fontsize=8
        )
        ax.set(ylabel=f"PCC ({'MOS' if m == 'overall' else m})", title=f"{'MOS' if m == 'overall' else 'avg'} PCC")
    handles = [
        plt.Line2D([], [], marker="o", color="black", ls="none"),
        plt.Line2D([], [], marker="D", color="black", mfc="white", ls="none"),
    ]
    axes.flat[0].legend(handles, ["ours, 95 % interval", "paper"], fontsize=7)
    fig.suptitle("Calibration -> warm-up -> GRPO, and the no-calibration control", fontsize=10)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- notebooks 03 and 05: saved figures, small plots

FIGURE_DPI = 110
"""Resolution of the PNGs notebook 05 saves under ``results/<profile>/figures/``."""


class FigureIndex:
    """The figures saved under ``<results>/figures/`` (PNG, :data:`FIGURE_DPI` dpi, tight bounding box) and
    their ``index.json``: name -> path relative to ``results``, in the order they were saved (the report
    reads it)."""

    def __init__(self, results: str | Path):
        self.results = Path(results)
        self.dir = self.results / "figures"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.saved: dict[str, str] = {}

    def save(self, fig, name: str) -> None:
        """Write ``fig`` as ``figures/<name>.png`` and index it; nothing when ``fig`` is None (a figure
        function that had nothing to draw)."""
        if fig is None:
            return
        path = self.dir / f"{name}.png"
        fig.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight")
        self.saved[name] = str(path.relative_to(self.results))

    def write(self) -> Path:
        """``figures/index.json`` with every figure saved so far."""
        path = self.dir / "index.json"
        path.write_text(json.dumps(self.saved, indent=1))
        return path


def save_claim_figures(
    index: FigureIndex,
    claims: pd.DataFrame,
    ci1: pd.DataFrame,
    ci3: pd.DataFrame,
    paper1: pd.DataFrame,
    paper3: pd.DataFrame,
) -> None:
    """One :func:`claim_figure` per row of ``claims.csv``, saved under the name its ``figure`` column gives
    and closed (not shown): ours from the interval tables of Tables 1 and 3, the paper's from the table
    (``paper1`` or ``paper3``) that has the claim's metric."""
    ci = pd.concat([ci1, ci3])
    for _, c in claims.iterrows():
        ref = paper1 if c["metric"] in paper1.columns else paper3
        fig = claim_figure(c, ci, paper=ref)
        index.save(fig, Path(c["figure"]).stem)
        plt.close(fig)


def metric_columns(paper: pd.DataFrame, suffix: str = "") -> list[str]:
    """The metric columns of a paper table (every column but ``system``) ending in ``suffix``, in order.

    >>> metric_columns(pd.DataFrame(columns=["system", "noise_f1", "noise_iou", "pause_f1"]), "_f1")
    ['noise_f1', 'pause_f1']
    """
    return [c for c in paper.columns if c != "system" and c.endswith(suffix)]


def read_reward_curves(results: str | Path) -> dict[str, pd.DataFrame]:
    """``reward_curve.csv`` of every GRPO run under ``results`` (``grpo_*/``), by run name, sorted."""
    return {
        d.name: pd.read_csv(d / "reward_curve.csv")
        for d in sorted(Path(results).glob("grpo_*"))
        if (d / "reward_curve.csv").exists()
    }


def ours_vs_paper_tables(long1: pd.DataFrame, long3: pd.DataFrame, title: str):
    """:func:`ours_vs_paper` over both side-by-side tables (:func:`sqa.analysis.tables.side_by_side` of Tables 1 and 3),
    rows with a missing value left out; None when the tables share no system."""
    both = pd.concat([long1, long3])
    return ours_vs_paper(both.dropna(), title=title) if len(both) else None


def pcc_before_after(cmp: pd.DataFrame, title: str = "PCC before and after GRPO"):
    """Bars of PCC per dimension before and after GRPO (:func:`sqa.analysis.digest.calibration_vs_grpo`)."""
    ax = cmp.astype(float).plot.bar(figsize=(8, 3), title=title)
    ax.set_ylabel("PCC")
    return ax.figure
