"""Binary F1 of artifact presence (paper Table 3, "F1" columns).

A prediction of ``None`` (the answer says nothing about the artifact, or was not parsed)
counts as predicting *absent*. Pairs whose reference is ``None`` (not annotated) are skipped.

>>> detection_f1([True, True, False, False], [True, False, True, False])  # TP=1, FP=1, FN=1
0.5
>>> detection_f1([True, None], [True, True])  # None = predicted absent: TP=1, FN=1
0.6666666666666666
>>> import math; math.isnan(detection_f1([False], [False]))  # no positives anywhere: undefined
True
"""

from __future__ import annotations

from collections.abc import Sequence


def detection_f1(pred_present: Sequence[bool | None], ref_present: Sequence[bool | None]) -> float:
    """``2 TP / (2 TP + FP + FN)`` of presence; NaN when there is no positive on either side."""
    if len(pred_present) != len(ref_present):
        raise ValueError(f"sqa.metrics.detection_f1: {len(pred_present)} predictions vs {len(ref_present)} references")
    tp = fp = fn = 0
    for p, r in zip(pred_present, ref_present):
        if r is None:
            continue
        p = bool(p)  # None -> absent
        tp += p and r
        fp += p and not r
        fn += (not p) and r
    denom = 2 * tp + fp + fn
    return float("nan") if denom == 0 else 2 * tp / denom
