"""``sqa.model``: audio-LLM loading (AF3, Qwen2-Audio: :data:`BACKBONES`; LoRA on the LLM, encoder switch),
the tiny models, batches, generation.

>>> from sqa.model import load_model, build_tiny_model, build_batch, generate_texts  # doctest: +SKIP
>>> path = build_tiny_model("runs/tiny/tiny_model")                                  # doctest: +SKIP
>>> model, processor = load_model(path, lora_rank=0)                                 # doctest: +SKIP
"""

from sqa.model.backbones import BACKBONES, Backbone, backbone_of, get_backbone, register_backbone
from sqa.model.backbones.af3 import AF3_CHAT_TEMPLATE
from sqa.model.batching import (
    IGNORE_INDEX,
    audio_windows,
    build_batch,
    end_of_turn_id,
    prompt_batch,
    prompt_inputs,
    render_exchange,
    render_prompt,
)
from sqa.model.chat import AUDIO_TOKEN, END_OF_TURN, conversation
from sqa.model.generation import decode, generate_ids, generate_texts
from sqa.model.loading import LM_LORA_REGEX, configure_trainable, count_parameters, load_model, merge_and_save
from sqa.model.stages import save_stage, stage_chain
from sqa.model.tiny import TINY_WINDOW_SECONDS, build_tiny_model

PAPER_MODEL = "nvidia/audio-flamingo-3-hf"
"""The paper's base model (hub id); the ``paper`` profile loads it with the same code as a local dir."""

__all__ = [
    "BACKBONES",
    "Backbone",
    "backbone_of",
    "get_backbone",
    "register_backbone",
    "AF3_CHAT_TEMPLATE",
    "AUDIO_TOKEN",
    "END_OF_TURN",
    "IGNORE_INDEX",
    "LM_LORA_REGEX",
    "PAPER_MODEL",
    "TINY_WINDOW_SECONDS",
    "audio_windows",
    "build_batch",
    "build_tiny_model",
    "configure_trainable",
    "conversation",
    "count_parameters",
    "decode",
    "end_of_turn_id",
    "generate_ids",
    "generate_texts",
    "load_model",
    "merge_and_save",
    "prompt_batch",
    "prompt_inputs",
    "render_exchange",
    "render_prompt",
    "save_stage",
    "stage_chain",
]
