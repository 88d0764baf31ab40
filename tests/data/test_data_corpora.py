"""load_examples: the profile's dataset field picks the corpus; every reward column reaches the GRPO rows."""

from __future__ import annotations

import dataclasses

import pytest

from sqa.configs.errors import ProfileInputError
from sqa.configs.profiles import get_profile
from sqa.data import CORPORA, load_examples, load_qualispeech, make_synthetic_corpus


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    return make_synthetic_corpus(tmp_path_factory.mktemp("c"), n_train=3, n_test=2, seed=1, progress=False)


def test_data_dir_means_qualispeech_layout(small_corpus):
    profile = get_profile("smoke", data_dir=str(small_corpus))
    examples = load_examples(profile, "test")
    assert [e.id for e in examples] == [e.id for e in load_qualispeech(small_corpus, "test")]


def test_no_data_source_and_unknown_corpus_are_clear_errors():
    with pytest.raises(ProfileInputError, match="DATA_DIR is not set"):
        load_examples(get_profile("smoke", dataset="qualispeech"), "train")
    with pytest.raises(ProfileInputError, match="DATA_DIR is not set .*reads SpeechEval from data_dir"):
        load_examples(get_profile("smoke", dataset="speecheval"), "train")
    with pytest.raises(ProfileInputError, match="unknown dataset 'somewhere' .*known: qualispeech, synthetic, speech"):
        load_examples(get_profile("smoke", dataset="somewhere"), "train")


def test_a_data_dir_is_read_by_the_corpus_named_when_it_reads_one():
    from sqa.data.corpora import corpus_name

    assert corpus_name(get_profile("smoke")) == "synthetic"
    assert corpus_name(get_profile("smoke", data_dir="/qs")) == "qualispeech"  # synthetic reads no data_dir
    assert corpus_name(get_profile("smoke", dataset="speecheval", data_dir="/se")) == "speecheval"
    assert corpus_name(get_profile("smoke", dataset="somewhere", data_dir="/qs")) == "qualispeech"


def test_a_name_registered_twice_is_an_error():
    from sqa.data import register_corpus

    assert register_corpus(CORPORA["synthetic"]) is CORPORA["synthetic"]  # the same object again: nothing changes
    with pytest.raises(ValueError, match="a corpus named 'synthetic' is registered already"):
        register_corpus(dataclasses.replace(CORPORA["synthetic"], needs_data_dir=True))


def test_grpo_rows_carry_every_reward_column(small_corpus):
    from sqa.train.grpo import GRPOConfig, _load_training_rows

    examples = load_qualispeech(small_corpus, "train")
    rows = _load_training_rows(GRPOConfig(init="-", out_dir="-"), examples)
    assert set(rows[0]) == {"audio", "reference", "audio_path", "id", "voice"}
    assert [r["id"] for r in rows] == [e.id for e in examples] and rows[0]["voice"] == examples[0].voice
