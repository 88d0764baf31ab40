"""Fixtures of the training tests: each backbone's small model (``tests/conftest.py``) and a synthetic corpus."""

from __future__ import annotations

import pytest

from sqa.configs.profiles import get_profile
from sqa.data import make_synthetic_corpus


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
