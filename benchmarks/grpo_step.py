"""One GRPO step (G completions for each of B clips): sqa's shared encoding vs the naive path.

* sqa: :func:`sqa.train.grpo.grpo_step` itself: each clip encoded once (``embed_prompts``), each prompt
  prefilled once and its KV cache repeated for its G completions (``sample_shared_prefix``), the prompt
  embeddings shared by generation and by the reference and policy log-prob passes;
* naive (:func:`naive_step`, what audio GRPO trainers do): the prompt inputs, audio features included,
  repeated for each of the G completions (``repeat_inputs``), so the encoder runs B*G times in
  generation, again in the reference pass and again in the policy pass.

Same model, same optimiser, same data and seeds, in the same process: the two paths alternate in every
repetition (naive first on even ones, sqa first on odd ones) so that machine noise hits both; the
figures are medians over the timed repetitions. Both losses are also computed on the SAME sampled
completions (:func:`loss_difference`): the only difference left is the shared encoding.
"""

from __future__ import annotations

import contextlib
import random
import tempfile

import numpy as np
import torch

from sqa.model.precision import autocast, to_model
from sqa.train.grpo import apply_update
from sqa.train.grpo_setup import freeze_audio_path, make_policy, reference_model, setup_policy

from .common import clips, log, median, median_split, synchronize, timed

SPLIT_KEYS = ("t_encode", "t_generate", "t_reward", "t_logprobs", "t_backward")


def length_reward(prompts, completions, **_):
    """A cheap reward with spread inside each group (the real rewards cost the same in both paths).

    >>> length_reward(["p"] * 2, ["ab", "abcd"])
    [0.002, 0.004]
    """
    return [len(c) / 1000 for c in completions]


def naive_step(model, ref_model, processor, optimizer, batch, cfg, reward_fns, weights) -> dict:
    """The naive GRPO step: audio features repeated G times, re-encoded by every pass.

    Mirrors :func:`sqa.train.grpo.grpo_step` line by line except for the encoding, and returns the same
    time split (its ``t_encode`` is feature extraction only: encoding happens inside the passes).
    """
    import time

    from sqa.schema.prompts import REASONING_PROMPT
    from sqa.train.grpo import end_of_turn_ids, prompt_inputs, score_completions
    from sqa.train.grpo_math import group_advantages, grpo_loss
    from sqa.train.logprobs import completion_mask_from_ids, repeat_inputs, sequence_logprobs

    g = cfg.group_size
    t = {}
    t0 = time.perf_counter()
    inputs = repeat_inputs(to_model(prompt_inputs(processor, [b["audio"] for b in batch], REASONING_PROMPT), model), g)
    t["t_encode"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    model.eval()
    eos = end_of_turn_ids(processor)
    with torch.no_grad(), autocast(model):
        out = model.generate(
            **inputs,
            do_sample=True,
            temperature=cfg.temperature,
            top_k=0,
            top_p=1.0,
            max_new_tokens=cfg.max_new_tokens,
            eos_token_id=eos,
            pad_token_id=processor.tokenizer.pad_token_id,
        )
    ids = out[:, inputs["input_ids"].shape[1] :]
    mask = completion_mask_from_ids(ids, eos)
    t["t_generate"] = time.perf_counter() - t0
    texts = processor.tokenizer.batch_decode(ids, skip_special_tokens=True)

    t0 = time.perf_counter()
    columns = {k: [b[k] for b in batch for _ in range(g)] for k in batch[0] if k != "audio"}
    rewards, _ = score_completions(reward_fns, weights, [REASONING_PROMPT] * len(texts), texts, columns)
    advantages = group_advantages(rewards, g).to(cfg.device)
    t["t_reward"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with torch.no_grad(), reference_model(model, ref_model) as ref, autocast(model):
        ref_logp = sequence_logprobs(ref, inputs, ids, mask, temperature=cfg.temperature)  # encodes B*G
    model.train()
    with autocast(model):
        logp = sequence_logprobs(model, inputs, ids, mask, temperature=cfg.temperature)  # encodes B*G again
    loss, stats = grpo_loss(logp, ref_logp, advantages, mask, cfg.beta)
    t["t_logprobs"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    apply_update(model, optimizer, loss, cfg.max_grad_norm)
    t["t_backward"] = time.perf_counter() - t0
    return {**stats, "completion_len": float(mask.sum(1).float().mean()), **t}


def keep_audio_frozen(model) -> None:
    """Re-freeze the audio path whenever the reference context (``disable_adapter``) exits.

    PEFT's ``disable_adapter()`` turns ``requires_grad`` back on for ``modules_to_save`` (the
    projector) when it exits, so without this, from the first reference pass on,
    ``sqa.train.grpo.grpo_step`` sees a trainable audio path and re-encodes in the policy pass, and the
    naive path backpropagates into the projector. Both paths get the shim: they run as designed.
    """
    original = getattr(model, "disable_adapter", None)
    if original is None:
        return

    @contextlib.contextmanager
    def disable_adapter():
        try:
            with original():
                yield
        finally:
            freeze_audio_path(model)

    model.disable_adapter = disable_adapter


def setup(model_dir, cfg):
    """Policy, reference and optimiser as :func:`sqa.train.grpo.run_grpo` sets them up
    (:func:`sqa.train.grpo_setup.setup_policy`), plus the :func:`keep_audio_frozen` shim."""
    from dataclasses import replace

    model, ref_model, processor, optimizer = setup_policy(replace(cfg, init=str(model_dir)))
    keep_audio_frozen(model)
    return model, ref_model, processor, optimizer


def prepare_policy(model, processor, cfg):
    """:func:`setup` for a model already built with its LoRA (``gpu_check`` builds AF3 from its config)."""
    policy = make_policy(model, processor, cfg)
    keep_audio_frozen(policy.model)
    return tuple(policy)


def make_batch(rng: np.random.Generator, n: int) -> list[dict]:
    return [{"audio": a, "reference": ""} for a in clips(rng, n)]


def loss_difference(model, ref_model, processor, batch, cfg) -> dict:
    """Loss and gradients of both paths on the SAME completions (sampled once, sqa's way)."""
    from sqa.schema.prompts import REASONING_PROMPT
    from sqa.train.grpo import prompt_inputs, sample_completions
    from sqa.train.grpo_math import group_advantages, grpo_loss
    from sqa.train.logprobs import embed_prompts, encode_audio, repeat_inputs, sequence_logprobs

    g = cfg.group_size
    inputs = to_model(prompt_inputs(processor, [b["audio"] for b in batch], REASONING_PROMPT), model)
    naive_inputs = repeat_inputs(inputs, g)
    model.eval()
    with torch.no_grad(), autocast(model):
        audio = encode_audio(model, inputs)
        embeds = embed_prompts(model, inputs, audio)
        ids, mask = sample_completions(model, processor, inputs, embeds, g, cfg.max_new_tokens, cfg.temperature)
    texts = processor.tokenizer.batch_decode(ids, skip_special_tokens=True)
    adv = group_advantages(torch.tensor(length_reward(None, texts)), g).to(cfg.device)
    with torch.no_grad(), reference_model(model, ref_model) as ref, autocast(model):
        ref_embeds = embeds if ref is model else embed_prompts(ref, inputs, audio)  # a frozen copy's own tokens
        ref_sqa = sequence_logprobs(ref, inputs, ids, mask, prompt_embeds=ref_embeds, temperature=cfg.temperature)
        ref_naive = sequence_logprobs(ref, naive_inputs, ids, mask, temperature=cfg.temperature)
    model.train()
    out = {}
    for name, kwargs in (("sqa", dict(inputs=inputs, audio=audio)), ("naive", dict(inputs=naive_inputs))):
        with autocast(model):
            shared = embed_prompts(model, inputs, kwargs["audio"]) if "audio" in kwargs else None  # tokens with grad
            logp = sequence_logprobs(
                model, kwargs["inputs"], ids, mask, prompt_embeds=shared, temperature=cfg.temperature
            )
        loss, _ = grpo_loss(logp, ref_sqa if name == "sqa" else ref_naive, adv, mask, cfg.beta)
        model.zero_grad(set_to_none=True)
        loss.backward()
        grads = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
        out[name] = (loss.detach(), logp.detach(), grads)
    model.zero_grad(set_to_none=True)
    (l_s, lp_s, g_s), (l_n, lp_n, g_n) = out["sqa"], out["naive"]
    return {
        "loss_sqa": float(l_s),
        "loss_naive": float(l_n),
        "max_abs_loss_diff": float((l_s - l_n).abs()),
        "rel_grad_diff": float((g_s - g_n).norm() / g_n.norm().clamp(min=1e-30)),
        "max_abs_logprob_diff": float(((lp_s - lp_n) * mask).abs().max()),
        "max_abs_ref_logprob_diff": float(((ref_sqa - ref_naive) * mask).abs().max()),
        "max_abs_grad_diff": float((g_s - g_n).abs().max()),
        "grad_norm": float(g_s.norm()),
    }


def encoder_costs(model, processor, batch, cfg, reps: int = 3) -> dict:
    """Median seconds of feature extraction and of encoding the B windows once vs B*G times."""
    from sqa.schema.prompts import REASONING_PROMPT
    from sqa.train.grpo import prompt_inputs
    from sqa.train.logprobs import embed_prompts, repeat_inputs

    audios = [b["audio"] for b in batch]
    model.eval()
    feats, once, repeated = [], [], []
    for _ in range(reps):
        inputs, s = timed(lambda: to_model(prompt_inputs(processor, audios, REASONING_PROMPT), model), cfg.device)
        feats.append(s)
        rep = repeat_inputs(inputs, cfg.group_size)
        with torch.no_grad(), autocast(model):
            once.append(timed(lambda inputs=inputs: embed_prompts(model, inputs), cfg.device)[1])
            repeated.append(timed(lambda rep=rep: embed_prompts(model, rep), cfg.device)[1])
    n_audio = int((inputs["input_ids"] == model.config.audio_token_id).sum())
    return {
        "features_s": round(median(feats), 5),
        "encode_once_s": round(median(once), 5),
        "encode_repeated_s": round(median(repeated), 5),
        "windows_once": int(inputs["input_features"].shape[0]),
        "windows_repeated": int(rep["input_features"].shape[0]),
        "prompt_tokens_mean": float(inputs["attention_mask"].sum(1).float().mean()),
        "audio_tokens_mean": n_audio / len(audios),
    }


def bench_config(
    model_dir,
    group: int = 4,
    batch_size: int = 4,
    max_new_tokens: int = 32,
    seed: int = 0,
    device: str = "cpu",
    dtype: str = "float32",
    profile: str = "tiny",
):
    """The :class:`~sqa.train.grpo.GRPOConfig` of a measured step: ``profile``'s GRPO settings (lr, KL, LoRA
    ...) with the step's sizes; no rewards."""
    from sqa.configs.profiles import get_profile
    from sqa.train.grpo import GRPOConfig

    with tempfile.TemporaryDirectory() as tmp:
        return GRPOConfig.from_profile(
            get_profile(profile),
            model_dir,
            tmp,
            [],
            group_size=group,
            batch_size=batch_size,
            max_new_tokens=max_new_tokens,
            seed=seed,
            device=device,
            dtype=dtype,
        )


def bench_grpo(
    model_dir,
    label: str,
    group: int = 4,
    batch_size: int = 4,
    max_new_tokens: int = 32,
    warmup: int = 2,
    reps: int = 7,
    seed: int = 0,
    device: str = "cpu",
    dtype: str = "float32",
) -> dict:
    """Time sqa's GRPO step against the naive one on ``model_dir``; return the figures (medians)."""
    cfg = bench_config(model_dir, group, batch_size, max_new_tokens, seed, device, dtype)
    torch.manual_seed(seed)
    random.seed(seed)
    model, ref_model, processor, optimizer = setup(model_dir, cfg)
    return measure_grpo(model, ref_model, processor, optimizer, cfg, label, warmup, reps)


def measure_grpo(model, ref_model, processor, optimizer, cfg, label: str, warmup: int = 2, reps: int = 7) -> dict:
    """Both steps on the same prepared policy (:func:`prepare_policy`), alternating; medians and the loss check."""
    from sqa.train.grpo import grpo_step

    seed, device, group, batch_size = cfg.seed, cfg.device, cfg.group_size, cfg.batch_size
    max_new_tokens, dtype = cfg.max_new_tokens, cfg.dtype
    rng = np.random.default_rng(seed)
    steps = {"naive": naive_step, "sqa": grpo_step}
    logs = {"naive": [], "sqa": []}
    for i in range(warmup + reps):
        batch = make_batch(rng, batch_size)
        order = ("naive", "sqa") if i % 2 == 0 else ("sqa", "naive")
        secs = {}
        for path in order:
            torch.manual_seed(seed + 1000 + i)  # same sampling seed for both paths
            out, secs[path] = timed(
                lambda path=path, batch=batch: steps[path](
                    model, ref_model, processor, optimizer, batch, cfg, [length_reward], [1.0]
                ),
                device,
            )
            if i >= warmup:
                logs[path].append({**out, "t_step": secs[path]})
        tag = "warm-up" if i < warmup else f"rep {i - warmup + 1}/{reps}"
        log(f"grpo {label} {tag}: naive {secs['naive']:.2f} s, sqa {secs['sqa']:.2f} s")
    check_batch = make_batch(rng, batch_size)
    torch.manual_seed(seed)
    diff = loss_difference(model, ref_model, processor, check_batch, cfg)
    enc = encoder_costs(model, processor, check_batch, cfg)
    synchronize(device)
    naive_s = median(r["t_step"] for r in logs["naive"])
    sqa_s = median(r["t_step"] for r in logs["sqa"])
    paired = median(n["t_step"] / s["t_step"] for n, s in zip(logs["naive"], logs["sqa"]))
    text = model.config.text_config
    audio = model.config.audio_config
    return {
        "label": label,
        "naive_s": round(naive_s, 4),
        "sqa_s": round(sqa_s, 4),
        "speedup_vs_naive": round(naive_s / sqa_s, 3),
        "speedup_paired_median": round(paired, 3),
        "max_abs_loss_diff": diff["max_abs_loss_diff"],
        "loss_check": diff,
        "time_split_sqa": median_split(logs["sqa"], SPLIT_KEYS),
        "time_split_naive": median_split(logs["naive"], SPLIT_KEYS),
        "completion_len_sqa": median(r["completion_len"] for r in logs["sqa"]),
        "completion_len_naive": median(r["completion_len"] for r in logs["naive"]),
        "encoder": enc,
        "steps_s": {k: [round(r["t_step"], 4) for r in v] for k, v in logs.items()},
        "config": {
            "group_size": group,
            "batch_size": batch_size,
            "max_new_tokens": max_new_tokens,
            "warmup": warmup,
            "reps": reps,
            "seed": seed,
            "lora_rank": cfg.lora_rank,
            "beta": cfg.beta,
            "dtype": dtype,
            "clip_seconds": [2.0, 6.0],
            "window_seconds": processor.feature_extractor.chunk_length,
            "hop_length": processor.feature_extractor.hop_length,
            "sizes": {
                "audio": {
                    k: getattr(audio, k)
                    for k in ("num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads")
                },
                "text": {
                    k: getattr(text, k)
                    for k in (
                        "num_hidden_layers",
                        "hidden_size",
                        "intermediate_size",
                        "num_attention_heads",
                        "num_key_value_heads",
                        "vocab_size",
                    )
                },
            },
            "params": {
                "audio_tower": sum(
                    p.numel()
                    for n, p in model.named_parameters()
                    if "audio_tower" in n and ".original_module." not in n and "lora_" not in n
                ),
                "language_model": sum(
                    p.numel()
                    for n, p in model.named_parameters()
                    if ("language_model" in n or "lm_head" in n) and "lora_" not in n
                ),
            },
        },
    }
