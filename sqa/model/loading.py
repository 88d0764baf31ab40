"""Load an audio LLM (AF3, Qwen2-Audio; hub id, local dir or stage dir) with the paper's trainable parts.

The backbone (:mod:`sqa.model.backbones`) is read from the checkpoint's ``config.model_type``; module
names and the LoRA regex below are the same for every registered backbone.

What is trained (paper §3.1, Table 2):

* the language model through LoRA on all its linear layers (q, k, v, o, gate, up, down), rank
  ``lora_rank`` (64 in the paper), ``lora_alpha`` (default ``2 * rank``). ``target_modules`` is a
  regex anchored on ``model.language_model``: PEFT matches plain names by suffix, and ``q_proj`` /
  ``k_proj`` / ``v_proj`` also exist in the Whisper-style audio encoder (README, *Known traps*);
* the projector (``multi_modal_projector``), always;
* the audio encoder (``audio_tower``) when ``train_audio_encoder`` (the paper's choice), frozen otherwise.
  Its fixed positional table ``embed_positions`` is never trained, as in AF3.

With LoRA the projector and encoder are PEFT ``modules_to_save``, so a Trainer checkpoint (an adapter
dir) holds every trained weight and resumes exactly. ``lora_rank=0`` (or ``None``) means no LoRA: the
whole language model is fine-tuned. The tiny profile does that (``sqa/configs/tiny.yaml``): its language
model starts from random weights, where a low-rank update of frozen random matrices learns little.

``"nvidia/audio-flamingo-3-hf"`` (the paper profile) and a local directory go through the same
``from_pretrained`` calls; nothing here downloads unless given a hub id on a machine with access.
A trained stage's dir (:mod:`sqa.model.stages`: adapters chained to the model they started from) loads
the same way, rebuilt from its chain.
"""

from __future__ import annotations

from pathlib import Path

import torch

from sqa.model.backbones import ENCODER as AUDIO_TOWER
from sqa.model.backbones import LM_LORA_REGEX, PROJECTOR, backbone_of, get_backbone
from sqa.model.precision import compute_dtype, unwrap

FROZEN_ALWAYS = ("embed_positions",)
"""Parameters never trained (AF3's fixed sinusoidal positions of the audio encoder)."""

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def _dtype(dtype) -> torch.dtype | None:
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in DTYPES:
        raise ValueError(f"sqa.model.load_model: unknown dtype {dtype!r}; expected one of {sorted(DTYPES)}")
    return DTYPES[dtype]


def _check_source(name_or_path: str | Path) -> str:
    """A local path must be a model dir; anything else is handed to the hub client as an id."""
    s = str(name_or_path)
    p = Path(s).expanduser()
    if p.exists():
        if not (p / "config.json").exists():
            raise FileNotFoundError(f"{p}: not a model directory (no config.json)")
        return str(p)
    if s.startswith((".", "/", "~")) or s.count("/") > 1:
        raise FileNotFoundError(f"{s}: no such model directory")
    return s


def load_model(
    name_or_path: str | Path,
    lora_rank: int | None = 64,
    lora_alpha: int | None = None,
    train_audio_encoder: bool = True,
    dtype: str | torch.dtype | None = None,
    device: str | torch.device | None = None,
    adapter: str | Path | None = None,
    lora_dropout: float = 0.0,
    backbone: str | None = None,
):
    """``(model, processor)`` for the audio LLM at ``name_or_path`` set up for training (see module docstring).

    ``backbone``: the registered backbone the checkpoint must be (a profile's ``backbone:``); ``None``
    accepts whichever :func:`sqa.model.backbones.backbone_of` finds in its config.

    ``name_or_path``: a hub id, a model dir, or a stage dir written by :func:`sqa.model.stages.save_stage`
    (its adapter chain is rebuilt and merged).

    ``adapter``: a PEFT adapter dir (e.g. published fine-tuned weights on top of AF3) merged into the
    base weights first; new LoRA (if ``lora_rank``) then trains on top of the merged model.
    The model is returned in train mode only if something is trainable; call ``.eval()`` for inference.
    """
    from transformers import AutoProcessor

    from sqa.model.stages import load_stage_weights

    torch_dtype = _dtype(dtype)
    source = _check_source(name_or_path)
    arch = backbone_of(source)
    if backbone is not None and get_backbone(backbone) is not arch:
        raise ValueError(f"{source}: a {arch.name} checkpoint, but the profile names backbone {backbone!r}")
    processor = AutoProcessor.from_pretrained(source)
    model = load_stage_weights(source, dtype=torch_dtype)
    if adapter is not None:
        from peft import PeftModel

        if not (Path(adapter) / "adapter_config.json").exists():
            raise FileNotFoundError(f"{adapter}: not a PEFT adapter directory (no adapter_config.json)")
        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    model = configure_trainable(model, lora_rank, lora_alpha, train_audio_encoder, lora_dropout)
    if device is not None:
        model = model.to(device)
    return model, processor


def configure_trainable(
    model,
    lora_rank: int | None = 64,
    lora_alpha: int | None = None,
    train_audio_encoder: bool = True,
    lora_dropout: float = 0.0,
):
    """Apply LoRA (or full fine-tuning when ``lora_rank`` is 0/None) and the encoder switch; return the model."""
    if lora_rank:
        from peft import LoraConfig, get_peft_model

        saved = [PROJECTOR] + ([AUDIO_TOWER] if train_audio_encoder else [])
        cfg = LoraConfig(
            r=int(lora_rank),
            lora_alpha=int(lora_alpha or 2 * lora_rank),
            lora_dropout=lora_dropout,
            target_modules=LM_LORA_REGEX,
            modules_to_save=saved,
            bias="none",
        )
        model = get_peft_model(model, cfg)
    else:
        for p in model.parameters():
            p.requires_grad_(True)
        if not train_audio_encoder:
            for p in unwrap(model).model.audio_tower.parameters():
                p.requires_grad_(False)
    for name, p in model.named_parameters():
        if any(f in name for f in FROZEN_ALWAYS):
            p.requires_grad_(False)
    return model


def count_parameters(model) -> dict[str, int]:
    """``{"total": ..., "trainable": ...}``; PEFT's frozen originals of ``modules_to_save`` are not counted twice.

    >>> count_parameters(torch.nn.Linear(3, 2))
    {'total': 8, 'trainable': 8}
    """
    total = trainable = 0
    for name, p in model.named_parameters():
        if ".original_module." in name:
            continue
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    return {"total": total, "trainable": trainable}


def merge_and_save(model, processor, out_dir: str | Path) -> Path:
    """Merge LoRA (and PEFT ``modules_to_save``) into the base and save a plain HF dir with the processor.

    A full copy of the model, for export; the training stages save their trained weights only
    (:func:`sqa.model.stages.save_stage`). A PEFT model is merged in place (its LoRA wrappers are gone
    afterwards); a plain model is saved as is. Float32
    master weights (:mod:`sqa.model.precision`) are cast back to the model's compute dtype first.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dtype = compute_dtype(model)
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    model.to(dtype)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out
