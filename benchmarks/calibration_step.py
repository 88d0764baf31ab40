"""Calibration SFT step (forward + backward + AdamW, batch 8): samples/s with a learned vs a frozen encoder,
and model FLOPs utilisation against a measured matmul peak.

The batch is what :class:`sqa.train.sft.AudioChatCollator` gives the Trainer (score prompts, answer
digit, labels on the answer only); the model is :func:`sqa.model.load_model` with the tiny profile's
LoRA rank and ``train_audio_encoder`` on or off. Both variants alternate in every repetition.

FLOPs per step are counted with ``torch.utils.flop_counter.FlopCounterMode`` (matmuls, convolutions,
attention; forward and backward as executed). The peak is measured, not taken from a datasheet: a
bf16 matmul on a GPU (the MFU the brief asks for), an fp32 one on a CPU (for scale only).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from sqa.model.loading import DTYPES
from sqa.model.precision import autocast, float32_master_weights

from .common import clips, log, median, synchronize, timed


def matmul_peak_tflops(device: str, dtype: torch.dtype | None = None, n: int | None = None, iters: int = 10) -> dict:
    """Best-of-``iters`` throughput of an ``n x n`` matmul: the practical peak of the device."""
    cuda = torch.device(device).type == "cuda"
    dtype = dtype or (torch.bfloat16 if cuda else torch.float32)
    n = n or (8192 if cuda else 1024)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(2):
        a @ b
    best = min(timed(lambda: a @ b, device)[1] for _ in range(iters))
    return {"tflops": round(2 * n**3 / best / 1e12, 4), "dtype": str(dtype).replace("torch.", ""), "n": n}


def calibration_batch(
    processor, rng: np.random.Generator, batch_size: int, device: str, dtype: torch.dtype | None = None
):
    """A collated calibration batch: clips of 2-6 s, one score prompt per dimension in turn; the audio
    features in ``dtype`` (the model's compute dtype) when given."""
    from sqa.schema import DIMENSIONS
    from sqa.schema.prompts import calibration_answer, calibration_prompt
    from sqa.train.sft import AudioChatCollator

    rows = [
        {
            "audio": a,
            "prompt": calibration_prompt(DIMENSIONS[i % len(DIMENSIONS)]),
            "answer": calibration_answer(int(rng.integers(1, 6))),
        }
        for i, a in enumerate(clips(rng, batch_size))
    ]
    return {k: v.to(device) for k, v in AudioChatCollator(processor, dtype=dtype)(rows).items()}


def _train_step(model, optimizer, batch):
    """Forward under autocast in the model's compute dtype (float32 master weights), backward, AdamW."""
    with autocast(model):
        out = model(**batch)
    out.loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return out.loss.detach()


def trained_encoder(model) -> dict[str, torch.Tensor]:
    """The audio encoder's trainable parameters by name (under LoRA: PEFT's trained copy of it)."""
    return {n: p for n, p in model.named_parameters() if p.requires_grad and "audio_tower" in n}


def changed_fraction(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> float:
    """Share of the elements that differ between two snapshots of the same parameters.

    >>> changed_fraction({"w": torch.zeros(4)}, {"w": torch.tensor([0.0, 1.0, 0.0, 2.0])})
    0.5
    """
    changed = sum(int((after[n].detach() != b).sum()) for n, b in before.items())
    return changed / max(1, sum(b.numel() for b in before.values()))


def encoder_update_fraction(model, optimizer, batch, steps: int = 3) -> float:
    """Share of the trained encoder's weights that ``steps`` training steps changed at all.

    In bf16 storage an AdamW update below half an ulp (|w| * 2^-9) is rounded away: at the paper's lr
    1.5e-5 most of AF3's encoder weights would not move; float32 master weights move every one
    (:mod:`sqa.model.precision`)."""
    before = {n: p.detach().clone() for n, p in trained_encoder(model).items()}
    for _ in range(steps):
        _train_step(model, optimizer, batch)
    return round(changed_fraction(before, trained_encoder(model)), 5)


def step_flops(model, optimizer, batch) -> int:
    """FLOPs of one training step (counted once, untimed)."""
    with FlopCounterMode(display=False) as counter:
        _train_step(model, optimizer, batch)
    return int(counter.get_total_flops())


def bench_calibration(
    model_dir, batch_size: int = 8, warmup: int = 1, reps: int = 5, seed: int = 0, device: str = "cpu"
) -> dict:
    """Samples/s of the calibration step with the encoder learned and frozen (medians)."""
    from sqa.configs.profiles import get_profile
    from sqa.model import count_parameters, load_model

    prof = get_profile("tiny")
    cuda = torch.device(device).type == "cuda"
    dtype = "bfloat16" if cuda else "float32"
    variants = {}
    for learned in (True, False):
        torch.manual_seed(seed)
        model, processor = load_model(
            model_dir,
            lora_rank=prof.lora_rank,
            lora_alpha=prof.lora_alpha,
            train_audio_encoder=learned,
            dtype=dtype,
            device=device,
        )
        float32_master_weights(model)
        model.train()
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=prof.calib_lr)
        variants["learned" if learned else "frozen"] = (model, opt, count_parameters(model))
    rng = np.random.default_rng(seed)
    times = {k: [] for k in variants}
    collate = []
    for i in range(warmup + reps):
        batch, s = timed(lambda: calibration_batch(processor, rng, batch_size, device, DTYPES[dtype]), device)
        collate.append(s)
        names = list(variants) if i % 2 == 0 else list(variants)[::-1]
        for name in names:
            model, opt, _ = variants[name]
            _, s = timed(lambda model=model, opt=opt, batch=batch: _train_step(model, opt, batch), device)
            if i >= warmup:
                times[name].append(s)
        if i >= warmup:
            log(
                f"calibration rep {i - warmup + 1}/{reps}: learned {times['learned'][-1]:.3f} s, "
                f"frozen {times['frozen'][-1]:.3f} s"
            )
    peak = matmul_peak_tflops(device)
    out = {
        "batch_size": batch_size,
        "warmup": warmup,
        "reps": reps,
        "dtype": dtype,
        "lora_rank": prof.lora_rank,
        "tokens_per_sample": float(batch["attention_mask"].sum(1).float().mean()),
        "collate_s": round(median(collate), 5),
        "matmul_peak": peak,
    }
    for name, (model, opt, params) in variants.items():
        step_s = median(times[name])
        flops = step_flops(model, opt, batch)
        achieved = flops / step_s / 1e12
        out[name] = {
            "step_s": round(step_s, 5),
            "samples_per_s": round(batch_size / step_s, 3),
            "steps_s": [round(t, 5) for t in times[name]],
            "step_gflop": round(flops / 1e9, 3),
            "achieved_tflops": round(achieved, 5),
            "params_trainable": params["trainable"],
            "params_total": params["total"],
            ("mfu_bf16" if cuda else "utilisation_of_fp32_matmul_peak"): round(achieved / peak["tflops"], 5),
        }
    out["learned_vs_frozen_time_ratio"] = round(out["learned"]["step_s"] / out["frozen"]["step_s"], 3)
    out["mfu_measured"] = cuda
    synchronize(device)
    return out
