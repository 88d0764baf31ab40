"""Figures: they draw what they are given, in the order they promise, without a display."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from sqa.analysis import plots


def _curve(slope: float, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    steps = np.arange(1, n + 1)
    return pd.DataFrame({"step": steps, "reward": slope * steps + rng.normal(0, 0.1, n), "kl": 0.0})


def test_reward_curve_grid_one_panel_per_run_with_its_trend():
    fig = plots.reward_curve_grid({"grpo_up": _curve(0.05), "grpo_flat": _curve(0.0)})
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    up, flat = (ax.get_title() for ax in visible)
    assert up.startswith("grpo_up") and "trend +5" in up and "p=" in up
    assert flat.startswith("grpo_flat")


def test_reward_curves_plot_labels_the_trend():
    fig = plots.reward_curves(_curve(0.05))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(label.startswith("trend +5") for label in labels)


def test_pcc_through_stages_keeps_pipeline_order_and_drops_other_rows():
    t1 = pd.DataFrame(
        {
            "system": ["SQ-LLM", "Other", "Calibration-only", "Acc+Sem dim-wise GRPO"],
            "noise": [0.1, 0.9, 0.6, 0.5],
            "avg": [0.1, 0.9, 0.6, 0.5],
        }
    )
    fig = plots.pcc_through_stages(t1)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Calibration-only", "Acc+Sem dim-wise GRPO", "SQ-LLM"]


def _ci(systems, metric="avg", values=None):
    values = values or [0.5] * len(systems)
    return pd.DataFrame(
        {
            "system": systems,
            "metric": metric,
            "value": values,
            "ci_low": [v - 0.1 for v in values],
            "ci_high": [v + 0.1 for v in values],
            "note": [
                "average over 2 of 6 dimensions (others undefined)" if i == 0 else "" for i in range(len(systems))
            ],
        }
    )


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_interval_bars_one_colour_per_system_and_explicit_undefined_marks():
    ci = _ci(["SQ-LLM", "Calibration-only"], values=[0.5, float("nan")])
    fig = plots.interval_bars(ci, ["avg"], paper=pd.DataFrame({"system": ["SQ-LLM"], "avg": [0.63]}))
    texts = _texts(fig)
    assert plots.NA_LABEL in texts and "*" in texts
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[0].patches if p.get_height() > 0.05}
    assert plots.system_color("SQ-LLM") in colours
    assert len(set(plots.PALETTE.values())) == len(plots.PALETTE)  # no two systems share a colour


def test_claim_figure_and_stage_plot_draw_ours_and_the_paper():
    ci = _ci(["Acc+Sem dim-wise GRPO", "SQ-LLM"], metric="overall", values=[0.7, 0.6])
    claim = pd.Series(
        {
            "claim": "X > Y",
            "contrast": "Acc+Sem dim-wise GRPO - SQ-LLM",
            "metric": "overall",
            "ours": 0.1,
            "ci_low": 0.02,
            "ci_high": 0.18,
            "paper": 0.04,
            "verdict": "reproduced",
            "direction": "greater",
        }
    )
    fig = plots.claim_figure(claim, ci, paper=pd.DataFrame({"system": ["SQ-LLM"], "overall": [0.68]}))
    assert fig.axes[1].get_title() == "reproduced"
    undefined = plots.claim_figure(
        pd.Series({**claim, "ours": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}), ci
    )
    assert any(plots.NA_LABEL in t for t in _texts(undefined))
    p1 = pd.DataFrame({"system": ["Calibration-only", "SQ-LLM"], "avg": [0.66, 0.63], "overall": [0.71, 0.68]})
    stages = plots.stage_plot(
        pd.concat([_ci(["Calibration-only", "SQ-LLM"]), _ci(["Calibration-only"], "overall")]), p1
    )
    assert len(stages.axes) == 2 and plots.NA_LABEL in _texts(stages)  # SQ-LLM has no MOS row here
