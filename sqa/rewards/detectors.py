"""Simple signal-level artifact detectors (numpy + librosa), for :mod:`sqa.rewards.signal`.

Each detector returns merged ``(start, end)`` intervals in seconds:

* :func:`detect_pauses` -- silent gaps inside the speech: RMS frames (25 ms / 10 ms hop) more
  than ``rel_db`` below the loudest frame, lasting ``min_gap`` s, not touching either end;
* :func:`detect_dropouts` -- sudden runs of (near) digital zeros (``|x| <= eps``) of at least
  ``min_len`` s that cut into a non-silent signal;
* :func:`detect_clipping` -- runs of ``min_run`` samples at full scale (``|x| >= level``),
  joined when closer than ``join`` s and padded by ``pad`` s;
* :func:`detect_noise` -- frames with high spectral flatness (noise-like) above an absolute
  level, lasting ``min_len`` s, joined across gaps shorter than ``join`` s.

They are deliberately plain, documented heuristics, not state-of-the-art detectors.

>>> import numpy as np
>>> sr = 16000; t = np.arange(sr) / sr
>>> tone = 0.5 * np.sin(2 * np.pi * 220 * t)
>>> y = np.concatenate([tone, np.zeros(sr // 2), tone])          # 0.5 s of digital silence at 1.0 s
>>> detect_dropouts(y, sr), [(round(a, 1), round(b, 1)) for a, b in detect_pauses(y, sr)]
([(1.0, 1.5)], [(1.0, 1.5)])
>>> detect_clipping(np.clip(3 * y, -1, 1), sr)[:1]              # a clipped sine clips every period
[(0.0, 1.0)]
"""
from __future__ import annotations

import numpy as np

FRAME_S = 0.025
HOP_S = 0.010


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` index runs where ``mask`` is True (stop exclusive)."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _join(intervals: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _round(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(a, 2), round(b, 2)) for a, b in intervals]


def _frames(y: np.ndarray, sr: int) -> tuple[int, int]:
    return max(1, int(round(FRAME_S * sr))), max(1, int(round(HOP_S * sr)))


def frame_db(y: np.ndarray, sr: int) -> np.ndarray:
    """RMS level per frame in dBFS (frame k covers ``[k*hop, k*hop + frame)`` samples)."""
    import librosa

    frame, hop = _frames(y, sr)
    rms = librosa.feature.rms(y=np.asarray(y, np.float32), frame_length=frame, hop_length=hop, center=False)[0]
    return 20 * np.log10(np.maximum(rms, 1e-10))


def detect_pauses(y: np.ndarray, sr: int, rel_db: float = -35.0, min_gap: float = 0.3) -> list[tuple[float, float]]:
    """Silent gaps between sounding parts (leading and trailing silence is not a pause)."""
    db = frame_db(y, sr)
    if db.size == 0:
        return []
    frame, hop = _frames(y, sr)
    silent = db < db.max() + rel_db
    out = []
    for a, b in _runs(silent):
        if a == 0 or b == len(silent):
            continue
        start, end = a * hop / sr, ((b - 1) * hop + frame) / sr  # union of the silent frames
        if end - start >= min_gap - HOP_S:
            out.append((start, end))
    return _round(_join(out, HOP_S))


def detect_dropouts(y: np.ndarray, sr: int, eps: float = 1e-4, min_len: float = 0.02,
                    rel_db: float = -30.0) -> list[tuple[float, float]]:
    """Runs of near-zero samples that start right after audible signal (a sudden cut)."""
    y = np.asarray(y, np.float64)
    if y.size == 0:
        return []
    peak_rms = np.sqrt(np.max(np.convolve(y**2, np.ones(256) / 256, mode="same")))
    look = max(1, int(0.005 * sr))
    out = []
    for a, b in _runs(np.abs(y) <= eps):
        if a == 0 or b == len(y) or (b - a) / sr < min_len:
            continue
        before = np.sqrt(np.mean(y[max(0, a - look):a] ** 2))
        if 20 * np.log10(max(before, 1e-10) / max(peak_rms, 1e-10)) > rel_db:
            out.append((a / sr, b / sr))
    return _round(_join(out, 0.0))


def detect_clipping(y: np.ndarray, sr: int, level: float = 0.999, min_run: int = 3, join: float = 0.25,
                    pad: float = 0.0) -> list[tuple[float, float]]:
    """Regions where the waveform sits at full scale for ``min_run`` samples or more."""
    y = np.asarray(y, np.float64)
    spans = [(max(0.0, a / sr - pad), min(len(y) / sr, b / sr + pad))
             for a, b in _runs(np.abs(y) >= level) if b - a >= min_run]
    return _round(_join(spans, join))


def detect_noise(y: np.ndarray, sr: int, flatness: float = 0.3, floor_db: float = -50.0, min_len: float = 0.1,
                 join: float = 0.5) -> list[tuple[float, float]]:
    """Spans of noise-like frames: spectral flatness above ``flatness`` and level above ``floor_db`` dBFS."""
    import librosa

    y = np.asarray(y, np.float32)
    frame, hop = _frames(y, sr)
    if y.size < frame:
        return []
    n_fft = 1 << (frame - 1).bit_length()
    flat = librosa.feature.spectral_flatness(y=y, n_fft=n_fft, hop_length=hop, win_length=frame, center=False)[0]
    db = frame_db(y, sr)
    n = min(len(flat), len(db))
    noisy = (flat[:n] > flatness) & (db[:n] > floor_db)
    spans = [(a * hop / sr, ((b - 1) * hop + frame) / sr) for a, b in _runs(noisy)]
    spans = [s for s in _join(spans, join) if s[1] - s[0] >= min_len]
    return _round(spans)


DETECTORS = {
    "noise": (detect_noise,),
    "distortion": (detect_clipping,),
    "unnatural_pause": (detect_pauses, detect_dropouts),
}
"""Which detectors stand for each artifact type (clipping = distortion; gaps and dropouts = pauses)."""


def detect_artifacts(y: np.ndarray, sr: int) -> dict[str, list[tuple[float, float]]]:
    """``{artifact: merged intervals}`` from the :data:`DETECTORS` of each type."""
    from sqa.metrics.iou import merge_intervals

    return {name: _round(merge_intervals([s for fn in fns for s in fn(y, sr)])) for name, fns in DETECTORS.items()}


def load_audio(path: str) -> tuple[np.ndarray, int]:
    """Mono float waveform at its native rate (no resampling, which would hide clipping)."""
    import soundfile as sf

    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return data.mean(axis=1), int(sr)
