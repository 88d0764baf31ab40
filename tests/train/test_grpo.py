"""GRPO with audio: audio reaches the log-prob passes, one encoding per prompt equals the naive path,
advantages and KL on hand examples, and a short resumable run."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

import sqa.train
from sqa.model import load_model
from sqa.schema.prompts import REASONING_PROMPT
from sqa.train.grpo import GRPOConfig, prompt_inputs, sample_completions
from sqa.train.grpo_math import group_advantages, grpo_loss, kl_k3
from sqa.train.logprobs import embed_prompts, repeat_inputs, sequence_logprobs


@pytest.fixture(scope="module")
def policy(backbone_model):
    torch.manual_seed(0)
    model, processor = load_model(backbone_model, lora_rank=8, train_audio_encoder=True)
    # LoRA B starts at zero: perturb it so that policy and reference differ
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05)
    return model.eval(), processor


def _clips(seed, n=2, seconds=(1.0, 1.6)):
    rng = np.random.default_rng(seed)
    return [(0.2 * rng.standard_normal(int(16000 * s))).astype(np.float32) for s in seconds[:n]]


def _completions(processor, n, length=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(4, len(processor.tokenizer), (n, length), generator=g)


def test_logprobs_depend_on_audio(policy):
    model, processor = policy
    ids = _completions(processor, 2)
    a = sequence_logprobs(model, prompt_inputs(processor, _clips(0), REASONING_PROMPT), ids)
    b = sequence_logprobs(model, prompt_inputs(processor, _clips(1), REASONING_PROMPT), ids)
    again = sequence_logprobs(model, prompt_inputs(processor, _clips(0), REASONING_PROMPT), ids)
    assert a.shape == ids.shape
    assert (a - again).abs().max() < 1e-6  # deterministic: same audio, same numbers
    assert (a - b).abs().max() > 5e-5, "log-probs ignore the audio"  # a random-init model is near uniform
    # and the placeholders really are replaced: without features they are plain placeholder embeddings
    text_only = {
        k: v
        for k, v in prompt_inputs(processor, _clips(0), REASONING_PROMPT).items()
        if k in ("input_ids", "attention_mask")
    }
    assert (a - sequence_logprobs(model, text_only, ids)).abs().max() > 5e-5


def test_text_only_prompt_has_no_audio(policy):
    model, processor = policy
    inputs = prompt_inputs(processor, _clips(0), REASONING_PROMPT, text_only=True)
    assert "input_features" not in inputs
    assert not (inputs["input_ids"] == model.config.audio_token_id).any()
    assert sequence_logprobs(model, inputs, _completions(processor, 4)).shape == (4, 12)


def test_shared_encoding_equals_naive_path(policy):
    model, processor = policy
    g = 4
    inputs = prompt_inputs(processor, _clips(2), REASONING_PROMPT)
    ids = _completions(processor, 2 * g, seed=3)
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    adv = torch.tensor([1.0, -1.0, 0.5, -0.5, 0.2, 0.1, -0.1, -0.2])
    with torch.no_grad():
        ref = sequence_logprobs(model, inputs, ids, mask) - 0.01
    shared = sequence_logprobs(model, inputs, ids, mask)
    naive = sequence_logprobs(model, repeat_inputs(inputs, g), ids, mask, share_prefix=False)
    unshared_prefix = sequence_logprobs(model, inputs, ids, mask, share_prefix=False)
    assert (shared - unshared_prefix).abs().max() <= 1e-4
    loss_shared, _ = grpo_loss(shared, ref, adv, mask, beta=0.1)
    loss_naive, _ = grpo_loss(naive, ref, adv, mask, beta=0.1)
    assert abs(loss_shared.item() - loss_naive.item()) <= 1e-4
    assert (shared - naive).abs().max() <= 1e-4


def test_shared_prefix_gradients_equal_full_pass(policy):
    """The shared KV cache carries the gradient back into the prompt like a full pass does."""
    model, processor = policy
    inputs = prompt_inputs(processor, _clips(4), REASONING_PROMPT)
    ids = _completions(processor, 6, length=5, seed=5)
    grads = []
    for share in (True, False):
        model.zero_grad(set_to_none=True)
        sequence_logprobs(model, inputs, ids, share_prefix=share).sum().backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and grads[0]
    assert max((grads[0][n] - grads[1][n]).abs().max().item() for n in grads[0]) <= 1e-4
    model.zero_grad(set_to_none=True)


def test_single_token_completions(policy):
    model, processor = policy
    inputs = prompt_inputs(processor, _clips(0), REASONING_PROMPT)
    ids = _completions(processor, 4, length=1)
    a = sequence_logprobs(model, inputs, ids)
    b = sequence_logprobs(model, inputs, ids, share_prefix=False)
    assert a.shape == (4, 1) and (a - b).abs().max() <= 1e-4


def test_embed_prompts_scatters_audio(policy):
    model, processor = policy
    inputs = prompt_inputs(processor, _clips(0), REASONING_PROMPT)
    plain = model.get_input_embeddings()(inputs["input_ids"])
    merged = embed_prompts(model, inputs)
    audio = inputs["input_ids"] == model.config.audio_token_id
    assert torch.equal(merged[~audio], plain[~audio])
    assert not torch.allclose(merged[audio], plain[audio])


def test_sampling_gives_group_of_completions(policy):
    model, processor = policy
    inputs = prompt_inputs(processor, _clips(0), REASONING_PROMPT)
    with torch.no_grad():
        embeds = embed_prompts(model, inputs)
    ids, mask = sample_completions(model, processor, inputs, embeds, group_size=3, max_new_tokens=5, temperature=1.0)
    assert ids.shape[0] == 6 and ids.shape[1] <= 5 and mask.shape == ids.shape


@pytest.mark.parametrize("temperature", [1.0, 1e-5])
def test_static_cache_rollouts_equal_dynamic(policy, temperature):
    """GRPO rollouts with decode_cache="static" draw the same tokens as the shared-prefix dynamic cache."""
    model, processor = policy
    inputs = prompt_inputs(processor, _clips(1), REASONING_PROMPT)
    with torch.no_grad():
        embeds = embed_prompts(model, inputs)
    out = {}
    for cache in ("dynamic", "static"):
        torch.manual_seed(7)
        out[cache] = sample_completions(
            model,
            processor,
            inputs,
            embeds,
            group_size=3,
            max_new_tokens=10,
            temperature=temperature,
            decode_cache=cache,
        )
    assert torch.equal(out["dynamic"][0], out["static"][0]) and torch.equal(out["dynamic"][1], out["static"][1])
    assert out["static"][0].shape == (6, 10) and len(set(out["static"][0].flatten().tolist())) > 3


def test_reference_pass_keeps_audio_path_frozen(small_model):
    """PEFT's disable_adapter() re-enables modules_to_save grads on exit; the reference context undoes that."""
    from sqa.train.grpo_setup import reference_model

    model, _ = load_model(small_model, lora_rank=4, train_audio_encoder=False)
    for n, p in model.named_parameters():
        if "multi_modal_projector" in n:
            p.requires_grad_(False)
    before = {n for n, p in model.named_parameters() if p.requires_grad}
    with reference_model(model, None) as ref:
        assert ref is model
    assert {n for n, p in model.named_parameters() if p.requires_grad} == before


def test_group_advantages_by_hand():
    adv = group_advantages(torch.tensor([3.0, 1.0, 2.0, 2.0, 0.0, 4.0]), group_size=2)
    std = np.std([3.0, 1.0], ddof=1)
    assert adv[0].item() == pytest.approx(1.0 / (std + 1e-4), rel=1e-5)
    assert adv[1].item() == pytest.approx(-1.0 / (std + 1e-4), rel=1e-5)
    assert adv[2].item() == adv[3].item() == 0.0  # equal rewards: no signal
    assert adv[4] < 0 < adv[5]
    with pytest.raises(ValueError):
        group_advantages(torch.ones(5), group_size=2)


def test_kl_by_hand():
    logp = torch.log(torch.tensor([[0.5, 0.25]]))
    ref = torch.log(torch.tensor([[0.25, 0.25]]))
    # k3 = r - log r - 1 with r = p_ref / p_theta
    expected = torch.tensor([[0.5 - np.log(0.5) - 1, 0.0]], dtype=torch.float32)
    assert torch.allclose(kl_k3(logp, ref), expected, atol=1e-6)
    assert (kl_k3(torch.randn(3, 4), torch.randn(3, 4)) >= 0).all()


def test_loss_pushes_up_positive_advantage():
    logp = torch.zeros(2, 3, requires_grad=True)
    loss, _ = grpo_loss(logp, None, torch.tensor([1.0, -1.0]), torch.ones(2, 3), beta=0.0)
    loss.backward()
    assert (logp.grad[0] < 0).all() and (logp.grad[1] > 0).all()  # descent raises row 0, lowers row 1


def test_short_run_writes_curve_and_resumes(small_model, corpus, tmp_path):
    from sqa.data import load_qualispeech

    examples = load_qualispeech(corpus, "train")
    cfg = GRPOConfig(
        init=str(small_model),
        out_dir=str(tmp_path / "grpo"),
        rewards=["acc_sem", "iou"],
        steps=2,
        group_size=2,
        batch_size=2,
        lr=1e-3,
        max_new_tokens=8,
        lora_rank=8,
        save_every=1,
    )
    sqa.train.run_grpo(cfg, examples=examples, progress=False)
    out = tmp_path / "grpo"
    rows = list(csv.DictReader((out / "reward_curve.csv").open()))
    assert [r["step"] for r in rows] == ["1", "2"]
    assert {
        "reward",
        "reward_acc_sem_reward",
        "reward_interval_iou_reward",
        "kl",
        "unparsed",
        "t_generate",
        "t_logprobs",
    } <= set(rows[0])
    assert (out / "model" / "adapter_model.safetensors").exists() and not (out / "model" / "model.safetensors").exists()
    record = json.loads((out / "model" / "sqa_grpo.json").read_text())
    assert record["bytes_written"] > 0 and record["checkpoint_bytes_removed"] > 0
    assert not list(out.glob("checkpoint-*"))  # the run is complete: its checkpoints are gone


def test_resume_continues_from_checkpoint(small_model, corpus, tmp_path, monkeypatch):
    """A run interrupted after step 1 (checkpoint-1 on disk, no final model) redoes only step 2."""
    import sqa.train.grpo as grpo_module
    from sqa.data import load_qualispeech

    examples = load_qualispeech(corpus, "train")
    out = tmp_path / "grpo"
    cfg = GRPOConfig(
        init=str(small_model),
        out_dir=str(out),
        rewards=["iou"],
        steps=2,
        group_size=2,
        batch_size=2,
        max_new_tokens=4,
        lora_rank=8,
        save_every=1,
    )
    calls = []
    real_step = grpo_module.grpo_step

    def crash_at_step_2(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("simulated crash")
        return real_step(*a, **k)

    monkeypatch.setattr(grpo_module, "grpo_step", crash_at_step_2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        sqa.train.run_grpo(cfg, examples=examples, progress=False)
    assert (out / "checkpoint-1" / "state.pt").exists() and not (out / "model").exists()
    calls.clear()
    monkeypatch.setattr(grpo_module, "grpo_step", lambda *a, **k: calls.append(1) or real_step(*a, **k))
    sqa.train.run_grpo(cfg, examples=examples, progress=False)
    assert len(calls) == 1
    steps = [r["step"] for r in csv.DictReader((out / "reward_curve.csv").open())]
    assert steps == ["1", "2"] and (out / "model" / "config.json").exists()
