"""``make gpu-check``'s vLLM part: the real-size AF3 (random weights, bf16) served by vLLM on the same GPU as the
trainer (``--gpu-memory-utilization``), GRPO steps with local vs vLLM rollouts at 128 new tokens and greedy
decoding at batch 16, judged against the targets (<= 10 ms/token at batch 16, a GRPO step <= 3 s on an H200).
Skipped, with the reason, under ``--small`` and where vLLM is not installed; never required."""

from __future__ import annotations

from pathlib import Path

GPU_MEMORY_UTILIZATION = 0.35
"""vLLM's share of the GPU beside the trainer (weights 16.5 GB bf16 + KV cache for 16 x ~1.3k tokens)."""
DECODE_TARGET_MS, GRPO_TARGET_S = 10.0, 3.0


def part_vllm(ctx: dict, plan, work: Path) -> dict:
    from sqa.llm.vllm_server import VLLMServer, vllm_python
    from sqa.train.vllm_adapter import base_fingerprint, served_base_name

    from . import af3_build
    from .vllm_parts import measure

    if plan.small:
        return {"skipped": "--small: no vLLM server on the toy model (tests/serving runs the path on the CPU)"}
    if vllm_python() is None:
        return {"skipped": "vLLM is not installed (make vllm builds .venv-vllm)"}
    model_dir = work / "af3_random_bf16"
    model = af3_build.build_af3(ctx["config"], "cpu")
    model.save_pretrained(model_dir)
    ctx["processor"].save_pretrained(model_dir)
    del model
    name = served_base_name("gpu_check", base_fingerprint(model_dir))
    with VLLMServer(
        model_dir,
        name,
        dtype="bfloat16",
        max_model_len=4096,
        log_path=work / "vllm.log",
        extra_args=("--gpu-memory-utilization", str(GPU_MEMORY_UTILIZATION)),
    ) as server:
        out = measure(
            str(model_dir),
            server.spec,
            reps=plan.grpo_reps,
            max_new_tokens=plan.grpo_new_tokens,
            device=ctx["device"],
            dtype="bfloat16",
        )
    step = out["grpo_step"]["vllm"]["t_step"]["median"]
    ms = out["evaluation"]["vllm_ms_per_token"]
    out["targets"] = {
        "decode_ms_per_token": DECODE_TARGET_MS,
        "grpo_step_s": GRPO_TARGET_S,
        "meets_decode": bool(ms <= DECODE_TARGET_MS),
        "meets_grpo_step": bool(step <= GRPO_TARGET_S),
    }
    out["gpu_memory_utilization"] = GPU_MEMORY_UTILIZATION
    return out
