"""sqa.data.summary and sqa.data.prepare_data."""

import json

import numpy as np
import pandas as pd
import pytest

from sqa.data import Example, load_qualispeech, make_synthetic_corpus, prepare_data
from sqa.data.summary import artifact_durations, log_mel, scores_frame, summarize
from sqa.schema import DIMENSIONS, Artifact, Assessment


def example(i, noise, pause=None):
    arts = {"noise": Artifact(bool(noise), noise or []), "unnatural_pause": pause}
    return Example(f"c{i}", f"c{i}.wav", Assessment({"noise": 5 - len(noise or []), "overall": None}, arts))


def test_summarize_counts_means_and_prevalence():
    train = [example(0, [(0, 1), (2, 2.5)]), example(1, None), example(2, [(1, 2)], Artifact(True, [(3, 3.4)]))]
    s = summarize({"train": train, "test": [example(3, None)]})
    assert s["n_clips"] == {"train": 3, "test": 1, "all": 4}
    assert s["scores"]["noise"] == {
        "n": 4,
        "mean": 4.25,
        "std": pytest.approx(0.8292, abs=1e-4),
        "counts": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 2},
    }
    assert s["scores"]["overall"]["n"] == 0 and s["scores"]["overall"]["mean"] is None
    assert s["artifacts"]["noise"] == {
        "n_annotated": 4,
        "prevalence": 0.5,
        "mean_duration": 1.25,
        "mean_intervals": 1.5,
    }
    assert s["artifacts"]["unnatural_pause"]["n_annotated"] == 1
    assert s["artifacts"]["unnatural_pause"]["mean_duration"] == pytest.approx(0.4)
    assert s["artifacts"]["distortion"]["prevalence"] is None
    assert s["scores_by_split"]["test"]["noise"]["mean"] == 5.0
    json.dumps(s)  # JSON-ready


def test_frame_and_durations():
    items = [example(0, [(0, 1), (2, 2.5)]), example(1, None)]
    frame = scores_frame(items)
    assert list(frame.columns) == ["split", "id", *DIMENSIONS] and frame["noise"].tolist() == [3, 5]
    assert artifact_durations(items)["noise"] == [1.0, 0.5]


def test_log_mel_shape():
    spec = log_mel(np.random.default_rng(0).standard_normal(16000).astype(np.float32))
    assert spec.shape == (80, 101) and spec.max() == 0.0


def test_prepare_data_generates_once_and_reuses(tmp_path):
    out = tmp_path / "runs" / "data"
    root = prepare_data(None, out, n_train=3, n_test=1, progress=False)
    stamp = (root / "train.csv").stat().st_mtime_ns
    assert prepare_data(None, out, n_train=3, n_test=1, progress=False) == root
    assert (root / "train.csv").stat().st_mtime_ns == stamp
    prepare_data(None, out, n_train=4, n_test=1, progress=False)
    assert len(load_qualispeech(root, "train")) == 4
    assert prepare_data(root, tmp_path / "unused", 1, 1) == root
    with pytest.raises(FileNotFoundError, match="missing_dir"):
        prepare_data(tmp_path / "missing_dir", out, 1, 1)


def test_summary_of_synthetic_corpus(tmp_path):
    root = make_synthetic_corpus(tmp_path, n_train=8, n_test=2, progress=False)
    s = summarize({split: load_qualispeech(root, split) for split in ("train", "test")})
    assert s["n_clips"]["all"] == 10 and all(s["scores"][d]["n"] == 10 for d in DIMENSIONS)


def test_load_splits_and_profile_data(tmp_path, monkeypatch):
    from sqa.configs.profiles import get_profile
    from sqa.data import load_splits, prepare_profile_data, resolve_data_dir

    root = make_synthetic_corpus(tmp_path / "c", n_train=2, n_test=1, progress=False)
    assert {k: len(v) for k, v in load_splits(root).items()} == {"train": 2, "test": 1}
    with pytest.raises(FileNotFoundError, match="no split CSV"):
        load_splits(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir("c") == tmp_path / "c"  # relative to cwd when it exists there
    profile = get_profile("smoke", data_dir=str(root))
    assert prepare_profile_data(profile) == root


def test_summary_carries_the_load_problems(tmp_path):
    from data_fixtures import make_layout, real_rows

    frame = pd.concat([real_rows().head(2), real_rows().head(1)], ignore_index=True)  # one duplicate id
    root = make_layout(tmp_path / "qs", frame)
    with pytest.warns(UserWarning, match="duplicate_id 1"):
        examples = load_qualispeech(root, "train")
    s = summarize({"train": examples})
    assert s["load_problems"] == {"train": {"n_rows": 3, "n_loaded": 2, "counts": {"duplicate_id": 1}}}
    assert "load_problems" not in summarize({"train": list(examples)})  # plain lists have no report
