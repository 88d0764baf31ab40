"""What a profile uses: its data, its judge and its extractor, resolved in one place, with no silent stand-ins.

A profile says where its data come from (``data_dir``, a QualiSpeech-layout folder, or ``dataset: synthetic``
for the generated corpus), which judge scores the ``llm_judge`` and ``unified`` rewards and the Table 3
description correlation (``judge:``, overridden by ``$SQA_JUDGE``), and which extractor reads free-form
answers (``extractor:``, overridden by ``$SQA_EXTRACTOR``; none: ``parse_response``, the named default).
The environment is read here only; judge specs are parsed by :func:`sqa.llm.parse_judge_spec`.

* ``dataset: qualispeech`` (the paper profile) without a ``data_dir`` is an error naming ``DATA_DIR``;
  it never falls back to the synthetic corpus.
* A step that needs an LLM judge refuses to start without one, unless the profile names the rule stand-in
  explicitly (``judge: rule``, as ``smoke`` and ``tiny`` do); the stand-in is then labelled in every result.

:func:`require_inputs` checks both in microseconds (no network, no model), before anything is trained.

>>> from sqa.profiles import get_profile
>>> judge_label(judge_spec(get_profile("smoke"))), dataset(get_profile("smoke"))
('rule-minilm (stand-in)', 'synthetic')
>>> require_inputs(get_profile("paper"), needs_judge=True)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sqa.sources.ProfileInputError: profile paper cannot run: DATA_DIR is not set ...; no LLM judge is set ...
"""
from __future__ import annotations

import os
from typing import Iterable

from .llm.factory import parse_judge_spec
from .llm.spec import PARSE_RESPONSE, JudgeSpec

JUDGE_ENV = "SQA_JUDGE"
EXTRACTOR_ENV = "SQA_EXTRACTOR"
DATASETS = ("qualispeech", "synthetic")
JUDGE_REWARDS = ("llm_judge", "unified")
"""Rewards that ask a judge (the others are computed from the answers and the audio)."""
EXAMPLE_JUDGE_MODEL = "Qwen/Qwen3-8B"


class ProfileInputError(ValueError):
    """A profile cannot run as configured (missing data or judge); the message names what to set."""


def _clean(value) -> str | None:
    return None if value is None or str(value).strip() in ("", "none", "null") else str(value).strip()


def judge_spec(profile) -> str | None:
    """``$SQA_JUDGE`` if set, else the profile's ``judge:`` (None: no judge chosen)."""
    return _clean(os.environ.get(JUDGE_ENV)) or _clean(profile.judge)


def extractor_spec(profile) -> str:
    """``$SQA_EXTRACTOR`` if set, else the profile's ``extractor:``, else ``"parse_response"`` (the named default)."""
    return _clean(os.environ.get(EXTRACTOR_ENV)) or _clean(profile.extractor) or PARSE_RESPONSE


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
    """What a judge spec is, for checklists and provenance (computed from the string, nothing contacted).

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


def dataset(profile) -> str | None:
    """``qualispeech`` when the profile has a ``data_dir``, else its ``dataset:`` (``synthetic`` or None)."""
    return "qualispeech" if _clean(profile.data_dir) else _clean(profile.dataset)


def rewards_need_judge(rewards: Iterable[str] | str | None) -> bool:
    """Whether any of the reward names asks a judge.

    >>> rewards_need_judge(["acc_sem", "iou"]), rewards_need_judge("llm_judge"), rewards_need_judge(["unified"])
    (False, True, True)
    """
    names = [rewards] if isinstance(rewards, str) else list(rewards or [])
    return any(n in JUDGE_REWARDS for n in names)


def data_problem(profile) -> str | None:
    """Why the profile has no data source, or None."""
    kind = dataset(profile)
    if (kind in DATASETS and kind != "qualispeech") or (kind == "qualispeech" and _clean(profile.data_dir)):
        return None
    if kind == "qualispeech":
        return (f"DATA_DIR is not set (profile {profile.name} reads QualiSpeech from data_dir; run "
                f"`make reproduce PROFILE={profile.name} DATA_DIR=/path/to/QualiSpeech` or pass --data-dir)")
    if kind is None:
        return (f"no data source (set DATA_DIR / --data-dir to a QualiSpeech folder, or `dataset: synthetic` "
                f"in sqa/configs/{profile.name}.yaml)")
    return f"unknown dataset {kind!r} in profile {profile.name} (known: {', '.join(DATASETS)})"


def judge_problem(profile) -> str | None:
    """Why the profile has no usable judge spec, or None (the rule stand-in counts only when named)."""
    if judge_spec(profile) is not None:
        return None
    return (f"no LLM judge is set ({JUDGE_ENV} is unset and sqa/configs/{profile.name}.yaml has no judge:); serve one "
            f"(`vllm serve {EXAMPLE_JUDGE_MODEL}`) and set {JUDGE_ENV}=http://localhost:8000/v1#{EXAMPLE_JUDGE_MODEL}, "
            f"or write `judge: rule` in the profile to use the rule stand-in knowingly")


def require_data(profile) -> None:
    """Raise :class:`ProfileInputError` when the profile has no data source."""
    problem = data_problem(profile)
    if problem:
        raise ProfileInputError(f"profile {profile.name} cannot run: {problem}")


def require_inputs(profile, rewards: Iterable[str] | str | None = None, needs_judge: bool = False) -> None:
    """Raise one :class:`ProfileInputError` naming every missing input: the data source, and the judge
    when ``needs_judge`` or one of ``rewards`` asks a judge."""
    problems = [data_problem(profile)]
    if needs_judge or rewards_need_judge(rewards):
        problems.append(judge_problem(profile))
    problems = [p for p in problems if p]
    if problems:
        raise ProfileInputError(f"profile {profile.name} cannot run: " + "; ".join(problems))
