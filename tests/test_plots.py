"""Figures: they draw what they are given, in the order they promise, without a display."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sqa import plots  # noqa: E402


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
    t1 = pd.DataFrame({"system": ["SQ-LLM", "Other", "Calibration-only", "Acc+Sem dim-wise GRPO"],
                       "noise": [0.1, 0.9, 0.6, 0.5], "avg": [0.1, 0.9, 0.6, 0.5]})
    fig = plots.pcc_through_stages(t1)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Calibration-only", "Acc+Sem dim-wise GRPO", "SQ-LLM"]
