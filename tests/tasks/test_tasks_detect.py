"""The detection task: the real/fake parser, P(real) from log-probs, EER/minDCF/accuracy against
independent computations, and the Griffin-Lim spoof set beside the synthetic corpus."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from sqa.data import make_synthetic_corpus
from sqa.data.spoof import SPOOF_VERSION, detection_trials, make_spoof_set, spoof_dir
from sqa.tasks.detect import answer_score, evaluate_detections, parse_detection, real_probability, token_word
from sqa.tasks.detect_metrics import accuracy, det_curve, detection_figures, eer, min_dcf


@pytest.mark.parametrize(
    "text, want",
    [
        ("real", "real"),
        ("Fake", "fake"),
        ("  REAL.", "real"),
        ("<think>is it fake? no</think><answer>Real</answer>", "real"),
        ("The speech is fake, not real.", "fake"),
        ("deepfake", None),
        ("really natural", None),
        ("", None),
        (None, None),
        (b"fake", "fake"),
        ("<think>unterminated fake", None),
    ],
)
def test_parse(text, want):
    assert parse_detection(text) == want


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(), st.binary(), st.integers(), st.floats(), st.lists(st.text())))
def test_parse_never_raises(junk):
    assert parse_detection(junk) in ("real", "fake", None)


def test_token_variants_are_summed():
    assert [token_word(t) for t in ("real", "Real", " REAL", "\u2581real", "\u0120Fake", "realm", "re")] == [
        "real",
        "real",
        "real",
        "real",
        "fake",
        None,
        None,
    ]
    p = real_probability({"real": math.log(0.3), "\u2581Real": math.log(0.1), "fake": math.log(0.4), "x": 0.0})
    assert p == pytest.approx(0.4 / 0.8)
    assert real_probability({"fake": -1.0}) == 0.0 and real_probability({"Real": -3.0}) == 1.0
    assert real_probability({"ok": -0.1}) is None and real_probability(None) is None


def test_score_at_the_position_where_the_word_starts():
    tokens = ["<answer>", "Real", "</answer>"]
    lps = [{"<answer>": 0.0, "fake": -9.0}, {"Real": math.log(0.7), "fake": math.log(0.3)}, {}]
    assert answer_score(tokens, lps) == pytest.approx(0.7)
    assert answer_score(["maybe"], [{"maybe": 0.0}]) is None


def _sklearn_eer(tar, non):
    from sklearn.metrics import roc_curve

    y = np.r_[np.ones(len(tar)), np.zeros(len(non))]
    fpr, tpr, _ = roc_curve(y, np.r_[tar, non])
    fnr = 1 - tpr
    k = np.nanargmin(np.abs(fnr - fpr))
    return 100 * (fnr[k] + fpr[k]) / 2


def _brute_min_dcf(tar, non, p_spoof=0.05, c_miss=1.0, c_fa=10.0):
    tar, non = np.asarray(tar), np.asarray(non)
    cuts = np.r_[-np.inf, np.sort(np.r_[tar, non]), np.inf]
    best = min(c_miss * (1 - p_spoof) * np.mean(tar < t) + c_fa * p_spoof * np.mean(non >= t) for t in cuts)
    return best / min(c_miss * (1 - p_spoof), c_fa * p_spoof)


@pytest.mark.parametrize("seed", range(5))
def test_eer_and_min_dcf_match_independent_computations(seed):
    rng = np.random.default_rng(seed)
    tar, non = rng.normal(1.0, 1.0, 60), rng.normal(0.0, 1.0, 90)  # continuous: no ties
    assert abs(eer(tar, non) - _sklearn_eer(tar, non)) < 100 / 60  # within one trial's step
    assert min_dcf(tar, non) == pytest.approx(_brute_min_dcf(tar, non))


def test_hand_cases():
    assert eer([0.9, 0.8], [0.2, 0.1]) == 0.0 and min_dcf([0.9, 0.8], [0.2, 0.1]) == 0.0
    assert eer([0.9, 0.6, 0.3], [0.7, 0.2, 0.1]) == pytest.approx(100 / 3)
    assert min_dcf([0.9, 0.6, 0.3], [0.7, 0.2, 0.1]) == pytest.approx(1 / 3)
    assert eer([0.1], [0.9]) == 100.0 and min_dcf([0.1], [0.9]) == 1.0
    p_miss, p_fa, _ = det_curve([1.0], [0.0])
    assert p_miss.tolist() == [0.0, 0.0, 1.0] and p_fa.tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="need bona fide and spoof scores, got 2 and 0"):
        eer([0.1, 0.2], [])


def test_accuracy_over_all_and_eer_over_valid():
    words = ["real", None, "fake", "real", "fake"]
    scores = [0.9, None, 0.2, 0.6, 0.7]
    labels = ["real", "real", "fake", "real", "fake"]
    f = detection_figures(words, scores, labels)
    assert f["accuracy"] == pytest.approx(4 / 5) and f["n_invalid"] == 1 and f["n_valid"] == 4
    assert f["eer"] == eer([0.9, 0.6], [0.2, 0.7])
    one_class = detection_figures(["real"], [0.9], ["real"])
    assert math.isnan(one_class["eer"]) and one_class["accuracy"] == 1.0
    with pytest.raises(ValueError, match="labels must be 'real' or 'fake'"):
        detection_figures(["real"], [0.9], ["bonafide"])
    assert accuracy([], []) != accuracy([], [])  # NaN
    hard = evaluate_detections(["Real.", "fake", "no idea"], ["real", "real", "fake"])
    assert hard["accuracy"] == pytest.approx(1 / 3) and hard["n_invalid"] == 1


def _digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "spoof" not in p.relative_to(folder).parts
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_synthetic_corpus(tmp_path_factory.mktemp("syn"), n_train=0, n_test=3, seed=2, progress=False)


def test_spoof_set_beside_the_corpus(corpus):
    before = _digest(corpus)
    out = make_spoof_set(corpus, "test")
    assert out == spoof_dir(corpus) == corpus / "spoof" / f"v{SPOOF_VERSION}"
    assert _digest(corpus) == before  # the corpus' own files are untouched
    trials = detection_trials(corpus, "test")
    assert [t["label"] for t in trials] == ["real", "fake"] * 3
    for real, fake in zip(trials[::2], trials[1::2]):
        assert real["source"] == fake["source"] and fake["id"] == f"spoof-{real['id']}"
        x, sr_x = sf.read(real["audio"])
        y, sr_y = sf.read(fake["audio"])
        assert sr_x == sr_y == 16000 and len(x) == len(y)
        assert abs(np.abs(y).max() - np.abs(x).max()) < 2e-3 and not np.allclose(x, y, atol=1e-2)
    manifest = json.loads((out / "spoof_test.json").read_text())
    assert manifest["spoof_version"] == SPOOF_VERSION and manifest["method"] == "griffin-lim resynthesis"
    assert manifest["corpus"]["seed"] == 2


def test_spoof_set_is_reused_and_deterministic(corpus, tmp_path):
    out = make_spoof_set(corpus, "test")
    stamp = (out / "test.jsonl").stat().st_mtime_ns
    assert make_spoof_set(corpus, "test") == out and (out / "test.jsonl").stat().st_mtime_ns == stamp
    other = make_synthetic_corpus(tmp_path / "again", n_train=0, n_test=3, seed=2, progress=False)
    make_spoof_set(other, "test")
    wavs = sorted((out / "wav" / "test").iterdir())
    assert [p.read_bytes() for p in wavs] == [(spoof_dir(other) / "wav" / "test" / p.name).read_bytes() for p in wavs]


def test_spoof_errors_name_the_file(corpus, tmp_path):
    with pytest.raises(FileNotFoundError, match="no spoof set"):
        detection_trials(tmp_path, "test")
    out = make_spoof_set(corpus, "test")
    bad = tmp_path / "c"
    (spoof_dir(bad)).mkdir(parents=True)
    (spoof_dir(bad) / "test.jsonl").write_text('{"id": "x", "audio": "a.wav", "label": "real", "source": "x"}\n{oops\n')
    with pytest.raises(FileNotFoundError, match=r"test.jsonl:1: audio file .*a.wav not found"):
        detection_trials(bad, "test")
    (spoof_dir(bad) / "test.jsonl").write_text("{oops\n")
    with pytest.raises(ValueError, match=r"test.jsonl:1: not a detection trial"):
        detection_trials(bad, "test")
    assert out.is_dir()


def test_detection_table_intervals_bracket_the_values():
    from sqa.tasks.detect_metrics import detection_table

    rng = np.random.default_rng(0)
    labels = ["real"] * 50 + ["fake"] * 150
    scores = list(np.r_[rng.normal(0.7, 0.15, 50), rng.normal(0.4, 0.15, 150)].clip(0, 1))
    answers = ["real" if s > 0.5 else "fake" for s in scores]
    answers[0], scores[0] = None, None
    t = detection_table(answers, scores, labels, n_boot=300).set_index("metric")
    f = detection_figures(answers, scores, labels)
    for k in ("eer", "min_dcf", "accuracy"):
        assert t.value[k] == pytest.approx(f[k]) and t.ci_low[k] < t.value[k] < t.ci_high[k]
    assert t.n["eer"] == 199 and t.n["accuracy"] == 200
