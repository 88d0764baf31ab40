"""Mixed precision: frozen weights in the profile's dtype, trained weights in float32, compute under autocast.

With ``dtype: bfloat16`` (the paper profile) or ``float16``:

* the model is loaded in that dtype (:func:`sqa.model.load_model`): the frozen base weights stay there;
* before training, :func:`float32_master_weights` casts every *trainable* parameter (LoRA, the
  projector and audio-encoder copies PEFT keeps as ``modules_to_save``, or every weight under full
  fine-tuning) to float32, so AdamW's states are float32 too. In bf16 storage an update smaller than
  half a bf16 ulp (|w| * 2^-9) is rounded away: at the paper's lr 1.5e-5, 3 AdamW steps changed only
  13.8 % of AF3's encoder weights on an H200, against 100 % with float32 master weights;
* every forward (and so every backward) runs under :func:`autocast` in the compute dtype
  (:func:`compute_dtype`: the dtype the model was loaded in), on CPU as on CUDA: matmuls and
  convolutions in bf16, reductions in float32;
* inputs enter in that dtype (:func:`to_model`): AF3's processor gives float32 ``input_features``,
  and a bf16 ``audio_tower.conv1`` outside autocast refuses them ("Input type (float) and bias type
  (c10::BFloat16) should be the same").

A saved stage stores its trained modules in the compute dtype (:func:`sqa.model.stages.save_stage`; LoRA
weights stay float32 and are merged into the bf16 base on loading), so it reloads in the profile's
dtype. In float32 every function here is a no-op.

>>> lin = torch.nn.Linear(2, 2).to(torch.bfloat16)
>>> float32_master_weights(lin), lin.weight.dtype
(6, torch.float32)
"""

from __future__ import annotations

import contextlib

import torch

HALF_DTYPES = (torch.bfloat16, torch.float16)


def unwrap(model):
    """The ``*ForConditionalGeneration`` under a PEFT wrapper (or the model itself)."""
    get = getattr(model, "get_base_model", None)
    return get() if callable(get) else model


def compute_dtype(model) -> torch.dtype:
    """The dtype ``model`` computes in: the half dtype its weights are stored in, if any (a bf16 base with
    float32 LoRA or master weights, or a model cast with ``.to(torch.bfloat16)``), else its config's
    ``dtype`` when that is half (full fine-tuning: every weight a float32 master), else float32.

    >>> compute_dtype(torch.nn.Linear(2, 2).to(torch.bfloat16))
    torch.bfloat16
    >>> compute_dtype(torch.nn.Linear(2, 2))
    torch.float32
    """
    for p in model.parameters():
        if p.dtype in HALF_DTYPES:
            return p.dtype
    dtype = getattr(getattr(unwrap(model), "config", None), "dtype", None)
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype, None)
    return dtype if dtype in HALF_DTYPES else torch.float32


def model_device(model) -> torch.device:
    return next(model.parameters()).device


def float32_master_weights(model) -> int:
    """Cast every trainable floating parameter to float32 in place; returns how many elements were cast.

    Call it after choosing what trains and before building the optimiser (AdamW's states take the
    parameters' dtype). Frozen parameters keep their dtype.
    """
    cast = 0
    for p in model.parameters():
        if p.requires_grad and p.is_floating_point() and p.dtype != torch.float32:
            p.data = p.data.float()
            cast += p.numel()
    return cast


def autocast(model):
    """``torch.autocast`` in the model's half compute dtype on its device; a no-op context for float32.

    >>> with autocast(torch.nn.Linear(2, 2)):
    ...     torch.is_autocast_enabled("cpu")
    False
    """
    dtype = compute_dtype(model)
    if dtype not in HALF_DTYPES:
        return contextlib.nullcontext()
    return torch.autocast(model_device(model).type, dtype=dtype)


def to_model(batch, model) -> dict:
    """``batch`` (a dict or ``BatchFeature`` of tensors) on the model's device, floating tensors (the
    audio features) in its compute dtype; ids and masks keep their integer dtype.

    >>> lin = torch.nn.Linear(2, 2).to(torch.bfloat16).requires_grad_(False)
    >>> out = to_model({"input_features": torch.zeros(1), "input_ids": torch.zeros(1, dtype=torch.long)}, lin)
    >>> out["input_features"].dtype, out["input_ids"].dtype
    (torch.bfloat16, torch.int64)
    """
    device, dtype = model_device(model), compute_dtype(model)
    return {
        k: (v.to(device, dtype=dtype) if v.is_floating_point() else v.to(device)) if isinstance(v, torch.Tensor) else v
        for k, v in batch.items()
    }


def trainable_dtypes(model) -> dict[str, int]:
    """Elements of trainable parameters per dtype, e.g. ``{"float32": 1234}`` (what the tests check).

    >>> trainable_dtypes(torch.nn.Linear(2, 2))
    {'float32': 6}
    """
    out: dict[str, int] = {}
    for p in model.parameters():
        if p.requires_grad:
            key = str(p.dtype).removeprefix("torch.")
            out[key] = out.get(key, 0) + p.numel()
    return out
