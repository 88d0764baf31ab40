"""What a profile uses: its data, its judge and its extractor, resolved in one place, with no silent stand-ins.

A profile says where its data come from (``data_dir``, a QualiSpeech-layout folder, or ``dataset: synthetic``
for the generated corpus), which judge scores the ``llm_judge`` and ``unified`` rewards and the Table 3
description correlation (``judge:``, overridden by ``$SQA_JUDGE``), and which extractor reads free-form
answers (``extractor:``, overridden by ``$SQA_EXTRACTOR``; none: ``parse_response``, the named default).
Only the environment and the profile are read here; a judge spec is parsed and labelled by :mod:`sqa.llm.labels`.

* ``dataset: qualispeech`` (the paper profile) without a ``data_dir`` is an error naming ``DATA_DIR``;
  it never falls back to the synthetic corpus. Which corpus a profile names and whether it can run is asked
  of the registry (:mod:`sqa.data.corpora`), never decided here by a corpus's name.
* A step that needs an LLM judge refuses to start without one, unless the profile names the rule stand-in
  explicitly (``judge: rule``, as ``smoke`` and ``tiny`` do); the stand-in is then labelled in every result.

:func:`sqa.pipeline.preflight.require_inputs` checks both in microseconds (no network, no model), before
anything is trained.

>>> from sqa.configs.profiles import get_profile
>>> judge_spec(get_profile("smoke")), extractor_spec(get_profile("smoke")), judge_problem(get_profile("smoke"))
('rule', 'parse_response', None)
"""

from __future__ import annotations

import os
from collections.abc import Iterable

JUDGE_ENV = "SQA_JUDGE"
EXTRACTOR_ENV = "SQA_EXTRACTOR"
PARSE_RESPONSE = "parse_response"
"""The named default extractor: :func:`sqa.schema.parse_response`, the trained answer format's parser."""
JUDGE_REWARDS = ("llm_judge", "unified")
"""Rewards that ask a judge (the others are computed from the answers and the audio)."""
EXAMPLE_JUDGE_MODEL = "Qwen/Qwen3-8B"


def _clean(value) -> str | None:
    return None if value is None or str(value).strip() in ("", "none", "null") else str(value).strip()


def judge_spec(profile) -> str | None:
    """``$SQA_JUDGE`` if set, else the profile's ``judge:`` (None: no judge chosen)."""
    return _clean(os.environ.get(JUDGE_ENV)) or _clean(profile.judge)


def extractor_spec(profile) -> str:
    """``$SQA_EXTRACTOR`` if set, else the profile's ``extractor:``, else ``"parse_response"`` (the named default)."""
    return _clean(os.environ.get(EXTRACTOR_ENV)) or _clean(profile.extractor) or PARSE_RESPONSE


def rewards_need_judge(rewards: Iterable[str] | str | None) -> bool:
    """Whether any of the reward names asks a judge.

    >>> rewards_need_judge(["acc_sem", "iou"]), rewards_need_judge("llm_judge"), rewards_need_judge(["unified"])
    (False, True, True)
    """
    names = [rewards] if isinstance(rewards, str) else list(rewards or [])
    return any(n in JUDGE_REWARDS for n in names)


def judge_problem(profile) -> str | None:
    """Why the profile has no usable judge spec, or None (the rule stand-in counts only when named)."""
    if judge_spec(profile) is not None:
        return None
    return (
        f"no LLM judge is set ({JUDGE_ENV} is unset and sqa/configs/{profile.name}.yaml has no judge:); serve one "
        f"(`vllm serve {EXAMPLE_JUDGE_MODEL}`) and set {JUDGE_ENV}=http://localhost:8000/v1#{EXAMPLE_JUDGE_MODEL}, "
        f"or write `judge: rule` in the profile to use the rule stand-in knowingly"
    )
