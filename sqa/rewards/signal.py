"""Signal-grounded reward (ours; the paper's stated future work, Sec. 6): do the claimed
artifact intervals agree with what simple detectors find in the audio itself?

For each artifact type (noise, distortion = clipping, unnatural pause = silent gaps and
dropouts; :data:`sqa.rewards.detectors.DETECTORS`): if the answer claims it present but nothing
is detected, or the reverse, the term is 0; if both, the term is the IoU of claimed and detected
intervals; if neither, the type is skipped. The reward is the mean of the terms (1.0 when all
types are skipped and the answer states its artifacts, 0.0 when it states none). Range 0..1.
The audio comes from the dataset column ``audio_path``; the reference answer is not used.
An unreadable audio file scores 0.0 (counted as an error, warned), it does not raise.

>>> import numpy as np, soundfile as sf, tempfile, os
>>> sr = 16000; tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
>>> path = os.path.join(tempfile.mkdtemp(), "gap.wav")
>>> sf.write(path, np.concatenate([tone, np.zeros(sr // 2), tone]), sr)
>>> good = "Noise: 5\\nNoise artifact: no\\nDistortion artifact: no\\nUnnatural pause artifact: yes, 1-1.5s; a gap"
>>> partly = good.replace("1-1.5s", "1.25-1.75s")
>>> signal_reward(None, [good, partly, "junk"], audio_path=[path] * 3)
[1.0, 0.3333333333333333, 0.0]
"""
from __future__ import annotations

import functools
import os
from typing import Sequence

from sqa.metrics.iou import interval_iou
from sqa.schema import ARTIFACTS, Assessment, parse_response

from .common import column, completion_text, is_empty, never_raise
from .detectors import detect_artifacts, load_audio
from .stats import stats


@functools.lru_cache(maxsize=512)
def _detections(path: str, mtime: float) -> dict[str, list[tuple[float, float]]]:
    y, sr = load_audio(path)
    return detect_artifacts(y, sr)


def detections_for(path: str) -> dict[str, list[tuple[float, float]]]:
    """Detector intervals per artifact type for an audio file (cached per path and mtime)."""
    return _detections(str(path), os.path.getmtime(path))


def signal_agreement(pred: Assessment | None, detected: dict[str, Sequence[tuple[float, float]]]) -> float:
    """Mean agreement of claimed and detected intervals over artifact types (module docstring)."""
    if pred is None:
        return 0.0
    terms = []
    for name in ARTIFACTS:
        if name not in detected:
            continue
        claim = pred.artifacts.get(name)
        claimed = claim is not None and claim.present
        found = bool(detected[name])
        if claimed and found:
            terms.append(interval_iou(claim.intervals, detected[name]))
        elif claimed or found:
            terms.append(0.0)
    if terms:
        return sum(terms) / len(terms)
    return 1.0 if any(pred.artifacts.get(n) is not None for n in ARTIFACTS) else 0.0


@never_raise("signal")
def signal_reward(prompts, completions, **columns) -> list[float]:
    """Agreement of claimed artifact intervals with signal detectors, per completion."""
    paths = column(columns, "audio_path", len(completions), "signal")
    preds = []
    for c in completions:
        a = parse_response(completion_text(c))
        preds.append(None if is_empty(a) else a)
    stats.add("signal", calls=len(preds), unparsed=sum(p is None for p in preds))
    rewards = []
    for pred, path in zip(preds, paths):
        if pred is None:
            rewards.append(0.0)
            continue
        try:
            detected = detections_for(path)
        except Exception as exc:  # noqa: BLE001 -- unreadable audio scores 0, counted
            import warnings

            stats.add("signal", errors=1)
            warnings.warn(f"sqa.rewards.signal: cannot analyse {path}: {type(exc).__name__}: {exc}",
                          RuntimeWarning, stacklevel=2)
            rewards.append(0.0)
            continue
        rewards.append(signal_agreement(pred, detected))
    return rewards
