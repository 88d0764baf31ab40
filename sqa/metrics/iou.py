"""Temporal IoU of artifact intervals (paper Table 3, "IoU" columns).

Overlapping intervals are merged on each side; IoU is total overlap length over total union
length. Both sides empty gives 1.0, exactly one empty gives 0.0.

>>> interval_iou([(0, 2)], [(1, 3)])
0.3333333333333333
>>> interval_iou([(0, 1), (0.5, 2)], [(0, 2)])  # merged to (0, 2)
1.0
>>> interval_iou([], []), interval_iou([(0, 1)], [])
(1.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[float, float]


def merge_intervals(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """Sorted, non-overlapping union of ``(start, end)`` intervals (ends may come in either order).

    >>> merge_intervals([(3, 4), (0, 1), (0.5, 2), (2, 2.5)])
    [(0.0, 2.5), (3.0, 4.0)]
    """
    spans = sorted((min(float(a), float(b)), max(float(a), float(b))) for a, b in intervals)
    merged: list[Interval] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total_length(intervals: Sequence[Interval]) -> float:
    """Summed length of already merged intervals."""
    return sum(b - a for a, b in intervals)


def overlap_length(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    """Length of the intersection of two merged interval lists."""
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def interval_iou(pred: Iterable[Sequence[float]] | None, ref: Iterable[Sequence[float]] | None) -> float:
    """IoU of two interval lists after merging; ``None`` counts as empty.

    If both lists are non-empty but have zero total length (points), IoU is 1.0 when the
    merged lists are equal and 0.0 otherwise.
    """
    p, r = merge_intervals(pred or []), merge_intervals(ref or [])
    if not p and not r:
        return 1.0
    if not p or not r:
        return 0.0
    inter = overlap_length(p, r)
    union = total_length(p) + total_length(r) - inter
    if union <= 0.0:
        return 1.0 if p == r else 0.0
    return inter / union
