"""Accuracy reward, paper eq. 4 summed over dimensions: ``sum_d 1[s_pred_d == s_ref_d]``.

Dimensions whose reference score is unknown are skipped. Speed IS included: the paper sums the
reward over all dimensions and drops speed only from the evaluation (Table 1, footnote 2); set
``ACCURACY_DIMENSIONS`` differently to change that. Range 0..7 for a fully annotated reference.

>>> from sqa.schema import Assessment, Artifact, render
>>> ref = render(Assessment({"noise": 2, "speed": 3, "overall": 3},
...                          {"noise": Artifact(True, [(0.5, 1.7)], "a low hum")}))
>>> partly = ref.replace("Noise: 2", "Noise: 4")
>>> accuracy_reward(None, [ref, partly, "blah blah"], reference=[ref] * 3)
[3.0, 2.0, 0.0]
"""

from __future__ import annotations

from sqa.rewards.common import Reward
from sqa.schema import DIMENSIONS, Assessment

ACCURACY_DIMENSIONS: tuple[str, ...] = DIMENSIONS


def accuracy_score(pred: Assessment | None, ref: Assessment) -> float:
    """Number of dimensions whose predicted score equals the reference score (junk: 0)."""
    if pred is None:
        return 0.0
    return float(sum(pred.scores.get(d) == ref.scores[d] for d in ACCURACY_DIMENSIONS if ref.scores.get(d) is not None))


class AccuracyReward(Reward):
    """Eq. 4 summed over dimensions, per completion (reference in column ``reference``).

    >>> AccuracyReward()(None, ["Noise: 2\\nSpeed: 1", "?"], reference=["Noise: 2\\nSpeed: 3"] * 2)
    [1.0, 0.0]
    """

    name = "accuracy"

    def score(self, prompts, completions, columns) -> list[float]:
        _, preds, refs = self.parsed(completions, columns)
        return [accuracy_score(p, r) for p, r in zip(preds, refs)]


accuracy_reward = AccuracyReward()
