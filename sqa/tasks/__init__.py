"""``sqa.tasks``: the tasks of the judge, one module each, one registry line each.

======== ============================================ ==========================================
task     what the model answers                       figures
======== ============================================ ==========================================
assess   the structured assessment of one clip        Table 1 / Table 3 (:func:`sqa.metrics.evaluate`)
compare  A/B/tie per dimension for two clips + reason 3-way and non-tie accuracy (:mod:`.compare_metrics`)
suggest  fixes for one clip, free text                coverage P/R, ROUGE-L, MiniLM (:mod:`.suggest_metrics`)
detect   ``real`` or ``fake``                         EER, minDCF, accuracy (:mod:`.detect_metrics`)
======== ============================================ ==========================================

Each task also has a **derived baseline** that needs no new training, computed from a system's
single-clip assessments (:mod:`.derived`). ``docs/tasks.md`` describes the formats and conventions.

>>> sorted(TASKS)
['assess', 'compare', 'detect', 'suggest']
>>> get_task("compare").n_audios
2
"""
from __future__ import annotations

from .assess import ASSESS
from .compare import COMPARE
from .detect import DETECT
from .suggest import SUGGEST
from .task import Task

TASKS: dict[str, Task] = {
    "assess": ASSESS,
    "compare": COMPARE,
    "suggest": SUGGEST,
    "detect": DETECT,
}


def get_task(name: str) -> Task:
    """The registered task of that name, or a ``ValueError`` listing the known ones."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r} (known: {', '.join(sorted(TASKS))})")
    return TASKS[name]


__all__ = ["TASKS", "Task", "get_task"]
