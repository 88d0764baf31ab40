"""build_batch / prompt_batch: chat template, audio windows, labels on exactly the answer tokens."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from transformers import AutoProcessor

from sqa.model import IGNORE_INDEX, audio_windows, build_batch, load_model, prompt_batch

PROMPTS = ["Rate the background noise of this speech.", "Rate it.", "Assess the quality of this speech."]
ANSWERS = ["4", "2", "Noise: 3\nDistortion: 5\nDescription: A hum 0.5-1.7s."]


@pytest.fixture(scope="module")
def processor(tiny_dir):
    return AutoProcessor.from_pretrained(tiny_dir)


def test_labels_are_exactly_answer_and_end_of_turn(processor, audios):
    batch = build_batch(processor, audios, PROMPTS, ANSWERS)
    tok = processor.tokenizer
    eot = tok.convert_tokens_to_ids("<|im_end|>")
    for row, answer in enumerate(ANSWERS):
        labels, ids = batch["labels"][row], batch["input_ids"][row]
        kept = labels != IGNORE_INDEX
        want = tok(answer)["input_ids"] + [eot]
        assert labels[kept].tolist() == want
        assert torch.equal(labels[kept], ids[kept])
        positions = kept.nonzero().flatten()
        assert positions.tolist() == list(range(positions[0], positions[0] + len(want)))  # one contiguous span
        audio = ids == processor.audio_token_id
        assert not (kept & audio).any() and not (kept & (batch["attention_mask"][row] == 0)).any()
        # what precedes the answer is the user turn (prompt, then audio) and the opened assistant turn
        before = tok.decode(ids[: positions[0]][batch["attention_mask"][row][: positions[0]] == 1])
        assert before.startswith("<|im_start|>user\n" + PROMPTS[row] + "<sound>")
        assert before.endswith("<sound><|im_end|>\n<|im_start|>assistant\n")


def test_training_batch_is_right_padded_and_prompt_batch_left_padded(processor, audios):
    train = build_batch(processor, audios, PROMPTS, ANSWERS)
    prompt = prompt_batch(processor, audios, PROMPTS)
    assert set(prompt) == {"input_ids", "attention_mask", "input_features", "input_features_mask"}
    assert (train["attention_mask"][:, 0] == 1).all() and (train["attention_mask"][:, -1] == 0).any()
    assert (prompt["attention_mask"][:, -1] == 1).all() and (prompt["attention_mask"][:, 0] == 0).any()
    assert build_batch(processor, audios, PROMPTS).keys() == prompt.keys()
    assert processor.tokenizer.decode(prompt["input_ids"][0, -3:]) == "<|im_start|>assistant\n"


def test_audio_placeholders_and_windows(processor, audios):
    batch = prompt_batch(processor, audios, PROMPTS)
    windows = audio_windows(processor, audios)
    assert windows == [1, 1, 2]  # 11 s spans two 8 s windows
    assert batch["input_features"].shape[0] == sum(windows)
    fe = processor.feature_extractor
    per_second = fe.sampling_rate / fe.hop_length / 4  # conv stride 2, pooling 2
    counts = (batch["input_ids"] == processor.audio_token_id).sum(1).tolist()
    for n, audio in zip(counts, audios):
        assert abs(n - len(audio) / fe.sampling_rate * per_second) <= 1


def test_loss_is_mean_nll_of_answer_tokens(tiny_dir, audios):
    model, processor = load_model(tiny_dir, lora_rank=0)
    model.eval()
    batch = build_batch(processor, audios, PROMPTS, ANSWERS)
    with torch.no_grad():
        out = model(**batch)
    logits, labels = out.logits[:, :-1], batch["labels"][:, 1:]
    kept = labels != IGNORE_INDEX
    manual = F.cross_entropy(logits[kept], labels[kept])
    assert torch.allclose(out.loss, manual, atol=1e-5)


def test_bad_inputs_are_clear_errors(processor, audios):
    with pytest.raises(ValueError, match="must match"):
        build_batch(processor, audios, PROMPTS[:2])
    with pytest.raises(ValueError, match="must match"):
        build_batch(processor, audios, PROMPTS, ANSWERS[:1])
    with pytest.raises(ValueError, match="16000 Hz"):
        build_batch(processor, audios, PROMPTS, sampling_rate=8000)
    with pytest.raises(ValueError, match="mono"):
        build_batch(processor, [np.zeros((2, 100), np.float32)], ["x"])
