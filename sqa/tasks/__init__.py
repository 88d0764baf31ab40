"""``sqa.tasks``: the tasks of the judge, one module each, one registry line each.

======== ============================================ ==========================================
task     what the model answers                       figures
======== ============================================ ==========================================
assess   the structured assessment of one clip        Table 1 / Table 3 (:func:`sqa.metrics.evaluate`)
compare  A/B/tie per dimension for two clips + reason 3-way and non-tie accuracy (:mod:`.compare_metrics`)
suggest  fixes for one clip, free text                coverage P/R, ROUGE-L, MiniLM (:mod:`.suggest_metrics`)
detect   ``real`` or ``fake``                         EER, minDCF, accuracy (:mod:`.detect_metrics`)
======== ============================================ ==========================================

The rewards of the new tasks are in :mod:`sqa.rewards.tasks`. Each task also has a **derived baseline**
that needs no new training, computed from a system's single-clip assessments (:mod:`.derived`).
``docs/tasks.md`` describes the formats and conventions.

>>> sorted(TASKS)
['assess', 'compare', 'detect', 'suggest']
>>> get_task("compare").n_audios
2
"""

from __future__ import annotations

from sqa.tasks.assess import ASSESS
from sqa.tasks.compare_metrics import COMPARE
from sqa.tasks.detect import DETECT
from sqa.tasks.suggest_metrics import SUGGEST
from sqa.tasks.task import Task

TASKS: dict[str, Task] = {
    "assess": ASSESS,  # its GRPO rewards are sqa.rewards.REWARDS, picked by name
    "compare": COMPARE,  # its reward: sqa.rewards.tasks.compare_reward
    "suggest": SUGGEST,  # sqa.rewards.tasks.suggest_reward
    "detect": DETECT,  # sqa.rewards.tasks.detect_reward
}


def get_task(name: str) -> Task:
    """The registered task of that name, or a ``ValueError`` listing the known ones."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r} (known: {', '.join(sorted(TASKS))})")
    return TASKS[name]


__all__ = ["TASKS", "Task", "get_task"]
