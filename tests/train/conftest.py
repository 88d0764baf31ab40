"""Fixtures of the training tests: a small tiny AF3 (and Qwen2-Audio) and a synthetic corpus, in temporary dirs."""

from __future__ import annotations

import pytest

from sqa.configs.profiles import get_profile
from sqa.data import make_synthetic_corpus
from sqa.model import build_tiny_model

SMALL = {
    "text": {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
    },
    "audio": {"hidden_size": 64, "intermediate_size": 128},
}
"""Smaller than the tiny profile's model: these tests check mechanics, not learning."""


@pytest.fixture(scope="session")
def small_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("small") / "model", seed=0, sizes=SMALL)


@pytest.fixture(scope="session", params=["af3", "qwen2_audio"])
def backbone_model(request):
    """The small model of each backbone (tests that must hold for every backbone use this one)."""
    return request.getfixturevalue("small_model" if request.param == "af3" else "small_qwen2_audio")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return make_synthetic_corpus(tmp_path_factory.mktemp("corpus"), n_train=4, n_test=2, seed=0, progress=False)


@pytest.fixture()
def profile(corpus):
    """The smoke profile on the temporary corpus (nothing is written under runs/)."""
    return get_profile("smoke", data_dir=str(corpus))
