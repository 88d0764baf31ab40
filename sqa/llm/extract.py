"""Optional LLM extractor: free-form answer -> Assessment (the paper used GPT-4o for this step).

With a chat backend, the model is asked to rewrite the text into the rendered answer format,
and its reply is read by :func:`sqa.schema.parse_response`; if that reply yields nothing, the
original text is parsed directly. Without a backend (``None``, or the :class:`~sqa.llm.RuleJudge`
stand-in, which cannot rewrite text) this is plain ``parse_response``.

>>> a = llm_extract("Noise: 2\\nOverall quality: 3")
>>> a.scores["noise"], a.scores["overall"]
(2, 3)
"""
from __future__ import annotations

from typing import Any

from sqa.schema import Artifact, Assessment, parse_response, render
from sqa.schema.parse import is_empty

from sqa.llm.factory import get_backend
from sqa.llm.prompts import extract_messages, strip_thinking

EXAMPLE = Assessment(
    scores={"noise": 2, "distortion": 5, "speed": 3, "continuity": 4, "listening_effort": 3, "naturalness": 3, "overall": 3},
    artifacts={"noise": Artifact(True, [(0.0, 2.4)], "steady fan hum"), "distortion": Artifact(False),
               "unnatural_pause": Artifact(True, [(1.1, 1.6)], "a long gap mid-sentence")},
    description="Clear voice over a steady hum, with one long pause; moderate overall quality.",
)


def llm_extract(text: str, backend: Any = None, max_tokens: int = 512) -> Assessment:
    """Assessment extracted from ``text`` (see module docstring); raises only ``JudgeUnavailable``."""
    if backend is None:
        return parse_response(text)
    chat = get_backend(backend)
    if not hasattr(chat, "chat"):
        return parse_response(text)
    reply = chat.chat(extract_messages(text, render(EXAMPLE)), max_tokens=max_tokens)
    extracted = parse_response(strip_thinking(reply))
    return parse_response(text) if is_empty(extracted, structured_only=True) else extracted
