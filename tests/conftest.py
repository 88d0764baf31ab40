"""Shared test helpers live beside this file (``tests/stub_server.py``): make them importable.

The CPU kernels of the smoke profile, pinned before torch is imported.
Session fixtures shared by the model, training and task tests: the small tiny AF3 and Qwen2-Audio.
"""

import os
import sys
from pathlib import Path

import pytest

from sqa.configs.kernels import pin_environment

sys.path.insert(0, str(Path(__file__).parent))

# The tests run the smoke profile, whose CPU kernels are pinned (sqa.configs.kernels): pinned here, before any test
# imports torch, so that loading the profile later in this process does not come too late for the pin.
for _key, _value in pin_environment("avx2").items():
    os.environ.setdefault(_key, _value)

SMALL_SIZES = {
    "text": {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
    },
    "audio": {"hidden_size": 64, "intermediate_size": 128},
}
"""Smaller than the tiny profile's model: the tests that use it check mechanics, not learning."""


@pytest.fixture(scope="session")
def small_model(tmp_path_factory):
    """A small tiny AF3 (random init, seed 0), built once per session."""
    from sqa.model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("small") / "model", seed=0, sizes=SMALL_SIZES)


@pytest.fixture(scope="session")
def small_qwen2_audio(tmp_path_factory):
    """A small tiny Qwen2-Audio (random init, seed 0), built once per session."""
    from sqa.model import build_tiny_model

    return build_tiny_model(
        tmp_path_factory.mktemp("qwen2_audio") / "model", seed=0, sizes=SMALL_SIZES, backbone="qwen2_audio"
    )
