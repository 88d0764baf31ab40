"""Local vs vLLM, side by side in one run: a GRPO step with local rollouts against one with vLLM rollouts (time
split: rollouts, adapter push, log-probs, backward), and greedy evaluation throughput of the local generator
against the served one. The paper_smoke-shaped model (a tiny AF3 with AF3's 30 s window at a 10 ms hop) in
float32, LoRA r=64 as the paper; the two paths alternate rep by rep, so a load change hits both.

``python -m benchmarks.vllm_parts --out results/bench`` writes ``vllm.json`` (``make bench`` runs it); where the
vLLM venv is missing (``make vllm``) the JSON says ``skipped`` with the reason.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from sqa.configs.profiles import get_profile

from .common import clips, log, machine

SPLIT = ("t_encode", "t_push", "t_generate", "t_reward", "t_logprobs", "t_backward")


def spread(values) -> dict:
    """Median, min, max and the interquartile range of a list of timings (seconds)."""
    v = sorted(float(x) for x in values)
    q = statistics.quantiles(v, n=4) if len(v) >= 2 else [v[0]] * 3
    return {
        "median": round(statistics.median(v), 4),
        "min": round(v[0], 4),
        "max": round(v[-1], 4),
        "iqr": [round(q[0], 4), round(q[2], 4)],
        "n": len(v),
    }


def build_model(root: Path, seed: int = 0) -> Path:
    from sqa.model import build_tiny_model

    return build_tiny_model(root / "paper_smoke_shaped", seed=seed, **get_profile("paper_smoke").tiny_model)


def grpo_steps(
    model_dir: str,
    spec: str,
    reps: int,
    max_new_tokens: int,
    out_dir: Path,
    seed: int = 0,
    group: int = 4,
    batch_size: int = 4,
    device: str = "cpu",
    dtype: str = "float32",
) -> dict:
    """``reps`` GRPO steps with each kind of rollouts, alternating (after one warm-up step of each)."""
    from sqa.train.grpo import GRPOConfig, grpo_step
    from sqa.train.grpo_setup import setup_policy
    from sqa.train.vllm_rollouts import VLLMRollouts

    from .grpo_step import length_reward, make_batch

    cfg = GRPOConfig.from_profile(
        get_profile("paper"),
        model_dir,
        out_dir,
        ["acc_sem"],
        steps=reps,
        group_size=group,
        batch_size=batch_size,
        max_new_tokens=max_new_tokens,
        seed=seed,
        dtype=dtype,
        device=device,
    )  # the paper's LoRA (r=64, alpha 128), lr and KL
    torch.manual_seed(seed)
    policy = setup_policy(cfg)
    served = replace(cfg, rollouts=spec)
    rollouts = VLLMRollouts(served, out_dir)
    rng = np.random.default_rng(seed)
    rows = {"local": [], "vllm": []}
    try:
        for rep in range(reps + 1):
            batch = make_batch(rng, batch_size)
            for kind in ("local", "vllm"):
                kw = {"rollouts": rollouts, "step": rep} if kind == "vllm" else {}
                t0 = time.perf_counter()
                row = grpo_step(
                    policy.model,
                    policy.ref_model,
                    policy.processor,
                    policy.optimizer,
                    batch,
                    cfg if kind == "local" else served,
                    [length_reward],
                    [1.0],
                    **kw,
                )
                row["t_step"] = time.perf_counter() - t0
                if rep:  # rep 0 warms both paths up
                    rows[kind].append(row)
    finally:
        rollouts.close()
    out = {}
    for kind, rs in rows.items():
        out[kind] = {
            "t_step": spread([r["t_step"] for r in rs]),
            "split_median_s": {k: round(statistics.median(r.get(k, 0.0) for r in rs), 4) for k in SPLIT},
            "completion_len": round(statistics.mean(r["completion_len"] for r in rs), 1),
        }
    out["vllm"]["logp_drift_max"] = max(r["logp_drift"] for r in rows["vllm"])
    out["speedup_vllm_vs_local"] = round(out["local"]["t_step"]["median"] / out["vllm"]["t_step"]["median"], 3)
    out["paired_ratios_local_over_vllm"] = spread(
        [a["t_step"] / b["t_step"] for a, b in zip(rows["local"], rows["vllm"])]
    )
    out["config"] = {
        "group_size": group,
        "batch_size": batch_size,
        "max_new_tokens": max_new_tokens,
        "reps": reps,
        "lora_rank": 64,
        "dtype": dtype,
        "device": device,
    }
    return out


def evaluation(
    model_dir: str,
    spec: str,
    reps: int,
    max_new_tokens: int,
    n_clips: int = 16,
    seed: int = 0,
    device: str = "cpu",
    dtype: str = "float32",
) -> dict:
    """Greedy answers to ``n_clips`` clips: clips per second of the local generator and of the server."""
    from sqa.evaluation.generator import LocalGenerator
    from sqa.llm.audio_endpoint import AudioChatEndpoint
    from sqa.model import load_model
    from sqa.schema.prompts import REASONING_PROMPT

    model, processor = load_model(model_dir, lora_rank=0, dtype=dtype, device=device)
    gens = {
        "local": LocalGenerator(model.eval(), processor, batch_size=n_clips),
        "vllm": AudioChatEndpoint.from_spec(spec),
    }
    audios = clips(np.random.default_rng(seed), n_clips)
    prompts = [REASONING_PROMPT] * n_clips
    times: dict[str, list[float]] = {"local": [], "vllm": []}
    answers = {}
    for rep in range(reps + 1):
        for kind, gen in gens.items():
            t0 = time.perf_counter()
            answers[kind] = [a.strip() for a in gen.generate(audios, prompts, max_new_tokens=max_new_tokens)]
            if rep:
                times[kind].append(time.perf_counter() - t0)
    out = {
        kind: {"t_batch": spread(t), "clips_per_s": round(n_clips / statistics.median(t), 2)}
        for kind, t in times.items()
    }
    out["speedup_vllm_vs_local"] = round(out["local"]["t_batch"]["median"] / out["vllm"]["t_batch"]["median"], 3)
    out["same_answers"] = sum(a == b for a, b in zip(answers["local"], answers["vllm"]))
    out["config"] = {"clips": n_clips, "max_new_tokens": max_new_tokens, "reps": reps, "dtype": dtype, "device": device}
    out["vllm_ms_per_token"] = round(out["vllm"]["t_batch"]["median"] / max_new_tokens * 1000, 2)
    return out


def measure(
    model_dir: str,
    spec: str,
    reps: int = 5,
    max_new_tokens: int = 32,
    seed: int = 0,
    device: str = "cpu",
    dtype: str = "float32",
) -> dict:
    """Both parts against a server already serving ``model_dir`` (its served name carries its fingerprint)."""
    with tempfile.TemporaryDirectory(prefix="sqa-bench-vllm-") as tmp:
        return {
            "grpo_step": grpo_steps(model_dir, spec, reps, max_new_tokens, Path(tmp), seed, device=device, dtype=dtype),
            "evaluation": evaluation(model_dir, spec, reps, max_new_tokens, seed=seed, device=device, dtype=dtype),
        }


def run(out: Path, reps: int = 5, max_new_tokens: int = 32, seed: int = 0, device: str = "cpu") -> dict:
    """Build the model, start vLLM on it, measure both parts, stop it; ``vllm.json`` under ``out``."""
    from sqa.llm.vllm_server import VLLMServer, VLLMUnavailable, vllm_python
    from sqa.train.vllm_adapter import base_fingerprint, served_base_name

    t_start = time.perf_counter()
    result: dict = {"machine": machine(device)}
    if vllm_python() is None:
        result["skipped"] = "vLLM is not installed (make vllm builds .venv-vllm)"
    else:
        with tempfile.TemporaryDirectory(prefix="sqa-bench-") as tmp:
            model_dir = build_model(Path(tmp), seed)
            name = served_base_name("bench", base_fingerprint(model_dir))
            t0 = time.perf_counter()
            try:
                with VLLMServer(model_dir, name, dtype="float32", log_path=Path(tmp) / "vllm.log") as server:
                    result["server_start_s"] = round(time.perf_counter() - t0, 1)
                    result.update(measure(str(model_dir), server.spec, reps, max_new_tokens, seed))
            except VLLMUnavailable as e:
                result["skipped"] = str(e)
    result["bench_wall_s"] = round(time.perf_counter() - t_start, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "vllm.json").write_text(json.dumps(result, indent=1))
    log(f"vLLM parts: {json.dumps({k: v for k, v in result.items() if k != 'machine'})[:400]}")
    return result


def summary_lines(r: dict) -> list[str]:
    """The section of ``summary.md`` (medians, with min-max over the reps)."""
    lines = ["", "## Local vs vLLM (paper_smoke-shaped AF3, float32)", ""]
    if "skipped" in r:
        return lines + [f"skipped: {r['skipped']}"]
    g, e = r["grpo_step"], r["evaluation"]

    def t(x):
        return f"{x['median']:.3f} s ({x['min']:.3f}-{x['max']:.3f})"

    lines += [
        "| | local | vLLM | local / vLLM |",
        "|---|---:|---:|---:|",
        f"| GRPO step (G={g['config']['group_size']}, B={g['config']['batch_size']}, "
        f"{g['config']['max_new_tokens']} tokens) | {t(g['local']['t_step'])} | {t(g['vllm']['t_step'])} | "
        f"{g['speedup_vllm_vs_local']:.2f} |",
        f"| evaluation, {e['config']['clips']} clips x {e['config']['max_new_tokens']} tokens | "
        f"{t(e['local']['t_batch'])} | {t(e['vllm']['t_batch'])} | {e['speedup_vllm_vs_local']:.2f} |",
        "",
    ]
    for kind in ("local", "vllm"):
        lines.append(
            f"GRPO split ({kind}, medians): "
            + ", ".join(f"{k} {v:.3f} s" for k, v in g[kind]["split_median_s"].items())
        )
    lines.append(
        f"max logp drift (vLLM vs policy): {g['vllm']['logp_drift_max']:.2e}; "
        f"same greedy answers: {e['same_answers']} of {e['config']['clips']}; "
        f"server start {r.get('server_start_s')} s"
    )
    return lines


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.vllm_parts", description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/bench")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1, help="torch threads of the local side (default 1, as make bench)")
    args = ap.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    return run(Path(args.out), args.reps, args.max_new_tokens)


if __name__ == "__main__":
    main()
