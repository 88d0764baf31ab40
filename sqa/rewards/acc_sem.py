"""The paper's total reward R for the Acc.+Sem. run: accuracy (eq. 4) + semantic similarity (eq. 5).

>>> from sqa.schema import Assessment, Artifact, render
>>> ref = render(Assessment({"noise": 2, "overall": 3}, {"noise": Artifact(True, [(0.5, 1.7)], "a low hum")}))
>>> partly = ref.replace("Noise: 2", "Noise: 4").replace("a low hum", "crackling")
>>> r = acc_sem_reward(None, [ref, partly, ""], reference=[ref] * 3)
>>> round(r[0], 3), 1.0 < r[1] < 2.0, r[2]
(3.0, True, 0.0)
"""

from __future__ import annotations

from sqa.rewards.accuracy import accuracy_score
from sqa.rewards.common import Reward
from sqa.rewards.semantic import semantic_scores


class AccSemReward(Reward):
    """``accuracy + semantic`` per completion (range 0..10 for a fully annotated reference).

    >>> ref = "Noise: 2\\nNoise artifact: yes, 0-1s; a low hum"
    >>> [round(x, 3) for x in AccSemReward()(None, [ref, "Noise: 2", "?"], reference=[ref] * 3)]
    [2.0, 1.0, 0.0]
    """

    name = "acc_sem"

    def score(self, prompts, completions, columns) -> list[float]:
        _, preds, refs = self.parsed(completions, columns)
        sem = semantic_scores(preds, refs)
        return [accuracy_score(p, r) + s for p, r, s in zip(preds, refs, sem)]


acc_sem_reward = AccSemReward()
