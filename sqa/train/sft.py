"""Supervised fine-tuning of AF3 on (audio, prompt, answer) items: the engine of Calibration and SFT.

One linear path (nanoGPT-style), shared by :func:`sqa.train.calibrate` (score answers) and
:func:`sqa.train.sft_reasoning` (full structured answers):

1. items: ``{"audio_path", "prompt", "answer"}`` dicts (the stage builds them from ``sqa.data`` examples);
2. model: :func:`sqa.model.load_model` on ``init`` (a hub id, the tiny model, or the previous stage's
   stage dir) with the profile's LoRA rank and audio-encoder switch;
3. transformers' ``Trainer`` with :class:`AudioChatCollator` (labels on answer tokens only, see
   :func:`sqa.model.build_batch`), checkpoints every ``save_every`` steps under ``<out>/checkpoints``,
   resuming from the last one after an interruption, gradient checkpointing as a switch. With
   ``dtype: bfloat16`` (or float16) the frozen weights stay in that dtype, the trained ones are float32
   master weights and the Trainer runs forward and backward under autocast, on CPU too
   (:mod:`sqa.model.precision`);
4. the trained weights saved to ``<out>/model`` by :func:`sqa.model.stages.save_stage` (LoRA adapters
   and trained modules chained to ``init``, or the full model under full fine-tuning) with
   ``sqa_train.json`` (settings, wall and CPU seconds of this run -- after a resume only the resumed
   part --, parameter counts, ``bytes_written`` by the save, loss log). The Trainer checkpoints under
   ``<out>/checkpoints`` are removed then (``checkpoint_bytes_removed``): only an unfinished run resumes.
   A finished stage with the same settings is not trained again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sqa.configs import distributed
from sqa.configs.layout import backbone_name
from sqa.configs.profiles import check_settings, profile_field, stage_values
from sqa.model import build_batch, build_tiny_model, count_parameters, load_model, save_stage
from sqa.model.loading import DTYPES
from sqa.model.precision import float32_master_weights
from sqa.model.stages import dir_bytes, read_stage_record
from sqa.model.tiny import tiny_settings

logger = logging.getLogger(__name__)

TRAIN_INFO = "sqa_train.json"
"""Written into a stage's model dir: what was trained, how, how long it took and the bytes it wrote."""


@dataclass
class SFTConfig:
    """Everything one SFT run needs; :meth:`from_profile` fills it from a :class:`sqa.configs.profiles.Profile`.

    A :func:`~sqa.configs.profiles.profile_field` has the profile field it names as its source and default
    (``{stage}``: ``calib`` or ``sft``); the other fields are this trainer's own settings.
    """

    out_dir: Path
    steps: int = profile_field("{stage}_steps")
    batch_size: int = profile_field("{stage}_batch_size")
    lr: float = profile_field("{stage}_lr")
    lora_rank: int | None = profile_field("lora_rank")
    lora_alpha: int | None = profile_field("lora_alpha")
    train_audio_encoder: bool = profile_field("train_audio_encoder")
    dtype: str = profile_field("dtype")
    device: str = profile_field("device")
    gradient_checkpointing: bool = profile_field("gradient_checkpointing")
    save_every: int = profile_field("save_every")
    seed: int = profile_field("seed")
    warmup: float = 0.05  # fraction of steps (< 1) or a number of steps
    weight_decay: float = 0.0
    max_grad_norm: float = profile_field("max_grad_norm")
    grad_accum: int = 1
    scheduler: str = "cosine"
    logging_steps: int = 50
    progress: bool = True  # tqdm bar and printed logs; False: quiet (the loss log is still in sqa_train.json)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)

    @classmethod
    def from_profile(cls, profile, stage: str, out_dir: str | Path, **overrides) -> SFTConfig:
        """``stage`` ``"calib"`` uses ``calib_steps/batch_size/lr``, ``"sft"`` the ``sft_*`` fields; then the
        profile's ``extra[stage]`` settings, then ``overrides``.

        Overrides with value ``None`` are ignored; unknown names raise.
        """
        if stage not in ("calib", "sft"):
            raise ValueError(f"SFTConfig.from_profile: stage must be 'calib' or 'sft', got {stage!r}")
        settings = {**profile.extra.get(stage, {}), **overrides}
        check_settings(cls, settings, f"SFTConfig.from_profile (profile {profile.name!r} extra.{stage}, overrides)")
        values = {**stage_values(cls, profile, stage), "out_dir": Path(out_dir)}
        values.update({k: v for k, v in settings.items() if v is not None})
        return cls(**values)

    def fingerprint(self, init: str, n_items: int) -> dict:
        """The settings that decide the trained weights (a finished run with equal ones is reused),
        including what produced ``init`` (a retrained previous stage invalidates this one)."""
        skip = {"out_dir", "progress", "logging_steps", "save_every"}
        d = {k: v for k, v in dataclasses.asdict(self).items() if k not in skip}
        d.update(init=str(init), n_items=int(n_items))
        if (produced_by := model_fingerprint(init)) != str(init):  # a base model has no training record
            d["init_fingerprint"] = produced_by
        return d


def model_fingerprint(model_dir: str | Path) -> str:
    """A short hash of what produced ``model_dir`` (its training record), so cached stages built on an
    older model are redone; the path itself when there is no record (a base model)."""
    for name in (TRAIN_INFO, "sqa_grpo.json"):
        record = Path(model_dir) / name
        if record.exists():
            return hashlib.sha1(record.read_bytes()).hexdigest()[:16]
    return str(model_dir)


# ---- model source ------------------------------------------------------------------------------
def resolve_model(profile) -> str:
    """The profile's base model: builds the tiny model of its ``backbone`` (AF3 by default) under
    ``<run_dir>/tiny_model`` for ``"tiny"`` with the profile's ``tiny_model`` options (rebuilt when they
    changed); a checkpoint of another backbone than the profile names is an error."""
    backbone = getattr(profile, "backbone", None)
    if profile.model != "tiny":
        if backbone is not None:
            from sqa.model.backbones import backbone_of, get_backbone

            found = backbone_of(profile.model)
            if found is not get_backbone(backbone):
                raise ValueError(
                    f"{profile.model}: a {found.name} checkpoint, but profile {profile.name} names "
                    f"backbone {backbone!r}"
                )
        return str(profile.model)
    path = profile.run_dir / "tiny_model"
    record = path / "sqa_tiny.json"
    options = {"backbone": backbone_name(backbone), **profile.tiny_model}
    wanted = tiny_settings(profile.seed, **options)
    if not (path / "model.safetensors").exists() or not record.exists() or json.loads(record.read_text()) != wanted:
        build_tiny_model(path, seed=profile.seed, **options)
    return str(path)


# ---- data ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _audio(path: str, sr: int) -> np.ndarray:
    from sqa.data import load_audio

    return load_audio(path, sr=sr)


class SFTItems(torch.utils.data.Dataset):
    """``items[i]`` -> ``{"audio": float32 array, "prompt": str, "answer": str}`` (audio cached in memory)."""

    def __init__(self, items: Sequence[dict], sampling_rate: int = 16000):
        missing = [k for k in ("audio_path", "prompt", "answer") if items and k not in items[0]]
        if missing:
            raise ValueError(f"SFT items need keys audio_path, prompt, answer; missing {missing}")
        self.items, self.sr = list(items), sampling_rate

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        it = self.items[i]
        return {"audio": _audio(str(it["audio_path"]), self.sr), "prompt": it["prompt"], "answer": it["answer"]}


@dataclass
class AudioChatCollator:
    """Trainer collator: a list of :class:`SFTItems` rows -> :func:`sqa.model.build_batch` with labels.

    ``dtype``: the model's compute dtype, taken by the floating tensors (the audio features)."""

    processor: object
    sampling_rate: int = 16000
    dtype: torch.dtype | None = None

    def __call__(self, rows: list[dict]):
        batch = dict(
            build_batch(
                self.processor,
                [r["audio"] for r in rows],
                [r["prompt"] for r in rows],
                [r["answer"] for r in rows],
                sampling_rate=self.sampling_rate,
            )
        )
        if self.dtype is not None:
            batch = {k: v.to(self.dtype) if v.is_floating_point() else v for k, v in batch.items()}
        return batch


# ---- training -------------------------------------------------------------------------------------
def _training_args(cfg: SFTConfig):
    from transformers import TrainingArguments

    on_cpu = cfg.device == "cpu" or not torch.cuda.is_available()
    if cfg.dtype not in DTYPES:
        raise ValueError(f"sqa.train: unknown dtype {cfg.dtype!r}; expected one of {sorted(DTYPES)}")
    if cfg.dtype == "float16" and on_cpu:
        raise ValueError("sqa.train: float16 training needs a CUDA device (on a CPU use dtype: bfloat16)")
    return TrainingArguments(
        output_dir=str(cfg.out_dir / "checkpoints"),
        max_steps=int(cfg.steps),
        per_device_train_batch_size=distributed.per_process(int(cfg.batch_size), "batch_size"),  # same global batch
        gradient_accumulation_steps=int(cfg.grad_accum),
        learning_rate=float(cfg.lr),
        lr_scheduler_type=cfg.scheduler,
        warmup_steps=float(cfg.warmup),
        weight_decay=float(cfg.weight_decay),
        max_grad_norm=float(cfg.max_grad_norm),
        logging_steps=int(cfg.logging_steps),
        save_strategy="steps",
        save_steps=int(cfg.save_every),
        save_total_limit=2,
        seed=int(cfg.seed),
        data_seed=int(cfg.seed),
        bf16=cfg.dtype == "bfloat16",  # autocast (CPU too) over float32 master weights
        fp16=cfg.dtype == "float16" and not on_cpu,
        activation_checkpointing=bool(cfg.gradient_checkpointing),  # = gradient checkpointing (transformers 5)
        activation_checkpointing_kwargs={"use_reentrant": False} if cfg.gradient_checkpointing else None,
        use_cpu=on_cpu,
        remove_unused_columns=False,
        label_names=["labels"],
        dataloader_num_workers=0,
        dataloader_pin_memory=not on_cpu,
        report_to=[],
        disable_tqdm=not cfg.progress,
    )


def _trainer_class():
    """``Trainer`` with a resume that restores full (non-PEFT) checkpoints correctly.

    transformers 5.23's ``Trainer._load_from_checkpoint`` reads ``model.safetensors`` with a plain
    ``load_state_dict(strict=False)``, but AF3 is saved in its checkpoint key layout
    (``language_model.model.layers...``), which differs from the module names: every weight would be
    reported missing and silently stay as it was. Loading through ``from_pretrained`` maps the keys.
    """
    from transformers import Trainer

    class SQATrainer(Trainer):
        def _load_from_checkpoint(self, resume_from_checkpoint, model=None):
            model = self.model if model is None else model
            full = Path(resume_from_checkpoint) / "model.safetensors"
            if hasattr(model, "peft_config") or not full.exists():
                return super()._load_from_checkpoint(resume_from_checkpoint, model)
            saved = type(model).from_pretrained(resume_from_checkpoint, dtype=model.dtype)
            model.load_state_dict(saved.state_dict(), strict=True)

    return SQATrainer


def _last_checkpoint(ckpt_dir: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(ckpt_dir)) if ckpt_dir.is_dir() else None


def _check_checkpoints(ckpt_dir: Path, fingerprint: dict, fresh: bool) -> None:
    """Keep ``ckpt_dir`` only if its checkpoints come from a run with these settings (else resuming
    would continue another run); ``fresh`` clears it anyway. Records the settings for the next call."""
    stamp = ckpt_dir / "sqa_settings.json"
    if ckpt_dir.is_dir() and (fresh or not stamp.exists() or json.loads(stamp.read_text()) != fingerprint):
        shutil.rmtree(ckpt_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(fingerprint, indent=1))


def run_sft(
    cfg: SFTConfig,
    init: str | Path,
    items: Sequence[dict],
    resume: bool = True,
    overwrite: bool = False,
    callbacks: list | None = None,
    dataset_class=None,
    collator_class=None,
) -> Path:
    """Train on ``items`` from the model at ``init``; return the stage's model dir ``cfg.out_dir / "model"``.

    ``resume``: continue from the last checkpoint in ``cfg.out_dir / "checkpoints"`` if there is one from a
    run with the same settings (checkpoints of other settings are deleted). A finished run
    (``sqa_train.json`` in the model dir) with the same settings is returned as is unless ``overwrite``
    (which also starts from scratch). ``callbacks``: extra ``TrainerCallback``s (the tests use one to simulate a crash).
    ``dataset_class`` / ``collator_class``: other items than :class:`SFTItems` rows (the multi-task model's, of
    several clips: :mod:`sqa.train.sft_tasks`), built like them from ``(items, sr)`` / ``(processor, sr, dtype=)``.
    """
    from transformers import set_seed

    if not items:
        raise ValueError("sqa.train: no training items (empty split?)")
    out_model = cfg.out_dir / "model"
    fingerprint = cfg.fingerprint(init, len(items))
    info_path = out_model / TRAIN_INFO
    if info_path.exists() and not overwrite:
        if json.loads(info_path.read_text()).get("settings") == fingerprint:
            return out_model

    distributed.init()  # under accelerate launch: join the process group before any process writes
    if distributed.is_main():
        _check_checkpoints(cfg.out_dir / "checkpoints", fingerprint, fresh=overwrite or not resume)
    distributed.barrier()
    set_seed(cfg.seed)
    model, processor = load_model(
        init,
        lora_rank=cfg.lora_rank,
        lora_alpha=cfg.lora_alpha,
        train_audio_encoder=cfg.train_audio_encoder,
        dtype=cfg.dtype,
    )
    float32_master_weights(model)  # no-op in float32; with bf16 the optimiser must see float32 weights
    if cfg.gradient_checkpointing and hasattr(model, "enable_input_require_grads"):
        model.enable_input_require_grads()  # frozen embeddings + checkpointing still need grads to flow
    params = count_parameters(model)
    sr = processor.feature_extractor.sampling_rate
    collator = (collator_class or AudioChatCollator)(processor, sr, dtype=DTYPES[cfg.dtype])
    trainer = _trainer_class()(
        model=model,
        args=_training_args(cfg),
        train_dataset=(dataset_class or SFTItems)(items, sr),
        data_collator=collator,
        callbacks=callbacks,
    )
    if not cfg.progress:
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    last = _last_checkpoint(cfg.out_dir / "checkpoints") if resume else None
    t0, c0 = time.perf_counter(), time.process_time()
    trainer.train(resume_from_checkpoint=last)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    if not distributed.is_main():  # the main process writes the model
        distributed.barrier()
        return out_model
    written = save_stage(trainer.model, processor, out_model, parent=init)
    removed = dir_bytes(cfg.out_dir / "checkpoints")
    info = {
        "settings": fingerprint,
        "world_size": distributed.world_size(),
        "train_seconds": round(seconds, 2),
        "train_cpu_seconds": round(cpu_seconds, 2),
        "threads": torch.get_num_threads(),
        "resumed_from": last,
        "global_step": trainer.state.global_step,
        "params_total": params["total"],
        "params_trainable": params["trainable"],
        "bytes_written": written,
        "checkpoint_bytes_removed": removed,
        "log_history": trainer.state.log_history,
    }
    info_path.write_text(json.dumps(info, indent=1))
    shutil.rmtree(cfg.out_dir / "checkpoints", ignore_errors=True)  # the stage is complete: nothing resumes
    if cfg.progress:
        logger.info(
            "%s: wrote %.1f MB (%s layout); removed %.1f MB of checkpoints",
            out_model,
            written / 1e6,
            read_stage_record(out_model)["layout"],
            removed / 1e6,
        )
    distributed.barrier()
    return out_model


def train_info(model_dir: str | Path) -> dict:
    """The ``sqa_train.json`` a stage wrote into its model dir."""
    path = Path(model_dir) / TRAIN_INFO
    if not path.exists():
        raise FileNotFoundError(f"{path}: no training record (was this dir written by sqa.train?)")
    return json.loads(path.read_text())
