"""``make bench`` code in smoke mode: every path runs and writes its keys (no timing asserts)."""

from __future__ import annotations

import doctest
import json

import pytest
import torch

import benchmarks.flops
import benchmarks.grpo_step
from benchmarks import run
from benchmarks.common import QUICK_SIZES


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    threads = torch.get_num_threads()
    try:
        run.main(["--out", str(out), "--quick", "--device", "cpu"])
    finally:
        torch.set_num_threads(threads)
    return out


def test_grpo_json_has_the_figures(quick):
    d = json.loads((quick / "grpo_step.json").read_text())
    assert {
        "naive_s",
        "sqa_s",
        "speedup_vs_naive",
        "max_abs_loss_diff",
        "time_split",
        "config",
        "machine",
        "af3_flop_projection",
        "bench_wall_s",
    } <= set(d)
    assert d["naive_s"] > 0 and d["sqa_s"] > 0 and d["quick"] is True
    assert d["speedup_vs_naive"] == pytest.approx(d["naive_s"] / d["sqa_s"], rel=1e-2)
    assert {"t_encode", "t_generate", "t_logprobs", "t_backward"} <= set(d["time_split"])
    assert d["config"]["group_size"] == 4 and d["config"]["batch_size"] == 4
    assert {"cpu_model", "cpu_count", "torch", "device"} <= set(d["machine"])
    assert set(d["configs"]) == {"tiny", "af3_shaped"}
    assert d["configs"]["af3_shaped"]["config"]["window_seconds"] == 30


def test_shared_encoding_gives_the_naive_loss(quick):
    """Same completions, both paths: the loss and the gradients agree (the point of the comparison)."""
    for c in json.loads((quick / "grpo_step.json").read_text())["configs"].values():
        assert c["max_abs_loss_diff"] <= 1e-4
        assert c["loss_check"]["max_abs_grad_diff"] <= 1e-4
        assert c["loss_check"]["grad_norm"] > 0  # gradients were really compared


def test_af3_projection_is_counted_not_assumed(quick):
    p = json.loads((quick / "grpo_step.json").read_text())["af3_flop_projection"]
    # Whisper-large on one 30 s window: ~2.3 TFLOP; Qwen2.5-7B: ~14 GFLOP per token
    assert 2000 < p["encoder_window_gflop"] < 2600 and 13000 < p["llm_token_mflop"] < 16000
    speedups = [r["speedup_shared_encoding"] for r in p["by_completion_tokens"].values()]
    assert all(s > 1 for s in speedups) and speedups == sorted(speedups, reverse=True)


def test_calibration_json_and_summary(quick):
    c = json.loads((quick / "calibration_step.json").read_text())
    for name in ("learned", "frozen"):
        assert c[name]["samples_per_s"] > 0 and c[name]["step_gflop"] > 0
    assert c["learned"]["step_gflop"] > c["frozen"]["step_gflop"]  # backward through the encoder
    assert c["learned"]["params_trainable"] > c["frozen"]["params_trainable"]
    assert c["batch_size"] == 8 and c["matmul_peak"]["tflops"] > 0
    md = (quick / "summary.md").read_text()
    for heading in ("## GRPO step", "### Time split", "## Calibration SFT step", "Quick (smoke) run"):
        assert heading in md
    assert "| tiny:" in md and "| af3_shaped:" in md and "| learned |" in md


def test_audio_path_stays_frozen_after_reference_pass(tmp_path):
    """PEFT's disable_adapter() re-enables the projector; the shim freezes it again."""
    from sqa.model import build_tiny_model
    from sqa.train.grpo import GRPOConfig
    from sqa.train.grpo_setup import audio_trainable

    path = build_tiny_model(tmp_path / "m", sizes=QUICK_SIZES)
    cfg = GRPOConfig(init=str(path), out_dir=str(tmp_path), lora_rank=4, lora_alpha=8)
    model, ref_model, _, optimizer = benchmarks.grpo_step.setup(path, cfg)
    assert ref_model is None and not audio_trainable(model)
    with model.disable_adapter():
        pass
    assert not audio_trainable(model)
    assert all(p.requires_grad for g in optimizer.param_groups for p in g["params"])


@pytest.mark.parametrize("module", [benchmarks.flops, benchmarks.grpo_step, benchmarks.common])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
