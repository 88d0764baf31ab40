"""``make gpu-check``: the paper profile's numerics and speed on the real-size AF3, on one CUDA GPU.

``python -m benchmarks.gpu_check [--small] [--out DIR]`` builds Audio Flamingo 3 from its config in bf16
on the GPU (random init, nothing downloaded: :mod:`benchmarks.af3_build`) and measures four parts,
writing ``DIR/gpu_check.json`` after each one (a run cut short still reports what it measured) and its
section of ``DIR/summary.md`` at the end:

* ``calibration``: the paper's Calibration step (batch 8, LoRA r=64 on every LLM linear layer, trainable
  encoder, gradient checkpointing, float32 master weights under bf16 autocast): seconds per step,
  samples/s, peak memory, MFU against a measured bf16 matmul peak, and the share of the encoder's weights
  3 AdamW steps at lr 1.5e-5 changed (also with the encoder stored in bf16: the trap it avoids);
* ``grpo``: sqa's GRPO step against the naive one (G=4, batch 4, 128 new tokens; time split, loss and
  gradient differences on the same completions: :mod:`benchmarks.grpo_step`);
* ``decode``: ms per generated token at batch 16 against the memory-bandwidth floor (bytes of the
  decoder's weights / measured HBM bandwidth);
* ``pipeline``: the paper profile's stages (``paper_smoke``: ``paper.yaml`` with a few steps, synthetic
  corpus) on a full-width AF3 with 2 encoder + 2 LLM layers saved to disk: calibration, SFT warm-up,
  GRPO, evaluation, ``sqa.assess``; wall seconds and bytes written per stage.

``--small`` runs the same code at toy sizes on the CPU (the test of this module) and writes
``gpu_check_small.json`` / its own section instead, so a real run's figures are never overwritten.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import LogitsProcessor, LogitsProcessorList

from sqa.configs.profiles import get_profile

from . import af3_build, gpu_report
from .common import clips, default_device, log, machine, median, synchronize, timed

PAPER = get_profile("paper")
"""The paper's Table 2 settings the parts use (``sqa/configs/paper.yaml``)."""

PARTS = ("calibration", "grpo", "decode", "pipeline", "vllm")  # vllm: benchmarks.gpu_vllm (skipped without vLLM)


@dataclass(frozen=True)
class Plan:
    """How much of each part to run."""

    sizes: dict
    calib_batch: int = PAPER.calib_batch_size
    calib_reps: int = 5
    grpo_batch: int = PAPER.grpo_batch_size
    grpo_new_tokens: int = 128
    grpo_reps: int = 2
    grpo_warmup: int = 1
    decode_batch: int = 16
    decode_tokens: int = 64
    pipeline_layers: tuple[int, int] = (2, 2)
    bandwidth_bytes: int = 4 << 30
    pipeline_overrides: tuple = ()  # profile fields over paper_smoke's (--small: one step per stage)
    small: bool = False  # toy sizes on a CPU: the H200 targets are not judged


FULL = Plan(af3_build.REAL)
SMALL = Plan(
    af3_build.SMALL,
    calib_batch=1,
    calib_reps=1,
    grpo_batch=1,
    grpo_new_tokens=4,
    grpo_reps=1,
    grpo_warmup=0,
    decode_batch=4,
    decode_tokens=8,
    bandwidth_bytes=64 << 20,
    pipeline_overrides=(("calib_steps", 1), ("n_train", 4), ("sft_batch_size", 1)),
    small=True,
)
LORA_RANK, LORA_ALPHA, CALIB_LR = PAPER.lora_rank, PAPER.lora_alpha, PAPER.calib_lr
ENCODER_STEPS = 3
"""AdamW steps after which the share of the encoder's weights that changed is counted."""


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="toy sizes on the CPU: checks the code, not the GPU")
    ap.add_argument("--out", default="results/bench", help="output folder (default: results/bench)")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    ap.add_argument("--device", default=None, help="default: cuda (cpu with --small)")
    ap.add_argument("--work", default=None, help="scratch folder for the pipeline's stages (default: a temp dir)")
    return ap.parse_args(argv)


# ---------------------------------------------------------------- memory and bandwidth


def reset_peak(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.reset_peak_memory_stats()


def peak_gib(device: str) -> float | None:
    """Peak allocated GPU memory since :func:`reset_peak` (None on CPU)."""
    if torch.device(device).type != "cuda":
        return None
    return round(torch.cuda.max_memory_allocated() / 2**30, 2)


def release(device: str) -> None:
    gc.collect()
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()


def memory_bandwidth(device: str, n_bytes: int, reps: int = 5) -> dict:
    """Best copy throughput of an ``n_bytes`` buffer (read + write), bytes/s: the practical HBM bandwidth."""
    src = torch.empty(n_bytes // 2, dtype=torch.bfloat16, device=device).fill_(1)
    dst = torch.empty_like(src)
    dst.copy_(src)
    best = min(timed(lambda: dst.copy_(src), device)[1] for _ in range(reps))
    return {"bytes_per_s": 2 * n_bytes / best, "buffer_bytes": n_bytes}


# ---------------------------------------------------------------- the parts


def part_calibration(ctx: dict, plan: Plan) -> dict:
    """Calibration steps on the real-size AF3 with the paper's trainable parts; the encoder's update share."""
    from sqa.model import configure_trainable
    from sqa.model.precision import compute_dtype, float32_master_weights

    from .calibration_step import (
        _train_step,
        calibration_batch,
        encoder_update_fraction,
        matmul_peak_tflops,
        step_flops,
    )

    device, processor, rng = ctx["device"], ctx["processor"], np.random.default_rng(0)

    def model_and_optimizer(master: bool):
        model = configure_trainable(
            af3_build.build_af3(ctx["config"], device), LORA_RANK, LORA_ALPHA, train_audio_encoder=True
        )
        if master:
            float32_master_weights(model)
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        return model, torch.optim.AdamW(params, lr=CALIB_LR, weight_decay=0.0)  # constant lr: Table 2's

    def batch(model):
        return calibration_batch(processor, rng, plan.calib_batch, device, compute_dtype(model))

    out = {"batch_size": plan.calib_batch, "lora_rank": LORA_RANK, "lr": CALIB_LR, "gradient_checkpointing": True}
    model, opt = model_and_optimizer(master=True)
    reset_peak(device)
    out["encoder_changed_fp32_master"] = encoder_update_fraction(model, opt, batch(model), ENCODER_STEPS)
    times = []
    for i in range(plan.calib_reps):
        b = batch(model)
        times.append(timed(lambda model=model, opt=opt, b=b: _train_step(model, opt, b), device)[1])
        log(f"calibration step {i + 1}/{plan.calib_reps}: {times[-1]:.3f} s")
    out["peak_memory_gib"] = peak_gib(device)
    step_s = median(times)
    flops = step_flops(model, opt, batch(model))
    peak = matmul_peak_tflops(device, torch.bfloat16, n=8192 if device == "cuda" else 512)
    out.update(
        step_s=round(step_s, 4),
        steps_s=[round(t, 4) for t in times],
        samples_per_s=round(plan.calib_batch / step_s, 3),
        step_tflop=round(flops / 1e12, 4),
        achieved_tflops=round(flops / step_s / 1e12, 4),
        matmul_peak=peak,
        mfu=round(flops / step_s / 1e12 / peak["tflops"], 4),
        tokens_per_sample=float(b["attention_mask"].sum(1).float().mean()),
        trainable_dtypes=_dtypes(p for p in model.parameters() if p.requires_grad),
        optimizer_state_dtypes=_dtypes(
            v for s in opt.state.values() for v in s.values() if torch.is_tensor(v) and v.ndim > 0
        ),
    )
    del model, opt
    release(device)
    model, opt = model_and_optimizer(master=False)  # the trap: the encoder stored in bf16
    out["encoder_changed_bf16_storage"] = encoder_update_fraction(model, opt, batch(model), ENCODER_STEPS)
    del model, opt
    release(device)
    return out


def part_grpo(ctx: dict, plan: Plan) -> dict:
    """sqa's GRPO step vs the naive one on the real-size AF3 (LoRA r=64, audio path frozen, bf16)."""
    from sqa.model import configure_trainable

    from .grpo_step import bench_config, measure_grpo, prepare_policy

    device = ctx["device"]
    model = configure_trainable(
        af3_build.build_af3(ctx["config"], device), LORA_RANK, LORA_ALPHA, train_audio_encoder=False
    )
    cfg = bench_config(
        "built from its config",
        batch_size=plan.grpo_batch,
        max_new_tokens=plan.grpo_new_tokens,
        device=device,
        dtype="bfloat16",
        profile="paper",
    )
    model, ref_model, processor, optimizer = prepare_policy(model, ctx["processor"], cfg)
    reset_peak(device)
    res = measure_grpo(model, ref_model, processor, optimizer, cfg, "af3", warmup=plan.grpo_warmup, reps=plan.grpo_reps)
    res["peak_memory_gib"] = peak_gib(device)
    res["generation_share_sqa"] = round(res["time_split_sqa"]["t_generate"] / res["sqa_s"], 3)
    res["static_cache"] = static_grpo_steps(model, ref_model, processor, optimizer, cfg, plan)
    del model, ref_model, optimizer
    release(device)
    return res


GRPO_TARGET_S, DECODE_TARGET_MS = 3.0, 10.0
"""Targets of the static KV cache on one H200 (GRPO step at 128 new tokens; ms per token at batch 16)."""


def static_grpo_steps(model, ref_model, processor, optimizer, cfg, plan: Plan) -> dict:
    """sqa's GRPO step with ``decode_cache="static"`` (rollouts on a pre-allocated cache, compiled on CUDA):
    the first steps compile, the median of the rest is the figure."""
    from sqa.train.grpo import grpo_step

    from .grpo_step import length_reward, make_batch

    static = dataclasses.replace(cfg, decode_cache="static")
    rng, times, split = np.random.default_rng(cfg.seed + 7), [], []
    for i in range(plan.grpo_warmup + 1 + plan.grpo_reps):  # one more warm-up: the compilation
        batch = make_batch(rng, cfg.batch_size)
        torch.manual_seed(cfg.seed + 2000 + i)
        out, secs = timed(
            lambda batch=batch: grpo_step(
                model, ref_model, processor, optimizer, batch, static, [length_reward], [1.0]
            ),
            cfg.device,
        )
        if i > plan.grpo_warmup:
            times.append(secs)
            split.append(out["t_generate"])
        log(f"grpo static cache step {i + 1}: {secs:.2f} s")
    step_s = median(times)
    return {
        "sqa_s": round(step_s, 4),
        "t_generate": round(median(split), 4),
        "steps_s": [round(t, 4) for t in times],
        "target_s": GRPO_TARGET_S,
        "meets_target": None if plan.small else bool(step_s <= GRPO_TARGET_S),
    }


class StepClock(LogitsProcessor):
    """A logits processor that changes nothing and stamps the time of each decoding step.

    ``generate`` calls it once per new token, after that step's forward pass, so consecutive stamps are
    one decoding step apart (the GPU is synchronised first; the first stamp closes the prefill).
    """

    def __init__(self, device):
        self.device, self.start, self.stamps = device, 0.0, []

    def __call__(self, input_ids, scores):
        synchronize(self.device)
        self.stamps.append(time.perf_counter())
        return scores


def part_decode(ctx: dict, plan: Plan) -> dict:
    """ms per token of greedy ``generate`` at batch 16 (no LoRA) against the weight-streaming floor."""
    from sqa.model import generate_ids, prompt_batch
    from sqa.schema.prompts import REASONING_PROMPT

    device = ctx["device"]
    model = af3_build.build_af3(ctx["config"], device)
    audios = clips(np.random.default_rng(1), plan.decode_batch)
    batch = prompt_batch(ctx["processor"], audios, [REASONING_PROMPT] * len(audios))

    def run(model, reps: int, cache: str) -> tuple[list[float], list[float], torch.Tensor]:
        """Per run: seconds to the first token; the seconds of every later decoding step; the tokens."""
        firsts, steps = [], []
        for _ in range(reps):
            clock = StepClock(device)
            synchronize(device)
            clock.start = time.perf_counter()
            ids = generate_ids(
                model,
                ctx["processor"],
                batch,
                max_new_tokens=plan.decode_tokens,
                min_new_tokens=plan.decode_tokens,
                decode_cache=cache,
                logits_processor=LogitsProcessorList([clock]),
            )
            firsts.append(clock.stamps[0] - clock.start)
            steps += np.diff(clock.stamps).tolist()
        return firsts, steps, ids

    # each step timed on its own (a clock between decoding steps), not as the difference of two whole
    # generate calls: under a loaded CPU that difference was noise and could come out negative
    caches = {}
    for cache in ("dynamic", "static"):
        run(model, 1, cache)  # warm-up (static: the compilation on CUDA)
        firsts, steps, ids = run(model, 3, cache)
        caches[cache] = {
            "prefill_s": round(median(firsts), 4),
            "ms_per_token": round(median(steps) * 1e3, 3),
            "tokens": ids,
        }
    same = bool(torch.equal(caches["dynamic"].pop("tokens").cpu(), caches["static"].pop("tokens").cpu()))
    first, ms = caches["dynamic"]["prefill_s"], caches["dynamic"]["ms_per_token"]
    bw = memory_bandwidth(device, plan.bandwidth_bytes)
    lm_bytes = af3_build.parameter_bytes(model, skip=("audio_tower", "multi_modal_projector"))
    all_bytes = af3_build.parameter_bytes(model)
    out = {
        "batch_size": plan.decode_batch,
        "new_tokens": plan.decode_tokens,
        "prefill_s": round(first, 4),
        "ms_per_token": round(ms, 3),
        "hbm_bytes_per_s": bw["bytes_per_s"],
        "decoder_weight_bytes": lm_bytes,
        "all_weight_bytes": all_bytes,
        "floor_ms_decoder_weights": round(lm_bytes / bw["bytes_per_s"] * 1e3, 3),
        "floor_ms_all_weights": round(all_bytes / bw["bytes_per_s"] * 1e3, 3),
        "prompt_tokens": int(batch["attention_mask"].sum(1).float().mean()),
    }
    out["times_floor"] = round(ms / out["floor_ms_decoder_weights"], 2)
    out["static_cache"] = {
        **caches["static"],
        "greedy_tokens_equal_dynamic": same,
        "target_ms": DECODE_TARGET_MS,
        "meets_target": None if plan.small else bool(caches["static"]["ms_per_token"] <= DECODE_TARGET_MS),
        "times_floor": round(caches["static"]["ms_per_token"] / out["floor_ms_decoder_weights"], 2),
    }
    del model
    release(device)
    return out


def _tree_bytes(*roots: Path) -> int:
    return sum(f.stat().st_size for r in roots if r.exists() for f in r.rglob("*") if f.is_file())


def part_pipeline(ctx: dict, plan: Plan, work: Path) -> dict:
    """The ``paper_smoke`` profile's stages on a full-width 2+2-layer AF3 saved to disk (runs/gpu_check)."""
    import dataclasses

    import sqa
    from sqa.configs.profiles import get_profile
    from sqa.data import load_examples, prepare_profile_data
    from sqa.pipeline.stages import calibration_stage, grpo_stage, warmup_stage
    from sqa.pipeline.system_results import evaluate_system

    device = ctx["device"]
    config = af3_build.af3_config(ctx["processor"], af3_build.with_layers(plan.sizes, *plan.pipeline_layers))
    base = work / "af3_2x2"
    model = af3_build.build_af3(config, device)
    model.save_pretrained(base)
    ctx["processor"].save_pretrained(base)
    n_params = sum(p.numel() for p in model.parameters())
    del model
    release(device)
    profile = get_profile("paper_smoke", model=str(base), device=device, **dict(plan.pipeline_overrides))
    profile = dataclasses.replace(profile, name="gpu_check")  # runs/gpu_check, removed afterwards
    results = work / "results"
    shutil.rmtree(profile.run_dir, ignore_errors=True)
    out = {
        "profile": "paper_smoke",
        "base_model_params": n_params,
        "base_model_bytes": _tree_bytes(base),
        "layers": list(plan.pipeline_layers),
        "stages": {},
    }
    test = []

    def assess():
        return sqa.assess(
            [ex.audio_path for ex in test],
            model=str(ctx["grpo_dir"]),
            device=device,
            dtype=profile.dtype,
            max_new_tokens=profile.max_new_tokens,
        )

    stages = [
        ("data", lambda: prepare_profile_data(profile, progress=False)),
        ("calibration", lambda: calibration_stage(profile, True)),
        ("sft", lambda: warmup_stage(profile)),
        ("grpo", lambda: ctx.__setitem__("grpo_dir", grpo_stage(profile, "iou", progress=False))),
        ("evaluation", lambda: evaluate_system(profile, "IoU reward GRPO", results=results, corr_backend="rule:rouge")),
        ("assess", assess),
    ]
    try:
        for name, fn in stages:
            before = _tree_bytes(profile.shared_dir, results)
            t0 = time.perf_counter()
            value = fn()
            synchronize(device)
            out["stages"][name] = {
                "wall_s": round(time.perf_counter() - t0, 2),
                "bytes_written": _tree_bytes(profile.shared_dir, results) - before,
            }
            if name == "data":
                test.extend(load_examples(profile, "test")[:2])
            if name == "assess":
                out["assess_status"] = [r.status for r in value]
            log(
                f"pipeline {name}: {out['stages'][name]['wall_s']} s, "
                f"{out['stages'][name]['bytes_written'] / 1e6:.1f} MB"
            )
    finally:
        shutil.rmtree(profile.shared_dir, ignore_errors=True)
    return out


def _dtypes(tensors) -> list[str]:
    return sorted({str(t.dtype).removeprefix("torch.") for t in tensors})


# ---------------------------------------------------------------- the run


def json_name(small: bool) -> str:
    """``gpu_check.json``, or ``gpu_check_small.json`` for ``--small`` (never mistaken for a GPU run)."""
    return "gpu_check_small.json" if small else "gpu_check.json"


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = args.device or ("cpu" if args.small else default_device())
    if not args.small and torch.device(device).type != "cuda":
        sys.exit(
            "benchmarks.gpu_check: no CUDA device (the real-size AF3 needs a GPU; --small checks the code on a CPU)"
        )
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        sys.exit(f"benchmarks.gpu_check: unknown part(s) {unknown}; known: {', '.join(PARTS)}")
    plan = SMALL if args.small else FULL
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / json_name(args.small)
    t_start = time.perf_counter()
    result = {
        "small": args.small,
        "machine": machine(device),
        "sizes": plan.sizes,
        "plan": plan.__dict__,
        "reference_h200": gpu_report.REFERENCE_H200,
        "parts": parts,
    }
    log(f"gpu_check ({'small, ' if args.small else ''}device {device}): {', '.join(parts)} -> {path}")
    with tempfile.TemporaryDirectory(prefix="sqa-gpu-check-", dir=args.work) as tmp:
        work = Path(tmp)
        ctx = {"device": device, "processor": af3_build.stand_in_processor(work)}
        ctx["config"] = af3_build.af3_config(ctx["processor"], plan.sizes)
        for part in parts:
            log(f"part {part}")
            t0 = time.perf_counter()
            try:
                fn = {"calibration": part_calibration, "grpo": part_grpo, "decode": part_decode}.get(part)
                if part == "vllm":
                    from .gpu_vllm import part_vllm

                    result[part] = part_vllm(ctx, plan, work)
                else:
                    result[part] = fn(ctx, plan) if fn else part_pipeline(ctx, plan, work)
            except Exception as err:
                traceback.print_exc()
                result[part] = {"error": f"{type(err).__name__}: {err}".splitlines()[0]}
                release(device)
            result[part]["part_wall_s"] = round(time.perf_counter() - t0, 1)
            result["wall_s"] = round(time.perf_counter() - t_start, 1)
            path.write_text(json.dumps(result, indent=1, default=str))
    gpu_report.write_section(out_dir / "summary.md", result)
    log(f"done in {result['wall_s']:.0f} s: {path}, {out_dir / 'summary.md'}")
    failed = [p for p in parts if "error" in result[p]]
    if failed:
        sys.exit(f"benchmarks.gpu_check: part(s) failed: {', '.join(failed)} (see {path})")
    return result


if __name__ == "__main__":
    main()
