"""Pearson correlation of predicted and reference scores (paper Table 1).

>>> pcc([1, 2, 3, 4], [2, 4, 6, 8])
1.0
>>> pcc([1, None, 3, 5], [1, 2, float("nan"), 4])  # only (1, 1) and (5, 4) count
1.0
>>> import math; math.isnan(pcc([3, 3, 3], [1, 2, 3]))  # constant input: undefined, not a crash
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from scipy.stats import pearsonr


def _valid(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def paired(pred: Sequence, ref: Sequence) -> tuple[list[float], list[float]]:
    """The pairs where neither value is None or NaN, as two float lists."""
    if len(pred) != len(ref):
        raise ValueError(f"sqa.metrics.pcc: {len(pred)} predictions vs {len(ref)} references")
    pairs = [(float(p), float(r)) for p, r in zip(pred, ref) if _valid(p) and _valid(r)]
    return [p for p, _ in pairs], [r for _, r in pairs]


def pcc(pred: Sequence[float | None], ref: Sequence[float | None]) -> float:
    """Pearson's r via :func:`scipy.stats.pearsonr` over pairs where both values are known.

    Returns NaN (never raises) when fewer than 2 pairs remain or either side is constant.
    """
    p, r = paired(pred, ref)
    if len(p) < 2 or len(set(p)) < 2 or len(set(r)) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(pearsonr(p, r).statistic)
