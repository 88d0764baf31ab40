"""``sqa.rewards``: GRPO rewards with TRL's signature ``f(prompts, completions, **columns) -> list[float]``.

=============  ==========================================  =====================================
registry name  reward functions                            meaning
=============  ==========================================  =====================================
``acc_sem``    :func:`acc_sem_reward`                      paper eq. 4 + eq. 5 (total R)
``llm_judge``  :func:`llm_judge_reward`                    paper Fig. 2, dimension-wise judge
``unified``    :func:`unified_reward`                      SQ-LLM: weighted H/R/A/D judge
``iou``        :func:`interval_iou_reward`                 ours: mean artifact interval IoU
``signal``     :func:`signal_reward`                       ours: claims vs. signal detectors
=============  ==========================================  =====================================

:func:`accuracy_reward` (eq. 4) and :func:`semantic_reward` (eq. 5) are available on their own.
Each reward is a small callable (:class:`Reward`); ``llm_judge`` and ``unified`` ask a judge given
explicitly (``get_rewards(names, judge=SPEC)``; ``"rule"`` names the rule stand-in). The reference
answer is in the column ``reference``; ``signal`` reads ``audio_path``. Junk completions score 0.0
and reward errors score 0.0 too, both counted in the rewards' :class:`RewardStats` (one per GRPO run,
``get_rewards(..., stats=...)``; the run's ``reward_curve.csv`` has ``unparsed`` and ``reward_errors``).
Only a dead judge (:class:`~sqa.llm.JudgeUnavailable`), a missing judge (:class:`~sqa.llm.NoJudgeError`)
or a missing column (:class:`RewardConfigError`) raises.

>>> run = RewardStats()
>>> rewards = get_rewards(["acc_sem", "llm_judge"], judge="rule:rouge", stats=run)
>>> [f.__name__ for f in rewards], [f.stats is run for f in rewards]
(['acc_sem_reward', 'llm_judge_reward'], [True, True])
>>> get_rewards("unified")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sqa.llm.errors.NoJudgeError: sqa.rewards.get_rewards: reward 'unified' asks a judge; pass judge= a spec ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqa.llm.errors import NoJudgeError
from sqa.llm.spec import spec_help
from sqa.rewards.acc_sem import AccSemReward, acc_sem_reward
from sqa.rewards.accuracy import AccuracyReward, accuracy_reward
from sqa.rewards.common import JudgeReward, Reward, RewardConfigError, completion_text
from sqa.rewards.iou import IntervalIoUReward, interval_iou_reward
from sqa.rewards.llm_judge import LLMJudgeReward, llm_judge_reward, make_llm_judge_reward
from sqa.rewards.semantic import SemanticReward, semantic_reward
from sqa.rewards.signal import SignalReward, make_signal_reward, signal_reward
from sqa.rewards.stats import RewardStats
from sqa.rewards.unified import UnifiedReward, make_unified_reward, unified_reward

REWARDS: dict[str, list[Callable]] = {
    "acc_sem": [acc_sem_reward],
    "llm_judge": [llm_judge_reward],
    "unified": [unified_reward],
    "iou": [interval_iou_reward],
    "signal": [signal_reward],
    "accuracy": [accuracy_reward],
    "semantic": [semantic_reward],
}


def check_reward_names(names: list[str]) -> None:
    """Raise ``KeyError`` naming every registry name in ``names`` that does not exist (before any work).

    >>> check_reward_names(["acc_sem", "iou"])
    >>> check_reward_names(["acc_sem", "bogus"])
    Traceback (most recent call last):
    ...
    KeyError: "unknown reward(s) ['bogus']; known: ['acc_sem', 'accuracy', 'iou', 'llm_judge', 'semantic', \
'signal', 'unified']"
    """
    unknown = [n for n in names if n not in REWARDS]
    if unknown:
        raise KeyError(f"unknown reward(s) {unknown}; known: {sorted(REWARDS)}")


def get_rewards(names: str | list[str], judge: Any = None, stats: RewardStats | None = None) -> list[Callable]:
    """Reward functions for registry ``names`` (a name, a comma-separated string, or a list).

    ``judge`` (a spec such as ``"http://host:8000/v1#Qwen3-8B"``, or ``"rule"`` for the rule stand-in) is what
    the ``llm_judge`` and ``unified`` rewards ask; naming one of them without it raises
    :class:`~sqa.llm.NoJudgeError`. ``stats``: the collector every :class:`Reward` reports to (a GRPO run's
    own); None leaves each reward its own.
    """
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    check_reward_names(names)
    out: list[Callable] = []
    for n in names:
        for fn in REWARDS[n]:
            if isinstance(fn, JudgeReward):
                if judge is None:
                    raise NoJudgeError(
                        f"sqa.rewards.get_rewards: reward {n!r} asks a judge; pass judge= a spec "
                        f"({spec_help()}) or a judge object"
                    )
                fn = fn.with_judge(judge)
            if stats is not None and isinstance(fn, Reward):
                fn = fn.with_stats(stats)
            out.append(fn)
    return out


__all__ = [
    "REWARDS",
    "check_reward_names",
    "get_rewards",
    "Reward",
    "JudgeReward",
    "RewardStats",
    "RewardConfigError",
    "completion_text",
    "accuracy_reward",
    "semantic_reward",
    "acc_sem_reward",
    "llm_judge_reward",
    "make_llm_judge_reward",
    "unified_reward",
    "make_unified_reward",
    "interval_iou_reward",
    "signal_reward",
    "make_signal_reward",
    "AccuracyReward",
    "SemanticReward",
    "AccSemReward",
    "LLMJudgeReward",
    "UnifiedReward",
    "IntervalIoUReward",
    "SignalReward",
]
