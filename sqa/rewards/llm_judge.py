"""Dimension-wise LLM-judge reward (paper Sec. 3.2.1, Fig. 2): one judge prompt per dimension.

For each of the 7 dimensions the reference says something about, the judge sees only that
dimension of the reference and of the candidate (score, its artifact, and for overall quality
the long-form description; see :mod:`sqa.llm.views`) and rates agreement 0..10. The reward is
``sum_d rating_d / 10`` (each dimension normalised to 0..1; range 0..7). A dimension the
candidate leaves out scores 0 without asking the judge; an unreadable judge reply scores 0 and
is counted (``stats["llm_judge"].judge_unparsed``).

The judge is explicit (:func:`sqa.llm.get_judge`): ``make_llm_judge_reward("http://host:8000/v1#Qwen3-8B")``
for Qwen3 on vLLM as in the paper, ``"hf:/path"`` for a local model, ``"rule"`` for the deterministic
:class:`~sqa.llm.RuleJudge` stand-in. The module-level ``llm_judge_reward`` has none: called, it raises
:class:`~sqa.llm.NoJudgeError` naming what to pass (``get_rewards(["llm_judge"], judge=...)`` builds it
with one). An unreachable endpoint raises :class:`~sqa.llm.JudgeUnavailable`, naming the URL, on the first call.

>>> from sqa.schema import Assessment, Artifact, render
>>> ref = render(Assessment({"noise": 2, "overall": 3}, {"noise": Artifact(True, [(0.5, 1.7)], "a low hum")}))
>>> partly = ref.replace("Noise: 2", "Noise: 4").replace("0.5-1.7s", "3-4s")
>>> reward = make_llm_judge_reward("rule:rouge")
>>> reward(None, [ref, partly, "no idea"], reference=[ref] * 3)
[2.0, 1.5833333333333333, 0.0]
"""

from __future__ import annotations

from typing import Any

from sqa.llm.views import dimension_text
from sqa.rewards.common import JudgeReward
from sqa.schema import DIMENSIONS


class LLMJudgeReward(JudgeReward):
    """Sum over dimensions of the judge's 0..10 rating / 10, per completion.

    >>> LLMJudgeReward("rule:rouge")(None, ["Noise: 2", "Noise: 4"], reference=["Noise: 2"] * 2)
    [1.0, 0.5]
    >>> llm_judge_reward(None, ["Noise: 2"], reference=["Noise: 2"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sqa.llm.errors.NoJudgeError: sqa.rewards.llm_judge: no judge given; build it with one, e.g. get_rewards(...
    """

    name = "llm_judge"

    def score(self, prompts, completions, columns) -> list[float]:
        _, preds, refs = self.parsed(completions, columns)
        items, owners = [], []
        for i, (pred, ref) in enumerate(zip(preds, refs)):
            if pred is None:
                continue
            for dim in DIMENSIONS:
                if dimension_text(ref, dim) and dimension_text(pred, dim):
                    items.append((dim, ref, pred))
                    owners.append(i)
        ratings = self.judge().rate_dimensions(items) if items else []
        rewards = [0.0] * len(preds)
        for i, r in zip(owners, ratings):
            rewards[i] += 0.0 if r is None else r / 10.0
        self.stats.add(self.name, judge_unparsed=sum(r is None for r in ratings))
        return rewards


def make_llm_judge_reward(backend: Any, name: str = "llm_judge") -> LLMJudgeReward:
    """A TRL reward using the judge ``backend`` (a spec string or a judge / chat backend object)."""
    return LLMJudgeReward(backend, name)


llm_judge_reward = LLMJudgeReward()
"""The registry's ``llm_judge`` reward, without a judge: ``get_rewards(["llm_judge"], judge=...)`` gives it one."""
