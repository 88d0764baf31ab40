"""The parsers on real text nobody here wrote: QualiSpeech rows and SALMONN-style generations.

The data lives in ``/work/shared/external`` (see its README); it is read in place, never copied into the
repository. Each test is skipped with the reason when the folder is missing. Run with ``-s`` to see the
figures (recall, rows with a score).
"""

from __future__ import annotations

import csv
import glob
import json
import math
import os
import re

import pytest

from sqa.schema import Artifact, Assessment, parse_brief, parse_intervals, parse_response
from sqa.schema.parse import is_empty

EXTERNAL = os.environ.get("SQA_EXTERNAL", "/work/shared/external")
QUALISPEECH_CSV = os.path.join(EXTERNAL, "qualispeech_hf_viewer", "qualispeech_train_viewer_excerpt_rows.csv")
LLM_SQA = os.path.join(EXTERNAL, "llm_sqa")
BRIEF_COLUMNS = {
    "noise": "Noise Description",
    "distortion": "Distortion description",
    "unnatural_pause": "Unnatural pause",
}
SCORE_COLUMNS = {
    "speed": "Speed",
    "naturalness": "Naturalness",
    "noise": "Background noise",
    "distortion": "Distortion",
    "listening_effort": "Listening effort",
    "continuity": "Continuity",
    "overall": "Overall quality",
}

# What a reader of the 7 complete rows sees in their brief cells: intervals of present artifacts, None if absent.
EXPECTED_BRIEF = {
    "sys01tts-0000000.wav": {"noise": None, "distortion": None, "unnatural_pause": None},
    "sys02tts-0000040.wav": {"noise": None, "distortion": [(0, 3.6)], "unnatural_pause": [(3, 3.6)]},
    "sys04tts-0000021.wav": {"noise": [(0, 1.7)], "distortion": None, "unnatural_pause": None},
    "sys07tts-0000040.wav": {"noise": [(0, 4.8)], "distortion": None, "unnatural_pause": None},
    "sys0giga-0000100.wav": {"noise": None, "distortion": None, "unnatural_pause": None},
    "sys0giga-0000101.wav": {"noise": [(0, 1)], "distortion": None, "unnatural_pause": None},
    "sys53b38-utt61dbe9b.wav": {"noise": None, "distortion": None, "unnatural_pause": None},
}


def _as_expected(art: Artifact) -> list | None:
    return [(a, b) for a, b in art.intervals] if art.present else None


def _expected(spec: list | None) -> list | None:
    return None if spec is None else [(float(a), float(b)) for a, b in spec]


@pytest.fixture(scope="module")
def qualispeech_rows() -> list[dict]:
    if not os.path.exists(QUALISPEECH_CSV):
        pytest.skip(f"external QualiSpeech excerpt not found: {QUALISPEECH_CSV}")
    with open(QUALISPEECH_CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8, f"{QUALISPEECH_CSV}: expected the 8 excerpt rows, found {len(rows)}"
    return rows


def _complete(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["row_fields_complete"].startswith("yes")]


def test_qualispeech_brief_cells(qualispeech_rows) -> None:
    complete = _complete(qualispeech_rows)
    assert {r["id"] for r in complete} == set(EXPECTED_BRIEF)
    for row in complete:
        for name, column in BRIEF_COLUMNS.items():
            art = parse_brief(row[column])
            assert _as_expected(art) == _expected(EXPECTED_BRIEF[row["id"]][name]), (row["id"], column, row[column])
            assert art.description == " ".join(row[column].split())


def test_qualispeech_row_as_labelled_text(qualispeech_rows) -> None:
    """A row written as ``<dataset column>: <cell>`` lines parses to the row's own scores and artifacts."""
    for row in _complete(qualispeech_rows):
        columns = list(SCORE_COLUMNS.values()) + list(BRIEF_COLUMNS.values()) + ["Natural language description"]
        a = parse_response("\n".join(f"{c}: {row[c]}" for c in columns))
        assert a.scores == {d: int(row[c]) for d, c in SCORE_COLUMNS.items()}, row["id"]
        assert a.artifacts == {n: parse_brief(row[c]) for n, c in BRIEF_COLUMNS.items()}, row["id"]
        assert a.description == row["Natural language description"].strip()


def test_qualispeech_long_descriptions_state_the_brief_intervals(qualispeech_rows) -> None:
    """The long-form description repeats the brief intervals in prose; the prose reader recovers them."""
    agree = total = 0
    for row in _complete(qualispeech_rows):
        text = row["Natural language description"]
        stated = set(parse_intervals(text))
        prose = parse_response(text).artifacts
        for name, spec in EXPECTED_BRIEF[row["id"]].items():
            if spec is not None:
                assert set(_expected(spec)) <= stated, (row["id"], name)
            total += 1
            agree += prose[name] is not None and _as_expected(prose[name]) == _expected(spec)
    print(f"\nQualiSpeech long descriptions: prose artifact state = brief state in {agree}/{total} artifact cells")
    assert agree == total


# ------------------------------------------------------------------------------------------- llm_sqa generations
SPAN = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:s\s+|\s+)to\s+(\d+(?:\.\d+)?)\s*(?:s\b|seconds?\b)")
"""Regex-obvious spans: ``N.N to N.N seconds`` and ``N.Ns to N.Ns``."""


@pytest.fixture(scope="module")
def generations() -> list[tuple[str, dict, str]]:
    files = sorted(glob.glob(os.path.join(LLM_SQA, "*.jsonl")))
    if not files:
        pytest.skip(f"external llm_sqa generations not found: {LLM_SQA}/*.jsonl")
    out = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                text = next(row[k] for k in ("description", "desc", "text") if k in row)
                out.append((os.path.basename(path), row, text))
    assert len(out) > 500
    return out


def test_generations_parse_and_span_recall(generations) -> None:
    spans = found = with_score = with_artifact = empty = 0
    missed = []
    for _, _, text in generations:
        a = parse_response(text)
        assert isinstance(a, Assessment)
        with_score += any(v is not None for v in a.scores.values())
        with_artifact += any(v is not None for v in a.artifacts.values())
        empty += is_empty(a, structured_only=True)
        got = set(parse_intervals(text))
        for m in SPAN.finditer(text or ""):
            x, y = float(m.group(1)), float(m.group(2))
            spans += 1
            if (min(x, y), max(x, y)) in got:
                found += 1
            else:
                missed.append(m.group(0))
    n = len(generations)
    recall = found / spans
    print(
        f"\nllm_sqa: {n} generations; span recall {found}/{spans} = {recall:.3f}; rows with >=1 score "
        f"{with_score}/{n}; with >=1 artifact {with_artifact}/{n}; structured-empty {empty}/{n}; missed {missed[:5]}"
    )
    assert spans > 300 and recall >= 0.95
    assert with_score / n >= 0.7


def test_generations_scores_agree_with_upstream_figures(generations) -> None:
    """Upstream recorded each generation's MOS and the plan-B per-dimension noise; the parser must agree."""
    checked = agree = 0
    for name, row, text in generations:
        a = parse_response(text)
        reference = {
            "degradation.jsonl": ("overall", row.get("salmonn_mos")),
            "enhancement.jsonl": ("overall", row.get("salmonn_mos")),
            "voicebank_sqa_first300.jsonl": ("overall", row.get("mos")),
            "planb_eval_compare.jsonl": ("noise", (row.get("dims") or {}).get("noise")),
        }.get(name)
        if reference is None or reference[1] is None or a.scores[reference[0]] is None:
            continue
        checked += 1
        agree += a.scores[reference[0]] == math.floor(reference[1] + 0.5)
    print(f"\nllm_sqa: parsed score = upstream figure (rounded half up) in {agree}/{checked} rows")
    assert checked > 500 and agree == checked
