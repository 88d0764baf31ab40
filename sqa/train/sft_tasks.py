"""SFT of the multi-task model: the four tasks of the judge (assess, compare, suggest, detect) in one run.

The items are :func:`sqa.tasks.items.task_items` of the training split: one assessment, one suggestion per
clip, :func:`sqa.tasks.items.pair_count` comparison pairs (two clips in one prompt) and both trials of the
spoof set of the split's first :data:`DETECT_TRAIN_CLIPS` clips (:func:`sqa.data.spoof.make_spoof_set`,
written beside the corpus). Same trainer as the other stages (:func:`sqa.train.sft.run_sft`) with
:class:`TaskItems` rows and :class:`TaskCollator` batches (:func:`sqa.model.multi_audio.task_batch`), the
``sft_*`` settings of the profile (:meth:`sqa.train.sft.SFTConfig.from_profile`) except the number of steps
(:func:`tasks_steps`); usually started from the calibrated model.

>>> from sqa.configs.profiles import get_profile
>>> tasks_steps(get_profile("tiny")), tasks_steps(get_profile("smoke"))
(300, 2)
>>> tasks_steps(get_profile("smoke", extra={"tasks_steps": 1}))
1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from sqa.data import prepare_profile_data
from sqa.data.spoof import detection_trials, make_spoof_set
from sqa.model.multi_audio import task_batch
from sqa.tasks.items import task_items
from sqa.train.calibrate import train_examples
from sqa.train.sft import SFTConfig, _audio, resolve_model, run_sft

STAGE = "tasks"
"""The stage's folder under ``runs/<profile>/`` (``python -m sqa train tasks``)."""
DETECT_TRAIN_CLIPS = 200
"""Bona fide clips of the training split whose Griffin-Lim twins the detection items use (the first ones of
``train.csv``): the resynthesis is the costly part of the spoof set (about a second per clip on a busy CPU)."""


def tasks_steps(profile) -> int:
    """Training steps: ``extra["tasks_steps"]`` when the profile sets it, else half its ``sft_steps`` (at least 1),
    which keeps the tiny profile's stage and evaluation within 10 minutes on 2 cores."""
    return int(profile.extra.get("tasks_steps") or max(1, profile.sft_steps // 2))


class TaskItems(torch.utils.data.Dataset):
    """``items[i]`` -> ``{"audios": [float32 arrays], "prompt", "answer"}`` (audio cached in memory)."""

    def __init__(self, items: Sequence[dict], sampling_rate: int = 16000):
        missing = [k for k in ("audio_paths", "prompt", "answer") if items and k not in items[0]]
        if missing:
            raise ValueError(f"task items need keys audio_paths, prompt, answer; missing {missing}")
        self.items, self.sr = list(items), sampling_rate

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        it = self.items[i]
        return {
            "audios": [_audio(str(p), self.sr) for p in it["audio_paths"]],
            "prompt": it["prompt"],
            "answer": it["answer"],
        }


@dataclass
class TaskCollator:
    """Trainer collator: :class:`TaskItems` rows -> :func:`sqa.model.multi_audio.task_batch` with labels."""

    processor: object
    sampling_rate: int = 16000
    dtype: torch.dtype | None = None

    def __call__(self, rows: list[dict]):
        batch = dict(
            task_batch(
                self.processor,
                [r["audios"] for r in rows],
                [r["prompt"] for r in rows],
                [r["answer"] for r in rows],
                sampling_rate=self.sampling_rate,
            )
        )
        batch.pop("num_audio_tokens", None)
        if self.dtype is not None:
            batch = {k: v.to(self.dtype) if v.is_floating_point() else v for k, v in batch.items()}
        return batch


def training_items(profile) -> list[dict]:
    """The multi-task items of the profile's training split (the spoof set of that split is written first)."""
    examples = train_examples(profile)
    corpus = prepare_profile_data(profile, progress=False)
    make_spoof_set(corpus, "train", n_clips=DETECT_TRAIN_CLIPS)
    return task_items(examples, detection_trials(corpus, "train"))


def sft_tasks(
    profile,
    init: str | Path | None = None,
    out_dir: str | Path | None = None,
    resume: bool = True,
    overwrite: bool = False,
    callbacks: list | None = None,
    **overrides,
) -> Path:
    """SFT on the four tasks for ``profile``; returns the stage's model dir (``<out_dir>/model``).

    ``init``: usually the calibration stage's model dir (default: the profile's base model).
    ``out_dir``: default ``runs/<profile>/tasks``. ``overrides``: :class:`~sqa.train.sft.SFTConfig` fields.
    """
    init = str(init) if init is not None else resolve_model(profile)
    out = Path(out_dir) if out_dir is not None else profile.run_dir / STAGE
    cfg = SFTConfig.from_profile(profile, "sft", out, **{"steps": tasks_steps(profile), **overrides})
    return run_sft(
        cfg,
        init,
        training_items(profile),
        resume=resume,
        overwrite=overwrite,
        callbacks=callbacks,
        dataset_class=TaskItems,
        collator_class=TaskCollator,
    )
