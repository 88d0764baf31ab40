"""The judge and extractor a profile names, parsed (:func:`sqa.llm.parse_judge_spec`) and labelled for checklists
and provenance: computed from the spec string, nothing contacted."""

from __future__ import annotations

from sqa.configs.sources import PARSE_RESPONSE, judge_spec
from sqa.llm.factory import parse_judge_spec
from sqa.llm.spec import JudgeSpec


def parsed_judge(spec: str | None) -> JudgeSpec | None:
    """The typed :class:`~sqa.llm.spec.JudgeSpec` of ``spec`` (None for none, or for a spec no backend owns)."""
    try:
        return None if spec is None else parse_judge_spec(spec)
    except ValueError:
        return None


def is_stand_in(spec: str | None) -> bool:
    """Whether ``spec`` is the deterministic rule judge (no LLM).

    >>> is_stand_in("rule"), is_stand_in("http://h:8000/v1#Qwen3-8B"), is_stand_in(None)
    (True, False, False)
    """
    parsed = parsed_judge(spec)
    return parsed is not None and parsed.stand_in


def judge_label(spec: str | None) -> str:
    """What a judge spec is, for checklists and provenance.

    >>> [judge_label(s) for s in ("rule", "rule:rouge", "http://h:8000/v1#Qwen3-8B", "hf:/models/q", None)]
    ['rule-minilm (stand-in)', 'rule-rouge (stand-in)', 'llm:Qwen3-8B@http://h:8000/v1', 'hf:/models/q', 'none']
    """
    if spec is None:
        return "none"
    parsed = parsed_judge(spec)
    return spec if parsed is None else parsed.label


def extractor_label(spec: str | None) -> str:
    """``parse_response`` (the structured answer parser) or the extractor's judge label."""
    return PARSE_RESPONSE if spec in (None, PARSE_RESPONSE) else judge_label(spec)


def corr_backend(profile) -> str:
    """The Table 3 description-correlation backend: the profile's judge when it is an LLM, else ``"minilm"``."""
    spec = judge_spec(profile)
    return "minilm" if spec is None or is_stand_in(spec) else spec
