"""Backends and judges from spec strings (configs, CLI flags): the judge-backend registry.

=====================================  ==============================================================
spec                                   result
=====================================  ==============================================================
``"rule"``                             :class:`RuleJudge` (MiniLM similarity) -- the stand-in, when named
``"rule:rouge"``                       :class:`RuleJudge` with ROUGE-L similarity (no model at all)
``"http://host:8000/v1#Qwen3-8B"``     :class:`OpenAIChatBackend` (base URL, then ``#`` model name)
``"hf:/path/to/model"``                :class:`TransformersChatBackend` (local directory)
=====================================  ==============================================================

Specs are parsed by :func:`sqa.llm.spec.parse_judge_spec`; a new backend is a module with a
:class:`~sqa.llm.spec.JudgeKind` and one :func:`register_judge_backend` line below. No spec (``None``)
is an error naming what to pass: there is no default judge.

>>> get_backend("rule").label, get_backend("rule:rouge").label
('rule-minilm', 'rule-rouge')
>>> b = get_backend("http://127.0.0.1:8000/v1#Qwen3-8B"); (b.base_url, b.model)
('http://127.0.0.1:8000/v1', 'Qwen3-8B')
>>> get_judge("http://127.0.0.1:8000/v1#Qwen3-8B").label
'llm:Qwen3-8B'
>>> get_judge(None)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sqa.llm.errors.NoJudgeError: sqa.llm.get_judge: no judge given; pass a spec ('rule', ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqa.llm.errors import NoJudgeError
from sqa.llm.hf_backend import HF_BACKEND
from sqa.llm.judge import LLMJudge
from sqa.llm.openai_backend import HTTP_BACKEND
from sqa.llm.rule_judge import RULE_BACKEND
from sqa.llm.spec import JudgeSpec, parse_judge_spec, register_judge_backend, spec_help

register_judge_backend(RULE_BACKEND)
register_judge_backend(HTTP_BACKEND)
register_judge_backend(HF_BACKEND)


def no_judge(where: str) -> NoJudgeError:
    """The one-line error of ``where`` called without a judge."""
    return NoJudgeError(f"{where}: no judge given; pass a spec ({spec_help()}) or a judge object")


def get_backend(spec: Any, where: str = "sqa.llm.get_backend") -> Any:
    """A chat backend or a judge from ``spec`` (a string or :class:`~sqa.llm.spec.JudgeSpec`); objects pass through."""
    if spec is None:
        raise no_judge(where)
    if isinstance(spec, (str, JudgeSpec)):
        return parse_judge_spec(spec).build()
    if hasattr(spec, "chat") or hasattr(spec, "rate_dimensions"):
        return spec
    raise TypeError(f"{where}: expected a spec string ({spec_help()}) or a backend, got {type(spec)}")


def get_judge(spec: Any) -> Any:
    """A judge (``rate_dimensions`` / ``rate_unified`` / ``rate_descriptions``) from a spec or backend."""
    backend = get_backend(spec, "sqa.llm.get_judge")
    return backend if hasattr(backend, "rate_dimensions") else LLMJudge(backend)


def lazy_judge(spec: Any) -> Callable[[], Any]:
    """A function that builds the judge of ``spec`` on its first call and returns the same one afterwards.

    The spec is parsed now (a malformed one fails here), the judge built on first use, so that building a
    reward neither loads a model nor contacts an endpoint.

    >>> judge = lazy_judge("rule:rouge")
    >>> judge() is judge(), judge().label
    (True, 'rule-rouge')
    """
    if spec is None:
        raise no_judge("sqa.llm.lazy_judge")
    if isinstance(spec, str):
        spec = parse_judge_spec(spec)
    box: list = []

    def judge():
        if not box:
            box.append(get_judge(spec))
        return box[0]

    return judge
