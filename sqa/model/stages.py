"""How a trained stage is stored: its trained weights only, chained to the model it started from.

A stage (Calibration, SFT, GRPO) writes one directory, ``runs/<profile>/<stage>/model``, in one of two
layouts, named in its ``sqa_stage.json`` record:

* ``adapter`` -- the stage trained LoRA adapters (and the projector / audio encoder as PEFT
  ``modules_to_save``): ``adapter_model.safetensors`` holds those weights only, never a second copy of
  the base. On the paper profile that is LoRA r=64 on the 7B LLM plus the encoder and projector instead
  of a merged 16 GB model. The record names the ``parent`` (the model the stage was loaded from: the base,
  or the previous stage's dir) and the parent's stage ``id``;
* ``full`` -- the stage fine-tuned every weight (the tiny profile, ``lora_rank: 0``): a plain HF model
  dir, as ``save_pretrained`` writes it.

Both layouts also hold the processor files and ``config.json``, so a stage dir is used like any model dir:
``load_model(stage_dir)``, ``python -m sqa assess --model stage_dir``. Loading an ``adapter`` stage rebuilds
the chain: the first ancestor that is not an adapter stage (the base model or a ``full`` stage) is loaded,
then every adapter, oldest first, is applied and merged -- the same operations, in the same order, as
when the next stage was trained on top of it. A stage whose parent was retrained since (another ``id``)
is refused with an error naming both dirs, instead of applying an adapter to weights it was not trained on.

Trained ``modules_to_save`` (encoder, projector) are stored in the dtype the model was loaded in (bf16
on the paper profile, even when they trained as float32 master weights): loading puts them there
anyway, as loading a merged bf16 model did. LoRA weights keep the dtype they trained in (float32).
A ``full`` stage is cast back to the loaded dtype before it is saved.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import torch

STAGE_RECORD = "sqa_stage.json"
LAYOUTS = ("adapter", "full")


def dir_bytes(path: str | os.PathLike) -> int:
    """Total size of the files under ``path`` (0 when it does not exist).

    >>> dir_bytes("/no/such/dir")
    0
    """
    p = Path(path)
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else 0


def read_stage_record(path: str | os.PathLike) -> dict | None:
    """The ``sqa_stage.json`` of a stage dir, or ``None`` (a base model, a hub id, an older merged stage)."""
    record = Path(path) / STAGE_RECORD
    if not record.is_file():
        return None
    data = json.loads(record.read_text())
    if data.get("layout") not in LAYOUTS:
        raise ValueError(f"{record}: unknown stage layout {data.get('layout')!r}; expected one of {LAYOUTS}")
    return data


def _is_peft(model) -> bool:
    return hasattr(model, "peft_config")


def _base_dtype(model) -> torch.dtype:
    """The dtype the stage is stored in: the model's compute dtype (the half dtype it was loaded in, its
    trained weights being float32 masters; float32 otherwise)."""
    from sqa.model.precision import compute_dtype

    return compute_dtype(model)


def _saved_state(model) -> dict[str, torch.Tensor]:
    """What the ``adapter`` layout stores of a PEFT model: its full state dict with the trained
    ``modules_to_save`` copies in the base dtype (PEFT then keeps the adapter's and those copies' entries)."""
    dtype = _base_dtype(model)
    return {
        k: v.to(dtype) if "modules_to_save" in k and v.is_floating_point() else v for k, v in model.state_dict().items()
    }


def adapter_bytes(model) -> int:
    """Bytes of the tensors the ``adapter`` layout writes for this PEFT model (the safetensors header and
    the small processor/config files not counted); works on the meta device, so it projects a
    full-size model's stage without its weights (docs/stages.md)."""
    from peft import get_peft_model_state_dict

    dtype = _base_dtype(model)
    saved = get_peft_model_state_dict(model, save_embedding_layers=False)
    return sum(
        t.numel() * (t.element_size() if "lora_" in k or not t.is_floating_point() else torch.finfo(dtype).bits // 8)
        for k, t in saved.items()
    )


def save_stage(model, processor, out_dir: str | os.PathLike, parent: str | os.PathLike) -> int:
    """Save a trained stage to ``out_dir`` (emptied first); returns the bytes written.

    ``model``: the trained model, a PEFT model (``adapter`` layout) or a plain one (``full`` layout);
    ``parent``: what it was loaded from (a model dir, a stage dir or a hub id), recorded for reloading.
    """
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)  # a previous layout's files must not survive next to this one's
    out.mkdir(parents=True)
    if _is_peft(model):
        layout = "adapter"
        model.save_pretrained(out, state_dict=_saved_state(model), save_embedding_layers=False)
        (out / "README.md").unlink(missing_ok=True)  # PEFT's model-card template
        model.get_base_model().config.save_pretrained(out)
    else:
        layout = "full"
        model.to(_base_dtype(model)).save_pretrained(out)  # float32 master weights back to the loaded dtype
    processor.save_pretrained(out)
    parent_str = str(parent)
    dtype = str(_base_dtype(model)).removeprefix("torch.")  # the dtype the stage trained in (frozen weights)
    record = {"layout": layout, "id": uuid.uuid4().hex, "dtype": dtype, "parent": parent_str}
    if Path(parent_str).is_dir():
        record["parent"] = str(Path(parent_str).resolve())
        record["parent_relative"] = os.path.relpath(Path(parent_str).resolve(), out.resolve())
        record["parent_id"] = (read_stage_record(parent_str) or {}).get("id")
    (out / STAGE_RECORD).write_text(json.dumps(record, indent=1))
    return dir_bytes(out)


def _parent_of(stage: Path, record: dict) -> str:
    """The parent's dir (found relative to the stage first, so a moved ``runs/`` still works) or hub id."""
    relative = record.get("parent_relative")
    if relative is None:
        return record["parent"]
    for candidate in (stage / relative, Path(record["parent"])):
        if candidate.is_dir():
            return str(candidate.resolve())
    raise FileNotFoundError(
        f"{stage}: the model this adapter stage was trained from is gone ({record['parent']}); train the stage again"
    )


def stage_chain(path: str | os.PathLike) -> tuple[str, list[Path]]:
    """``(root, adapters)``: the model dir or hub id to load first, and the adapter stage dirs to apply
    on it, oldest first. A dir without a record, or a ``full`` stage, is its own root.

    >>> stage_chain("nvidia/audio-flamingo-3-hf")
    ('nvidia/audio-flamingo-3-hf', [])
    """
    current, adapters = str(path), []
    while (record := read_stage_record(current) if Path(current).is_dir() else None) is not None:
        if record["layout"] != "adapter":
            break
        stage = Path(current)
        adapters.append(stage)
        if len(adapters) > 64:
            raise ValueError(f"{path}: stage chain longer than 64 (a cycle of parents?)")
        current = _parent_of(stage, record)
        if Path(current).is_dir() and (read_stage_record(current) or {}).get("id") != record.get("parent_id"):
            raise ValueError(f"{stage}: its parent {current} was retrained after it; train this stage again")
    return current, adapters[::-1]


def load_stage_weights(path: str | os.PathLike, dtype: torch.dtype | None = None):
    """The model at ``path`` with every weight in place: a plain model dir or hub id as ``from_pretrained``
    loads it, an ``adapter`` stage rebuilt from its chain (adapters merged, no PEFT wrapper left)."""
    from sqa.model.backbones import backbone_of

    root, adapters = stage_chain(path)
    model = backbone_of(root).model_cls().from_pretrained(root, dtype=dtype)
    if adapters:
        from peft import PeftModel

        for stage in adapters:
            model = PeftModel.from_pretrained(model, str(stage)).merge_and_unload()
    return model


def export_merged(stage_dir: str | os.PathLike, out_dir: str | os.PathLike, dtype: str | None = None) -> int:
    """Write a stage as one plain model dir (its chain merged), for tools that need full weights (a
    ``vllm serve`` of the stage); returns the bytes written. ``dtype``: ``float32``, ``bfloat16`` or
    ``float16``; by default the dtype the stage trained in (``auto`` for a dir without a stage record)."""
    from transformers import AutoProcessor

    out = Path(out_dir)
    if out.resolve() == Path(stage_dir).resolve():
        raise ValueError(f"{out}: export into another directory than the stage's own")
    if not Path(stage_dir).is_dir():
        raise FileNotFoundError(f"{stage_dir}: no such stage directory")
    dtype = dtype or (read_stage_record(stage_dir) or {}).get("dtype", "auto")
    model = load_stage_weights(stage_dir, dtype=dtype if dtype == "auto" else getattr(torch, dtype))
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    AutoProcessor.from_pretrained(str(stage_dir)).save_pretrained(out)
    return dir_bytes(out)
