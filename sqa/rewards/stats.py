"""Counters of reward calls, so that junk completions and reward errors scored 0 are visible, not silent.

One :class:`RewardStats` per GRPO run collects every reward's counts (``sqa.rewards.get_rewards(...,
stats=...)``); each step's ``unparsed`` and ``reward_errors`` go into its ``reward_curve.csv``.

>>> s = RewardStats()
>>> s.add("acc_sem", calls=4, unparsed=1)
>>> s.calls["acc_sem"], s.unparsed["acc_sem"]
(4, 1)
>>> s.snapshot()["acc_sem"]["unparsed_rate"]
0.25
>>> before = s.snapshot(); s.add("acc_sem", calls=4, unparsed=2); s.add("iou", calls=4, unparsed=2)
>>> s.unparsed_since(before)
2
>>> s.add("iou", calls=4, errors=4); s.errors_since(before)
4
>>> s.reset(); s.snapshot()
{}
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import asdict, dataclass


@dataclass
class RewardCounts:
    calls: int = 0  # completions scored
    unparsed: int = 0  # completions from which nothing was parsed (scored 0)
    judge_unparsed: int = 0  # judge replies without a readable rating (scored 0)
    errors: int = 0  # completions scored 0 because of an unexpected error (see warnings)


class RewardStats:
    """Per-reward :class:`RewardCounts`; ``calls`` / ``unparsed`` give ``{reward: count}``."""

    def __init__(self) -> None:
        self._counts: dict[str, RewardCounts] = defaultdict(RewardCounts)
        self._lock = threading.Lock()

    def add(self, name: str, **counts: int) -> None:
        with self._lock:
            c = self._counts[name]
            for key, value in counts.items():
                setattr(c, key, getattr(c, key) + value)

    def __getitem__(self, name: str) -> RewardCounts:
        return self._counts[name]

    @property
    def calls(self) -> dict[str, int]:
        return {k: c.calls for k, c in self._counts.items()}

    @property
    def unparsed(self) -> dict[str, int]:
        return {k: c.unparsed for k, c in self._counts.items()}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def unparsed_since(self, before: dict[str, dict]) -> int:
        """Unparsed completions since ``before`` (a :meth:`snapshot`): the largest increase over rewards,
        since every reward parses the same completions."""
        now = self.snapshot()
        return max((c["unparsed"] - before.get(k, {}).get("unparsed", 0) for k, c in now.items()), default=0)

    def errors_since(self, before: dict[str, dict]) -> int:
        """Completions scored 0.0 after a reward's unexpected error since ``before`` (a :meth:`snapshot`), summed
        over rewards (each error is its own reward's)."""
        now = self.snapshot()
        return sum(c["errors"] - before.get(k, {}).get("errors", 0) for k, c in now.items())

    def snapshot(self) -> dict[str, dict]:
        """``{reward: {calls, unparsed, judge_unparsed, errors, unparsed_rate}}`` (a copy, JSON-ready)."""
        with self._lock:
            return {
                k: {**asdict(c), "unparsed_rate": c.unparsed / c.calls if c.calls else 0.0}
                for k, c in self._counts.items()
            }
