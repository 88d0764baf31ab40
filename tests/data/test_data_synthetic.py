"""sqa.data.make_synthetic_corpus: reproducible bytes, exact ground truth, loader round trip."""

import hashlib
import json

import numpy as np
import pytest
import soundfile as sf

from sqa.data import load_qualispeech, make_synthetic_corpus, read_ground_truth
from sqa.data.synthetic.rules import scores_from_ground_truth
from sqa.schema import ARTIFACTS, parse_intervals


def tree_hash(root):
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_synthetic_corpus(
        tmp_path_factory.mktemp("syn") / "c", n_train=12, n_test=4, n_val=2, seed=3, progress=False
    )


def test_same_seed_gives_identical_bytes(tmp_path, corpus):
    again = make_synthetic_corpus(tmp_path / "again", n_train=12, n_test=4, n_val=2, seed=3, progress=False)
    assert tree_hash(again) == tree_hash(corpus)
    other = make_synthetic_corpus(tmp_path / "other", n_train=2, n_test=0, seed=4, progress=False)
    assert (other / "wav/train/syn-train-00000.wav").read_bytes() != (
        corpus / "wav/train/syn-train-00000.wav"
    ).read_bytes()


def test_clip_does_not_depend_on_corpus_size(tmp_path, corpus):
    small = make_synthetic_corpus(tmp_path / "small", n_train=1, n_test=1, seed=3, progress=False)
    for rel in ("wav/train/syn-train-00000.wav", "wav/test/syn-test-00000.wav"):
        assert (small / rel).read_bytes() == (corpus / rel).read_bytes()


def test_layout_and_audio_format(corpus):
    names = sorted(p.name for p in corpus.iterdir())
    assert names == [
        "corpus.json",
        "test.csv",
        "test_ground_truth.jsonl",
        "train.csv",
        "train_ground_truth.jsonl",
        "val.csv",
        "val_ground_truth.jsonl",
        "wav",
    ]
    for split, n in (("train", 12), ("val", 2), ("test", 4)):
        records = read_ground_truth(corpus, split)
        assert len(records) == n
        for gt in records:
            info = sf.info(corpus / "wav" / split / gt["id"])
            assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
            assert 2.0 <= gt["duration"] <= 6.0 and info.frames == round(gt["duration"] * 16000)
    assert json.loads((corpus / "corpus.json").read_text())["sizes"] == {"train": 12, "val": 2, "test": 4}


def test_loader_round_trip_is_exact(corpus):
    for split in ("train", "val", "test"):
        examples, truth = load_qualispeech(corpus, split), read_ground_truth(corpus, split)
        assert [e.id for e in examples] == [gt["id"] for gt in truth]
        for e, gt in zip(examples, truth):
            assert e.assessment.scores == gt["scores"] == scores_from_ground_truth(gt)
            for name in ARTIFACTS:
                art, want = e.assessment.artifacts[name], gt["artifacts"][name]
                assert art.present == want["present"], (e.id, name, art)
                assert art.intervals == [tuple(s) for s in want["intervals"]], (e.id, name, art)
            stated = set(parse_intervals(e.assessment.description))
            for name in ARTIFACTS:
                assert {tuple(s) for s in gt["artifacts"][name]["intervals"]} <= stated, (
                    e.id,
                    e.assessment.description,
                )
            assert e.voice and e.voice[1:] in e.assessment.description  # "The voice is described as a ..."


def test_pauses_are_silent_and_noise_is_where_stated(corpus):
    checked_pause = checked_noise = 0
    for split in ("train", "val", "test"):
        for gt in read_ground_truth(corpus, split):
            y, sr = sf.read(corpus / "wav" / split / gt["id"])
            peak = np.abs(y).max()
            if gt["pauses"] and not gt["noise"]:
                for a, b in gt["pauses"]:
                    assert np.abs(y[int((a + 0.05) * sr) : int((b - 0.02) * sr)]).max() < 1e-3 * peak + 1e-4
                    checked_pause += 1
            if gt["noise"] and gt["noise"]["snr_db"] < 20 and not gt["pauses"]:
                (a, b), *_ = gt["noise"]["intervals"]
                inside = y[int(a * sr) : int(b * sr)]
                assert np.mean(np.abs(inside) > 1e-3 * peak) > 0.9  # noise fills the gaps between syllables
                checked_noise += 1
    assert checked_pause and checked_noise


def test_ground_truth_parameters_are_in_documented_ranges(corpus):
    for gt in read_ground_truth(corpus, "train"):
        assert 0.62 <= gt["rate"] <= 1.46
        for a, b in gt["pauses"]:
            assert 0.3 - 1e-9 <= b - a <= 1.0 + 1e-9 and round(a * 10) == pytest.approx(a * 10)
        if gt["noise"]:
            assert 0 <= gt["noise"]["snr_db"] <= 30
        if gt["distortion"]:
            assert 0 < gt["distortion"]["severity"] <= 1
