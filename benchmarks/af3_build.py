"""Audio Flamingo 3 built from its config (random init, nothing downloaded), at its real size or at toy size.

The real size is the paper's model: a Whisper-large encoder (32 layers x 1280, 128 mel bins, 1500
positions after the stride-2 conv: a 30 s window at a 10 ms hop) and Qwen2.5-7B (28 layers x 3584, GQA
28/4, vocab 152064), 8.4 B parameters. A tiny tokenizer (its ids all below the vocabulary size) and a
processor with AF3's 30 s window and 160-sample hop stand in for AF3's own: timing and numerics do not
depend on which token ids the prompt has. ``--small`` runs the same code with :data:`SMALL` sizes.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .flops import AF3_TEXT

AF3_AUDIO = dict(
    num_mel_bins=128, num_hidden_layers=32, hidden_size=1280, intermediate_size=5120, num_attention_heads=20
)
"""Whisper-large, AF3's audio encoder (``max_source_positions`` comes from the window: 1500)."""
REAL = {"audio": AF3_AUDIO, "text": AF3_TEXT}
SMALL = {
    "audio": dict(num_mel_bins=128, num_hidden_layers=2, hidden_size=64, intermediate_size=128, num_attention_heads=2),
    "text": dict(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        vocab_size=4096,
    ),
}
"""``--small``: toy widths (the CPU test of the check itself), same window and hop."""
WINDOW_SECONDS, HOP_LENGTH = 30, 160
"""AF3's audio window: 30 s at a 10 ms hop = 3000 mel frames = 750 audio tokens."""


def with_layers(sizes: dict, audio_layers: int, text_layers: int) -> dict:
    """``sizes`` with other depths (the pipeline check runs a full-width 2+2-layer AF3).

    >>> with_layers(REAL, 2, 2)["text"]["num_hidden_layers"], with_layers(REAL, 2, 2)["text"]["hidden_size"]
    (2, 3584)
    """
    return {
        "audio": {**sizes["audio"], "num_hidden_layers": audio_layers},
        "text": {**sizes["text"], "num_hidden_layers": text_layers},
    }


def stand_in_processor(work_dir: str | Path):
    """The processor of a tiny AF3 with AF3's window and hop (its tokenizer trained locally, ~2k ids)."""
    from transformers import AutoProcessor

    from sqa.model import build_tiny_model

    path = build_tiny_model(
        Path(work_dir) / "stand_in_processor",
        window_seconds=WINDOW_SECONDS,
        hop_length=HOP_LENGTH,
        sizes={k: SMALL[k] for k in ("audio",)},
    )
    return AutoProcessor.from_pretrained(path)


def af3_config(processor, sizes: dict):
    """An ``AudioFlamingo3Config`` of ``sizes`` whose special token ids are the stand-in tokenizer's."""
    from transformers import AudioFlamingo3Config, AudioFlamingo3EncoderConfig, Qwen2Config

    from sqa.model import AUDIO_TOKEN

    tok, fe = processor.tokenizer, processor.feature_extractor
    if len(tok) > sizes["text"]["vocab_size"]:
        raise ValueError(
            f"the stand-in tokenizer has {len(tok)} ids, more than vocab_size {sizes['text']['vocab_size']}"
        )
    frames = fe.chunk_length * fe.sampling_rate // fe.hop_length
    audio = AudioFlamingo3EncoderConfig(max_source_positions=frames // 2, **sizes["audio"])
    text = Qwen2Config(
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
        **sizes["text"],
    )
    return AudioFlamingo3Config(
        audio_config=audio, text_config=text, audio_token_id=tok.convert_tokens_to_ids(AUDIO_TOKEN)
    )


def build_af3(config, device: str, dtype: torch.dtype = torch.bfloat16, seed: int = 0):
    """``AudioFlamingo3ForConditionalGeneration(config)`` made directly on ``device`` in ``dtype`` (random
    init, seconds for the real size on a GPU), with Whisper's sinusoidal positions, in eval mode."""
    from transformers import AudioFlamingo3ForConditionalGeneration
    from transformers.models.whisper.modeling_whisper import sinusoids

    torch.manual_seed(seed)
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = AudioFlamingo3ForConditionalGeneration(config)
    finally:
        torch.set_default_dtype(default)
    pos = model.model.audio_tower.embed_positions
    with torch.no_grad():
        pos.weight.copy_(sinusoids(*pos.weight.shape).to(pos.weight))
    model.config.dtype = dtype  # the compute dtype (sqa.model.precision.compute_dtype)
    gen, text = model.generation_config, config.text_config
    gen.eos_token_id, gen.pad_token_id, gen.bos_token_id = text.eos_token_id, text.pad_token_id, None
    return model.eval()


def parameter_bytes(model, skip: tuple[str, ...] = ()) -> int:
    """Bytes of the parameters whose name contains none of ``skip``.

    >>> parameter_bytes(torch.nn.Linear(2, 2).to(torch.bfloat16))
    12
    """
    return sum(p.numel() * p.element_size() for n, p in model.named_parameters() if not any(s in n for s in skip))
