"""Audio that really reaches the log-prob passes (README, *Known traps*: TRL's GRPOTrainer
forwards image inputs only, so audio placeholders silently stay text embeddings there).

``embed_prompts`` runs the audio encoder + projector ONCE per prompt (the backbone's
``audio_features``, :mod:`sqa.model.backbones`) and scatters the audio embeddings into the audio
placeholders; ``sequence_logprobs`` then shares those embeddings
across the G completions of each prompt, for the policy and for the reference alike.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sqa.model.backbones import BACKBONES, backbone_of
from sqa.model.loading import unwrap
from sqa.model.precision import compute_dtype


def audio_keys() -> tuple[str, ...]:
    """Processor outputs that carry audio, for every registered backbone (one registered later included)."""
    return tuple(dict.fromkeys(k for b in BACKBONES.values() for k in b.audio_keys))


def encode_audio(model, inputs) -> torch.Tensor | None:
    """The audio encoder + projector over every window of the batch: ``[n_audio_tokens, H]`` (or None)."""
    if inputs.get("input_features") is None:
        return None
    inputs = {**inputs, "input_features": inputs["input_features"].to(compute_dtype(model))}  # float32 -> bf16
    return backbone_of(model).audio_features(unwrap(model), inputs)


def embed_prompts(model, inputs, audio: torch.Tensor | None = None) -> torch.Tensor:
    """Prompt token embeddings with the audio features in place of the audio placeholders: ``[B, P, H]``.

    ``inputs`` are processor outputs for the prompts (``input_ids``, ``attention_mask`` and, unless the
    prompt is text-only, ``input_features`` + its mask). Each clip is encoded once; pass
    ``audio`` (from :func:`encode_audio`) to reuse an encoding, e.g. when only the token embeddings need
    a gradient.
    """
    base = unwrap(model)
    input_ids = inputs["input_ids"]
    embeds = model.get_input_embeddings()(input_ids)
    if inputs.get("input_features") is None:
        return embeds
    audio = (encode_audio(model, inputs) if audio is None else audio).to(embeds.dtype)
    placeholder = (input_ids == base.config.audio_token_id).unsqueeze(-1).expand_as(embeds)
    if int(placeholder.sum()) != audio.numel():
        raise ValueError(
            f"{int(placeholder[..., 0].sum())} audio placeholders but {audio.shape[0]} audio frames: "
            "the prompts were not built by the same processor as the features"
        )
    return embeds.masked_scatter(placeholder, audio)


def _positions(attention: torch.Tensor) -> torch.Tensor:
    """Position ids of left-padded rows (what ``generate`` uses): count of real tokens so far, minus one."""
    return (attention.long().cumsum(-1) - 1).clamp(min=0)


def prefill(model, prompt_embeds: torch.Tensor, prompt_mask: torch.Tensor, group: int):
    """Run the B prompts through the LLM once and repeat their KV cache for G completions each.

    Returns ``(cache, last_logits [B*G, V])``; gradients flow through the shared cache into the prompt
    (and, when they train, into the audio encoder and projector) exactly as through a full pass.
    """
    out = model(
        inputs_embeds=prompt_embeds,
        attention_mask=prompt_mask,
        position_ids=_positions(prompt_mask),
        use_cache=True,
        logits_to_keep=1,
    )
    cache = out.past_key_values
    last = out.logits[:, -1, :]
    if group > 1:
        cache.batch_repeat_interleave(group)
        last = last.repeat_interleave(group, dim=0)
    return cache, last


def sequence_logprobs(
    model,
    inputs,
    completion_ids: torch.Tensor,
    completion_mask: torch.Tensor | None = None,
    prompt_embeds: torch.Tensor | None = None,
    temperature: float = 1.0,
    share_prefix: bool = True,
) -> torch.Tensor:
    """Per-token log-probs ``[B*G, T]`` of ``completion_ids`` given the prompts in ``inputs`` (audio included).

    ``inputs`` holds B prompts; ``completion_ids`` holds G completions per prompt, grouped consecutively
    (rows ``i*G .. i*G+G-1`` belong to prompt ``i``). The audio of each prompt is encoded once (pass
    ``prompt_embeds`` to reuse an encoding already made) and, with ``share_prefix``, the prompt goes through
    the LLM once and its KV cache serves the G completions. ``share_prefix=False`` runs prompt + completion
    as one sequence per row; the naive path (features repeated G times, one encoder pass per completion,
    see :func:`repeat_inputs`) gives the same numbers: see the tests.
    """
    n_prompts = inputs["input_ids"].shape[0]
    n_completions, length = completion_ids.shape
    if n_completions % n_prompts:
        raise ValueError(f"{n_completions} completions for {n_prompts} prompts: not a whole group each")
    group = n_completions // n_prompts
    if prompt_embeds is None:
        prompt_embeds = embed_prompts(model, inputs)
    if completion_mask is None:
        completion_mask = torch.ones_like(completion_ids)
    prompt_mask = inputs["attention_mask"]
    completion_embeds = model.get_input_embeddings()(completion_ids).to(prompt_embeds.dtype)
    full_mask = torch.cat([prompt_mask.repeat_interleave(group, dim=0), completion_mask.to(prompt_mask.dtype)], dim=1)
    if share_prefix and length == 1:
        logits = prefill(model, prompt_embeds, prompt_mask, group)[1].unsqueeze(1).float()
    elif share_prefix:
        cache, last = prefill(model, prompt_embeds, prompt_mask, group)
        out = model(
            inputs_embeds=completion_embeds[:, :-1],
            attention_mask=full_mask[:, :-1],
            position_ids=_positions(full_mask)[:, prompt_mask.shape[1] : -1],
            past_key_values=cache,
            use_cache=True,
        )
        logits = torch.cat([last.unsqueeze(1), out.logits], dim=1).float()
    else:
        embeds = torch.cat([prompt_embeds.repeat_interleave(group, dim=0), completion_embeds], dim=1)
        out = model(
            inputs_embeds=embeds,
            attention_mask=full_mask,
            position_ids=_positions(full_mask),
            logits_to_keep=length + 1,
            use_cache=False,
        )
        # position t predicts completion token t (sliced here too: not every backbone honours logits_to_keep)
        logits = out.logits[:, -(length + 1) : -1, :].float()
    if temperature != 1.0:
        logits = logits / temperature
    return torch.gather(F.log_softmax(logits, dim=-1), 2, completion_ids.unsqueeze(-1)).squeeze(-1)


def _draw(logits: torch.Tensor, temperature: float, done: torch.Tensor, pad_token_id: int) -> torch.Tensor:
    """One token per row from the temperature-scaled distribution; finished rows get ``pad_token_id``."""
    probs = torch.softmax(logits.float() / max(temperature, 1e-5), dim=-1)
    token = torch.multinomial(probs, 1).squeeze(1)
    return torch.where(done, torch.full_like(token, pad_token_id), token)


@torch.no_grad()
def sample_shared_prefix(
    model,
    prompt_embeds: torch.Tensor,
    prompt_mask: torch.Tensor,
    group: int,
    max_new_tokens: int,
    eos_token_ids: list[int],
    pad_token_id: int,
    temperature: float = 1.0,
    decode_cache: str = "dynamic",
) -> torch.Tensor:
    """Sample G completions per prompt with the KV cache, the prompt prefilled ONCE and its cache repeated
    (``generate(num_return_sequences=G)`` would prefill every prompt G times). Plain sampling from the
    temperature-scaled distribution (no top-k/top-p), as GRPO's log-prob passes assume.
    Returns ``[B*G, T]`` ids, rows padded with ``pad_token_id`` after their end-of-turn token.
    ``decode_cache="static"``: :func:`sample_static` (same tokens on CPU, compiled decoding on CUDA).
    """
    if decode_cache == "static":
        return sample_static(
            model, prompt_embeds, prompt_mask, group, max_new_tokens, eos_token_ids, pad_token_id, temperature
        )
    cache, logits = prefill(model, prompt_embeds, prompt_mask, group)
    mask = prompt_mask.repeat_interleave(group, dim=0)
    position = _positions(mask)[:, -1:]
    eos = torch.tensor(eos_token_ids, device=logits.device)
    done = torch.zeros(logits.shape[0], dtype=torch.bool, device=logits.device)
    tokens = []
    for _ in range(max_new_tokens):
        token = _draw(logits, temperature, done, pad_token_id)
        tokens.append(token)
        done |= torch.isin(token, eos)
        if bool(done.all()):
            break
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        position = position + 1
        step = model(
            inputs_embeds=model.get_input_embeddings()(token).unsqueeze(1).to(prompt_embeds.dtype),
            attention_mask=mask,
            position_ids=position,
            past_key_values=cache,
            use_cache=True,
        )
        logits = step.logits[:, -1, :]
    return torch.stack(tokens, dim=1)


_COMPILED: dict[int, object] = {}


def _decode_step(model):
    """``model``'s forward, compiled on CUDA (CUDA graphs, once per model object), as is on CPU."""
    if next(model.parameters()).device.type != "cuda":
        return model
    if id(model) not in _COMPILED:
        _COMPILED[id(model)] = torch.compile(model, mode="reduce-overhead", dynamic=False)
    return _COMPILED[id(model)]


@torch.no_grad()
def sample_static(
    model,
    prompt_embeds: torch.Tensor,
    prompt_mask: torch.Tensor,
    group: int,
    max_new_tokens: int,
    eos_token_ids: list[int],
    pad_token_id: int,
    temperature: float = 1.0,
) -> torch.Tensor:
    """:func:`sample_shared_prefix` with a pre-allocated (static) KV cache and fixed-shape decoding steps.

    Each row is prefilled on its own (the static cache holds ``B*G`` rows from the start; prefill is a
    small part of a rollout), then every step feeds one token with the full-length attention mask and an
    explicit cache position, so a compiled step (CUDA) keeps one shape for the whole rollout. The same
    random draws as the dynamic path: on CPU the tokens are equal (tests).
    """
    from transformers import StaticCache

    embeds = prompt_embeds.repeat_interleave(group, dim=0)
    prompt = prompt_mask.repeat_interleave(group, dim=0)
    n, width = prompt.shape
    cache = StaticCache(config=unwrap(model).config, max_cache_len=width + max_new_tokens)
    mask = torch.cat([prompt, prompt.new_ones(n, max_new_tokens)], dim=1)
    position = _positions(prompt)
    out = model(
        inputs_embeds=embeds,
        attention_mask=mask,
        position_ids=position,
        past_key_values=cache,
        use_cache=True,
        cache_position=torch.arange(width, device=embeds.device),
        logits_to_keep=1,
    )
    logits, position = out.logits[:, -1, :], position[:, -1:]
    step_fn = _decode_step(model)
    eos = torch.tensor(eos_token_ids, device=logits.device)
    done = torch.zeros(n, dtype=torch.bool, device=logits.device)
    tokens = []
    for t in range(max_new_tokens):
        token = _draw(logits, temperature, done, pad_token_id)
        tokens.append(token)
        done |= torch.isin(token, eos)
        if bool(done.all()) or t + 1 == max_new_tokens:
            break
        position = position + 1
        step = step_fn(
            inputs_embeds=model.get_input_embeddings()(token).unsqueeze(1).to(prompt_embeds.dtype),
            attention_mask=mask,
            position_ids=position,
            past_key_values=cache,
            use_cache=True,
            cache_position=torch.tensor([width + t], device=embeds.device),
        )
        logits = step.logits[:, -1, :].clone()  # a CUDA graph's output is overwritten by its next replay
    return torch.stack(tokens, dim=1)


def repeat_inputs(inputs, group: int) -> dict:
    """The naive path's inputs: every prompt tensor, audio features included, repeated ``group`` times
    (what audio GRPO trainers do when they expand a batch to its G completions).

    Needs one feature window per prompt (clips no longer than the processor's window)."""
    out = {k: inputs[k].repeat_interleave(group, dim=0) for k in ("input_ids", "attention_mask")}
    if inputs.get("input_features") is not None:
        if inputs["input_features"].shape[0] != inputs["input_ids"].shape[0]:
            raise ValueError("repeat_inputs needs one audio window per prompt")
        for k in audio_keys():
            if k in inputs:
                out[k] = inputs[k].repeat_interleave(group, dim=0)
    return out


def completion_mask_from_ids(completion_ids: torch.Tensor, eos_token_ids: list[int]) -> torch.Tensor:
    """1 up to and including the first end-of-turn token, 0 after it (and on padding).

    >>> completion_mask_from_ids(torch.tensor([[5, 2, 0, 0], [5, 6, 7, 8]]), [2])
    tensor([[1, 1, 0, 0],
            [1, 1, 1, 1]])
    """
    is_eos = torch.zeros_like(completion_ids, dtype=torch.bool)
    for t in eos_token_ids:
        is_eos |= completion_ids == t
    seen_before = (is_eos.long().cumsum(dim=1) - is_eos.long()) > 0
    return (~seen_before).long()
