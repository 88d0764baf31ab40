"""The corpus seam: a corpus written as a module outside ``sqa`` (a pytest tmp folder), registered with one call,
runs through the real code path: the data source check, the preflight line, prepare, load into ``Example``s,
provenance, and one Calibration-only training + evaluation of the smoke profile on it. Nothing in ``sqa`` is
monkeypatched; the run is isolated by working from a tmp checkout folder (``sqa.configs.profiles.repo_root`` is the
folder holding ``pyproject.toml`` and ``sqa/``), so ``runs/`` and ``results/`` land there."""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
import textwrap

import pytest

TOY_MODULE = textwrap.dedent('''
    """A toy corpus: six tones whose loudness sets every score, generated under runs/<profile>/data."""
    import json
    from pathlib import Path

    import numpy as np
    import soundfile as sf

    from sqa.data import Corpus, Example, register_corpus
    from sqa.schema import DIMENSIONS, Assessment

    SPLITS = {"train": 4, "test": 3}


    def prepare(profile, progress=False):
        root = Path(profile.shared_dir) / "data"
        if (root / "labels.json").is_file():
            return root
        labels = {}
        for split, n in SPLITS.items():
            for i in range(n):
                score = 1 + (i * 2 + len(split)) % 5
                path = root / "wav" / split / f"toy-{split}-{i}.wav"
                path.parent.mkdir(parents=True, exist_ok=True)
                t = np.arange(8000) / 16000
                sf.write(path, 0.1 * score * np.sin(2 * np.pi * 220 * t), 16000, subtype="PCM_16")
                labels.setdefault(split, []).append({"id": path.name, "score": score})
        (root / "labels.json").write_text(json.dumps(labels))
        return root


    def load(root, split):
        rows = json.loads((Path(root) / "labels.json").read_text())[split]
        return [Example(r["id"], Path(root) / "wav" / split / r["id"],
                        Assessment(scores={d: r["score"] for d in DIMENSIONS}, description="A toy tone."))
                for r in rows]


    register_corpus(Corpus("toy", prepare, load))
''')


@pytest.fixture()
def toy_checkout(tmp_path, monkeypatch):
    """A tmp folder that ``sqa.configs.profiles.repo_root`` takes for the checkout, with the toy corpus module
    beside it."""
    from sqa.data import CORPORA
    from sqa.pipeline.provenance import git_commit

    git_commit()  # cached from the real checkout before the working directory moves (a record names the code)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "sqa").mkdir()
    (tmp_path / "toy_corpus.py").write_text(TOY_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SQA_JUDGE", raising=False)
    monkeypatch.delenv("SQA_EXTRACTOR", raising=False)
    registered = dict(CORPORA)
    sys.modules.pop("toy_corpus", None)
    importlib.import_module("toy_corpus")  # its last line registers it
    yield tmp_path
    sys.modules.pop("toy_corpus", None)
    CORPORA.clear()
    CORPORA.update(registered)  # the next test sees the registry as sqa has it


def test_a_toy_corpus_module_runs_through_the_real_path(toy_checkout):
    from sqa.configs.profiles import get_profile
    from sqa.data import load_examples, prepare_profile_data
    from sqa.data.corpora import data_problem
    from sqa.pipeline.preflight import check_data, require_inputs
    from sqa.pipeline.provenance import provenance
    from sqa.pipeline.system_results import evaluate_system

    profile = get_profile("smoke", dataset="toy", calib_steps=2)
    assert data_problem(profile) is None
    require_inputs(profile, needs_judge=True)
    before = check_data(profile)
    assert before.ok and "toy under runs/smoke/data" in before.detail
    root = prepare_profile_data(profile, progress=False)
    assert root == toy_checkout / "runs" / "smoke" / "data" and (root / "labels.json").is_file()
    train, test = load_examples(profile, "train"), load_examples(profile, "test")
    assert [e.id for e in train] == [f"toy-train-{i}.wav" for i in range(4)] and len(test) == 3
    assert train[0].assessment.scores["overall"] == 1 + len("train") % 5 and train[0].audio_path.is_file()
    record = provenance(profile)["data"]
    assert record["dataset"] == "toy" and record["path"] == "runs/smoke/data"
    assert list(record["file_sha256"]) == ["labels.json"] and len(record["file_sha256"]["labels.json"]) == 16

    metrics = evaluate_system(profile, "Calibration-only", results="results")  # trains Calibration, then tests
    saved = json.loads(
        (toy_checkout / "results" / "smoke" / "systems" / "calibration_only" / "metrics.json").read_text()
    )
    assert saved["provenance"]["data"] == record and metrics["provenance"] == saved["provenance"]
    assert (toy_checkout / "runs" / "smoke" / "calibration" / "model").is_dir()
    predictions = toy_checkout / "results" / "smoke" / "systems" / "calibration_only" / "predictions.csv"
    assert sorted(predictions.read_text().splitlines()[1:]) and all(e.id in predictions.read_text() for e in test)


def test_a_toy_corpus_can_be_unusable_and_says_so(toy_checkout):
    from sqa.configs.profiles import get_profile
    from sqa.data import CORPORA, register_corpus
    from sqa.data.corpora import data_problem
    from sqa.pipeline.preflight import check_data

    assert "known: qualispeech, synthetic, speecheval, toy)" in data_problem(get_profile("smoke", dataset="toys"))
    register_corpus(dataclasses.replace(CORPORA["toy"], name="toy_dir", needs_data_dir=True))
    assert "DATA_DIR is not set (profile smoke reads toy_dir" in data_problem(get_profile("smoke", dataset="toy_dir"))
    empty = toy_checkout / "empty"
    empty.mkdir()
    line = check_data(get_profile("smoke", dataset="toy_dir", data_dir=str(empty)))
    assert not line.ok and "labels.json" in line.detail
