"""generate_texts / generate_ids: batched greedy equals one-by-one, sequence grouping, sampling."""

from __future__ import annotations

import pytest
import torch

from sqa.model import decode, generate_ids, generate_texts, load_model, prompt_batch


@pytest.fixture(scope="module")
def model_and_processor(tiny_dir):
    model, processor = load_model(tiny_dir, lora_rank=0)
    torch.manual_seed(3)  # a random model with sharper logits: greedy answers differ between clips
    with torch.no_grad():
        model.lm_head.weight.mul_(20)
    return model, processor


def test_batched_greedy_equals_one_by_one(model_and_processor, audios):
    model, processor = model_and_processor
    prompts = ["Rate the noise.", "Rate the distortion of this speech.", "Rate it."]
    batched = generate_texts(model, processor, audios, prompts, max_new_tokens=6, batch_size=3)
    single = [generate_texts(model, processor, [a], [p], max_new_tokens=6)[0] for a, p in zip(audios, prompts)]
    assert batched == single
    assert len(set(batched)) > 1


def test_several_sequences_per_prompt_are_grouped(model_and_processor, audios):
    model, processor = model_and_processor
    prompts = ["Rate the noise."] * 3
    greedy = generate_texts(model, processor, audios, prompts, max_new_tokens=4)
    out = generate_texts(model, processor, audios, prompts, max_new_tokens=4, num_return_sequences=2, batch_size=4)
    assert len(out) == 6
    assert out[0::2] == greedy and out[1::2] == greedy  # greedy: the copies agree, in input order
    torch.manual_seed(0)
    s1 = generate_texts(model, processor, audios, prompts, max_new_tokens=4, do_sample=True, num_return_sequences=2)
    torch.manual_seed(0)
    s2 = generate_texts(model, processor, audios, prompts, max_new_tokens=4, do_sample=True, num_return_sequences=2)
    assert s1 == s2


def test_generate_ids_cuts_the_prompt_and_keeps_train_mode(model_and_processor, audios):
    model, processor = model_and_processor
    batch = prompt_batch(processor, audios[:2], ["Rate the noise."] * 2)
    ids = generate_ids(model, processor, batch, max_new_tokens=3)
    assert ids.shape == (2, 3) or (ids.shape[0] == 2 and ids.shape[1] <= 3)
    assert not (ids == processor.audio_token_id).any()
    assert decode(processor, ids) == generate_texts(
        model, processor, audios[:2], ["Rate the noise."] * 2, max_new_tokens=3
    )
    model.train()
    generate_texts(model, processor, audios[:1], ["x"], max_new_tokens=1)
    assert model.training
    model.eval()


def test_bfloat16_model_generates_from_float32_features(tiny_dir, audios):
    """The processor gives float32 features; generate_ids casts them to a bf16 model's dtype (conv1 fails otherwise)."""
    model, processor = load_model(tiny_dir, lora_rank=None, dtype="bfloat16")
    assert next(model.parameters()).dtype == torch.bfloat16
    batch = prompt_batch(processor, audios[:2], ["Rate the noise."] * 2)
    assert batch["input_features"].dtype == torch.float32
    ids_dtype = batch["input_ids"].dtype
    with torch.inference_mode():
        ids = generate_ids(model, processor, batch, max_new_tokens=3, min_new_tokens=3)
    assert ids.shape == (2, 3) and ids.dtype == ids_dtype
    assert batch["input_features"].dtype == torch.float32  # the caller's batch is left as it was
    assert len(generate_texts(model, processor, audios[:1], ["Rate it."], max_new_tokens=3)) == 1


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_static_cache_greedy_tokens_equal_eager(model_and_processor, audios, dtype):
    """decode_cache="static" (bucketed prompt, last batch filled up, pre-allocated cache) writes the same
    greedy tokens as the dynamic cache, in float32 and in bfloat16 (the paper's numerics) on CPU."""
    model, processor = model_and_processor
    prompts = ["Rate the noise.", "Rate the distortion of this speech.", "Rate it."]
    model.to(dtype)
    try:
        eager = generate_texts(model, processor, audios, prompts, max_new_tokens=12, batch_size=2)
        static = generate_texts(
            model, processor, audios, prompts, max_new_tokens=12, batch_size=2, decode_cache="static"
        )
        batch = prompt_batch(processor, audios[:2], prompts[:2])
        ids = generate_ids(model, processor, batch, max_new_tokens=12)
        ids_static = generate_ids(model, processor, batch, max_new_tokens=12, decode_cache="static")
    finally:
        model.to(torch.float32)
    assert static == eager and len(set(eager)) > 1
    assert torch.equal(ids, ids_static)
    with pytest.raises(ValueError, match="decode_cache must be one of"):
        generate_ids(model, processor, batch, decode_cache="paged")
