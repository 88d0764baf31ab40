"""The task seam: what one task of the judge is (prompts, gold answer, tolerant parser, metrics, reward).

A task is one module of :mod:`sqa.tasks` that builds a :class:`Task` and one line of
:data:`sqa.tasks.TASKS`. Every field is a plain function, so a task never imports the training code:

* ``prompts`` -- the instruction(s) the model is given (the first is the default; more than one lets
  training vary the wording);
* ``render(gold) -> str`` -- the gold answer the model learns, from the task's gold object;
* ``parse(text) -> object`` -- the model's answer read back; **never raises** (junk gives an empty value);
* ``evaluate(predictions, references) -> dict`` -- the task's figures over a test set (predictions first,
  as in :func:`sqa.metrics.evaluate`);
* ``reward`` -- optional, TRL's signature ``f(prompts, completions, **columns) -> list[float]``;
* ``n_audios`` -- how many clips one prompt carries (2 for a comparison).

>>> t = Task("echo", ("Say it.",), render=str, parse=lambda s: s or "", evaluate=lambda p, r: {"n": len(p)})
>>> t.prompt, t.parse(None), t.evaluate(["a"], ["a"])
('Say it.', '', {'n': 1})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    """One task of the multi-task judge (see the module doc for each field)."""

    name: str
    prompts: tuple[str, ...]
    render: Callable[[Any], str]
    parse: Callable[[Any], Any]
    evaluate: Callable[[Sequence[Any], Sequence[Any]], dict]
    reward: Callable[..., list[float]] | None = None
    n_audios: int = 1

    def __post_init__(self) -> None:
        if not self.prompts:
            raise ValueError(f"task {self.name!r}: at least one prompt is needed")

    @property
    def prompt(self) -> str:
        """The default prompt (the first one)."""
        return self.prompts[0]
