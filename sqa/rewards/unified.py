"""SQ-LLM's unified reward (the baseline of the paper's Table 1 / 3): one judge call per answer.

SQ-LLM (Wang et al. 2025, "SpeechLLM-as-Judges", arXiv:2510.14664), Sec. 4.3 eq. (2)-(3) and
Sec. 5.1: a frozen Qwen3 evaluator E rates the whole answer on helpfulness, relevance, accuracy
and level of detail, each an integer 0..10 (rubric: App. B.4); ``r_d = E_d / 10`` and
``R_total = sum_d lambda_d r_d`` with ``lambda = (1, 1, 2, 0.5)``, so ``R_total`` is in 0..4.5.
We divide by ``sum(lambda) = 4.5`` so that the reward is in 0..1::

    unified = (1*H + 1*R + 2*A + 0.5*D) / 10 / 4.5

(``normalise=False`` gives SQ-LLM's raw ``R_total``). The judge is explicit (see
:mod:`sqa.rewards.llm_judge`); it reads the raw completion text and the rendered reference. With the
:class:`~sqa.llm.RuleJudge` stand-in (``"rule"``, named) the four criteria are
computed from the parsed answers (see ``RuleJudge.rate_unified``). Junk scores 0 without a call.

>>> from sqa.schema import Assessment, Artifact, render
>>> ref = render(Assessment({"noise": 2, "overall": 3}, {"noise": Artifact(True, [(0.5, 1.7)], "a low hum")},
...                         description="Noisy but clear speech."))
>>> partly = ref.replace("Noise: 2", "Noise: 4").replace("0.5-1.7s", "3-4s")
>>> r = make_unified_reward("rule:rouge")(None, [ref, partly, "junk"], reference=[ref] * 3)
>>> r[0], 0.0 < r[1] < r[0], r[2]
(1.0, True, 0.0)
"""

from __future__ import annotations

from typing import Any

from sqa.rewards.common import JudgeReward
from sqa.schema import render

UNIFIED_WEIGHTS: dict[str, float] = {"helpfulness": 1.0, "relevance": 1.0, "accuracy": 2.0, "detail": 0.5}
"""lambda_d of SQ-LLM Sec. 5.1 ("set to 1, 1, 2 and 0.5")."""


def combine(ratings: dict[str, float | None], normalise: bool = True) -> float:
    """``sum_d lambda_d * rating_d / 10`` (divided by ``sum lambda`` when ``normalise``); None counts 0.

    >>> combine({"helpfulness": 10, "relevance": 10, "accuracy": 10, "detail": 10})
    1.0
    >>> combine({"helpfulness": 10, "relevance": 0, "accuracy": 5, "detail": None}, normalise=False)
    2.0
    """
    total = sum(w * (ratings.get(k) or 0.0) / 10.0 for k, w in UNIFIED_WEIGHTS.items())
    return total / sum(UNIFIED_WEIGHTS.values()) if normalise else total


class UnifiedReward(JudgeReward):
    """SQ-LLM's weighted helpfulness/relevance/accuracy/detail rating, per completion (``normalise``: 0..1).

    >>> [round(x, 3) for x in UnifiedReward("rule:rouge")(None, ["Noise: 2", "junk"], reference=["Noise: 2"] * 2)]
    [0.889, 0.0]
    """

    name = "unified"

    def __init__(self, judge: Any = None, normalise: bool = True, name: str | None = None, stats=None) -> None:
        super().__init__(judge, name, stats)
        self.normalise = normalise

    def score(self, prompts, completions, columns) -> list[float]:
        texts, preds, refs = self.parsed(completions, columns)
        ref_texts = [r if isinstance(r, str) else render(a) for r, a in zip(columns["reference"], refs)]
        idx = [i for i, p in enumerate(preds) if p is not None]
        ratings = self.judge().rate_unified([(ref_texts[i], texts[i]) for i in idx]) if idx else []
        rewards = [0.0] * len(preds)
        for i, r in zip(idx, ratings):
            rewards[i] = combine(r, self.normalise)
        self.stats.add(self.name, judge_unparsed=sum(any(v is None for v in r.values()) for r in ratings))
        return rewards


def make_unified_reward(backend: Any, normalise: bool = True, name: str = "unified") -> UnifiedReward:
    """A TRL reward with SQ-LLM's unified judge (``backend`` as in :func:`sqa.llm.get_judge`)."""
    return UnifiedReward(backend, normalise, name)


unified_reward = UnifiedReward()
"""The registry's ``unified`` reward, without a judge: ``get_rewards(["unified"], judge=...)`` gives it one."""
