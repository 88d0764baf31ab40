"""Fixtures of the model tests: one tiny AF3 built per session, short synthetic-like audio."""

from __future__ import annotations

import numpy as np
import pytest

from sqa.model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """The tiny AF3 (default sizes, seed 0) in a temporary dir."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", seed=0)


@pytest.fixture()
def audios():
    """Three clips of 1.5 s, 3 s and 11 s (the last spans two 8 s windows of the tiny processor)."""
    rng = np.random.default_rng(0)
    return [(0.1 * rng.standard_normal(int(16000 * s))).astype(np.float32) for s in (1.5, 3.0, 11.0)]
