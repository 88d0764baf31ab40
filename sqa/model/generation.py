"""Batched generation with AF3 (KV cache on, audio encoded once per prompt at prefill).

``generate_texts`` is what evaluation and ``python -m sqa assess`` use; GRPO builds on
:func:`sqa.model.prompt_batch` + :func:`generate_ids` and runs its own log-prob passes.

Several completions per prompt (``num_return_sequences``) are made by repeating the prompt rows (and
their audio windows) before ``generate``: transformers' own expansion repeats ``input_features`` row by
row, which misassigns windows when a clip spans more than one.

``decode_cache`` (the profile's field of that name) picks the KV cache: ``"dynamic"`` (transformers'
default, eager) or ``"static"``: a pre-allocated cache (``cache_implementation="static"``) whose decoding
step transformers compiles with ``torch.compile`` on CUDA (CUDA graphs; not on CPU, where the tokens are
the same as eager ones: see the tests). A compiled step is specialised to its shapes, so prompts are
left-padded to a multiple of :data:`PROMPT_BUCKET` tokens and the last batch is filled up to
``batch_size`` rows: one compilation per (bucket, batch size, max_new_tokens) instead of one per batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from sqa.model.batching import end_of_turn_id, prompt_batch
from sqa.model.precision import autocast, to_model

DECODE_CACHES = ("dynamic", "static")
PROMPT_BUCKET = 64
"""Prompt lengths are padded to a multiple of this under a static cache (fewer recompilations)."""


def check_decode_cache(decode_cache: str) -> str:
    """``decode_cache`` if it is one of :data:`DECODE_CACHES`, else a one-line ValueError.

    >>> check_decode_cache("static")
    'static'
    """
    if decode_cache not in DECODE_CACHES:
        raise ValueError(f"decode_cache must be one of {DECODE_CACHES}, got {decode_cache!r}")
    return decode_cache


def pad_to_bucket(batch, pad_token_id: int, multiple: int = PROMPT_BUCKET):
    """``batch`` with ``input_ids`` / ``attention_mask`` LEFT-padded to a multiple of ``multiple`` columns.

    >>> b = pad_to_bucket({"input_ids": torch.ones(2, 5, dtype=torch.long),
    ...                    "attention_mask": torch.ones(2, 5, dtype=torch.long)}, 0, multiple=4)
    >>> b["input_ids"].tolist()[0], b["attention_mask"].tolist()[0]
    ([0, 0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1])
    """
    extra = (-batch["input_ids"].shape[1]) % multiple
    if not extra:
        return batch
    out = dict(batch)
    out["input_ids"] = torch.nn.functional.pad(batch["input_ids"], (extra, 0), value=pad_token_id)
    out["attention_mask"] = torch.nn.functional.pad(batch["attention_mask"], (extra, 0), value=0)
    return out


def generate_ids(
    model,
    processor,
    batch,
    max_new_tokens: int = 64,
    do_sample: bool = False,
    temperature: float = 1.0,
    decode_cache: str = "dynamic",
    **generate_kwargs,
) -> torch.Tensor:
    """Completion token ids ``[B, T]`` for a :func:`prompt_batch` (prompt columns cut off).

    Rows are padded after their end-of-turn token with the pad id (``generate``'s behaviour).
    Floating tensors of the batch (the audio features) take the model's compute dtype, so a bf16 model
    runs on the processor's float32 features; integer tensors (ids, masks) keep theirs. A bf16/fp16
    model generates under autocast (float32 master weights mid-training; :mod:`sqa.model.precision`).
    """
    eot = end_of_turn_id(processor)
    pad = processor.tokenizer.pad_token_id
    batch = to_model(batch, model)
    kwargs = dict(
        max_new_tokens=max_new_tokens,
        do_sample=do_sample,
        eos_token_id=eot,
        pad_token_id=eot if pad is None else pad,
        use_cache=True,
    )
    if check_decode_cache(decode_cache) == "static":
        batch = pad_to_bucket(batch, kwargs["pad_token_id"])
        kwargs["cache_implementation"] = "static"  # transformers compiles the decoding step on CUDA
    if do_sample:
        kwargs["temperature"] = temperature
    else:  # greedy: neutralise sampling settings a checkpoint's generation_config may carry
        kwargs.update(temperature=None, top_p=None, top_k=None)
    kwargs.update(generate_kwargs)
    with autocast(model):
        out = model.generate(**batch, **kwargs)
    return out[:, batch["input_ids"].shape[1] :]


def decode(processor, completion_ids: torch.Tensor) -> list[str]:
    """Completion texts without special tokens (end of turn, padding), stripped."""
    return [t.strip() for t in processor.tokenizer.batch_decode(completion_ids, skip_special_tokens=True)]


@torch.inference_mode()
def generate_texts(
    model,
    processor,
    audios: Sequence[np.ndarray],
    prompts: Sequence[str],
    max_new_tokens: int = 64,
    do_sample: bool = False,
    temperature: float = 1.0,
    num_return_sequences: int = 1,
    batch_size: int = 8,
    sampling_rate: int = 16000,
    progress: bool = False,
    decode_cache: str = "dynamic",
    **generate_kwargs,
) -> list[str]:
    """Answers of ``model`` for each (audio, prompt); ``num_return_sequences`` per prompt, consecutive.

    Items are processed in batches of ``batch_size`` rows sorted by audio length (less padding), and
    returned in input order: ``out[i * n + j]`` is the ``j``-th answer to item ``i``. ``decode_cache``:
    see the module docstring (``"static"`` fills the last batch up with copies of its last row).
    """
    if len(audios) != len(prompts):
        raise ValueError(f"sqa.model.generate_texts: {len(audios)} audios vs {len(prompts)} prompts")
    n = int(num_return_sequences)
    rows = [(i, j) for i in np.argsort([len(a) for a in audios], kind="stable") for j in range(n)]
    out: list[str] = [""] * (len(audios) * n)
    was_training = model.training
    model.eval()
    starts = range(0, len(rows), batch_size)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="generate", unit="batch")
    try:
        for s in starts:
            chunk = rows[s : s + batch_size]
            filled = chunk + chunk[-1:] * (batch_size - len(chunk)) if decode_cache == "static" else chunk
            batch = prompt_batch(
                processor, [audios[i] for i, _ in filled], [prompts[i] for i, _ in filled], sampling_rate
            )
            ids = generate_ids(
                model,
                processor,
                batch,
                max_new_tokens=max_new_tokens,
                do_sample=do_sample,
                temperature=temperature,
                decode_cache=decode_cache,
                **generate_kwargs,
            )
            for (i, j), text in zip(chunk, decode(processor, ids)):
                out[i * n + j] = text
    finally:
        model.train(was_training)
    return out
