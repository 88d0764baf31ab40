"""The backbone registry: detection from a checkpoint, the profile's choice checked, the tiny Qwen2-Audio
built like the tiny AF3, and each backbone's audio features equal to what its own forward pass uses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sqa.model import BACKBONES, backbone_of, build_batch, get_backbone, load_model, prompt_inputs
from sqa.train.logprobs import embed_prompts


def test_registry_and_detection(tiny_dir, small_qwen2_audio):
    assert set(BACKBONES) == {"af3", "qwen2_audio"}
    assert backbone_of(tiny_dir).name == "af3" and backbone_of(small_qwen2_audio).name == "qwen2_audio"
    assert backbone_of("nvidia/audio-flamingo-3-hf").name == "af3"  # known hub ids need no download
    with pytest.raises(ValueError, match="unknown backbone 'salmonn'"):
        get_backbone("salmonn")


def test_profile_backbone_must_match_the_checkpoint(small_qwen2_audio):
    with pytest.raises(ValueError, match="a qwen2_audio checkpoint, but the profile names backbone 'af3'"):
        load_model(small_qwen2_audio, lora_rank=0, backbone="af3")


@pytest.mark.parametrize("backbone", ["af3", "qwen2_audio"])
def test_audio_features_are_what_the_model_itself_uses(request, backbone):
    """Our one-encoding path (backbone.audio_features scattered by embed_prompts) gives the logits of the
    model's own forward on the processor outputs, and the features depend on the clip."""
    model_dir = request.getfixturevalue("tiny_dir" if backbone == "af3" else "small_qwen2_audio")
    model, processor = load_model(model_dir, lora_rank=0)
    model.eval()
    rng = np.random.default_rng(0)
    clips = [(0.1 * rng.standard_normal(int(16000 * s))).astype(np.float32) for s in (1.5, 3.0)]
    inputs = prompt_inputs(processor, clips, "Rate the noise.")
    with torch.no_grad():
        own = model(**inputs).logits
        ours = model(inputs_embeds=embed_prompts(model, inputs), attention_mask=inputs["attention_mask"]).logits
    assert (own - ours).abs().max() <= 1e-5
    batch = build_batch(processor, clips, ["Rate it."] * 2, ["4", "2"])
    assert [int((row != -100).sum()) for row in batch["labels"]] == [2, 2]  # the digit and the end of turn


def test_tiny_qwen2_audio_speaks_its_own_chat_format(small_qwen2_audio):
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(small_qwen2_audio)
    text = processor.tokenizer.decode(
        prompt_inputs(processor, [np.zeros(16000, np.float32)], "Rate it.")["input_ids"][0]
    )
    assert text.startswith(
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nAudio 1: <|audio_bos|><|AUDIO|>"
    )
    assert text.endswith("<|audio_eos|>\nRate it.<|im_end|>\n<|im_start|>assistant\n")


def test_qwen2_audio_in_bfloat16_reads_float32_features(small_qwen2_audio):
    """The paper's numerics (bf16 weights, LoRA on the LLM) on the second backbone: the processor's float32
    features go through the bf16 encoder, log-probs are finite and still depend on the audio, greedy
    generation runs."""
    from sqa.model import generate_texts
    from sqa.train.logprobs import sequence_logprobs

    model, processor = load_model(small_qwen2_audio, lora_rank=8, dtype="bfloat16")
    model.eval()
    rng = np.random.default_rng(1)
    clips = [[(0.2 * rng.standard_normal(16000 * 2)).astype(np.float32)] for _ in range(2)]
    ids = torch.randint(4, len(processor.tokenizer), (1, 6), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = (sequence_logprobs(model, prompt_inputs(processor, c, "Rate it."), ids) for c in clips)
    assert a.dtype == torch.float32 and torch.isfinite(a).all()
    assert (a - b).abs().max() > 0
    assert len(generate_texts(model, processor, clips[0], ["Rate it."], max_new_tokens=3)) == 1
