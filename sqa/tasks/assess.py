"""``assess``: today's descriptive assessment of one clip, as the first task (nothing in it changes).

Prompt :data:`sqa.schema.prompts.REASONING_PROMPT`, gold answer :func:`sqa.schema.render`, parser
:func:`sqa.schema.parse_response` (never raises), figures :func:`sqa.metrics.evaluate`. The GRPO rewards
of :data:`sqa.rewards.REWARDS` stay where they are; the training code picks them by name.

>>> from sqa.schema import Assessment
>>> gold = Assessment(scores={"noise": 2, "overall": 3})
>>> ASSESS.parse(ASSESS.render(gold)) == gold
True
>>> ASSESS.parse(b"\\xff junk").scores["overall"] is None
True
"""

from __future__ import annotations

from collections.abc import Sequence

from sqa.metrics import evaluate
from sqa.schema import Assessment, parse_response, render
from sqa.schema.prompts import REASONING_PROMPT
from sqa.tasks.task import Task


def evaluate_assessments(predictions: Sequence, references: Sequence[Assessment], **kwargs) -> dict:
    """:func:`sqa.metrics.evaluate` (imported on use: the metrics pull in the description judges)."""

    return evaluate(predictions, references, **kwargs)


ASSESS = Task("assess", (REASONING_PROMPT,), render=render, parse=parse_response, evaluate=evaluate_assessments)
