"""Bytes on disk: where the base model's files are (never downloading) and what a full run will write.

The preflight's ``base model`` and ``disk`` checks (:mod:`sqa.pipeline.preflight`) are built on these.
"""

from __future__ import annotations

from pathlib import Path

GIB = 2**30
CLIP_BYTES = 8 * 16000 * 2
"""Upper bound of one synthetic clip on disk (8 s of 16 kHz PCM16)."""
TINY_MODEL_BYTES = 16 * 2**20
"""The tiny AF3 (1.8 M float32 parameters) and its tokenizer, before it is built."""
CHECKPOINTS_KEPT = 2
"""SFT and GRPO keep their last two checkpoints (``save_total_limit=2``)."""


def local_model_dir(model: str) -> Path | None:
    """The local folder of ``model``: the path itself, or its Hugging Face cache snapshot (never downloads)."""
    path = Path(model).expanduser()
    if path.exists():
        return path
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:
        return None


def missing_weight_files(folder: Path) -> list[str]:
    """Shards the folder's ``*.safetensors.index.json`` lists but does not have (an interrupted download)."""
    import json

    missing = []
    for index in folder.glob("*.safetensors.index.json"):
        shards = set(json.loads(index.read_text()).get("weight_map", {}).values())
        missing += sorted(s for s in shards if not (folder / s).exists())
    if not missing and not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        missing.append("*.safetensors")
    return missing


def hf_cache() -> str:
    try:
        from huggingface_hub.constants import HF_HUB_CACHE

        return str(HF_HUB_CACHE)
    except ImportError:  # pragma: no cover
        return "~/.cache/huggingface/hub"


ENCODER_STAGE_SHARE = 1.96 / 16.54
"""An ``adapter`` stage that trained the audio encoder (LoRA + encoder + projector) against the base model's
bytes: AF3's Calibration, docs/stages.md."""
ADAPTER_STAGE_SHARE = 0.68 / 16.54
"""An ``adapter`` stage with the encoder frozen (LoRA + projector): AF3's SFT and GRPO, docs/stages.md."""
CHECKPOINT_FACTOR = 6
"""A resumable checkpoint against its stage's saved weights: float32 weights and AdamW's two float32 moments
of 16-bit trained modules (at most 2 + 4 = 6 times their bytes)."""


def stage_names(profile) -> list[str]:
    """Model folders a full ``make reproduce`` saves: 2 calibrations, 3 SFTs, the warm-up (when it is not the
    SFT stage), 5 GRPO runs and the text-only one."""
    names = [
        "calibration",
        "calibration_frozen",
        "sft_from_base",
        "sft_from_calibration",
        "sft_from_calibration_frozen",
    ]
    names += ["grpo_warmup"] if profile.grpo_warmup_steps is not None else []
    return names + [f"grpo_{r}" for r in ("acc_sem", "llm_judge", "unified", "iou", "signal", "acc_sem_text_only")]


def model_bytes(profile) -> int | None:
    """Bytes of the base model: the tiny AF3's size, or the hub index's ``total_size``."""
    import json

    if profile.model == "tiny":
        path = profile.run_dir / "tiny_model"
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else TINY_MODEL_BYTES
    folder = local_model_dir(profile.model)
    if folder is None:
        return None
    index = next(folder.glob("*.safetensors.index.json"), None)
    if index is not None:
        total = json.loads(index.read_text()).get("metadata", {}).get("total_size")
        if total:
            return int(total)
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) or None


def run_bytes(profile, base: int) -> int:
    """Peak bytes a full run writes (``sqa.model.stages``, docs/stages.md): every stage's saved weights (the
    whole model under full fine-tuning, ``lora_rank: 0``; else its adapter: LoRA, projector and, where it
    trained, the audio encoder), plus the two resumable checkpoints of the largest stage while it trains
    (removed once a stage completes), plus the synthetic corpus. An estimate, shown beside the free space.

    >>> from sqa.configs.profiles import get_profile
    >>> round(run_bytes(get_profile("paper"), 16_540_000_000) / 1e9, 1)
    34.4
    """
    if not profile.lora_rank:
        stages = [base] * len(stage_names(profile))
    else:
        encoder = {
            "calibration": profile.train_audio_encoder,
            "sft_from_base": True,
            "sft_from_calibration": profile.reasoning_train_audio_encoder,
        }
        stages = [
            int(base * (ENCODER_STAGE_SHARE if encoder.get(n) else ADAPTER_STAGE_SHARE)) for n in stage_names(profile)
        ]
    data = (profile.n_train + profile.n_test) * CLIP_BYTES if not profile.data_dir else 0
    return sum(stages) + CHECKPOINTS_KEPT * CHECKPOINT_FACTOR * max(stages) + data
