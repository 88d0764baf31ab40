"""load_examples: the profile's dataset field picks the corpus; every reward column reaches the GRPO rows."""
from __future__ import annotations

import pytest

from sqa.data import CORPORA, load_examples, load_qualispeech, make_synthetic_corpus
from sqa.profiles import get_profile
from sqa.sources import ProfileInputError


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    return make_synthetic_corpus(tmp_path_factory.mktemp("c"), n_train=3, n_test=2, seed=1, progress=False)


def test_data_dir_means_qualispeech_layout(small_corpus):
    profile = get_profile("smoke", data_dir=str(small_corpus))
    examples = load_examples(profile, "test")
    assert [e.id for e in examples] == [e.id for e in load_qualispeech(small_corpus, "test")]


def test_no_data_source_and_unknown_corpus_are_clear_errors(monkeypatch):
    with pytest.raises(ProfileInputError, match="DATA_DIR is not set"):
        load_examples(get_profile("smoke", dataset="qualispeech"), "train")
    with pytest.raises(ProfileInputError, match="unknown dataset 'somewhere'"):
        load_examples(get_profile("smoke", dataset="somewhere"), "train")
    monkeypatch.setattr("sqa.sources.DATASETS", ("qualispeech", "synthetic", "somewhere"))
    with pytest.raises(ValueError, match="dataset 'somewhere' has no loader"):
        load_examples(get_profile("smoke", dataset="somewhere"), "train")


def test_every_dataset_a_profile_may_name_has_a_loader():
    from sqa.sources import DATASETS

    assert set(DATASETS) == set(CORPORA)


def test_a_registered_corpus_is_used(monkeypatch, small_corpus):
    calls = []
    monkeypatch.setitem(CORPORA, "synthetic", CORPORA["synthetic"]._replace(
        prepare=lambda profile, progress: calls.append(profile.name) or small_corpus))
    assert len(load_examples(get_profile("smoke", dataset="synthetic"), "train")) == 3 and calls == ["smoke"]


def test_grpo_rows_carry_every_reward_column(small_corpus):
    from sqa.train.grpo import GRPOConfig, _load_training_rows

    examples = load_qualispeech(small_corpus, "train")
    rows = _load_training_rows(GRPOConfig(init="-", out_dir="-"), examples)
    assert set(rows[0]) == {"audio", "reference", "audio_path", "id", "voice"}
    assert [r["id"] for r in rows] == [e.id for e in examples] and rows[0]["voice"] == examples[0].voice
