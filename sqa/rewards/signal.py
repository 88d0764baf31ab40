"""Signal-grounded reward (ours; the paper's stated future work, Sec. 6): do the claimed
artifact intervals agree with what simple detectors find in the audio itself?

For each artifact type (noise = non-silent floor, distortion = clipping / quantisation flat
tops, unnatural pause = gaps at the noise floor; :data:`sqa.rewards.detectors.DETECTORS`,
which also says why dropouts are detected but not scored): if the answer claims it present but nothing
is detected, or the reverse, the term is 0; if both, the term is the IoU of claimed and detected
intervals; if neither, the type is skipped. The reward is the mean of the terms (1.0 when all
types are skipped and the answer states its artifacts, 0.0 when it states none). Range 0..1.
The audio comes from the dataset column ``audio_path``; the reference answer is not used.
An unreadable audio file scores 0.0 (counted as an error, warned), it does not raise.
Detections are cached per file, so a GRPO group of G answers analyses its clip once (~30 ms).

>>> import numpy as np, soundfile as sf, tempfile, os
>>> sr = 16000; t = np.arange(sr) / sr
>>> tone = 0.5 * np.sin(2 * np.pi * 220 * t)
>>> before, after = tone * (t % 0.25 >= 0.05), tone * (t % 0.25 < 0.2)  # syllables: 0.2 s sound, 0.05 s gap
>>> path = os.path.join(tempfile.mkdtemp(), "gap.wav")
>>> sf.write(path, np.concatenate([before, np.zeros(sr // 2), after]), sr)  # a 0.5 s pause at 1 s
>>> good = "Noise: 5\\nNoise artifact: no\\nDistortion artifact: no\\nUnnatural pause artifact: yes, 1-1.5s; a gap"
>>> partly = good.replace("1-1.5s", "1.25-1.75s")
>>> signal_reward(None, [good, partly, "junk"], audio_path=[path] * 3)
[1.0, 0.3333333333333333, 0.0]
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Sequence

from sqa.metrics.iou import interval_iou
from sqa.rewards.common import Reward, column, completion_text, parse_completions
from sqa.rewards.detectors import detect_artifacts, load_audio
from sqa.schema import ARTIFACTS, Assessment


def make_detections(detectors: dict | None = None, cache_size: int = 512) -> Callable[[str], dict]:
    """``path -> {artifact: intervals}`` with ``detectors`` (default :data:`~sqa.rewards.detectors.DETECTORS`),
    cached per path and modification time."""

    @functools.lru_cache(maxsize=cache_size)
    def cached(path: str, mtime: float) -> dict[str, list[tuple[float, float]]]:
        y, sr = load_audio(path)
        return detect_artifacts(y, sr, detectors)

    def detections(path: str) -> dict[str, list[tuple[float, float]]]:
        return cached(str(path), os.path.getmtime(path))

    return detections


detections_for = make_detections()
"""Detector intervals per artifact type for an audio file (default detectors, cached)."""


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


class SignalReward(Reward):
    """Agreement of claimed artifact intervals with signal detectors, per completion (audio in ``audio_path``).

    ``detectors``: other detectors than :data:`~sqa.rewards.detectors.DETECTORS`, e.g. dropouts counted as pauses:
    ``SignalReward({**DETECTORS, "unnatural_pause": (detect_pauses, detect_dropouts)})``.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     r = SignalReward()
    ...     r(None, ["Noise artifact: no", "junk"], audio_path=["/no/such.wav"] * 2), r.stats["signal"].errors
    ([0.0, 0.0], 1)
    """

    name = "signal"

    def __init__(self, detectors: dict | None = None, name: str | None = None, stats=None) -> None:
        super().__init__(name, stats)
        self.detections = detections_for if detectors is None else make_detections(detectors)

    def score(self, prompts, completions, columns) -> list[float]:
        paths = column(columns, "audio_path", len(completions), self.name)
        preds = parse_completions([completion_text(c) for c in completions])
        self.stats.add(self.name, calls=len(preds), unparsed=sum(p is None for p in preds))
        rewards = []
        for pred, path in zip(preds, paths):
            if pred is None:
                rewards.append(0.0)
                continue
            try:
                detected = self.detections(path)
            except Exception as exc:
                self.stats.add(self.name, errors=1)
                warnings.warn(
                    f"sqa.rewards.{self.name}: cannot analyse {path}: {type(exc).__name__}: {exc}",
                    RuntimeWarning,
                    stacklevel=2,
                )
                rewards.append(0.0)
                continue
            rewards.append(signal_agreement(pred, detected))
        return rewards


def make_signal_reward(detectors: dict | None = None, name: str = "signal") -> SignalReward:
    """A signal reward with other detectors (see :class:`SignalReward`)."""
    return SignalReward(detectors, name)


signal_reward = SignalReward()
