"""A GRPO run's reward curve summarised: first and last means, their rise, and the least-squares trend."""

from __future__ import annotations

import pandas as pd


def reward_curve_summary(curve: pd.DataFrame, window: int | None = None) -> dict:
    """Mean reward over the first and last ``window`` steps (default: a quarter of the run), the rise
    between them, and the least-squares trend over all steps (``scipy.stats.linregress``: slope per 100
    steps and its two-sided p-value), since per-step rewards of a small batch are noisy.

    >>> s = reward_curve_summary(pd.DataFrame({"reward": [0.0, 1.0, 2.0, 3.0]}), window=2)
    >>> s["reward_first"], s["reward_last"], s["reward_rise"], s["steps"], s["reward_slope_per_100"]
    (0.5, 2.5, 2.0, 4, 100.0)
    >>> reward_curve_summary(pd.DataFrame({"reward": [1.0, 3.0, 1.0, 3.0] * 5}))["reward_slope_p"] > 0.05
    True
    """
    n = len(curve)
    w = max(1, min(window or n // 4, n // 2 or 1))
    first, last = float(curve["reward"].head(w).mean()), float(curve["reward"].tail(w).mean())
    out = {
        "reward_first": round(first, 4),
        "reward_last": round(last, 4),
        "reward_rise": round(last - first, 4),
        "steps": int(n),
        "window": int(w),
        "reward_slope_per_100": None,
        "reward_slope_p": None,
    }
    fit = reward_trend(curve)
    if fit is not None:
        out.update(reward_slope_per_100=round(float(fit.slope) * 100, 4), reward_slope_p=float(f"{fit.pvalue:.3g}"))
    return out


def reward_steps(curve: pd.DataFrame):
    """The step of each row: the ``step`` column of a reward curve, else 0, 1, 2, ..."""
    return curve["step"] if "step" in curve else pd.Series(range(len(curve)), index=curve.index)


def reward_trend(curve: pd.DataFrame):
    """``scipy.stats.linregress`` of the total reward on the step (``slope``, ``intercept``, ``pvalue``),
    or None with fewer than 3 steps.

    >>> round(float(reward_trend(pd.DataFrame({"step": [1, 2, 3], "reward": [1.0, 1.5, 2.0]})).slope), 3)
    0.5
    """
    from scipy.stats import linregress

    if len(curve) < 3:
        return None
    return linregress(reward_steps(curve), curve["reward"].astype(float))
