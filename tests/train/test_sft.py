"""The shared SFT engine: config from a profile, the collator, learning what it is taught, reasoning items."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from sqa.data import load_qualispeech
from sqa.model import IGNORE_INDEX, generate_texts, load_model
from sqa.schema import render
from sqa.schema.prompts import REASONING_PROMPT
from sqa.train import SFTConfig, reasoning_items, run_sft, sft_reasoning, train_info
from sqa.train.sft import AudioChatCollator, SFTItems


def test_config_from_profile(profile, tmp_path):
    calib = SFTConfig.from_profile(profile, "calib", tmp_path, lr=None, steps=7)
    assert (calib.steps, calib.batch_size, calib.lr) == (7, profile.calib_batch_size, profile.calib_lr)
    sft = SFTConfig.from_profile(profile, "sft", tmp_path)
    assert (sft.steps, sft.lr, sft.lora_rank) == (profile.sft_steps, profile.sft_lr, profile.lora_rank)
    with pytest.raises(ValueError, match="unknown setting 'stepz'"):
        SFTConfig.from_profile(profile, "calib", tmp_path, stepz=3)
    with pytest.raises(ValueError, match="stage"):
        SFTConfig.from_profile(profile, "grpo", tmp_path)


def test_collator_batches_items_with_labels(corpus, small_model):
    _, processor = load_model(small_model, lora_rank=0)
    items = reasoning_items(load_qualispeech(corpus, "train"))[:2]
    rows = [SFTItems(items)[i] for i in range(2)]
    batch = AudioChatCollator(processor)(rows)
    assert {"input_ids", "attention_mask", "input_features", "input_features_mask", "labels"} <= set(batch)
    kept = batch["labels"][0] != IGNORE_INDEX
    assert processor.tokenizer.decode(batch["labels"][0][kept]) == items[0]["answer"] + "<|im_end|>"


def test_missing_item_keys_are_a_clear_error():
    with pytest.raises(ValueError, match="missing"):
        SFTItems([{"audio_path": "a.wav", "prompt": "x"}])


def test_learns_the_answers_it_is_taught(small_model, tmp_path):
    """Two clips (a tone, noise) with different answers: after a few dozen steps greedy decoding says them."""
    t = np.arange(16000 * 2) / 16000
    clips = {
        "tone.wav": 0.5 * np.sin(2 * np.pi * 440 * t),
        "noise.wav": 0.3 * np.random.default_rng(0).standard_normal(t.size),
    }
    answers = {"tone.wav": "Noise: 5", "noise.wav": "Noise: 1"}
    items = []
    for name, y in clips.items():
        sf.write(tmp_path / name, y.astype(np.float32), 16000)
        items.append({"audio_path": str(tmp_path / name), "prompt": "Rate the noise.", "answer": answers[name]})
    cfg = SFTConfig(
        out_dir=tmp_path / "run",
        steps=40,
        batch_size=2,
        lr=3e-3,
        lora_rank=0,
        warmup=0,
        scheduler="constant",
        progress=False,
        save_every=1000,
        logging_steps=10,
    )
    out = run_sft(cfg, small_model, items)
    model, processor = load_model(out, lora_rank=0)
    audio = [clips[n].astype(np.float32) for n in clips]
    assert generate_texts(model, processor, audio, ["Rate the noise."] * 2, max_new_tokens=8) == list(answers.values())
    losses = [h["loss"] for h in train_info(out)["log_history"] if "loss" in h]
    assert losses[-1] < 0.1 * losses[0]


def test_reasoning_stage_trains_on_rendered_answers(profile, corpus, small_model, tmp_path):
    examples = load_qualispeech(corpus, "train")
    items = reasoning_items(examples)
    assert [it["answer"] for it in items] == [render(ex.assessment) for ex in examples]
    assert {it["prompt"] for it in items} == {REASONING_PROMPT}
    out = sft_reasoning(
        profile, init=small_model, out_dir=tmp_path / "sft", steps=1, batch_size=2, lora_rank=4, progress=False
    )
    assert train_info(out)["settings"]["init"] == str(small_model)
    assert (out / "adapter_model.safetensors").exists() and not (
        out / "model.safetensors"
    ).exists()  # LoRA: adapter only
