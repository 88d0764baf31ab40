"""The GRPO policy's LoRA written as an adapter vLLM applies, and the identity of the base vLLM serves.

vLLM takes LoRA tensors only (it refuses ``modules_to_save`` and any other tensor), named after the
checkpoint's modules. PEFT names transformers 5's AF3 language model ``model.language_model.layers.N``
while the checkpoint (and vLLM) call it ``language_model.model.layers.N``; an adapter left in PEFT's
naming is "added successfully" and silently changes nothing (docs/vllm.md). :func:`vllm_lora_state`
renames, and keeps the language model's LoRA only (the audio path is frozen in GRPO and lives in the
served base). ``vllm_naming=False`` writes PEFT's naming: the unmapped adapter of the tests.

The served base must be the model GRPO started from (``cfg.init``, merged by ``sqa export``):
:func:`served_base_name` puts a fingerprint of it in the served name and :func:`check_served_base`
refuses another one.

>>> vllm_key("base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight")
'base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight'
>>> served_base_name("warmup", "0123456789abcdef")
'warmup@0123456789'
>>> check_served_base("warmup@0123456789", "0123456789abcdef")
>>> check_served_base("warmup@ffffffffff", "0123456789abcdef")
Traceback (most recent call last):
...
ValueError: the served model 'warmup@ffffffffff' is not the model this GRPO run starts from (fingerprint \
0123456789 expected in its served name, as python -m sqa serve names it); serve the run's init model
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from sqa.train.sft import model_fingerprint

PEFT_LM, VLLM_LM = "model.language_model.", "language_model.model."
FINGERPRINT_CHARS = 10


def vllm_key(key: str) -> str:
    """PEFT's tensor name of an AF3 LoRA weight in the checkpoint's (and vLLM's) naming."""
    return key.replace(PEFT_LM, VLLM_LM, 1)


def vllm_lora_state(model, vllm_naming: bool = True) -> dict[str, torch.Tensor]:
    """The language model's LoRA tensors of a PEFT ``model`` (float32, contiguous, on the CPU)."""
    from peft import get_peft_model_state_dict

    state = get_peft_model_state_dict(model)
    out = {}
    for k, t in state.items():
        if "lora_" not in k or "language_model" not in k:
            continue  # modules_to_save (the projector) and anything outside the LLM: in the served base
        out[vllm_key(k) if vllm_naming else k] = t.detach().to("cpu", torch.float32).contiguous()
    if not out:
        raise ValueError("the policy has no LoRA tensors on its language model: vLLM rollouts need a LoRA policy")
    return out


def write_vllm_adapter(model, out_dir: str | Path, vllm_naming: bool = True) -> Path:
    """Write the policy's LoRA as a PEFT-format adapter dir vLLM loads (``adapter_config.json`` + safetensors)."""
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = vllm_lora_state(model, vllm_naming)
    cfg = model.peft_config[model.active_adapter].to_dict()
    layers = sorted({k.split(".lora_")[0].rsplit(".", 1)[-1] for k in state})
    cfg.update(target_modules=layers, modules_to_save=None, base_model_name_or_path=None)
    cfg = {k: (sorted(v) if isinstance(v, set) else v) for k, v in cfg.items()}
    (out / "adapter_config.json").write_text(json.dumps(cfg, indent=1, default=str))
    save_file(state, str(out / "adapter_model.safetensors"))
    return out


def base_fingerprint(init: str | Path) -> str:
    """A short hash of what produced the model GRPO starts from (:func:`sqa.train.sft.model_fingerprint`)."""

    return hashlib.sha1(model_fingerprint(init).encode()).hexdigest()[:16]


def served_base_name(label: str, fingerprint: str) -> str:
    """The served name of a base: ``LABEL@FINGERPRINT`` (what ``python -m sqa serve`` serves it as)."""
    return f"{label}@{fingerprint[:FINGERPRINT_CHARS]}"


def check_served_base(served_name: str, fingerprint: str) -> None:
    """A one-line ValueError unless ``served_name`` carries ``fingerprint`` (the run's init model)."""
    if served_name.rpartition("@")[2] != fingerprint[:FINGERPRINT_CHARS]:
        raise ValueError(
            f"the served model {served_name!r} is not the model this GRPO run starts from (fingerprint "
            f"{fingerprint[:FINGERPRINT_CHARS]} expected in its served name, as python -m sqa serve "
            "names it); serve the run's init model"
        )
