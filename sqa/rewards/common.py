"""What every reward shares: completion text, parsing with counting, the :class:`Reward` callable.

TRL passes completions as strings (standard format) or as chat messages (conversational
format, ``[{"role": "assistant", "content": ...}]``, content possibly a list of typed parts);
both are read. The reference answer comes in the dataset column ``reference`` (a rendered
answer string, or an :class:`~sqa.schema.Assessment`). A missing ``reference`` column is a
configuration error and raises ``RewardConfigError`` (a ``ValueError``); everything about a
completion is scored, never raised: junk scores 0.0 and is counted in the reward's ``stats``
(:class:`~sqa.rewards.stats.RewardStats`, one per GRPO run).

>>> completion_text([{"role": "assistant", "content": [{"type": "text", "text": "Noise: 3"}]}])
'Noise: 3'
>>> completion_text("Noise: 3"), completion_text(None)
('Noise: 3', '')
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Sequence
from typing import Any

from sqa.llm.errors import JudgeUnavailable, NoJudgeError
from sqa.llm.factory import lazy_judge
from sqa.llm.spec import spec_help
from sqa.rewards.stats import RewardStats
from sqa.schema import Assessment, parse_response
from sqa.schema.parse import is_empty as _is_empty


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

    return _is_empty(a, structured_only=True)


class RewardConfigError(ValueError):
    """The dataset lacks a column a reward needs (raised, unlike anything about a completion)."""


def column(columns: dict, name: str, n: int, reward: str) -> list:
    """Dataset column ``name`` for ``n`` completions, or a clear ``ValueError`` naming the reward."""
    values = columns.get(name)
    if values is None:
        raise RewardConfigError(
            f"sqa.rewards.{reward}: the dataset has no '{name}' column; "
            f"rewards need it next to 'prompt' (got columns: {sorted(columns)})"
        )
    values = list(values)
    if len(values) != n:
        raise RewardConfigError(f"sqa.rewards.{reward}: {len(values)} '{name}' values for {n} completions")
    return values


def parsed_pairs(
    name: str, completions: Sequence, columns: dict, stats: RewardStats
) -> tuple[list[str], list[Assessment | None], list[Assessment]]:
    """(texts, parsed completions with None for junk, references); counts calls and unparsed in ``stats``."""
    refs = [parse_reference(r) for r in column(columns, "reference", len(completions), name)]
    texts = [completion_text(c) for c in completions]
    preds = parse_completions(texts)
    stats.add(name, calls=len(texts), unparsed=sum(p is None for p in preds))
    return texts, preds, refs


def parse_completions(texts: Sequence[str]) -> list[Assessment | None]:
    """Each completion text parsed, None where nothing structured was parsed (junk)."""
    preds: list[Assessment | None] = []
    for t in texts:
        a = parse_response(t)
        preds.append(None if is_empty(a) else a)
    return preds


class Reward:
    """A TRL reward as a small callable: ``reward(prompts, completions, **columns) -> list[float]``.

    A subclass sets ``name`` and implements :meth:`score`. Each reward reports to its ``stats`` collector:
    its own, or the one passed (a GRPO run passes one per run, :meth:`with_stats`). An unexpected error
    scores the whole batch 0.0, counted as ``errors`` (the run's ``reward_curve.csv`` has the column
    ``reward_errors``) and warned; :class:`~sqa.llm.JudgeUnavailable`, :class:`~sqa.llm.NoJudgeError` and
    :class:`RewardConfigError` raise.

    >>> class Length(Reward):
    ...     name = "length"
    ...     def score(self, prompts, completions, columns):
    ...         return [float(len(c)) for c in completions]
    >>> length = Length()
    >>> length(None, ["ab", "abc"]), length.__name__
    ([2.0, 3.0], 'length_reward')
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     length(None, ["ab", None])  # len(None) raises: the batch scores 0.0, counted
    [0.0, 0.0]
    >>> length.stats["length"].errors
    2
    """

    name: str = "reward"
    """What the stats count it as (and the registry calls it)."""
    function_name: str | None = None
    """The ``__name__`` TRL and the reward curve's ``reward_<__name__>`` column use; default ``<name>_reward``."""
    needs_judge: bool = False

    def __init__(self, name: str | None = None, stats: RewardStats | None = None) -> None:
        if name is not None:
            self.name = name
        self.stats = stats if stats is not None else RewardStats()
        named = self.function_name if name is None and self.function_name else f"{self.name}_reward"
        self.__name__ = self.__qualname__ = named

    def score(self, prompts, completions: Sequence, columns: dict) -> list[float]:
        raise NotImplementedError

    def with_stats(self, stats: RewardStats) -> Reward:
        """The same reward reporting to ``stats`` (e.g. a GRPO run's own collector)."""
        other = copy.copy(self)
        other.stats = stats
        return other

    def parsed(self, completions: Sequence, columns: dict):
        """:func:`parsed_pairs` counted in this reward's ``stats``."""
        return parsed_pairs(self.name, completions, columns, self.stats)

    def __call__(self, prompts=None, completions=(), **columns) -> list[float]:
        try:
            return self.score(prompts, completions, columns)
        except (JudgeUnavailable, NoJudgeError, RewardConfigError):
            raise
        except Exception as exc:
            err = exc
        self.stats.add(self.name, errors=len(completions))
        warnings.warn(
            f"sqa.rewards.{self.name}: scored {len(completions)} completions 0.0 after {type(err).__name__}: {err}",
            RuntimeWarning,
            stacklevel=2,
        )
        return [0.0] * len(completions)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__name__}>"


class JudgeReward(Reward):
    """A :class:`Reward` that asks a judge, given explicitly (a spec such as ``"http://host:8000/v1#Qwen3-8B"``,
    ``"rule"`` for the rule stand-in, or a judge object). The spec is parsed when the reward is built, the
    judge built on first use (so building contacts nothing); without a judge, a call raises
    :class:`~sqa.llm.NoJudgeError` naming what to pass.
    """

    needs_judge = True

    def __init__(self, judge: Any = None, name: str | None = None, stats: RewardStats | None = None) -> None:
        super().__init__(name, stats)
        self._judge = None if judge is None else lazy_judge(judge)

    def with_judge(self, judge: Any) -> JudgeReward:
        """The same reward asking ``judge``."""
        other = copy.copy(self)
        other._judge = lazy_judge(judge)
        return other

    def judge(self) -> Any:
        if self._judge is None:
            raise NoJudgeError(
                f"sqa.rewards.{self.name}: no judge given; build it with one, e.g. "
                f"get_rewards([{self.name!r}], judge=SPEC) or {type(self).__name__}(judge=SPEC), "
                f"SPEC one of {spec_help()}"
            )
        return self._judge()
