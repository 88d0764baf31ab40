"""Training seeds: each seed trains under runs/<p>/seed<k> and writes results/<p>/seed<k>; the corpus is shared."""

from __future__ import annotations

import pytest

from sqa.configs.profiles import get_profile
from sqa.pipeline.system_results import results_dir


def test_seed_zero_keeps_the_default_paths():
    p = get_profile("smoke")
    assert p.seed == 0 and p.run_dir == p.shared_dir and results_dir(p).name == "smoke"


def test_seed_from_the_environment(monkeypatch):
    monkeypatch.setenv("SQA_SEED", "2")
    p = get_profile("smoke")
    assert p.seed == 2 and p.run_dir == p.shared_dir / "seed2"
    assert results_dir(p).parts[-2:] == ("smoke", "seed2")
    assert get_profile("smoke", seed=1).seed == 1  # an explicit override wins


def test_bad_seed_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("SQA_SEED", "two")
    with pytest.raises(ValueError, match="SQA_SEED"):
        get_profile("smoke")


def test_every_seed_shares_the_corpus(monkeypatch):
    from sqa.data import prepare_profile_data

    p0, p2 = get_profile("smoke"), get_profile("smoke", seed=2)
    assert (
        prepare_profile_data(p2, progress=False) == prepare_profile_data(p0, progress=False) == p0.shared_dir / "data"
    )
