"""Batches for any backbone (AF3, Qwen2-Audio): chat template, audio features, labels on the answer tokens only.

Two kinds of batch, both ``BatchFeature``s with ``input_ids``, ``attention_mask``, ``input_features``
(one row per audio *window*, see below) and its mask (``input_features_mask`` for AF3,
``feature_attention_mask`` for Qwen2-Audio: ``Backbone.feature_mask_key``):

* :func:`prompt_batch` (= :func:`build_batch` without answers): the user turn (audio + prompt) and the
  opened assistant turn, LEFT-padded, ready for ``model.generate`` and for log-prob passes on
  completions appended to it (use ``position_ids = attention_mask.cumsum(-1) - 1`` there, as
  ``generate`` does).
* :func:`build_batch` with answers: the whole exchange, RIGHT-padded (so plain ``arange`` positions of
  the forward pass equal the positions ``generate`` uses), with ``labels`` = ``-100`` everywhere except
  the answer tokens and the end-of-turn token closing them. AF3's own ``output_labels=True`` masks only
  audio and padding, not the prompt: we do not use it.

Audio: float32 mono at the processor's rate (16 kHz). AF3's processor cuts a clip into windows of
``feature_extractor.chunk_length`` seconds (30 s for AF3, 8 s for the tiny model), pads each to the full
window, and encodes every window separately; the clip's ``<sound>`` placeholders are the windows' frames
concatenated. ``input_features`` therefore has :func:`audio_windows` rows per clip, in clip order.
Audio beyond ``processor.max_audio_len`` seconds is truncated by the processor (with a warning).
Qwen2-Audio's processor reads one window per clip and cuts the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from sqa.model.backbones import backbone_of
from sqa.model.chat import conversation

IGNORE_INDEX = -100


def end_of_turn_id(processor) -> int:
    """Id of the backbone's end of turn (``<|im_end|>``: closes every answer), else the tokenizer's eos."""
    tok = processor.tokenizer
    tid = tok.convert_tokens_to_ids(backbone_of(processor).end_of_turn)
    if tid is None or tid == tok.unk_token_id:
        tid = tok.eos_token_id
    return int(tid)


def render_prompt(processor, prompt: str) -> str:
    """The chat text of a user turn (one audio placeholder) with the assistant turn opened."""
    return processor.apply_chat_template(
        conversation(prompt, backbone=backbone_of(processor)), tokenize=False, add_generation_prompt=True
    )


def render_exchange(processor, prompt: str, answer: str) -> str:
    """The chat text of the user turn and the assistant's ``answer`` (closed by the end-of-turn token)."""
    return processor.apply_chat_template(conversation(prompt, answer, backbone=backbone_of(processor)), tokenize=False)


def audio_windows(processor, audios: Sequence[np.ndarray], sampling_rate: int = 16000) -> list[int]:
    """How many feature windows (rows of ``input_features``) each clip takes, as the processor cuts them."""
    return backbone_of(processor).audio_windows(processor, audios, sampling_rate)


def _check(processor, audios, prompts, answers, sampling_rate) -> list[np.ndarray]:
    if len(audios) != len(prompts) or (answers is not None and len(answers) != len(prompts)):
        n_ans = "" if answers is None else f", {len(answers)} answers"
        raise ValueError(f"sqa.model.build_batch: {len(audios)} audios, {len(prompts)} prompts{n_ans}: must match")
    if not len(audios):
        raise ValueError("sqa.model.build_batch: empty batch")
    expected = processor.feature_extractor.sampling_rate
    if sampling_rate != expected:
        raise ValueError(
            f"sqa.model.build_batch: audio at {sampling_rate} Hz, the processor expects {expected} Hz "
            "(load it with sqa.data.load_audio(path, sr=16000))"
        )
    out = []
    for i, a in enumerate(audios):
        a = np.asarray(a, dtype=np.float32)
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"sqa.model.build_batch: audio {i} must be a non-empty mono 1-D array, got {a.shape}")
        out.append(a)
    return out


def prompt_batch(processor, audios: Sequence[np.ndarray], prompts: Sequence[str], sampling_rate: int = 16000):
    """LEFT-padded prompt-only batch: ``input_ids``, ``attention_mask``, ``input_features``, ``input_features_mask``.

    ``model.generate(**prompt_batch(...))`` continues every row from the opened assistant turn; the
    generated tokens start at column ``batch["input_ids"].shape[1]``.
    """
    audios = _check(processor, audios, prompts, None, sampling_rate)
    texts = [render_prompt(processor, p) for p in prompts]
    return processor(
        text=texts,
        audio=audios,
        sampling_rate=sampling_rate,
        padding_side="left",
        **backbone_of(processor).processor_kwargs,
    )


def prompt_inputs(processor, audios, prompt: str, text_only: bool = False, device="cpu"):
    """Processor outputs for B generation prompts (left-padded); ``text_only`` leaves the audio out
    (Omni-R1's text-only diagnostic: no ``<sound>`` placeholders at all, not zeroed audio)."""
    if text_only:
        turns = [[{"role": "user", "content": [{"type": "text", "text": prompt}]}]] * len(audios)
        texts = processor.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
        inputs = processor.tokenizer(texts, padding=True, padding_side="left", return_tensors="pt")
    else:
        inputs = prompt_batch(processor, list(audios), [prompt] * len(audios))
    inputs.pop("num_audio_tokens", None)
    return inputs.to(device)


def _answer_span(tokenizer, prompt_text: str, full_text: str, eot: int) -> tuple[list[int], int]:
    """The answer's token ids (end-of-turn included) and the number of tokens after them in ``full_text``."""
    if not full_text.startswith(prompt_text):
        raise ValueError(
            "sqa.model.build_batch: the chat template does not render the exchange as the prompt "
            f"followed by the answer:\n{prompt_text!r}\nvs\n{full_text!r}"
        )
    p_ids = tokenizer(prompt_text)["input_ids"]
    f_ids = tokenizer(full_text)["input_ids"]
    if f_ids[: len(p_ids)] != p_ids:
        raise ValueError(f"sqa.model.build_batch: prompt tokens change when the answer follows: {prompt_text!r}")
    rest = f_ids[len(p_ids) :]
    if eot not in rest:
        raise ValueError(f"sqa.model.build_batch: no end-of-turn token ({eot}) after the answer in {full_text!r}")
    end = rest.index(eot) + 1
    return rest[:end], len(rest) - end


def build_batch(
    processor,
    audios: Sequence[np.ndarray],
    prompts: Sequence[str],
    answers: Sequence[str] | None = None,
    sampling_rate: int = 16000,
):
    """A batch for AF3 from raw audio, prompts and (for training) answers; see the module docstring.

    Without ``answers``: :func:`prompt_batch` (left padding, for generation). With ``answers``:
    right-padded full exchanges with ``labels`` on exactly the answer tokens + the end-of-turn token.
    """
    if answers is None:
        return prompt_batch(processor, audios, prompts, sampling_rate)
    audios = _check(processor, audios, prompts, answers, sampling_rate)
    tok, eot = processor.tokenizer, end_of_turn_id(processor)
    full_texts, spans = [], []
    for prompt, answer in zip(prompts, answers):
        prompt_text, full_text = render_prompt(processor, prompt), render_exchange(processor, prompt, answer)
        full_texts.append(full_text)
        spans.append(_answer_span(tok, prompt_text, full_text, eot))
    batch = processor(
        text=full_texts,
        audio=audios,
        sampling_rate=sampling_rate,
        padding_side="right",
        **backbone_of(processor).processor_kwargs,
    )
    ids = batch["input_ids"]
    labels = torch.full_like(ids, IGNORE_INDEX)
    lengths = batch["attention_mask"].sum(-1).tolist()
    for row, ((answer_ids, n_tail), length) in enumerate(zip(spans, lengths)):
        stop = int(length) - n_tail
        start = stop - len(answer_ids)
        if ids[row, start:stop].tolist() != answer_ids:  # tokenization differs once audio is expanded
            raise ValueError(f"sqa.model.build_batch: answer tokens not found at the end of row {row}")
        labels[row, start:stop] = ids[row, start:stop]
    batch["labels"] = labels
    return batch
