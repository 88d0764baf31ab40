"""Shared test helpers live beside this file (``tests/stub_server.py``): make them importable.

Session fixtures shared by the model and training tests: the small tiny Qwen2-Audio (the second backbone).
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

SMALL_SIZES = {"text": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
                        "num_key_value_heads": 1},
               "audio": {"hidden_size": 64, "intermediate_size": 128}}
"""Smaller than the tiny profile's model: the tests that use it check mechanics, not learning."""


@pytest.fixture(scope="session")
def small_qwen2_audio(tmp_path_factory):
    """A small tiny Qwen2-Audio (random init, seed 0), built once per session."""
    from sqa.model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("qwen2_audio") / "model", seed=0, sizes=SMALL_SIZES,
                            backbone="qwen2_audio")
