"""Backbones: one module per audio LLM, registered in :data:`BACKBONES` (also ``sqa.model.BACKBONES``).

A model directory names its backbone through ``config.model_type``; :func:`backbone_of` finds it for a
model, a config, a processor or a directory. Adding a backbone = one module with a :class:`Backbone`
subclass (its audio feature call and its tiny builder) + one line here, or one call of
:func:`register_backbone` for a module outside ``sqa``.

>>> sorted(BACKBONES)
['af3', 'qwen2_audio']
>>> get_backbone("qwen2_audio").audio_token, get_backbone("af3").feature_mask_key
('<|AUDIO|>', 'input_features_mask')
"""

from __future__ import annotations

from pathlib import Path

from sqa.configs.layout import DEFAULT_BACKBONE
from sqa.model.backbones.af3 import AF3
from sqa.model.backbones.base import ENCODER, END_OF_TURN, LANGUAGE_MODEL, LM_LORA_REGEX, PROJECTOR, Backbone
from sqa.model.backbones.qwen2_audio import QWEN2_AUDIO

BACKBONES: dict[str, Backbone] = {b.name: b for b in (AF3, QWEN2_AUDIO)}

__all__ = [
    "BACKBONES",
    "DEFAULT_BACKBONE",
    "ENCODER",
    "END_OF_TURN",
    "LANGUAGE_MODEL",
    "LM_LORA_REGEX",
    "PROJECTOR",
    "Backbone",
    "backbone_of",
    "get_backbone",
    "register_backbone",
]


def register_backbone(backbone: Backbone) -> Backbone:
    """Add ``backbone`` to :data:`BACKBONES` (a profile may then name it, and its checkpoints are recognised).

    >>> register_backbone(AF3)
    Traceback (most recent call last):
    ...
    ValueError: backbone 'af3' is registered already; pick another name
    """
    if backbone.name in BACKBONES:
        raise ValueError(f"backbone {backbone.name!r} is registered already; pick another name")
    taken = [b.name for b in BACKBONES.values() if b.model_type == backbone.model_type]
    if taken:
        raise ValueError(
            f"backbone {backbone.name!r}: model_type {backbone.model_type!r} is {taken[0]}'s already; "
            "a checkpoint must name its backbone through its config.model_type"
        )
    BACKBONES[backbone.name] = backbone
    return backbone


def get_backbone(name: str | Backbone | None = None) -> Backbone:
    """The registered backbone ``name`` (``None``: :data:`DEFAULT_BACKBONE`, AF3, the paper's)."""
    if isinstance(name, Backbone):
        return name
    name = name or DEFAULT_BACKBONE
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; registered: {', '.join(sorted(BACKBONES))}")
    return BACKBONES[name]


def backbone_of(obj) -> Backbone:
    """The backbone of a model (PEFT-wrapped or not), a config, a processor, or a model directory / hub id."""
    if isinstance(obj, (str, Path)):
        for b in BACKBONES.values():
            if str(obj) in b.hub_ids:
                return b
        from transformers import AutoConfig

        obj = AutoConfig.from_pretrained(str(obj))
    get = getattr(obj, "get_base_model", None)
    if callable(get):
        obj = get()
    model_type = getattr(getattr(obj, "config", obj), "model_type", None)
    for b in BACKBONES.values():
        if model_type == b.model_type or type(obj).__name__ in (b.processor_class, b.model_class):
            return b
    raise ValueError(
        f"no registered backbone for {type(obj).__name__} (model_type {model_type!r}); "
        f"registered: {', '.join(sorted(BACKBONES))}"
    )
