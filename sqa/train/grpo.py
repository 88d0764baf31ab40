"""GRPO with audio (paper §3.2): the Reasoning stage.

A compact trainer rather than a TRL ``GRPOTrainer`` subclass, because TRL's log-prob passes forward
image inputs only (README, *Known traps*): here the audio reaches generation AND the log-prob passes of
the policy and of the reference, through :func:`sqa.train.logprobs.sequence_logprobs`. Rewards keep
TRL's signature (``f(prompts, completions, **columns)``), so any TRL reward function plugs in.

One step, for a batch of B clips and G completions each:

1. encode each clip once (``embed_prompts``: audio encoder + projector, scattered into ``<sound>``);
2. sample G completions per prompt: each prompt is prefilled once and its KV cache repeated for its G
   completions (:func:`sqa.train.logprobs.sample_shared_prefix`), so the audio is not re-encoded;
3. score them with the reward functions (a weighted sum), group-normalise (eq. 2);
4. per-token log-probs of the policy (with grad) and of the reference (LoRA adapter disabled, or a
   frozen copy when the model is fully fine-tuned), sharing the prompt embeddings of step 1;
5. loss = -log p * A + beta * KL (eq. 3), one optimiser step.

:func:`run_grpo` runs a whole training (like :func:`sqa.train.run_sft`); the policy, reference and
optimiser come from :mod:`sqa.train.grpo_setup`, the reward curve and checkpoints from
:mod:`sqa.train.grpo_log`.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from sqa.configs import distributed
from sqa.configs.profiles import check_settings, profile_field, stage_values
from sqa.configs.sources import judge_spec, rewards_need_judge
from sqa.llm.errors import JudgeUnavailable
from sqa.model import save_stage
from sqa.model.batching import end_of_turn_id, prompt_inputs
from sqa.model.precision import autocast, to_model
from sqa.model.stages import dir_bytes, read_stage_record
from sqa.schema.prompts import REASONING_PROMPT
from sqa.train.grpo_log import RewardCurve, latest_checkpoint, restore_checkpoint, save_checkpoint
from sqa.train.grpo_math import group_advantages, grpo_loss
from sqa.train.grpo_setup import Policy, audio_trainable, reference_model, setup_policy
from sqa.train.logprobs import (
    completion_mask_from_ids,
    embed_prompts,
    encode_audio,
    repeat_inputs,
    sample_shared_prefix,
    sequence_logprobs,
)
from sqa.train.sft import model_fingerprint

logger = logging.getLogger(__name__)

__all__ = ["GRPOConfig", "run_grpo", "grpo_step", "sequence_logprobs", "embed_prompts", "repeat_inputs"]


@dataclass
class GRPOConfig:
    """Everything one GRPO run needs. A :func:`~sqa.configs.profiles.profile_field` has the profile field it names as
    its source and default (the paper's Table 2 in ``paper.yaml``); the other fields are this trainer's own."""

    init: str  # the warm-up (SFT) model directory
    out_dir: str
    rewards: list[str] = field(default_factory=lambda: ["acc_sem"])
    # judge spec of the llm_judge / unified rewards; from_profile: sqa.configs.sources.judge_spec ($SQA_JUDGE wins)
    judge: str | None = profile_field("judge")
    reward_weights: list[float] | None = None
    data_dir: str | None = profile_field("data_dir")
    steps: int = profile_field("grpo_steps")
    group_size: int = profile_field("grpo_group_size")
    batch_size: int = profile_field("grpo_batch_size")
    lr: float = profile_field("grpo_lr")
    beta: float = profile_field("grpo_kl_beta")
    temperature: float = profile_field("grpo_temperature")
    max_new_tokens: int = profile_field("max_new_tokens")
    lora_rank: int | None = profile_field("lora_rank")
    lora_alpha: int | None = profile_field("lora_alpha")
    audio_mode: str = "audio"  # "audio", or "text_only" (Omni-R1 diagnostic: no audio in the prompt)
    seed: int = profile_field("seed")
    save_every: int = profile_field("save_every")
    device: str = profile_field("device")
    dtype: str = profile_field("dtype")
    max_grad_norm: float = profile_field("max_grad_norm")
    decode_cache: str = profile_field("decode_cache")  # "static": compiled rollouts on CUDA (sqa.model.generation)
    rollouts: str = profile_field("rollouts")  # or a vLLM server's spec http://HOST:PORT/v1#NAME (vllm_rollouts)

    @classmethod
    def from_profile(cls, profile, init, out_dir, rewards, **overrides) -> GRPOConfig:
        """The profile's GRPO settings for a run from ``init`` with ``rewards``; ``overrides`` (GRPOConfig
        fields, ``None`` ignored) win; an unknown name raises."""

        check_settings(cls, overrides, "GRPOConfig.from_profile")
        names = [rewards] if isinstance(rewards, str) else list(rewards)
        values = {
            **stage_values(cls, profile),
            "init": str(init),
            "out_dir": str(out_dir),
            "rewards": names,
            "judge": judge_spec(profile) if rewards_need_judge(names) else None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


# ---------------------------------------------------------------- prompts and generation


def end_of_turn_ids(processor) -> list[int]:

    return [end_of_turn_id(processor)]


@torch.no_grad()
def sample_completions(
    model, processor, inputs, prompt_embeds, group_size, max_new_tokens, temperature, decode_cache: str = "dynamic"
):
    """G sampled completions per prompt, grouped consecutively: ``(ids [B*G, T], mask [B*G, T])``.

    Each prompt is prefilled once and its KV cache shared by its G completions
    (:func:`sqa.train.logprobs.sample_shared_prefix`).
    """
    eos = end_of_turn_ids(processor)
    pad = processor.tokenizer.pad_token_id
    ids = sample_shared_prefix(
        model,
        prompt_embeds,
        inputs["attention_mask"],
        group_size,
        max_new_tokens,
        eos,
        eos[0] if pad is None else pad,
        temperature,
        decode_cache,
    )
    return ids, completion_mask_from_ids(ids, eos)


# ---------------------------------------------------------------- rewards


def score_completions(reward_fns, weights, prompts, completions, columns) -> tuple[torch.Tensor, dict]:
    """Weighted sum of the reward functions (``None`` counts 0) and each function's mean for the logs."""
    total = np.zeros(len(completions))
    means = {}
    for fn, w in zip(reward_fns, weights):
        values = fn(prompts=prompts, completions=completions, **columns)
        arr = np.array([0.0 if v is None else float(v) for v in values])
        total += w * arr
        means[f"reward_{getattr(fn, '__name__', 'fn')}"] = float(arr.mean())
    return torch.tensor(total, dtype=torch.float32), means


# ---------------------------------------------------------------- one step


def apply_update(model, optimizer, loss: torch.Tensor, max_grad_norm: float) -> None:
    """Backward, clip the trainable parameters' gradient norm, one optimiser step."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    distributed.average_gradients(model)  # data parallel (accelerate launch): the mean over processes
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], max_grad_norm)
    optimizer.step()


def grpo_step(
    model, ref_model, processor, optimizer, batch, cfg: GRPOConfig, reward_fns, weights, rollouts=None, step: int = 0
) -> dict:
    """One GRPO update on ``batch`` (a list of dicts with ``audio``, ``reference`` and other reward columns).

    ``rollouts``: a :class:`sqa.train.vllm_rollouts.VLLMRollouts` (the policy's LoRA pushed first, the
    completions sampled by vLLM, the log-prob drift recorded), or None for local sampling."""

    timings = {}
    if rollouts is not None:
        t0 = time.perf_counter()
        rollouts.push(model, step)
        timings["t_push"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inputs = to_model(
        prompt_inputs(
            processor, [b["audio"] for b in batch], REASONING_PROMPT, text_only=cfg.audio_mode == "text_only"
        ),
        model,
    )  # features in bf16 too
    model.eval()
    with torch.no_grad(), autocast(model):
        audio = encode_audio(model, inputs)  # once per clip; the audio path is frozen in GRPO
        embeds = embed_prompts(model, inputs, audio)
    timings["t_encode"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    vllm_logp = None
    if rollouts is None:
        with autocast(model):
            ids, mask = sample_completions(
                model, processor, inputs, embeds, cfg.group_size, cfg.max_new_tokens, cfg.temperature, cfg.decode_cache
            )
    else:
        eos, pad = end_of_turn_ids(processor)[0], processor.tokenizer.pad_token_id
        ids, mask, vllm_logp = rollouts.sample(
            [b["audio"] for b in batch],
            REASONING_PROMPT,
            cfg.group_size,
            cfg.temperature,
            cfg.max_new_tokens,
            eos,
            eos if pad is None else pad,
        )
        ids, mask = ids.to(inputs["input_ids"].device), mask.to(inputs["input_ids"].device)
    timings["t_generate"] = time.perf_counter() - t0
    texts = processor.tokenizer.batch_decode(ids, skip_special_tokens=True)

    t0 = time.perf_counter()
    g = cfg.group_size
    columns = {k: [b[k] for b in batch for _ in range(g)] for k in batch[0] if k != "audio"}
    rewards, reward_means = score_completions(reward_fns, weights, [REASONING_PROMPT] * len(texts), texts, columns)
    advantages = group_advantages(rewards, g).to(cfg.device)
    timings["t_reward"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    ref_logp = None
    if cfg.beta:
        with torch.no_grad(), reference_model(model, ref_model) as ref, autocast(model):
            ref_embeds = embeds if ref is model else embed_prompts(ref, inputs, audio)  # a frozen copy's own tokens
            ref_logp = sequence_logprobs(ref, inputs, ids, mask, prompt_embeds=ref_embeds, temperature=cfg.temperature)
    model.train()
    with autocast(model):  # backward (in apply_update) follows the autocast forward's dtypes
        # token embeddings with grad (they train under full fine-tuning); the audio is re-encoded only if it learns
        policy_embeds = embed_prompts(model, inputs, None if audio_trainable(model) else audio)
        logp = sequence_logprobs(model, inputs, ids, mask, prompt_embeds=policy_embeds, temperature=cfg.temperature)
    loss, stats = grpo_loss(logp, ref_logp, advantages, mask, cfg.beta)
    timings["t_logprobs"] = time.perf_counter() - t0
    if vllm_logp is not None:
        from sqa.train.vllm_rollouts import check_adapter_applied, drift

        stats = {**stats, **drift(vllm_logp, logp, ref_logp, mask)}
        check_adapter_applied(stats, rollouts.base_url, rollouts.current)

    t0 = time.perf_counter()
    apply_update(model, optimizer, loss, cfg.max_grad_norm)
    timings["t_backward"] = time.perf_counter() - t0
    return {
        "reward": float(rewards.mean()),
        "reward_std": float(rewards.std()) if len(rewards) > 1 else 0.0,
        **reward_means,
        **stats,
        "completion_len": float(mask.sum(1).float().mean()),
        **timings,
    }


# ---------------------------------------------------------------- the run


def _load_training_rows(cfg: GRPOConfig, examples=None) -> list[dict]:
    """One row per example: its audio and every reward column it has (:meth:`sqa.data.Example.columns`)."""
    from sqa.data import load_audio, load_qualispeech

    if examples is None:
        examples = load_qualispeech(cfg.data_dir, "train")
    return [{"audio": load_audio(ex.audio_path), **ex.columns()} for ex in examples]


def _settings(cfg: GRPOConfig) -> dict:
    """``cfg``, the warm-up model's fingerprint and the number of processes (data parallel)."""
    settings = {**asdict(cfg), "init_fingerprint": model_fingerprint(cfg.init), "world_size": distributed.world_size()}
    if settings["judge"] is None:  # runs without a judge keep the cache key they had before the field existed
        del settings["judge"]
    if settings.pop("rollouts") not in (None, "", "local"):  # never the URL: a server on another port is the same run
        settings["rollouts"] = "vllm"
    return settings


def _start_out_dir(cfg: GRPOConfig) -> dict:
    """Record :func:`_settings` in ``<out_dir>/config.json``; a directory recorded with other settings is
    removed first. Returns the settings."""
    out_dir = Path(cfg.out_dir)
    settings = _settings(cfg)
    recorded = out_dir / "config.json"
    if recorded.exists() and json.loads(recorded.read_text()) != settings:
        shutil.rmtree(out_dir)  # another configuration or another warm-up model: start again
    out_dir.mkdir(parents=True, exist_ok=True)
    recorded.write_text(json.dumps(settings, indent=2))
    return settings


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def _reward_functions(cfg: GRPOConfig, stats=None) -> tuple[list, list[float]]:
    """The run's reward functions (with ``cfg.judge``, reporting to ``stats``, the run's collector) and weights."""
    from sqa.rewards import get_rewards

    reward_fns = get_rewards(cfg.rewards, judge=cfg.judge, stats=stats)
    weights = cfg.reward_weights or [1.0] * len(reward_fns)
    if len(weights) != len(reward_fns):
        raise ValueError(f"{len(weights)} reward weights for {len(reward_fns)} reward functions")
    return reward_fns, weights


def _resume(policy: Policy, out_dir: Path, curve: RewardCurve | None, rng: random.Random) -> int:
    """The step to start from: the latest checkpoint's (its state restored, later log rows dropped) or 0.
    ``curve`` is None on the processes other than the main one (only it writes the log)."""
    latest = latest_checkpoint(out_dir)
    if latest is None:
        if curve is not None:
            curve.reset()
        return 0
    start = restore_checkpoint(latest, policy.model, policy.optimizer, rng)
    if curve is not None:
        curve.keep_until(start)
    return start


def _checkpoint_at_failure(policy: Policy, step: int, start: int, out_dir: Path, rng_state) -> str:
    """Save the state after ``step`` completed steps (the batch of the failed step not yet drawn) when the run got
    further than its last checkpoint; returns what to tell the user."""
    if step > start and distributed.is_main():
        save_checkpoint(policy.model, policy.optimizer, step, out_dir, rng_state)
    if step == 0:
        return "no step was completed; rerun when it answers"
    return f"checkpoint-{step} in {out_dir}: rerun when it answers to resume from step {step}"


def run_grpo(cfg: GRPOConfig, examples=None, progress: bool = True) -> Path:
    """Train with GRPO from ``cfg.init``; returns the stage's model directory ``<out_dir>/model``.

    Writes ``<out_dir>/reward_curve.csv`` (one row per step: total and per-function rewards, KL, loss,
    completion length, unparsed completions, time split, and ``reward_errors``: completions a reward scored
    0.0 after an exception, summed over the rewards) and ``<out_dir>/config.json``. Resumes from the
    latest ``checkpoint-N`` in ``out_dir`` when one exists; returns at once when the run with the same
    settings is complete. The model dir is saved by :func:`sqa.model.stages.save_stage` (the LoRA
    adapter chained to ``cfg.init``, or the full model without LoRA); its ``sqa_grpo.json`` records the
    settings, ``bytes_written`` and the ``checkpoint_bytes_removed`` once the run is complete.

    Under ``accelerate launch --num_processes N`` each process takes B / N of each step's B prompts
    (:mod:`sqa.configs.distributed`); gradients are averaged, the main process writes the log, the
    checkpoints and the model, and ``config.json`` records ``world_size``.
    """
    from tqdm.auto import tqdm

    from sqa.rewards import RewardStats
    from sqa.train.vllm_rollouts import rollouts_problem

    problem = rollouts_problem(cfg)  # e.g. the tiny profile (8 s window, full fine-tuning) asking for vLLM
    if problem:
        raise ValueError(problem)
    out_dir = Path(cfg.out_dir)
    final = out_dir / "model"
    distributed.init()
    with distributed.main_first():
        settings = _start_out_dir(cfg) if distributed.is_main() else _settings(cfg)
    if (final / "sqa_grpo.json").exists():  # written last: the run is complete
        return final
    distributed.per_process(cfg.batch_size, "GRPO batch_size")
    cfg = replace(cfg, device=distributed.local_device(cfg.device))
    seed_everything(cfg.seed)  # the same initial weights (LoRA) on every process
    reward_stats = RewardStats()  # this run's counts: unparsed completions and reward errors, per step in the curve
    reward_fns, weights = _reward_functions(cfg, reward_stats)
    rollouts = None
    if cfg.rollouts not in (None, "", "local"):
        from sqa.train.vllm_rollouts import VLLMRollouts

        rollouts = VLLMRollouts(cfg, out_dir)  # the served base checked now; each step pushes the current LoRA
    policy = setup_policy(cfg)
    torch.manual_seed(cfg.seed + distributed.rank())  # each process samples its own completions
    rows = _load_training_rows(cfg, examples)
    rng = random.Random(cfg.seed)  # the same batches on every process; each takes its share
    curve = RewardCurve(out_dir / "reward_curve.csv") if distributed.is_main() else None
    start = _resume(policy, out_dir, curve, rng)

    bar = tqdm(
        range(start, cfg.steps),
        desc=f"GRPO {'+'.join(cfg.rewards)}",
        disable=not progress or not distributed.is_main(),
        initial=start,
        total=cfg.steps,
    )
    for step in bar:
        rng_before = rng.getstate()
        batch = [rows[i] for i in rng.sample(range(len(rows)), min(cfg.batch_size, len(rows)))]
        before = reward_stats.snapshot()
        t0 = time.perf_counter()
        served = {"rollouts": rollouts, "step": step} if rollouts is not None else {}
        try:
            log = grpo_step(
                policy.model,
                policy.ref_model,
                policy.processor,
                policy.optimizer,
                distributed.shard(batch),
                cfg,
                reward_fns,
                weights,
                **served,
            )
        except JudgeUnavailable as e:  # a server gone (vLLM, judge): keep what was trained, say how to go on
            raise type(e)(f"{e}; {_checkpoint_at_failure(policy, step, start, out_dir, rng_before)}") from None
        log = distributed.mean_over_processes(
            {
                **log,
                "unparsed": reward_stats.unparsed_since(before),
                "reward_errors": reward_stats.errors_since(before),
            },
            sums=("unparsed", "reward_errors"),
        )
        errors = log.pop("reward_errors")  # the last column: the columns before it are as they were
        if curve is not None:
            curve.append({"step": step + 1, **log, "t_step": time.perf_counter() - t0, "reward_errors": errors})
        bar.set_postfix(reward=f"{log['reward']:.3f}", kl=f"{log['kl']:.4f}")
        if (step + 1) % cfg.save_every == 0 and step + 1 < cfg.steps and distributed.is_main():
            save_checkpoint(policy.model, policy.optimizer, step + 1, out_dir, rng.getstate())
    if rollouts is not None:
        rollouts.close()
    if distributed.is_main():
        written = save_stage(policy.model, policy.processor, final, parent=cfg.init)
        checkpoints = list(out_dir.glob("checkpoint-*"))
        removed = sum(dir_bytes(d) for d in checkpoints)
        record = {**settings, "bytes_written": written, "checkpoint_bytes_removed": removed}
        (final / "sqa_grpo.json").write_text(json.dumps(record, indent=2))
        for d in checkpoints:  # the run is complete: nothing will resume from them
            shutil.rmtree(d)
        if progress:
            logger.info(
                "%s: wrote %.1f MB (%s layout); removed %.1f MB of checkpoints",
                final,
                written / 1e6,
                read_stage_record(final)["layout"],
                removed / 1e6,
            )
    distributed.barrier()
    return final
