"""Projected wall time of ``make reproduce PROFILE=paper`` from step times measured on one H200.

``python -m benchmarks.projection`` prints the README's *Scaling up* table. Every number it prints is a
PROJECTION: measured step times (:data:`MEASURED`, real-size AF3 architecture with random weights on one
H200) times the paper profile's step counts (``sqa/configs/paper.yaml``), under the assumptions named in
:class:`Setup`. Nothing here was run end to end.

>>> rows = project()
>>> round(rows[0].hours["1 GPU"], 1)  # calibration: 10k steps x 0.76 s, learned and frozen encoder
4.2
>>> round(sum(r.hours["1 GPU"] for r in rows))
37
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqa.configs.profiles import get_profile

PAPER = get_profile("paper")
"""The paper profile (``sqa/configs/paper.yaml``): the step counts, batch sizes and lengths projected."""

MEASURED = {
    "calibration_step_s": 0.76,  # batch 8, LoRA r=64, bf16, gradient checkpointing
    "grpo_step_s_at_128": 8.95,  # G=4, batch 4, 128 new tokens; generation 7.9 s of it (88 %)
    "grpo_generate_s_at_128": 7.9,
    "decode_ms_per_token_lora": 63.0,  # eager HF decoding through unmerged LoRA (GRPO rollouts, adapter stages)
    "decode_ms_per_token_merged": 27.0,  # AF3 generate, batch 16, no LoRA (25-29 ms measured)
    "decode_floor_ms_per_token": 3.9,  # memory-bandwidth floor of AF3's weights, batch 16
}
"""Step times measured on one H200 (real-size AF3, random weights)."""
VLLM_ASSUMED = {
    "vllm_decode_ms_per_token_lora": 10.0,  # the target at batch 16 through a rank-64 adapter (published: 7.4 ms
    # per token for an 8B model on one H100, +12 % for LoRA); NOT measured here
    "adapter_push_s": 2.0,  # write + load of the r=64 LoRA of a 7B LLM (~0.6 GB float32) each GRPO step; assumed
}
"""vLLM's rates as ASSUMED for the vLLM columns until a GPU measures them (``make gpu-check`` with ``make vllm``)."""


@dataclass
class Setup:
    """The paper profile's work and the assumptions of the projection."""

    calib_steps: int = PAPER.calib_steps
    calib_runs: int = 2  # learned and frozen audio encoder
    sft_steps: int = PAPER.sft_steps
    sft_runs: int = 3  # from base, from calibration, from calibration (frozen encoder)
    warmup_steps: int = PAPER.grpo_warmup_steps  # the GRPO warm-up (one epoch of SFT)
    grpo_steps: int = PAPER.grpo_steps
    grpo_runs: int = 6  # acc_sem, llm_judge, unified, iou, signal, acc_sem text-only
    grpo_batch: int = PAPER.grpo_batch_size  # prompts per step: at most this many processes (a group never splits)
    max_new_tokens: int = PAPER.max_new_tokens  # every rollout and answer taken at its full length (an upper bound)
    eval_systems: int = 12
    eval_clips: int = 1_900
    eval_batch: int = PAPER.eval_batch_size
    calib_item_tokens: int = 800  # ~750 audio tokens (30 s window) + prompt + a score digit
    sft_item_tokens: int = 1_050  # the same + a ~250-token rendered answer
    gpus: int = 8
    measured: dict = field(default_factory=lambda: dict(MEASURED))
    vllm: dict = field(default_factory=lambda: dict(VLLM_ASSUMED))


@dataclass
class Row:
    stage: str
    basis: str
    hours: dict


def _h(seconds: float) -> float:
    return seconds / 3600.0


def project(setup: Setup | None = None) -> list[Row]:
    """Hours per stage on 1 GPU, on ``setup.gpus`` GPUs with accelerate, on 1 GPU with evaluation served by
    vLLM, on 1 GPU with GRPO's rollouts from vLLM too (colocated: ``--gpu-memory-utilization``), and on
    ``setup.gpus`` GPUs with vLLM on one of them (GRPO's processes on the others; Calibration and SFT on all).

    Assumptions (each a projection): data-parallel stages scale linearly with the number of processes
    (an upper bound: all-reduce and smaller per-GPU batches are not counted); a GRPO run uses at most
    ``grpo_batch`` processes; a step's non-generation part grows with the sequence length; evaluation
    decodes through LoRA adapters at the GRPO rate, and vLLM decodes a batch of 16 at the floor.
    """
    s = setup or Setup()
    m = s.measured
    n = s.gpus
    calib = s.calib_runs * s.calib_steps * m["calibration_step_s"]
    sft_step = m["calibration_step_s"] * s.sft_item_tokens / s.calib_item_tokens
    sft = (s.sft_runs * s.sft_steps + s.warmup_steps) * sft_step
    other_128 = m["grpo_step_s_at_128"] - m["grpo_generate_s_at_128"]
    prompt = s.calib_item_tokens
    grpo_step = s.max_new_tokens * m["decode_ms_per_token_lora"] / 1000 + other_128 * (prompt + s.max_new_tokens) / (
        prompt + 128
    )
    grpo = s.grpo_runs * s.grpo_steps * grpo_step
    batches = s.eval_systems * math.ceil(s.eval_clips / s.eval_batch)
    evaluation = batches * s.max_new_tokens * m["decode_ms_per_token_lora"] / 1000
    served = batches * s.max_new_tokens * m["decode_floor_ms_per_token"] / 1000
    grpo_procs = min(n, s.grpo_batch)
    # vLLM rollouts: the B x G sequences of a step decode as one vLLM batch (also when N processes share the
    # server), the adapter is pushed once per step, the log-prob passes and backward stay in the trainer
    other = other_128 * (prompt + s.max_new_tokens) / (prompt + 128)
    rollout_vllm = s.max_new_tokens * s.vllm["vllm_decode_ms_per_token_lora"] / 1000 + s.vllm["adapter_push_s"]
    grpo_vllm_1 = s.grpo_runs * s.grpo_steps * (rollout_vllm + other)
    grpo_vllm_n = s.grpo_runs * s.grpo_steps * (rollout_vllm + other / min(n - 1, s.grpo_batch))
    cols = (
        "1 GPU",
        f"{n} GPUs, accelerate",
        "1 GPU, vLLM evaluation",
        "1 GPU, vLLM rollouts + evaluation",
        f"{n} GPUs, vLLM on 1 + accelerate",
    )
    return [
        Row(
            "Calibration (2 runs)",
            f"{s.calib_runs} x {s.calib_steps} steps x {m['calibration_step_s']} s",
            dict(zip(cols, (_h(calib), _h(calib) / n, _h(calib), _h(calib), _h(calib) / n))),
        ),
        Row(
            "SFT (3 stages + warm-up)",
            f"{s.sft_runs} x {s.sft_steps} + {s.warmup_steps} steps x {sft_step:.2f} s",
            dict(zip(cols, (_h(sft), _h(sft) / n, _h(sft), _h(sft), _h(sft) / n))),
        ),
        Row(
            "GRPO (6 runs)",
            f"{s.grpo_runs} x {s.grpo_steps} steps x {grpo_step:.1f} s "
            f"({s.max_new_tokens} tokens x {m['decode_ms_per_token_lora']:.0f} ms); {grpo_procs} processes per run; "
            f"vLLM: {s.max_new_tokens} x {s.vllm['vllm_decode_ms_per_token_lora']:.0f} ms + "
            f"{s.vllm['adapter_push_s']:.0f} s push (assumed)",
            dict(zip(cols, (_h(grpo), _h(grpo) / grpo_procs, _h(grpo), _h(grpo_vllm_1), _h(grpo_vllm_n)))),
        ),
        Row(
            "Evaluation (12 systems)",
            f"{batches} batches of {s.eval_batch} x {s.max_new_tokens} tokens x "
            f"{m['decode_ms_per_token_lora']:.0f} ms (vLLM: {m['decode_floor_ms_per_token']} ms)",
            dict(zip(cols, (_h(evaluation), _h(evaluation) / n, _h(served), _h(served), _h(served) / n))),
        ),
    ]


def markdown(rows: list[Row] | None = None) -> str:
    """The projection as a markdown table, with a total row (hours, one decimal)."""
    rows = rows if rows is not None else project()
    cols = list(rows[0].hours)
    lines = ["| stage (projected hours) | " + " | ".join(cols) + " | basis |", "|---|" + "---:|" * len(cols) + "---|"]
    for r in rows:
        lines.append(f"| {r.stage} | " + " | ".join(f"{r.hours[c]:.1f}" for c in cols) + f" | {r.basis} |")
    totals = [sum(r.hours[c] for r in rows) for c in cols]
    lines.append("| **total** | " + " | ".join(f"**{t:.1f}**" for t in totals) + " | |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown())
