"""Extractors: free-form answer -> Assessment. ``parse_response`` (the named default) or an LLM (the paper: GPT-4o).

:func:`get_extractor` resolves an extractor spec once: ``"parse_response"`` is
:func:`sqa.schema.parse_response` (the trained format's parser); any chat-backend spec (see
:mod:`sqa.llm.factory`) asks that model to rewrite the text into the rendered answer format, and its reply
is read by ``parse_response``; if that reply yields nothing, the original text is parsed directly. A
judge that cannot rewrite text (the rule judge) is an error, not a quiet ``parse_response``.

>>> extract = get_extractor("parse_response")
>>> a = extract("Noise: 2\\nOverall quality: 3")
>>> a.scores["noise"], a.scores["overall"]
(2, 3)
>>> get_extractor("rule")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: sqa.llm.get_extractor: 'rule' cannot rewrite answers (no chat()); pass 'parse_response' or a chat ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqa.llm.errors import NoJudgeError
from sqa.llm.factory import get_backend
from sqa.llm.prompts import extract_messages, strip_thinking
from sqa.llm.spec import JUDGE_BACKENDS, PARSE_RESPONSE
from sqa.schema import Artifact, Assessment, parse_response, render
from sqa.schema.parse import is_empty

EXAMPLE = Assessment(
    scores={
        "noise": 2,
        "distortion": 5,
        "speed": 3,
        "continuity": 4,
        "listening_effort": 3,
        "naturalness": 3,
        "overall": 3,
    },
    artifacts={
        "noise": Artifact(True, [(0.0, 2.4)], "steady fan hum"),
        "distortion": Artifact(False),
        "unnatural_pause": Artifact(True, [(1.1, 1.6)], "a long gap mid-sentence"),
    },
    description="Clear voice over a steady hum, with one long pause; moderate overall quality.",
)


def _chat_forms() -> str:
    return ", ".join(repr(k.example) for k in JUDGE_BACKENDS.values() if not k.stand_in and k.example)


def chat_backend(spec: Any, where: str = "sqa.llm.get_extractor") -> Any:
    """The chat backend of ``spec``; a one-line ``ValueError`` when it cannot rewrite text."""
    if spec is None:
        raise NoJudgeError(
            f"{where}: no extractor given; pass {PARSE_RESPONSE!r} or a chat model spec ({_chat_forms()})"
        )
    chat = get_backend(spec, where)
    if not hasattr(chat, "chat"):
        raise ValueError(
            f"{where}: {str(spec)!r} cannot rewrite answers (no chat()); pass {PARSE_RESPONSE!r} "
            f"or a chat model spec ({_chat_forms()})"
        )
    return chat


def llm_extract(text: str, backend: Any, max_tokens: int = 512) -> Assessment:
    """Assessment extracted from ``text`` by the chat model ``backend`` (see module docstring); raises only
    ``JudgeUnavailable`` once the backend is built."""
    chat = chat_backend(backend, "sqa.llm.llm_extract")
    reply = chat.chat(extract_messages(text, render(EXAMPLE)), max_tokens=max_tokens)
    extracted = parse_response(strip_thinking(reply))
    return parse_response(text) if is_empty(extracted, structured_only=True) else extracted


def get_extractor(spec: Any = PARSE_RESPONSE) -> Callable[[str], Assessment]:
    """``text -> Assessment`` for an extractor spec: ``"parse_response"``, a chat model spec or a chat backend."""
    if spec == PARSE_RESPONSE:
        return parse_response
    chat = chat_backend(spec)

    def extract(text: str) -> Assessment:
        return llm_extract(text, chat)

    return extract
