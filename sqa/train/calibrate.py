"""Calibration SFT (paper §3.1): teach the model each dimension's 1..5 scale from annotated scores.

One item per (clip, dimension) with a known score: the prompt is ``calibration_prompt(dim)`` (which
states the criterion of every score), the answer ``calibration_answer(score)`` (the digit alone); the
loss is on the answer digit and its end-of-turn token only. The audio encoder is trained too (the
paper's setting) unless the profile says ``train_audio_encoder: false`` (the frozen-encoder ablation).

>>> from sqa.schema import Assessment
>>> from sqa.data import Example
>>> ex = Example("a.wav", "a.wav", Assessment(scores={"noise": 2, "overall": 3}))
>>> [(it["prompt"][:26], it["answer"]) for it in calibration_items([ex])]
[('Rate the background noise ', '2'), ('Rate the overall quality o', '3')]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqa.schema import DIMENSIONS
from sqa.schema.prompts import calibration_answer, calibration_prompt
from sqa.train.sft import SFTConfig, resolve_model, run_sft


def calibration_items(examples: Sequence, dimensions: Sequence[str] = DIMENSIONS) -> list[dict]:
    """``{"audio_path", "prompt", "answer", "id", "dimension"}`` for every known score of every example."""
    items = []
    for ex in examples:
        for dim in dimensions:
            score = ex.assessment.scores.get(dim)
            if score is not None:
                items.append(
                    {
                        "audio_path": str(ex.audio_path),
                        "prompt": calibration_prompt(dim),
                        "answer": calibration_answer(score),
                        "id": ex.id,
                        "dimension": dim,
                    }
                )
    return items


def stage_dir(profile, name: str = "calibration") -> Path:
    """``runs/<profile>/<name>``, with ``_frozen`` appended when the audio encoder is frozen."""
    return profile.run_dir / (name if profile.train_audio_encoder else f"{name}_frozen")


def train_examples(profile, split: str = "train"):
    """The profile's examples of ``split`` (:func:`sqa.data.load_examples`: its ``dataset:``)."""
    from sqa.data import load_examples

    return load_examples(profile, split)


def calibrate(
    profile,
    init: str | Path | None = None,
    out_dir: str | Path | None = None,
    resume: bool = True,
    overwrite: bool = False,
    callbacks: list | None = None,
    **overrides,
) -> Path:
    """Calibration SFT for ``profile``; returns the stage's model dir (``<out_dir>/model``).

    ``init``: the model to start from (default: the profile's base model, the tiny AF3 built on demand).
    ``out_dir``: default :func:`stage_dir` (``runs/<profile>/calibration`` or ``calibration_frozen``).
    ``overrides``: :class:`~sqa.train.sft.SFTConfig` fields (e.g. ``steps=10``, ``warmup=0``).
    """
    init = str(init) if init is not None else resolve_model(profile)
    out = Path(out_dir) if out_dir is not None else stage_dir(profile, "calibration")
    sft_cfg = SFTConfig.from_profile(profile, "calib", out, **overrides)
    return run_sft(
        sft_cfg,
        init,
        calibration_items(train_examples(profile)),
        resume=resume,
        overwrite=overwrite,
        callbacks=callbacks,
    )
