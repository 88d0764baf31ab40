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
The reference answer is in the column ``reference``; ``signal`` reads ``audio_path``. Junk
completions score 0.0 and are counted in :data:`stats`. Only a dead judge
(:class:`~sqa.llm.JudgeUnavailable`) or a missing column (:class:`RewardConfigError`) raises.

>>> [f.__name__ for f in get_rewards(["acc_sem", "iou"])]
['acc_sem_reward', 'interval_iou_reward']
"""
from __future__ import annotations

from typing import Any, Callable

from sqa.rewards.acc_sem import acc_sem_reward
from sqa.rewards.accuracy import accuracy_reward
from sqa.rewards.common import RewardConfigError, completion_text
from sqa.rewards.iou import interval_iou_reward
from sqa.rewards.llm_judge import llm_judge_reward, make_llm_judge_reward
from sqa.rewards.semantic import semantic_reward
from sqa.rewards.signal import make_signal_reward, signal_reward
from sqa.rewards.stats import RewardStats, stats
from sqa.rewards.unified import make_unified_reward, unified_reward

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
    KeyError: "unknown reward(s) ['bogus']; known: ['acc_sem', 'accuracy', 'iou', 'llm_judge', 'semantic', 'signal', 'unified']"
    """
    unknown = [n for n in names if n not in REWARDS]
    if unknown:
        raise KeyError(f"unknown reward(s) {unknown}; known: {sorted(REWARDS)}")


def get_rewards(names: str | list[str], judge: Any = None) -> list[Callable]:
    """Reward functions for registry ``names`` (a name, a comma-separated string, or a list).

    ``judge`` (a spec such as ``"http://host:8000/v1#Qwen3-8B"``) builds the ``llm_judge`` and
    ``unified`` rewards with that judge instead of ``$SQA_JUDGE`` / the rule stand-in.
    """
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    check_reward_names(names)
    out: list[Callable] = []
    for n in names:
        if judge is not None and n == "llm_judge":
            out.append(make_llm_judge_reward(judge))
        elif judge is not None and n == "unified":
            out.append(make_unified_reward(judge))
        else:
            out.extend(REWARDS[n])
    return out


__all__ = ["REWARDS", "check_reward_names", "get_rewards", "stats", "RewardStats", "RewardConfigError", "completion_text",
           "accuracy_reward", "semantic_reward", "acc_sem_reward", "llm_judge_reward", "make_llm_judge_reward",
           "unified_reward", "make_unified_reward", "interval_iou_reward", "signal_reward", "make_signal_reward"]
