"""FLOP counts of the two halves of AF3 (``torch.utils.flop_counter`` on meta tensors: no weights, no time)
and the FLOP model of a GRPO step, used to project the shared-encoding speedup to the paper's model.

Per clip and step, with ``e`` the FLOPs of encoding one audio window and ``f`` the LLM FLOPs per token,
``P`` prompt tokens (audio + text), ``T`` completion tokens and ``G`` completions per prompt, each of the
G rows costs ``4 f (P + T)``: generation (prefill + decode), reference and policy forward, and the
backward, which with frozen base weights (LoRA) computes activation gradients only (~1 forward). The
naive path encodes the window ``3G`` times (generation, reference, policy) and runs the LLM over the
prompt once per completion; sqa encodes once and prefills each prompt once, its KV cache shared by the
G completions in sampling and in both log-prob passes (``sqa.train.logprobs.prefill``):

    naive = 3G e + 4G f (P + T)        encoding shared only = e + 4G f (P + T)        sqa = e + 4 f P + 4G f T
"""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

AF3_TEXT = dict(
    hidden_size=3584,
    intermediate_size=18944,
    num_hidden_layers=28,
    num_attention_heads=28,
    num_key_value_heads=4,
    vocab_size=152064,
)
"""Qwen2.5-7B, AF3's language model (AF3 paper); the encoder is ``AudioFlamingo3EncoderConfig``'s default
(Whisper-large: 32 layers, width 1280), with 30 s windows at a 10 ms hop (3000 mel frames)."""
AF3_WINDOW_FRAMES = 3000
AF3_AUDIO_TOKENS_PER_SECOND = 25.0


def meta_model(config):
    """An ``AudioFlamingo3ForConditionalGeneration`` with ``config`` on the meta device (shapes only)."""
    from transformers import AudioFlamingo3ForConditionalGeneration

    with torch.device("meta"):
        return AudioFlamingo3ForConditionalGeneration(config)


def encoder_window_flops(model, frames: int) -> int:
    """FLOPs of encoding one full window (conv front-end, layers, pooling, projector).

    The layers are called directly, without an attention mask: the encoder builds its mask with a
    data-dependent check that meta tensors cannot answer, and a full window needs no mask.
    """
    tower = model.model.audio_tower
    dev = next(tower.parameters()).device
    feats = torch.zeros(1, tower.config.num_mel_bins, frames, device=dev)
    gelu = torch.nn.functional.gelu
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        h = gelu(tower.conv2(gelu(tower.conv1(feats)))).permute(0, 2, 1)
        for layer in tower.layers:
            h = layer(h, None)
        h = tower.avg_pooler(h.permute(0, 2, 1)).permute(0, 2, 1)
        model.model.multi_modal_projector(tower.layer_norm(h))
    return int(counter.get_total_flops())


def llm_token_flops(model, context: int) -> float:
    """Forward FLOPs per token of the language model (+ LM head) on a ``context``-token sequence."""
    lm = model.model.language_model
    dev = next(lm.parameters()).device
    hidden = torch.zeros(1, context, lm.config.hidden_size, device=dev)
    pos = torch.arange(context, device=dev)[None]
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        rope = lm.rotary_emb(hidden, pos)
        h = hidden
        for layer in lm.layers:
            h = layer(h, attention_mask=None, position_embeddings=rope, position_ids=pos)
        model.lm_head(lm.norm(h))
    return counter.get_total_flops() / context


def step_flops(e: float, f: float, prompt: float, completion: float, group: int) -> dict[str, float]:
    """FLOPs per clip of one GRPO step (module docstring) and the speedups they imply.

    >>> r = step_flops(e=100.0, f=1.0, prompt=10, completion=15, group=4)
    >>> r["naive"], r["shared_encoding"], r["sqa"], r["speedup_shared_encoding"], r["speedup_sqa"]
    (1600.0, 500.0, 380.0, 3.2, 4.211)
    """
    rows = 4 * group * f * (prompt + completion)
    naive = 3 * group * e + rows
    shared = e + rows
    sqa = e + 4 * f * prompt + 4 * group * f * completion
    return {
        "naive": naive,
        "shared_encoding": shared,
        "sqa": sqa,
        "speedup_shared_encoding": round(naive / shared, 3),
        "speedup_sqa": round(naive / sqa, 3),
        "encoder_share_of_naive": round(3 * group * e / naive, 3),
    }


def model_flop_profile(config, frames: int, context: int) -> dict[str, float]:
    """``e`` (FLOPs per window), ``f`` (FLOPs per LLM token) and ``E = e / f`` for a model config."""
    model = meta_model(config)
    e = encoder_window_flops(model, frames)
    f = llm_token_flops(model, context)
    return {
        "encoder_window_gflop": round(e / 1e9, 4),
        "llm_token_mflop": round(f / 1e6, 4),
        "encoder_window_in_llm_tokens": round(e / f, 1),
        "_e": e,
        "_f": f,
    }


def af3_config():
    """AF3's configuration (Whisper-large encoder + Qwen2.5-7B), built without downloading anything."""
    from transformers import AudioFlamingo3Config, Qwen2Config

    return AudioFlamingo3Config(text_config=Qwen2Config(**AF3_TEXT))


def af3_projection(
    prompt_text_tokens: int, clip_seconds: float = 4.0, group: int = 4, completions=(32, 256, 512)
) -> dict:
    """The FLOP model applied to the paper's AF3 for a ``clip_seconds`` clip, at several completion lengths."""
    prompt = prompt_text_tokens + AF3_AUDIO_TOKENS_PER_SECOND * clip_seconds
    prof = model_flop_profile(af3_config(), AF3_WINDOW_FRAMES, int(prompt + max(completions)) // 2)
    e, f = prof.pop("_e"), prof.pop("_f")
    return {
        **prof,
        "prompt_tokens": prompt,
        "clip_seconds": clip_seconds,
        "group": group,
        "by_completion_tokens": {str(t): _public(step_flops(e, f, prompt, t, group)) for t in completions},
    }


def _public(d: dict) -> dict:
    return {k: v for k, v in d.items() if k.startswith(("speedup", "encoder_share"))}
