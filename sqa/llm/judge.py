"""Judges: the interface rewards and metrics use, and the LLM-backed implementation.

A judge rates, in batches (lists in, lists out):

* ``rate_dimensions([(dim, reference, candidate), ...])`` -> 0..10 per item, one dimension of
  two :class:`~sqa.schema.Assessment` objects (paper Fig. 2);
* ``rate_unified([(reference_text, candidate_text), ...])`` -> ``{helpfulness, relevance,
  accuracy, detail}`` 0..10 each (SQ-LLM's evaluator);
* ``rate_descriptions([(reference_text, candidate_text), ...])`` -> 0..10 agreement of two
  descriptions (the paper's GPT-4o "Corr." of Table 3).

A rating the judge's reply does not contain is ``None`` (callers score it 0 and count it).
:class:`LLMJudge` asks any chat backend; :class:`~sqa.llm.rule_judge.RuleJudge` is the
deterministic stand-in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqa.llm import prompts
from sqa.llm.views import dimension_text
from sqa.schema import Assessment


class ChatBackend(Protocol):
    name: str

    def chat(self, messages: list[dict], max_tokens: int | None = None) -> str: ...


class Judge(Protocol):
    label: str

    def rate_dimensions(self, items: Sequence[tuple[str, Assessment, Assessment]]) -> list[float | None]: ...

    def rate_unified(self, items: Sequence[tuple[str, str]]) -> list[dict[str, float | None]]: ...

    def rate_descriptions(self, items: Sequence[tuple[str, str]]) -> list[float | None]: ...


class LLMJudge:
    """A judge that prompts a chat backend (HTTP endpoint or local transformers model).

    >>> class Echo:  # a fake backend that always answers "Score: 7"
    ...     name = "echo"
    ...     def chat(self, messages, max_tokens=None):
    ...         return "Score: 7"
    >>> from sqa.schema import Assessment
    >>> LLMJudge(Echo()).rate_dimensions([("noise", Assessment({"noise": 3}), Assessment({"noise": 2}))])
    [7.0]
    >>> LLMJudge(Echo()).label
    'llm:echo'
    """

    def __init__(self, backend: ChatBackend, max_tokens: int = 64) -> None:
        self.backend = backend
        self.max_tokens = max_tokens

    @property
    def label(self) -> str:
        return f"llm:{self.backend.name}"

    def _ask(self, conversations: list[list[dict]], max_tokens: int, parse: Callable[[str], object]) -> list:
        workers = max(1, int(getattr(self.backend, "max_workers", 1)))

        def one(messages: list[dict]):
            return parse(self.backend.chat(messages, max_tokens=max_tokens))

        if workers == 1 or len(conversations) <= 1:
            return [one(m) for m in conversations]
        with ThreadPoolExecutor(max_workers=min(workers, len(conversations))) as pool:
            return list(pool.map(one, conversations))

    def rate_dimensions(self, items: Sequence[tuple[str, Assessment, Assessment]]) -> list[float | None]:
        convs = [prompts.dimension_messages(d, dimension_text(r, d), dimension_text(c, d)) for d, r, c in items]
        return self._ask(convs, self.max_tokens, prompts.parse_rating)

    def rate_unified(self, items: Sequence[tuple[str, str]]) -> list[dict[str, float | None]]:
        convs = [prompts.unified_messages(r, c) for r, c in items]
        return self._ask(convs, self.max_tokens, lambda t: prompts.parse_ratings(t, prompts.UNIFIED_ASPECTS))

    def rate_descriptions(self, items: Sequence[tuple[str, str]]) -> list[float | None]:
        convs = [prompts.description_messages(r, c) for r, c in items]
        return self._ask(convs, self.max_tokens, prompts.parse_rating)
