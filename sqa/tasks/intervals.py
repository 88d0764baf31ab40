"""Percentile bootstrap intervals for task figures, over the task's items (pairs, clips, trials).

The resampling is :func:`sqa.metrics.bootstrap.resample_indices` (one ``[n_boot, n]`` index matrix from a
fixed seed) and the interval :func:`sqa.metrics.bootstrap.percentile_interval`, as for Tables 1 and 3;
only the figures differ. A figure is a function of the item indices ``idx`` ``[B, n]`` returning one value
per row; :func:`ratio` builds the common one, a ratio of per-item counts summed over the resample.

>>> import numpy as np
>>> hit = np.array([1., 1, 0, 1]); valid = np.ones(4)
>>> t = bootstrap_figures(4, {"acc": ratio(hit, valid)}, n_boot=200)
>>> r = t.set_index("metric").loc["acc"]
>>> float(r.value), bool(r.ci_low <= r.value <= r.ci_high), int(r.n)
(0.75, True, 4)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from sqa.metrics.bootstrap import LEVEL, N_BOOT, SEED, percentile_interval, resample_indices

Figure = Callable[[np.ndarray], np.ndarray]


def ratio(num: np.ndarray, den: np.ndarray) -> Figure:
    """``sum(num[idx]) / sum(den[idx])`` per resample (NaN where the denominator is 0): an accuracy
    (``num`` = correct, ``den`` = counted) or a precision/recall (true positives over predicted/gold)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)

    def figure(idx: np.ndarray) -> np.ndarray:
        d = den[idx].sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(d > 0, num[idx].sum(-1) / np.maximum(d, 1e-300), np.nan)

    return figure


def mean_of(figures: list[Figure]) -> Figure:
    """The mean of several figures per resample, leaving out the undefined ones (a macro average)."""

    def figure(idx: np.ndarray) -> np.ndarray:
        stack = np.stack([f(idx) for f in figures])
        ok = ~np.isnan(stack)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ok.any(0), np.where(ok, stack, 0).sum(0) / np.maximum(ok.sum(0), 1), np.nan)

    return figure


def bootstrap_figures(
    n: int, figures: Mapping[str, Figure], n_boot: int = N_BOOT, seed: int = SEED, level: float = LEVEL
) -> pd.DataFrame:
    """``metric, value, ci_low, ci_high, undefined_resamples, n`` for each figure over ``n`` items."""
    if n <= 0:
        raise ValueError("sqa.tasks.intervals: no items to bootstrap over")
    point_idx, boot_idx = np.arange(n)[None], resample_indices(n, n_boot, seed)
    rows = []
    for name, figure in figures.items():
        value = float(figure(point_idx)[0])
        if np.isnan(value):
            lo = hi = float("nan")
            undefined = n_boot
        else:
            lo, hi, undefined = percentile_interval(figure(boot_idx), level)
            lo, hi = min(lo, value), max(hi, value)
        rows.append(
            {"metric": name, "value": value, "ci_low": lo, "ci_high": hi, "undefined_resamples": undefined, "n": n}
        )
    return pd.DataFrame(rows)
