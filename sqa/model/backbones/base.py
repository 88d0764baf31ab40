"""What a backbone is to sqa: the few facts and calls that differ between audio LLMs.

Everything else (batches, generation, the log-prob passes, LoRA, training, evaluation) is written once
against this interface. A backbone is an audio encoder + a projector + a causal language model, whose
processor expands one audio placeholder per clip into as many placeholder tokens as the encoder yields
frames, and whose language model reads the projected frames in place of those tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

ENCODER = "audio_tower"
"""Module name of the audio encoder (``model.model.audio_tower`` in every backbone registered so far)."""
PROJECTOR = "multi_modal_projector"
"""Module name of the projector from encoder frames to the language model's embeddings."""
LANGUAGE_MODEL = "language_model"
"""Module name of the causal language model."""
LM_LINEAR_LAYERS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
LM_LORA_REGEX = r".*\blanguage_model\.layers\.\d+\.(self_attn|mlp)\.(" + "|".join(LM_LINEAR_LAYERS) + r")"
"""``target_modules`` for PEFT (a str is matched with ``re.fullmatch``): the LLM's linear layers only.

>>> import re
>>> bool(re.fullmatch(LM_LORA_REGEX, "model.language_model.layers.3.mlp.down_proj"))
True
>>> bool(re.fullmatch(LM_LORA_REGEX, "model.audio_tower.layers.0.self_attn.q_proj"))
False
"""
END_OF_TURN = "<|im_end|>"
"""ChatML end of turn: the model's end-of-sequence token, learnt after every answer (both registered backbones
speak ChatML; a backbone's own is :attr:`Backbone.end_of_turn`)."""


@dataclass(frozen=True, eq=False)
class Backbone:
    """One audio LLM family. Subclasses implement :meth:`audio_features` and :meth:`build_tiny`."""

    name: str
    label: str  # how tables name it ("QualiSpeech-FT-Qwen2-Audio", as the paper's "QualiSpeech-FT-SALMONN")
    model_type: str  # ``config.model_type`` of its checkpoints: how a model directory is recognised
    model_class: str  # the transformers class that loads it
    processor_class: str
    audio_token: str  # the placeholder the chat template writes for one clip
    feature_mask_key: str  # the processor's name for the mask of ``input_features``
    audio_first: bool = False  # order of the user turn: audio then prompt text (else text then audio)
    end_of_turn: str = END_OF_TURN
    encoder: str = ENCODER
    projector: str = PROJECTOR
    language_model: str = LANGUAGE_MODEL
    lora_regex: str = LM_LORA_REGEX
    hub_ids: tuple[str, ...] = field(default=())
    processor_kwargs: dict = field(default_factory=dict)  # what its processor needs to return padded tensors
    chat_template: str | None = None  # the template its tiny processor saves (None: the processor's own)
    template_tokens: tuple[str, ...] = ()  # special tokens its chat template writes around the audio placeholder
    template_texts: tuple[str, ...] = ()  # text its chat template adds around the turns (tiny tokenizer's corpus)
    hub_max_audio_seconds: float = 30.0  # the longest audio its released checkpoints read (what a server cuts at)
    hub_hop_length: int = 160  # mel hop of its released checkpoints' feature extractor, in samples at 16 kHz

    @property
    def audio_special_tokens(self) -> tuple[str, ...]:
        """The audio placeholder and the other tokens its chat template writes (special in its tiny tokenizer)."""
        return (self.audio_token, *self.template_tokens)

    @property
    def audio_keys(self) -> tuple[str, str]:
        """The processor outputs that carry audio (repeated with the prompt rows they belong to)."""
        return ("input_features", self.feature_mask_key)

    def model_cls(self):
        import transformers

        return getattr(transformers, self.model_class)

    def user_turn(self, prompt: str) -> dict:
        """The user turn of a one-clip prompt in this backbone's order."""
        items = [{"type": "text", "text": prompt}, {"type": "audio"}]
        return {"role": "user", "content": items[::-1] if self.audio_first else items}

    def audio_features(self, model, inputs) -> torch.Tensor:
        """Encoder + projector over every clip of ``inputs``: the ``[n_placeholders, H]`` frames that replace
        the audio placeholders, in order. ``model`` is the bare ``*ForConditionalGeneration``."""
        raise NotImplementedError

    def max_audio_seconds(self, processor) -> float:
        """The longest audio the processor reads; the rest is cut off."""
        return float(processor.feature_extractor.chunk_length)

    def audio_windows(self, processor, audios: Sequence[np.ndarray], sampling_rate: int = 16000) -> list[int]:
        """Rows of ``input_features`` each clip takes (one window of ``chunk_length`` seconds by default)."""
        return [1] * len(audios)

    def build_tiny(self, tokenizer, feature_extractor, sizes: dict, frames: int):
        """``(model, processor)`` of this architecture at the tiny sizes (random init), for CPU tests."""
        raise NotImplementedError


def tiny_text_config(tokenizer, sizes: dict):
    """The tiny Qwen2 language model both registered backbones build on, sized by ``sizes["text"]``."""
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=len(tokenizer),
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        **sizes["text"],
    )
