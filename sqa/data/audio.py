"""Robust audio loading: one float32 mono array at a fixed rate, or one clear error naming the file.

>>> import numpy as np
>>> audio_problems(np.zeros(16000, dtype=np.float32), 16000)
['silent']
>>> audio_problems(0.1 * np.ones(4000, dtype=np.float32), 16000)
['too short']
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

SILENT_PEAK = 1e-4
"""A clip whose absolute peak is below this (about -80 dBFS) is flagged ``silent``."""
SILENT_RMS = 1e-5
"""A clip whose RMS is below this (about -100 dBFS) is flagged ``silent`` whatever its peak."""
MIN_SECONDS = 0.5
"""Shorter clips are flagged ``too short``: too little speech to judge."""
MAX_SECONDS = 30.0
"""Longer clips are flagged ``long``: audio LLMs such as AF3 see 30 s windows."""


class AudioError(ValueError):
    """An audio file that cannot be used, with the file and the problem in one line.

    >>> str(AudioError("clip.wav", "empty file (0 bytes)"))
    'clip.wav: empty file (0 bytes)'
    """

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{os.fspath(path)}: {problem}")


def _read(path: Path) -> tuple[np.ndarray, int]:
    """Decode with soundfile (wav, flac, ogg, mp3 with libsndfile >= 1.1), else with librosa's fallbacks."""
    try:
        y, native_sr = sf.read(path, dtype="float32", always_2d=True)
        return y.T, int(native_sr)  # (channels, samples)
    except Exception as sf_err:
        reason = getattr(sf_err, "error_string", None) or str(sf_err)
    try:
        import warnings

        import librosa

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # librosa warns before trying audioread
            y, native_sr = librosa.load(path, sr=None, mono=False)
        return np.atleast_2d(y).astype(np.float32), int(native_sr)
    except Exception:
        reason = reason.strip().rstrip(".") or "unknown format"
        raise AudioError(path, f"not a readable audio file ({reason})") from None


def load_audio(path: str | os.PathLike, sr: int = 16000) -> np.ndarray:
    """Read an audio file as a float32 mono array resampled to ``sr`` Hz.

    Multi-channel audio is averaged to mono; resampling uses ``librosa.resample`` (soxr).
    Raises :class:`AudioError` naming the file for a missing file, an empty (0-byte) file,
    a file that is not decodable audio, zero-length audio, and NaN or infinite samples.
    Loud-but-usable oddities (silence, very short or long clips) are not errors: see
    :func:`audio_problems`.
    """
    p = Path(path)
    if not p.exists():
        raise AudioError(path, "file not found")
    if p.is_dir():
        raise AudioError(path, "is a directory, not an audio file")
    if p.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    try:
        y, native_sr = _read(p)
    except AudioError as err:
        raise AudioError(path, err.problem) from None
    if y.size == 0:
        raise AudioError(path, "contains no audio samples (zero length)")
    if not np.all(np.isfinite(y)):
        raise AudioError(path, "contains NaN or infinite samples")
    y = y.mean(axis=0) if y.shape[0] > 1 else y[0]
    if native_sr != sr:
        import librosa

        y = librosa.resample(y, orig_sr=native_sr, target_sr=sr)
    return np.ascontiguousarray(y, dtype=np.float32)


def audio_problems(y: np.ndarray, sr: int) -> list[str]:
    """Warnings (not errors) about a loaded clip: ``"silent"``, ``"too short"``, ``"long"``.

    ``silent``: peak below :data:`SILENT_PEAK` or RMS below :data:`SILENT_RMS`;
    ``too short``: under :data:`MIN_SECONDS`; ``long``: over :data:`MAX_SECONDS`.
    """
    y = np.asarray(y, dtype=np.float64)
    problems = []
    if y.size == 0 or np.max(np.abs(y)) < SILENT_PEAK or np.sqrt(np.mean(y**2)) < SILENT_RMS:
        problems.append("silent")
    seconds = y.size / float(sr)
    if seconds < MIN_SECONDS:
        problems.append("too short")
    elif seconds > MAX_SECONDS:
        problems.append("long")
    return problems
