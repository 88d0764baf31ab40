"""SFT on the full structured answer: QualiSpeech-FT's stage 2 and the one-epoch GRPO warm-up.

One item per clip: the prompt is ``REASONING_PROMPT``, the answer ``render(example.assessment)`` (scores,
artifacts with intervals, description; the one format of :mod:`sqa.schema.render`). Same trainer as
Calibration (:func:`sqa.train.sft.run_sft`), usually started from the calibrated model.

>>> from sqa.schema import Assessment
>>> from sqa.data import Example
>>> items = reasoning_items([Example("a.wav", "a.wav", Assessment(scores={"noise": 2}, description="Noisy."))])
>>> print(items[0]["answer"])
Noise: 2
Description: Noisy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqa.schema import render
from sqa.schema.prompts import REASONING_PROMPT
from sqa.train.calibrate import stage_dir, train_examples
from sqa.train.sft import SFTConfig, resolve_model, run_sft


def reasoning_items(examples: Sequence) -> list[dict]:
    """``{"audio_path", "prompt", "answer", "id"}`` per example, the answer being the rendered assessment."""
    return [
        {"audio_path": str(ex.audio_path), "prompt": REASONING_PROMPT, "answer": render(ex.assessment), "id": ex.id}
        for ex in examples
    ]


def sft_reasoning(
    profile,
    init: str | Path | None = None,
    out_dir: str | Path | None = None,
    resume: bool = True,
    overwrite: bool = False,
    callbacks: list | None = None,
    **overrides,
) -> Path:
    """SFT on rendered full answers for ``profile`` (``sft_steps``, ``sft_batch_size``, ``sft_lr``).

    ``init``: usually the calibration stage's model dir (default: the profile's base model).
    ``out_dir``: default ``runs/<profile>/sft_reasoning`` (``_frozen`` with a frozen encoder).
    For the one-epoch GRPO warm-up pass ``steps=ceil(n_train / sft_batch_size)``.
    Returns the stage's model dir.
    """
    init = str(init) if init is not None else resolve_model(profile)
    out = Path(out_dir) if out_dir is not None else stage_dir(profile, "sft_reasoning")
    sft_cfg = SFTConfig.from_profile(profile, "sft", out, **overrides)
    return run_sft(
        sft_cfg, init, reasoning_items(train_examples(profile)), resume=resume, overwrite=overwrite, callbacks=callbacks
    )
