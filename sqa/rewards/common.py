"""What every reward shares: completion text, parsing with counting, never raising.

TRL passes completions as strings (standard format) or as chat messages (conversational
format, ``[{"role": "assistant", "content": ...}]``, content possibly a list of typed parts);
both are read. The reference answer comes in the dataset column ``reference`` (a rendered
answer string, or an :class:`~sqa.schema.Assessment`). A missing ``reference`` column is a
configuration error and raises ``RewardConfigError`` (a ``ValueError``); everything about a
completion is scored, never raised: junk scores 0.0 and is counted in :data:`sqa.rewards.stats`.

>>> completion_text([{"role": "assistant", "content": [{"type": "text", "text": "Noise: 3"}]}])
'Noise: 3'
>>> completion_text("Noise: 3"), completion_text(None)
('Noise: 3', '')
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, Sequence

from sqa.llm.errors import JudgeUnavailable
from sqa.schema import Assessment, parse_response

from sqa.rewards.stats import stats


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else str(content)


def completion_text(completion: Any) -> str:
    """The generated text of one completion, whatever format TRL used."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return _content_text(completion.get("content"))
    if isinstance(completion, (list, tuple)):
        msgs = [m for m in completion if isinstance(m, dict)]
        assistant = [m for m in msgs if m.get("role", "assistant") == "assistant"] or msgs
        return "\n".join(_content_text(m.get("content")) for m in assistant)
    return ""


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Assessment:
    return parse_response(text)


def parse_reference(ref: Any) -> Assessment:
    """The reference column's value as an Assessment (rendered strings are parsed once, cached)."""
    if isinstance(ref, Assessment):
        return ref
    return _parse_cached(ref if isinstance(ref, str) else "")


def is_empty(a: Assessment) -> bool:
    """True when no score and no artifact was parsed (prose alone does not count as an answer).

    ``sqa.schema.parse.is_empty(a, structured_only=True)``: junk text parses to a bare description.
    """
    from sqa.schema.parse import is_empty as _is_empty

    return _is_empty(a, structured_only=True)


class RewardConfigError(ValueError):
    """The dataset lacks a column a reward needs (raised, unlike anything about a completion)."""


def column(columns: dict, name: str, n: int, reward: str) -> list:
    """Dataset column ``name`` for ``n`` completions, or a clear ``ValueError`` naming the reward."""
    values = columns.get(name)
    if values is None:
        raise RewardConfigError(f"sqa.rewards.{reward}: the dataset has no '{name}' column; "
                         f"rewards need it next to 'prompt' (got columns: {sorted(columns)})")
    values = list(values)
    if len(values) != n:
        raise RewardConfigError(f"sqa.rewards.{reward}: {len(values)} '{name}' values for {n} completions")
    return values


def parsed_pairs(name: str, completions: Sequence,
                 columns: dict) -> tuple[list[str], list[Assessment | None], list[Assessment]]:
    """(texts, parsed completions with None for junk, references); counts calls and unparsed."""
    refs = [parse_reference(r) for r in column(columns, "reference", len(completions), name)]
    texts = [completion_text(c) for c in completions]
    preds: list[Assessment | None] = []
    for t in texts:
        a = parse_response(t)
        preds.append(None if is_empty(a) else a)
    stats.add(name, calls=len(texts), unparsed=sum(p is None for p in preds))
    return texts, preds, refs


def never_raise(name: str) -> Callable:
    """Decorator: an unexpected error scores the whole batch 0.0 (counted, warned) instead of raising.

    ``JudgeUnavailable`` and :class:`RewardConfigError` still propagate.
    """

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def reward(prompts=None, completions=(), **columns) -> list[float]:
            try:
                return fn(prompts, completions, **columns)
            except (JudgeUnavailable, RewardConfigError):
                raise
            except Exception as exc:  # noqa: BLE001 -- a reward must not kill a training run
                err = exc
            stats.add(name, errors=len(completions))
            warnings.warn(f"sqa.rewards.{name}: scored {len(completions)} completions 0.0 after "
                          f"{type(err).__name__}: {err}", RuntimeWarning, stacklevel=2)
            return [0.0] * len(completions)

        return reward

    return wrap
