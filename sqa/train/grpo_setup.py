"""The GRPO policy, its reference and its optimiser (shared by :func:`sqa.train.grpo.run_grpo` and the
GRPO benchmark).

GRPO trains the LLM only: the encoder and projector were calibrated before, and keeping them fixed makes
the policy's and the reference's audio embeddings identical (one encoding per step). The reference is the
adapter-disabled policy under LoRA, or a frozen copy under full fine-tuning.
"""

from __future__ import annotations

import contextlib
import copy
from typing import NamedTuple

import torch

from sqa.model import load_model
from sqa.model.loading import AUDIO_TOWER, PROJECTOR, unwrap
from sqa.model.precision import float32_master_weights

__all__ = ["Policy", "audio_trainable", "freeze_audio_path", "make_policy", "reference_model", "setup_policy"]


class Policy(NamedTuple):
    model: object
    ref_model: object | None  # None: the reference is the policy with its LoRA adapter disabled
    processor: object
    optimizer: torch.optim.Optimizer


def freeze_audio_path(model) -> None:
    """Encoder and projector frozen (their PEFT ``modules_to_save`` copies included)."""
    for name, p in model.named_parameters():
        if AUDIO_TOWER in name or PROJECTOR in name:
            p.requires_grad_(False)


def audio_trainable(model) -> bool:
    """Whether any parameter of the encoder or projector has ``requires_grad``."""
    base = unwrap(model)
    parts = [getattr(base.model, AUDIO_TOWER, None), getattr(base.model, PROJECTOR, None)]
    return any(p.requires_grad for part in parts if part is not None for p in part.parameters())


def setup_policy(cfg) -> Policy:
    """Load ``cfg.init`` with LoRA on the LLM (``cfg.lora_rank``; 0 = full fine-tuning), freeze the audio
    path, build the reference (a frozen copy only without LoRA) and AdamW over the trainable parameters."""

    model, processor = load_model(
        cfg.init,
        lora_rank=cfg.lora_rank,
        lora_alpha=cfg.lora_alpha,
        train_audio_encoder=False,
        dtype=cfg.dtype,
        device=cfg.device,
    )
    return make_policy(model, processor, cfg)


def make_policy(model, processor, cfg) -> Policy:
    """:func:`setup_policy` for a model already loaded with its LoRA (e.g. one built from a config)."""
    freeze_audio_path(model)
    float32_master_weights(model)  # bf16/fp16 profile: the LoRA (or full) weights train in float32
    ref_model = None
    if not hasattr(model, "disable_adapter"):
        ref_model = copy.deepcopy(model).eval().requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    return Policy(model, ref_model, processor, optimizer)


@contextlib.contextmanager
def reference_model(model, ref_model):
    """The reference policy: the adapter-disabled policy (LoRA) or a frozen copy (full fine-tuning).

    PEFT's ``disable_adapter()`` switches ``modules_to_save`` (the projector) back to trainable on exit;
    the parameters frozen before are frozen again afterwards, so the reference pass never changes what
    the optimiser and the gradient clipping see.
    """
    if ref_model is not None or not hasattr(model, "disable_adapter"):
        yield ref_model
        return
    frozen = [p for p in model.parameters() if not p.requires_grad]
    try:
        with model.disable_adapter():
            yield model
    finally:
        for p in frozen:
            p.requires_grad_(False)
