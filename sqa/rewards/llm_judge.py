"""Dimension-wise LLM-judge reward (paper Sec. 3.2.1, Fig. 2): one judge prompt per dimension.

For each of the 7 dimensions the reference says something about, the judge sees only that
dimension of the reference and of the candidate (score, its artifact, and for overall quality
the long-form description; see :mod:`sqa.llm.views`) and rates agreement 0..10. The reward is
``sum_d rating_d / 10`` (each dimension normalised to 0..1; range 0..7). A dimension the
candidate leaves out scores 0 without asking the judge; an unreadable judge reply scores 0 and
is counted (``stats["llm_judge"].judge_unparsed``).

The judge comes from :func:`sqa.llm.get_judge`: ``make_llm_judge_reward("http://host:8000/v1#Qwen3-8B")``
for Qwen3 on vLLM as in the paper, ``"hf:/path"`` for a local model. The module-level
``llm_judge_reward`` uses ``$SQA_JUDGE`` (default ``"rule"``, the deterministic
:class:`~sqa.llm.RuleJudge` stand-in). An unreachable endpoint raises
:class:`~sqa.llm.JudgeUnavailable`, naming the URL, on the first call.

>>> from sqa.schema import Assessment, Artifact, render
>>> ref = render(Assessment({"noise": 2, "overall": 3}, {"noise": Artifact(True, [(0.5, 1.7)], "a low hum")}))
>>> partly = ref.replace("Noise: 2", "Noise: 4").replace("0.5-1.7s", "3-4s")
>>> reward = make_llm_judge_reward("rule:rouge")
>>> reward(None, [ref, partly, "no idea"], reference=[ref] * 3)
[2.0, 1.5833333333333333, 0.0]
"""
from __future__ import annotations

from typing import Any, Callable

from sqa.llm import lazy_judge
from sqa.llm.views import dimension_text
from sqa.schema import DIMENSIONS

from sqa.rewards.common import never_raise, parsed_pairs
from sqa.rewards.stats import stats


def make_llm_judge_reward(backend: Any = None, name: str = "llm_judge") -> Callable:
    """A TRL reward using the judge ``backend`` (spec string or object; None: ``$SQA_JUDGE`` or "rule")."""
    judge = lazy_judge(backend)

    @never_raise(name)
    def llm_judge_reward(prompts, completions, **columns) -> list[float]:
        """Sum over dimensions of the judge's 0..10 rating / 10, per completion."""
        _, preds, refs = parsed_pairs(name, completions, columns)
        items, owners = [], []
        for i, (pred, ref) in enumerate(zip(preds, refs)):
            if pred is None:
                continue
            for dim in DIMENSIONS:
                if dimension_text(ref, dim) and dimension_text(pred, dim):
                    items.append((dim, ref, pred))
                    owners.append(i)
        ratings = judge().rate_dimensions(items) if items else []
        rewards = [0.0] * len(preds)
        for i, r in zip(owners, ratings):
            rewards[i] += 0.0 if r is None else r / 10.0
        stats.add(name, judge_unparsed=sum(r is None for r in ratings))
        return rewards

    llm_judge_reward.__name__ = llm_judge_reward.__qualname__ = f"{name}_reward"
    return llm_judge_reward


llm_judge_reward = make_llm_judge_reward()
