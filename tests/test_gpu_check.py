"""``benchmarks.gpu_check --small``: the GPU check's code at toy sizes on the CPU (its four sections)."""

from __future__ import annotations

import doctest
import json

import pytest
import torch

from benchmarks import af3_build, gpu_check, gpu_report


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu_check")
    (out / "summary.md").write_text("# Benchmarks\n\nmake bench's part\n")
    threads = torch.get_num_threads()
    try:
        result = gpu_check.main(["--small", "--out", str(out)])
    finally:
        torch.set_num_threads(threads)
    return out, result


def test_small_run_writes_the_four_sections(small):
    out, result = small
    assert not (out / "gpu_check.json").exists()  # a --small run never poses as the GPU's figures
    d = json.loads((out / "gpu_check_small.json").read_text())
    assert d["small"] is True and set(gpu_check.PARTS) <= set(d)
    assert not [p for p in gpu_check.PARTS if "error" in d[p]]
    c = d["calibration"]
    assert c["step_s"] > 0 and c["samples_per_s"] > 0 and c["mfu"] > 0 and c["matmul_peak"]["dtype"] == "bfloat16"
    assert c["trainable_dtypes"] == ["float32"] and c["optimizer_state_dtypes"] == ["float32"]
    assert c["encoder_changed_fp32_master"] >= 0.99 > 0.5 > c["encoder_changed_bf16_storage"]
    g = d["grpo"]
    assert g["sqa_s"] > 0 and g["naive_s"] > 0 and g["config"]["group_size"] == 4 and g["config"]["dtype"] == "bfloat16"
    assert {"t_encode", "t_generate", "t_logprobs", "t_backward"} <= set(g["time_split_sqa"])
    assert g["loss_check"]["grad_norm"] > 0 and g["loss_check"]["rel_grad_diff"] < 0.1
    dec = d["decode"]
    assert dec["ms_per_token"] > 0 and dec["floor_ms_decoder_weights"] > 0 and dec["hbm_bytes_per_s"] > 0
    assert dec["decoder_weight_bytes"] < dec["all_weight_bytes"]
    st = dec["static_cache"]  # the static KV cache: its own timing, and greedy tokens equal the dynamic cache's
    assert st["ms_per_token"] > 0 and st["greedy_tokens_equal_dynamic"] is True and st["target_ms"] == 10.0
    assert st["meets_target"] is None  # toy sizes on a CPU judge no H200 target
    gs = g["static_cache"]
    assert gs["sqa_s"] > 0 and gs["t_generate"] > 0 and len(gs["steps_s"]) == 1 and gs["target_s"] == 3.0
    p = d["pipeline"]
    assert list(p["stages"]) == ["data", "calibration", "sft", "grpo", "evaluation", "assess"]
    assert all(s["wall_s"] > 0 for s in p["stages"].values())
    assert all(p["stages"][s]["bytes_written"] > 0 for s in ("data", "calibration", "sft", "grpo", "evaluation"))
    assert p["assess_status"] == ["ok", "ok"]
    print(
        "gpu_check --small:",
        d["wall_s"],
        "s;",
        {k: v["part_wall_s"] for k, v in d.items() if isinstance(v, dict) and "part_wall_s" in v},
    )


def test_summary_section_is_added_and_kept(small):
    out, _ = small
    md = (out / "summary.md").read_text()
    assert md.startswith("# Benchmarks\n\nmake bench's part") and "<!-- gpu_check_small -->" in md
    assert "H200, measured earlier" in md and "| calibration: s per step (batch 1; H200: 8) |" in md
    assert "| grpo |" in md and "Toy sizes on a CPU" in md
    rewritten = gpu_report.kept_sections(md, "# Benchmarks\n\nnew make bench text\n")
    assert "new make bench text" in rewritten and rewritten.count("<!-- gpu_check_small -->") == 1


def test_without_cuda_the_full_check_refuses_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit, match="no CUDA device"):
        gpu_check.main(["--out", str(tmp_path)])
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("module", [gpu_report, af3_build])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
