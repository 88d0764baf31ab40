"""evaluate(): the paper's Table 1 / Table 3 columns; description_correlation; llm_extract."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from sqa.llm import get_extractor, get_judge, llm_extract
from sqa.metrics import TABLE1_COLUMNS, TABLE3_COLUMNS, description_correlation, evaluate
from sqa.schema import DIMENSIONS, Artifact, Assessment, render

REFERENCE_DIR = Path("/work/shared/reference")


def make(scores, noise=None, pause=None, description="", distortion=None):
    arts = {}
    if noise is not None:
        arts["noise"] = noise
    if pause is not None:
        arts["unnatural_pause"] = pause
    if distortion is not None:
        arts["distortion"] = distortion
    return Assessment({d: scores for d in DIMENSIONS} if isinstance(scores, int) else scores, arts, description)


REFS = [
    make(1, Artifact(True, [(0, 1)], "loud hum"), Artifact(False), "Very noisy speech.", Artifact(False)),
    make(
        2, Artifact(True, [(0.5, 2)], "hiss"), Artifact(True, [(1, 1.4)], "gap"), "Noisy, with a gap.", Artifact(False)
    ),
    make(4, Artifact(False), Artifact(False), "Mostly clean speech.", Artifact(True, [(0, 0.3)], "clipping")),
    make(5, Artifact(False), Artifact(False), "Clean and natural.", Artifact(False)),
]


class FakeChat:
    """A chat backend that always answers with a fixed text."""

    def __init__(self, reply, name="fake"):
        self.reply, self.name, self.seen = reply, name, []

    def chat(self, messages, max_tokens=None):
        self.seen.append(messages)
        return self.reply


def _csv_columns(name):
    with open(REFERENCE_DIR / name) as f:
        return next(csv.reader(f))[1:]


def test_evaluate_keys_cover_the_paper_tables():
    out = evaluate(REFS, REFS, corr_backend=get_judge("rule:rouge"))
    table3 = _csv_columns("paper_table3_descriptive.csv")
    assert list(TABLE3_COLUMNS) == table3
    assert set(table3) <= set(out)
    table1 = [c for c in _csv_columns("paper_table1_pcc.csv") if c not in ("learned_encoder", "calibration")]
    assert set(TABLE1_COLUMNS) == set(table1)
    assert set(TABLE1_COLUMNS.values()) <= set(out)
    assert {f"{d}_pcc" for d in DIMENSIONS} | {"mos_pcc", "avg_pcc", "parse_failure_rate", "n", "corr_backend"} <= set(
        out
    )


def test_evaluate_perfect_predictions():
    out = evaluate(REFS, REFS)
    for key in [
        "avg_pcc",
        "mos_pcc",
        "noise_f1",
        "noise_iou",
        "pause_f1",
        "pause_iou",
        "distortion_f1",
        "distortion_iou",
        "longform_rouge_l",
    ]:
        assert out[key] == pytest.approx(1.0), key
    assert out["noise_corr"] == pytest.approx(1.0) and out["longform_corr"] == pytest.approx(1.0)
    assert out["corr_backend"] == "minilm"
    assert out["parse_failure_rate"] == 0.0 and out["n"] == 4


def test_avg_pcc_excludes_speed():
    preds = [Assessment({**p.scores, "speed": 6 - p.scores["speed"]}, p.artifacts, p.description) for p in REFS]
    out = evaluate(preds, REFS, corr_backend=get_judge("rule:rouge"))
    assert out["speed_pcc"] == pytest.approx(-1.0)
    assert out["avg_pcc"] == pytest.approx(1.0)
    assert out["mos_pcc"] == out["overall_pcc"] == pytest.approx(1.0)


def test_iou_and_corr_only_over_examples_where_both_mark_present():
    preds = [
        make(1, Artifact(True, [(0, 2)], "loud hum")),  # both present: IoU 0.5
        make(2, Artifact(False)),  # missed: counts for F1 only
        make(4, Artifact(True, [(3, 4)], "buzz")),  # false alarm: F1 only
        make(5, None),
    ]  # not stated: absent
    out = evaluate(preds, REFS, corr_backend=get_judge("rule:rouge"))
    assert out["noise_iou"] == pytest.approx(0.5)
    assert out["noise_corr"] == pytest.approx(1.0)  # only the first pair, identical text
    assert out["noise_f1"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))
    assert math.isnan(out["pause_iou"]) and out["pause_f1"] == 0.0


def test_parse_failure_rate_from_texts():
    texts = [render(r) for r in REFS[:3]] + ["I cannot assess this audio."]
    from sqa.schema import parse_response

    out = evaluate([parse_response(t) for t in texts], REFS, texts=texts, corr_backend=get_judge("rule:rouge"))
    assert out["parse_failure_rate"] == pytest.approx(0.25)


def test_evaluate_accepts_rendered_strings_and_checks_lengths():
    out = evaluate([render(r) for r in REFS], [render(r) for r in REFS], corr_backend=get_judge("rule:rouge"))
    assert out["noise_pcc"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="3 predictions vs 4 references"):
        evaluate(REFS[:3], REFS)


def test_description_correlation_minilm_orders_by_meaning():
    vals, label = description_correlation(
        ["steady background hum", "the weather is nice today", ""],
        ["a low humming noise", "a low humming noise", "a low humming noise"],
    )
    assert label == "minilm"
    assert vals[0] > vals[1] > 0.0 and vals[2] == 0.0


def test_description_correlation_with_llm_backend_uses_judge_rating():
    chat = FakeChat("Score: 8")
    vals, label = description_correlation(["hum", ""], ["a low hum", "a click"], backend=get_judge(chat))
    assert label == "llm:fake"
    assert vals.tolist() == [0.8, 0.0]
    assert len(chat.seen) == 1 and "a low hum" in chat.seen[0][-1]["content"]
    vals, _ = description_correlation(["hum"], ["hum"], backend=get_judge(FakeChat("no rating here")))
    assert np.isnan(vals[0])


def test_evaluate_reports_llm_corr_backend():
    out = evaluate(REFS, REFS, corr_backend=get_judge(FakeChat("Score: 10", name="Qwen3-8B")))
    assert out["corr_backend"] == "llm:Qwen3-8B" and out["longform_corr"] == 1.0


def test_parse_response_is_the_named_extractor_and_the_rule_judge_cannot_extract():
    a = get_extractor("parse_response")("Noise: 2\nNoise artifact: yes, 0-1s; hum")
    assert a.scores["noise"] == 2 and a.artifacts["noise"].intervals == [(0.0, 1.0)]
    with pytest.raises(ValueError, match="'rule' cannot rewrite answers"):  # no quiet parse_response
        get_extractor("rule")
    with pytest.raises(ValueError, match="no extractor given"):
        llm_extract("Noise: 2", None)


def test_llm_extract_with_backend_reads_rewritten_answer():
    chat = FakeChat("<think>reading</think>Noise: 3\nOverall quality: 2\nNoise artifact: yes, 1-2s; fan hum")
    a = llm_extract("The recording has a fan humming between one and two seconds...", backend=chat)
    assert a.scores["noise"] == 3 and a.scores["overall"] == 2
    assert a.artifacts["noise"].intervals == [(1.0, 2.0)]
    assert "Overall quality: <1-5>" in chat.seen[0][-1]["content"]


def test_llm_extract_falls_back_when_reply_is_junk():
    a = llm_extract("Noise: 4", backend=FakeChat("sorry, I can't"))
    assert a.scores["noise"] == 4
