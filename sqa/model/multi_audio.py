"""Prompts with any number of clips (a comparison has two) for the local model: chat text, batches, answers.

A task prompt marks where each clip goes with ``<audio>`` (SpeechEval's layout: ``Sample A: <audio> Sample B:
<audio> Compare ...``); the user turn is then the prompt's text pieces with an audio item in each slot. A prompt
without ``<audio>`` takes one clip placed as the backbone places it (:func:`sqa.model.chat.user_turn`): the
one-clip rows of the multi-task model are exactly the batches of :func:`sqa.model.build_batch`.

AF3's processor checks one audio per text, although the model itself fills the ``<sound>`` positions of a
batch with every clip's frames in order. A batch with a row of more than one clip is therefore processed
with that check replaced by the base check (the number of ``<sound>`` placeholders equals the number of
clips). Only AF3 takes several clips here; vLLM's AF3 takes one audio per prompt, so a served pair model is
not possible (:func:`check_served`).

>>> [item["type"] for item in task_turn("Sample A: <audio> Sample B: <audio> Compare.", 2)["content"]]
['text', 'audio', 'text', 'audio', 'text']
>>> task_turn("Rate it.", 1)["content"]
[{'type': 'text', 'text': 'Rate it.'}, {'type': 'audio'}]
>>> check_served("compare", "http://127.0.0.1:8000/v1#af3")
Traceback (most recent call last):
...
ValueError: task compare takes 2 clips in one prompt, but the served model http://127.0.0.1:8000/v1#af3 takes one \
audio per prompt (vLLM's AF3): use a local checkpoint (--model runs/<profile>/tasks/model)
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence

import numpy as np
import torch

from sqa.model.backbones import backbone_of, get_backbone
from sqa.model.batching import IGNORE_INDEX, _answer_span, end_of_turn_id
from sqa.model.generation import decode, generate_ids
from sqa.model.precision import autocast, to_model

AUDIO_SLOT = "<audio>"
"""Where a clip goes in a task prompt (SpeechEval's placeholder)."""


def task_turn(prompt: str, n_audios: int, backbone=None) -> dict:
    """The user turn of ``prompt`` with ``n_audios`` clips (module doc); a one-line ValueError when the
    prompt's ``<audio>`` slots do not match or the backbone cannot take several clips."""
    bb = get_backbone(backbone)
    slots = prompt.count(AUDIO_SLOT)
    if slots == 0 and n_audios == 1:
        return bb.user_turn(prompt)
    if slots != n_audios:
        raise ValueError(f"task prompt has {slots} {AUDIO_SLOT} slot(s) for {n_audios} clip(s): {prompt[:60]!r}")
    if n_audios > 1 and bb.name != "af3":
        raise ValueError(f"{n_audios} clips in one prompt need the AF3 backbone, not {bb.name}")
    content: list[dict] = []
    for i, piece in enumerate(prompt.split(AUDIO_SLOT)):
        if piece:
            content.append({"type": "text", "text": piece})
        if i < n_audios:
            content.append({"type": "audio"})
    return {"role": "user", "content": content}


def check_served(task: str, model: str, n_audios: int = 2) -> None:
    """A served model (vLLM's AF3) takes one audio per prompt: a task of several clips is a one-line error."""
    if n_audios > 1:
        raise ValueError(
            f"task {task} takes {n_audios} clips in one prompt, but the served model {model} takes one "
            "audio per prompt (vLLM's AF3): use a local checkpoint (--model runs/<profile>/tasks/model)"
        )


def _texts(processor, prompts, n_audios, answers=None) -> list[str]:
    bb = backbone_of(processor)
    out = []
    for k, (prompt, n) in enumerate(zip(prompts, n_audios, strict=True)):
        turns = [task_turn(prompt, n, bb)]
        if answers is not None:
            turns.append({"role": "assistant", "content": [{"type": "text", "text": answers[k]}]})
        out.append(processor.apply_chat_template(turns, tokenize=False, add_generation_prompt=answers is None))
    return out


@contextlib.contextmanager
def _several_audios_per_text(processor, several: bool):
    """Replace AF3's one-audio-per-text check by the base processor's placeholder count (module doc)."""
    if not several:
        yield
        return
    from transformers.processing_utils import ProcessorMixin

    processor.validate_inputs = functools.partial(ProcessorMixin.validate_inputs, processor)
    try:
        yield
    finally:
        del processor.validate_inputs


def _flat_audios(processor, rows: Sequence[Sequence[np.ndarray]], sampling_rate: int) -> list[np.ndarray]:
    expected = processor.feature_extractor.sampling_rate
    if sampling_rate != expected:
        raise ValueError(f"sqa.model.multi_audio: audio at {sampling_rate} Hz, the processor expects {expected} Hz")
    flat = []
    for r, clips in enumerate(rows):
        if not len(clips):
            raise ValueError(f"sqa.model.multi_audio: row {r} has no clip")
        for a in clips:
            a = np.asarray(a, dtype=np.float32)
            if a.ndim != 1 or a.size == 0:
                raise ValueError(f"sqa.model.multi_audio: row {r}: a clip must be a non-empty mono 1-D array")
            flat.append(a)
    return flat


def task_batch(
    processor,
    rows: Sequence[Sequence[np.ndarray]],
    prompts: Sequence[str],
    answers: Sequence[str] | None = None,
    sampling_rate: int = 16000,
):
    """:func:`sqa.model.build_batch` for rows of one or more clips: without ``answers`` the LEFT-padded
    prompts (for ``generate``), with them the RIGHT-padded exchanges and ``labels`` on the answer tokens and
    the end-of-turn token only."""
    if len(rows) != len(prompts) or (answers is not None and len(answers) != len(prompts)):
        raise ValueError(f"sqa.model.multi_audio: {len(rows)} rows, {len(prompts)} prompts: must match")
    if not len(rows):
        raise ValueError("sqa.model.multi_audio: empty batch")
    flat = _flat_audios(processor, rows, sampling_rate)
    n_audios = [len(r) for r in rows]
    kwargs = dict(sampling_rate=sampling_rate, **backbone_of(processor).processor_kwargs)
    several = any(n != 1 for n in n_audios)
    if answers is None:
        with _several_audios_per_text(processor, several):
            return processor(text=_texts(processor, prompts, n_audios), audio=flat, padding_side="left", **kwargs)
    tok, eot = processor.tokenizer, end_of_turn_id(processor)
    prompt_texts, full_texts = _texts(processor, prompts, n_audios), _texts(processor, prompts, n_audios, answers)
    spans = [_answer_span(tok, p, f, eot) for p, f in zip(prompt_texts, full_texts, strict=True)]
    with _several_audios_per_text(processor, several):
        batch = processor(text=full_texts, audio=flat, padding_side="right", **kwargs)
    ids = batch["input_ids"]
    labels = torch.full_like(ids, IGNORE_INDEX)
    for row, ((answer_ids, n_tail), length) in enumerate(
        zip(spans, batch["attention_mask"].sum(-1).tolist(), strict=True)
    ):
        stop = int(length) - n_tail
        start = stop - len(answer_ids)
        if ids[row, start:stop].tolist() != answer_ids:
            raise ValueError(f"sqa.model.multi_audio: answer tokens not found at the end of row {row}")
        labels[row, start:stop] = ids[row, start:stop]
    batch["labels"] = labels
    return batch


@torch.inference_mode()
def generate_task_texts(
    model,
    processor,
    rows: Sequence[Sequence[np.ndarray]],
    prompts: Sequence[str],
    max_new_tokens: int = 64,
    batch_size: int = 8,
    sampling_rate: int = 16000,
) -> list[str]:
    """Greedy answers, in input order, for rows of one or more clips (batches of ``batch_size`` rows)."""
    was_training = model.training
    model.eval()
    out: list[str] = []
    try:
        for s in range(0, len(rows), batch_size):
            batch = task_batch(
                processor, rows[s : s + batch_size], prompts[s : s + batch_size], sampling_rate=sampling_rate
            )
            batch.pop("num_audio_tokens", None)
            out += decode(processor, generate_ids(model, processor, batch, max_new_tokens=max_new_tokens))
    finally:
        model.train(was_training)
    return out


@torch.inference_mode()
def word_logprobs(
    model,
    processor,
    rows: Sequence[Sequence[np.ndarray]],
    prompts: Sequence[str],
    prefixes: Sequence[str],
    words: Sequence[str],
    batch_size: int = 8,
    sampling_rate: int = 16000,
) -> list[dict[str, float]]:
    """Per row, ``{word: log P(word | prompt, prefix)}`` where the word starts after the answer's ``prefix``:
    the sum of the log-probabilities of the word's tokens (teacher forced; a word the tokenizer cuts into
    pieces is scored whole). A word whose tokens merge with the prefix's is left out of that row."""
    tok = processor.tokenizer
    was_training = model.training
    model.eval()
    out: list[dict[str, float]] = [{} for _ in rows]
    try:
        for s in range(0, len(rows), batch_size):
            idx = list(range(s, min(s + batch_size, len(rows))))
            heads = _texts(processor, [prompts[i] for i in idx], [len(rows[i]) for i in idx])
            for word in words:
                texts = [h + prefixes[i] + word for h, i in zip(heads, idx, strict=True)]
                n_word = []
                for h, i, t in zip(heads, idx, texts, strict=True):
                    head_ids, full_ids = tok(h + prefixes[i])["input_ids"], tok(t)["input_ids"]
                    n_word.append(len(full_ids) - len(head_ids) if full_ids[: len(head_ids)] == head_ids else 0)
                flat = _flat_audios(processor, [rows[i] for i in idx], sampling_rate)
                with _several_audios_per_text(processor, any(len(rows[i]) != 1 for i in idx)):
                    batch = processor(
                        text=texts,
                        audio=flat,
                        padding_side="right",
                        sampling_rate=sampling_rate,
                        **backbone_of(processor).processor_kwargs,
                    )
                batch.pop("num_audio_tokens", None)
                batch = to_model(batch, model)
                with autocast(model):
                    logits = model(**batch).logits.float()
                logp = torch.log_softmax(logits, -1)
                lengths = batch["attention_mask"].sum(-1).tolist()
                for k, (i, n) in enumerate(zip(idx, n_word, strict=True)):
                    if n <= 0:
                        continue
                    end = int(lengths[k])
                    targets = batch["input_ids"][k, end - n : end]
                    out[i][word] = float(logp[k, end - n - 1 : end - 1].gather(-1, targets[:, None]).sum())
    finally:
        model.train(was_training)
    return out
