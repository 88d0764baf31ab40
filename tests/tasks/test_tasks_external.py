"""The task parsers on real text nobody here wrote: SALMONN-style single-clip descriptions (some JSON, some
a bare score). None of it is a comparison, a suggestion or a real/fake answer, so the parsers should find
(almost) nothing there. Read in place from the shared external folder; skipped with the reason without it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sqa.tasks.compare import parse_comparison
from sqa.tasks.detect import parse_detection
from sqa.tasks.suggest import parse_suggestion

EXTERNAL = Path(os.environ.get("SQA_EXTERNAL", Path(__file__).resolve().parents[3] / "shared" / "external"))
LLM_SQA = EXTERNAL / "llm_sqa"


@pytest.fixture(scope="module")
def descriptions() -> list[str]:
    files = sorted(LLM_SQA.glob("*.jsonl")) if LLM_SQA.is_dir() else []
    if not files:
        pytest.skip(f"{LLM_SQA} not present (real generations are read in place, never copied)")
    texts = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            texts.append(rec.get("description") or rec.get("desc") or rec.get("text") or "")
    return texts


def test_no_comparison_verdict_in_single_clip_descriptions(descriptions):
    assert len(descriptions) > 1000
    found = [t for t in descriptions if any(v is not None for v in parse_comparison(t).verdicts.values())]
    assert not found, found[:3]


def test_descriptions_are_not_read_as_suggestions(descriptions):
    with_fixes = [t for t in descriptions if parse_suggestion(t).fixes]
    assert len(with_fixes) < 0.1 * len(descriptions), with_fixes[:3]


def test_descriptions_are_not_real_or_fake_answers(descriptions):
    assert sum(parse_detection(t) is not None for t in descriptions) <= 0.01 * len(descriptions)
