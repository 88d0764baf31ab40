"""Backends and judges from short spec strings (configs, CLI flags, ``$SQA_JUDGE``).

=====================================  ==============================================================
spec                                   result
=====================================  ==============================================================
``"rule"`` / ``None`` / ``""``         :class:`RuleJudge` (MiniLM similarity) -- the stand-in
``"rule:rouge"``                       :class:`RuleJudge` with ROUGE-L similarity (no model at all)
``"http://host:8000/v1#Qwen3-8B"``     :class:`OpenAIChatBackend` (base URL, then ``#`` model name)
``"hf:/path/to/model"``                :class:`TransformersChatBackend` (local directory)
=====================================  ==============================================================

>>> get_backend("rule").label, get_backend("rule:rouge").label
('rule-minilm', 'rule-rouge')
>>> b = get_backend("http://127.0.0.1:8000/v1#Qwen3-8B"); (b.base_url, b.model)
('http://127.0.0.1:8000/v1', 'Qwen3-8B')
>>> get_judge("http://127.0.0.1:8000/v1#Qwen3-8B").label
'llm:Qwen3-8B'
"""
from __future__ import annotations

import os
from typing import Any, Callable

from sqa.configs.sources import JUDGE_ENV  # the one name of the judge's environment variable

from sqa.llm.hf_backend import TransformersChatBackend
from sqa.llm.judge import LLMJudge
from sqa.llm.openai_backend import OpenAIChatBackend
from sqa.llm.rule_judge import RuleJudge

SPEC_HELP = "'rule', 'rule:rouge', 'http(s)://host:port/v1#<model>' or 'hf:<local model dir>'"


def get_backend(spec: Any = None) -> Any:
    """A chat backend or a :class:`RuleJudge` from ``spec``; objects are passed through."""
    if spec is None or (isinstance(spec, str) and spec.strip() in ("", "rule", "rule:minilm")):
        return RuleJudge()
    if not isinstance(spec, str):
        if hasattr(spec, "chat") or hasattr(spec, "rate_dimensions"):
            return spec
        raise TypeError(f"sqa.llm.get_backend: expected a spec string ({SPEC_HELP}) or a backend, got {type(spec)}")
    spec = spec.strip()
    if spec == "rule:rouge":
        return RuleJudge(similarity="rouge")
    if spec.startswith(("http://", "https://")):
        url, _, model = spec.partition("#")
        if not model:
            raise ValueError(f"sqa.llm.get_backend: {spec!r} names no model; write it as '{url}#<model name>'")
        return OpenAIChatBackend(url, model)
    if spec.startswith("hf:"):
        return TransformersChatBackend(spec[3:])
    raise ValueError(f"sqa.llm.get_backend: unknown judge spec {spec!r}; expected {SPEC_HELP}")


def get_judge(spec: Any = None) -> Any:
    """A judge (``rate_dimensions`` / ``rate_unified`` / ``rate_descriptions``) from a spec or backend."""
    backend = get_backend(spec)
    return backend if hasattr(backend, "rate_dimensions") else LLMJudge(backend)


def lazy_judge(spec: Any = None) -> Callable[[], Any]:
    """A function that builds the judge on its first call and returns the same one afterwards.

    ``spec`` as in :func:`get_judge`; ``None`` means ``$SQA_JUDGE`` (read at the first call), else ``"rule"``.
    Rewards hold one, so that importing them neither builds a judge nor contacts an endpoint.

    >>> judge = lazy_judge("rule:rouge")
    >>> judge() is judge(), judge().label
    (True, 'rule-rouge')
    """
    box: list = []

    def judge():
        if not box:
            box.append(get_judge(spec if spec is not None else os.environ.get(JUDGE_ENV, "rule")))
        return box[0]

    return judge
