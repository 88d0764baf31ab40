"""Entry point of ``make bench``: ``python -m benchmarks.run --out results/bench [--quick]``.

Writes ``grpo_step.json``, ``calibration_step.json``, ``vllm.json`` (:mod:`benchmarks.vllm_parts`: local vs vLLM)
and ``summary.md`` into ``--out``. ``--quick`` runs
every code path once on a very small model (seconds; the numbers mean nothing): the tests use it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from . import calibration_step, flops, gpu_report, grpo_step, report, vllm_parts
from .common import default_device, log, machine, model_specs

FULL = {
    "grpo": {
        "tiny": dict(warmup=2, reps=7, max_new_tokens=32),
        "af3_shaped": dict(warmup=1, reps=5, max_new_tokens=32),
    },
    "calibration": dict(warmup=1, reps=5),
}
QUICK = {
    "grpo": {"tiny": dict(warmup=0, reps=1, max_new_tokens=4), "af3_shaped": dict(warmup=0, reps=1, max_new_tokens=4)},
    "calibration": dict(warmup=0, reps=1),
}
TARGET = {"speedup_vs_naive": 2.0, "max_abs_loss_diff": 1e-4}


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/bench", help="output folder (default: results/bench)")
    ap.add_argument("--quick", action="store_true", help="smoke mode: tiny sizes, one repetition")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads on CPU (default 1: stable timings on a shared machine; "
        "0 keeps torch's default). Both paths always get the same.",
    )
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args(argv)


def measured_flop_model(model_dir: Path, result: dict) -> dict:
    """The FLOP model of :mod:`benchmarks.flops` for a measured configuration (its predicted speedup)."""
    from transformers import AutoConfig

    cfg = result["config"]
    frames = int(cfg["window_seconds"] * 16000 // cfg["hop_length"])
    prompt = result["encoder"]["prompt_tokens_mean"]
    t = cfg["max_new_tokens"]
    prof = flops.model_flop_profile(AutoConfig.from_pretrained(model_dir), frames, int(prompt + t))
    e, f = prof.pop("_e"), prof.pop("_f")
    completion = result["completion_len_sqa"] or t
    pred = flops.step_flops(e, f, prompt, completion, cfg["group_size"])
    # the same ratio from the clock: one window's encoding vs one token of the two log-prob passes (approx.)
    enc = result["encoder"]
    per_token = result["time_split_sqa"]["t_logprobs"] / (
        2 * cfg["batch_size"] * cfg["group_size"] * (prompt + completion)
    )
    per_window = enc["encode_once_s"] / enc["windows_once"]
    return {
        **prof,
        "encoder_window_in_llm_tokens_measured": round(per_window / per_token, 1),
        "window_frames": frames,
        **flops._public(pred),
    }


def main(argv=None) -> dict:
    args = parse_args(argv)
    t_start = time.perf_counter()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = args.device or default_device()
    plan = QUICK if args.quick else FULL
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    info = machine(device)
    log(
        f"{info['cpu_model']}, {info['cpu_count']} cores, torch {info['torch']} ({info['torch_threads']} threads), "
        f"device {device}, load {info['load_average_1min']}"
    )
    grpo, dirs = {}, {}
    with tempfile.TemporaryDirectory(prefix="sqa-bench-") as tmp:
        for spec in model_specs(args.quick):
            log(f"building {spec.label}: {spec.title}")
            dirs[spec.label] = spec.build(Path(tmp), seed=args.seed)
            res = grpo_step.bench_grpo(
                dirs[spec.label], spec.label, seed=args.seed, device=device, **plan["grpo"][spec.label]
            )
            res["title"] = spec.title
            res["flop_model"] = measured_flop_model(dirs[spec.label], res)
            grpo[spec.label] = res
        log("calibration step")
        calib = calibration_step.bench_calibration(dirs["tiny"], seed=args.seed, device=device, **plan["calibration"])
    text_tokens = grpo["tiny"]["encoder"]["prompt_tokens_mean"] - grpo["tiny"]["encoder"]["audio_tokens_mean"]
    projection = flops.af3_projection(prompt_text_tokens=round(text_tokens))
    tiny = grpo["tiny"]
    grpo_json = {
        **{k: tiny[k] for k in ("naive_s", "sqa_s", "speedup_vs_naive", "speedup_paired_median", "max_abs_loss_diff")},
        "time_split": tiny["time_split_sqa"],
        "target": {
            **TARGET,
            "met": {k: _met(k, v, tiny) for k, v in TARGET.items()},
            "met_af3_shaped": {k: _met(k, v, grpo["af3_shaped"]) for k, v in TARGET.items()},
        },
        "quick": args.quick,
        "machine": info,
        "configs": grpo,
        "af3_flop_projection": projection,
    }
    grpo_json["config"] = {
        **tiny["config"],
        **{k: info[k] for k in ("torch", "device", "cpu_count", "cpu_model", "torch_threads")},
    }
    calib_json = {**calib, "quick": args.quick, "machine": info}
    wall = time.perf_counter() - t_start
    grpo_json["bench_wall_s"] = calib_json["bench_wall_s"] = round(wall, 1)
    (out / "grpo_step.json").write_text(json.dumps(grpo_json, indent=1))
    (out / "calibration_step.json").write_text(json.dumps(calib_json, indent=1))
    summary = out / "summary.md"
    old = summary.read_text() if summary.exists() else ""
    summary.write_text(gpu_report.kept_sections(old, report.summary(grpo_json, calib_json)))  # keeps gpu_check's
    if args.quick:  # no server in the smoke mode (tests/serving runs these parts against the session's server)
        log("vLLM parts: skipped (--quick)")
    else:  # local vs vLLM rollouts and evaluation, side by side (skipped with the reason without make vllm)
        served = vllm_parts.run(out, device=device, seed=args.seed)
        summary.write_text(summary.read_text().rstrip("\n") + "\n" + "\n".join(vllm_parts.summary_lines(served)) + "\n")
    log(f"done in {wall:.0f} s: {out}/grpo_step.json, calibration_step.json, summary.md")
    return {"grpo_step": grpo_json, "calibration_step": calib_json}


def _met(key: str, target: float, res: dict) -> bool:
    return res[key] >= target if key.startswith("speedup") else res[key] <= target


if __name__ == "__main__":
    main()
