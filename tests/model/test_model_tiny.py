"""The tiny AF3: loadable as a normal HF dir, deterministic, consistent audio window, small."""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from transformers import AudioFlamingo3ForConditionalGeneration, AutoProcessor

from sqa.model import build_tiny_model
from sqa.model.tiny import TINY_HOP_LENGTH, TINY_WINDOW_SECONDS, train_tokenizer
from sqa.schema.prompts import calibration_prompt


def _digest(path):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


def test_loads_with_auto_classes(tiny_dir):
    processor = AutoProcessor.from_pretrained(tiny_dir)
    model = AudioFlamingo3ForConditionalGeneration.from_pretrained(tiny_dir)
    assert type(processor).__name__ == "AudioFlamingo3Processor"
    assert (
        model.config.audio_token_id == processor.audio_token_id == processor.tokenizer.convert_tokens_to_ids("<sound>")
    )
    n = sum(p.numel() for p in model.parameters())
    assert 1_000_000 < n < 10_000_000, n


def test_tokenizer_vocab_digits_and_chatml(tiny_dir):
    tok = AutoProcessor.from_pretrained(tiny_dir).tokenizer
    assert 500 <= len(tok) <= 3000
    assert tok.tokenize("12345") == list("12345")
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    ids = tok("<|im_start|>user\n<sound><sound>hi<|im_end|>")["input_ids"]
    assert (
        ids[:1] == [tok.convert_tokens_to_ids("<|im_start|>")] and ids.count(tok.convert_tokens_to_ids("<sound>")) == 2
    )
    # the prompts it was trained on compress well: about one token per word
    prompt = calibration_prompt("noise")
    assert len(tok(prompt)["input_ids"]) < 1.6 * len(prompt.split())


def test_window_is_consistent_between_processor_and_encoder(tiny_dir):
    processor = AutoProcessor.from_pretrained(tiny_dir)
    model = AudioFlamingo3ForConditionalGeneration.from_pretrained(tiny_dir)
    fe = processor.feature_extractor
    assert fe.chunk_length == TINY_WINDOW_SECONDS and fe.hop_length == TINY_HOP_LENGTH
    frames = fe.chunk_length * fe.sampling_rate // fe.hop_length
    assert model.config.audio_config.max_source_positions == frames // 2
    full = np.zeros(fe.chunk_length * fe.sampling_rate, dtype=np.float32) + 0.01
    batch = processor(text=["<sound>"], audio=[full])
    n_tokens = int((batch["input_ids"] == model.config.audio_token_id).sum())
    assert n_tokens == frames // 4
    with torch.no_grad():  # the encoder accepts the window and yields exactly that many frames
        feats = model.get_audio_features(batch["input_features"], batch["input_features_mask"]).pooler_output
    assert feats.shape[0] == n_tokens


def test_paper_window_keeps_30_seconds(tmp_path):
    path = build_tiny_model(
        tmp_path / "w30", window_seconds=30, hop_length=160, sizes={"text": {"num_hidden_layers": 1}}
    )
    processor = AutoProcessor.from_pretrained(path)
    config = AudioFlamingo3ForConditionalGeneration.from_pretrained(path).config
    assert processor.feature_extractor.nb_max_frames == 3000
    assert config.audio_config.max_source_positions == 1500  # as nvidia/audio-flamingo-3-hf


def test_build_is_deterministic(tiny_dir, tmp_path):
    again = build_tiny_model(tmp_path / "again", seed=0)
    assert _digest(again) == _digest(tiny_dir)
    other = build_tiny_model(tmp_path / "other", seed=1)
    assert _digest(other)["model.safetensors"] != _digest(tiny_dir)["model.safetensors"]


def test_train_tokenizer_splits_digits_and_keeps_special_ids():
    tok = train_tokenizer(["Noise: 4", "Rate 1 to 5"] * 10, vocab_size=300)
    assert tok.tokenize("Noise: 45")[-2:] == ["4", "5"]
    assert tok.convert_tokens_to_ids(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<sound>"]) == [0, 1, 2, 3]
    assert tok.decode(tok("Noise: 45 ünïcode")["input_ids"]) == "Noise: 45 ünïcode"  # byte-level: lossless
