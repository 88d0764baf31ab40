"""Data-parallel training on CPU with 2 processes (gloo): a 2-process GRPO step on 2B prompts takes the
same step as one process on the same 2B prompts, and ``accelerate launch -m sqa train`` runs a whole
smoke GRPO stage (calibration, warm-up, GRPO) with 2 processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sqa.configs import distributed

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent


def _env() -> dict:
    # CPU only (gloo), one thread per process; the checkout's sqa first on the path
    return {
        **os.environ,
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }


def _run(cmd, cwd, timeout=600):
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.mark.parametrize("lora_rank", [8])  # 0 (full fine-tuning, frozen-copy reference) passes too; ~40 s more
def test_two_process_grpo_step_equals_one_process(small_model, tmp_path, lora_rank):
    script = HERE / "dist_grpo_step.py"
    one, two = tmp_path / "one.pt", tmp_path / "two.pt"
    _run([sys.executable, str(script), str(small_model), str(one), str(lora_rank)], tmp_path)
    _run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            str(script),
            str(small_model),
            str(two),
            str(lora_rank),
        ],
        tmp_path,
    )
    a, b = torch.load(one), torch.load(two)
    assert (a["world_size"], b["world_size"]) == (1, 2)
    assert a["kl"] > 0 and a["reward_std"] > 0 and a["moved"] > 1e-4  # a real step: advantages and KL act
    loss_diff = abs(a["loss"] - b["loss"])
    weight_diff = max(float((a["weights"][n] - b["weights"][n]).abs().max()) for n in a["weights"])
    print(
        f"lora_rank={lora_rank}: loss {a['loss']:.6f} vs {b['loss']:.6f} (diff {loss_diff:.2e}), "
        f"max weight diff {weight_diff:.2e} over {len(a['weights'])} tensors"
    )
    assert loss_diff <= 1e-5 and weight_diff <= 1e-5
    assert a["answers"] == b["answers"] and len(a["answers"]) == 5  # evaluation: 3 + 2 clips, gathered in order


def test_accelerate_launch_two_processes_trains_smoke_grpo(tmp_path):
    """``accelerate launch --multi_gpu --num_processes 2`` with no GPU visible: 2 CPU processes (gloo).
    (accelerate 1.x runs ONE process for ``--cpu --num_processes 2``: multi-CPU needs MPI there.)"""
    (tmp_path / "pyproject.toml").touch()  # runs/ goes under tmp_path (sqa.configs.profiles.repo_root)
    (tmp_path / "sqa").mkdir()  # an empty dir: a namespace portion, the real package on PYTHONPATH wins
    launcher = Path(sys.executable).with_name("accelerate")
    proc = _run(
        [
            str(launcher),
            "launch",
            "--multi_gpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "-m",
            "sqa",
            "train",
            "grpo_iou",
            "--profile",
            "smoke",
            "--no-check",
        ],
        tmp_path,
        timeout=900,
    )
    run = tmp_path / "runs" / "smoke"
    assert proc.stdout.strip().splitlines()[-1] == str(run / "grpo_iou" / "model")  # printed once
    assert json.loads((run / "grpo_iou" / "config.json").read_text())["world_size"] == 2
    assert json.loads((run / "calibration" / "model" / "sqa_train.json").read_text())["world_size"] == 2
    curve = (run / "grpo_iou" / "reward_curve.csv").read_text().splitlines()
    assert len(curve) == 1 + 2  # header + the smoke profile's 2 steps, written once
    assert json.loads((run / "grpo_iou" / "model" / "sqa_grpo.json").read_text())["world_size"] == 2


def test_one_process_helpers_are_identities():
    assert distributed.world_size() == 1 and distributed.is_main()
    assert distributed.gather([1, 2]) == [1, 2] and distributed.mean_over_processes({"a": 1.0}) == {"a": 1.0}
    with pytest.raises(ValueError, match="does not split over 2 processes"):
        distributed.per_process(3, "batch_size", world=2)


@pytest.mark.parametrize("name", ["multi_gpu", "deepspeed_zero2", "fsdp_full_ft"])
def test_documented_accelerate_configs_load(name):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(ROOT / "env" / "accelerate" / f"{name}.yaml"))
    assert config.num_processes == 8 and config.num_machines == 1
