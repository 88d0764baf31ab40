"""Interval IoU reward (ours): mean :func:`~sqa.metrics.interval_iou` over artifact types.

A type counts when the reference or the prediction marks it present; a missing or absent
prediction then has no intervals (IoU 0 against a present reference, and a false alarm scores
0 too). When neither side marks anything present, the reward is 1.0 if the answer states the
artifacts at all, else 0.0. Range 0..1.

>>> from sqa.schema import Assessment, Artifact, render
>>> ref = render(Assessment({"noise": 2}, {"noise": Artifact(True, [(0, 2)], "hum"),
...                                        "distortion": Artifact(False)}))
>>> partly = ref.replace("0-2s", "1-3s")
>>> interval_iou_reward(None, [ref, partly, "junk"], reference=[ref] * 3)
[1.0, 0.3333333333333333, 0.0]
"""

from __future__ import annotations

from sqa.metrics.iou import interval_iou
from sqa.rewards.common import Reward
from sqa.schema import ARTIFACTS, Artifact, Assessment


def _intervals(a: Artifact | None) -> list:
    return a.intervals if a is not None and a.present else []


def artifact_iou(pred: Assessment | None, ref: Assessment) -> float:
    """Mean IoU over artifact types present on either side (see module docstring)."""
    if pred is None:
        return 0.0
    ious = []
    for name in ARTIFACTS:
        pa, ra = pred.artifacts.get(name), ref.artifacts.get(name)
        if (pa is not None and pa.present) or (ra is not None and ra.present):
            ious.append(
                interval_iou(_intervals(pa), _intervals(ra))
                if pa is not None and pa.present and ra is not None and ra.present
                else 0.0
            )
    if ious:
        return sum(ious) / len(ious)
    return 1.0 if any(pred.artifacts.get(n) is not None for n in ARTIFACTS) else 0.0


class IntervalIoUReward(Reward):
    """Mean interval IoU over artifact types, per completion.

    >>> ref = "Noise artifact: yes, 0-2s; hum"
    >>> r = IntervalIoUReward(); r.__name__
    'interval_iou_reward'
    >>> r(None, [ref, "Noise artifact: yes, 1-3s; hum", "?"], reference=[ref] * 3)
    [1.0, 0.3333333333333333, 0.0]
    """

    name = "iou"
    function_name = "interval_iou_reward"

    def score(self, prompts, completions, columns) -> list[float]:
        _, preds, refs = self.parsed(completions, columns)
        return [artifact_iou(p, r) for p, r in zip(preds, refs)]


interval_iou_reward = IntervalIoUReward()
