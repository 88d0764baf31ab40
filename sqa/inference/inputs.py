"""Reading the user's audio for :mod:`sqa.inference.assess`: path expansion, checks, truncation.

Directories are expanded recursively to ``.wav``/``.flac``/``.mp3``/``.ogg`` files, sorted. What
happens to odd audio (decided here, tested in ``tests/test_assess.py``):

* missing, empty (0 bytes), undecodable (e.g. a text file named ``.wav``), zero-length, NaN/inf
  samples: **rejected** with the message of :func:`sqa.data.load_audio`;
* silent: **assessed**, flagged ``"silent"``;
* shorter than :data:`sqa.data.audio.MIN_SECONDS` (0.5 s): **assessed**, flagged ``"too short"``;
  so short that the audio encoder gives it no audio token (2 mel hops or less: 40 ms for the tiny
  model, 20 ms for AF3): **rejected** (``too short to assess``);
* longer than the processor reads (``max_audio_len``: 600 s for AF3, 64 s for the tiny AF3; one 30 s
  window for Qwen2-Audio): **assessed** on the first ``max_audio_len`` seconds, flagged
  ``"truncated to N s"``. Only those seconds are read (the duration comes from ``soundfile.info``).
  Anything up to that length is cut into the model's windows (30 s for AF3) exactly as AF3's processor
  does.

>>> expand_paths(["a.wav", "a.wav"])
[('a.wav', None)]
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sqa.data.audio import AudioError, audio_problems, load_audio

__all__ = ["AUDIO_EXTENSIONS", "Clip", "expand_paths", "min_audio_samples", "read_clip"]

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg")
"""File types a directory argument is expanded to (case-insensitive)."""


@dataclass
class Clip:
    """Audio ready for the model: float32 mono at ``sr``, possibly cut to the model's maximum."""

    audio: np.ndarray
    duration_s: float
    flags: list[str]


def _one_line(err: BaseException) -> str:
    """An exception's message on one line, at most 300 characters (the type name if it is empty).

    >>> _one_line(ValueError("bad\\n  value")), _one_line(KeyError())
    ('bad value', 'KeyError')
    """
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[tuple[str, str | None]]:
    """``(file, problem)`` per input: directories become their audio files (recursive, sorted).

    A directory without audio files gives one entry with a problem; other paths are kept as given
    (missing files are reported when read). Duplicates are dropped, first occurrence kept.

    >>> expand_paths(["b.wav", "a.wav", "b.wav"])
    [('b.wav', None), ('a.wav', None)]
    """
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.suffix.lower() in AUDIO_EXTENSIONS and f.is_file())
            entries = [(f, None) for f in found] or [
                (str(raw), f"no audio files ({', '.join(AUDIO_EXTENSIONS)}) in this directory")
            ]
        else:
            entries = [(str(raw), None)]
        for entry in entries:
            if entry[0] not in seen:
                seen.add(entry[0])
                out.append(entry)
    return out


def min_audio_samples(hop_length: int) -> int:
    """Fewest samples that give the AF3 encoder one audio token: 3 mel frames (conv stride 2, then pool 2).

    The feature extractor marks ``ceil(n / hop_length)`` frames as real; the processor turns ``f`` frames
    into ``((f - 1) // 2 + 1 - 2) // 2 + 1`` tokens, which is 0 for ``f <= 2``.

    >>> min_audio_samples(160), min_audio_samples(320)
    (321, 641)
    """
    return 2 * hop_length + 1


def _read_head(path: Path, seconds: float, sr: int) -> np.ndarray:
    """The first ``seconds`` of a soundfile-readable file as float32 mono at ``sr`` (same checks as load_audio)."""
    import soundfile as sf

    with sf.SoundFile(path) as f:
        native_sr = f.samplerate
        y = f.read(frames=int(math.ceil(seconds * native_sr)), dtype="float32", always_2d=True).T
    if not np.all(np.isfinite(y)):
        raise AudioError(path, "contains NaN or infinite samples")
    y = y.mean(axis=0) if y.shape[0] > 1 else y[0]
    if native_sr != sr:
        import librosa

        y = librosa.resample(y, orig_sr=native_sr, target_sr=sr)
    return np.ascontiguousarray(y[: int(seconds * sr)], dtype=np.float32)


def read_clip(path: str | os.PathLike, sr: int = 16000, max_seconds: float = 600.0, min_samples: int = 1) -> Clip:
    """Load one file for assessment, or raise :class:`sqa.data.AudioError` naming it.

    Files longer than ``max_seconds`` are read only up to it (flag ``"truncated to N s"``); clips
    under ``min_samples`` samples are rejected; ``silent`` and ``too short`` are flags.
    """
    import soundfile as sf

    p = Path(path)
    try:
        info = sf.info(str(p)) if p.is_file() and p.stat().st_size else None
    except Exception:
        info = None
    total = None if info is None or not info.samplerate else info.frames / info.samplerate
    if total is not None and total > max_seconds and info.frames > 0:
        try:
            y = _read_head(p, max_seconds, sr)
        except AudioError:
            raise
        except Exception as err:
            raise AudioError(path, f"not a readable audio file ({_one_line(err)})") from None
    else:
        y = load_audio(p, sr=sr)
        total = len(y) / sr
        y = y[: int(max_seconds * sr)]
    if len(y) < min_samples:
        raise AudioError(
            path,
            f"too short to assess ({1000 * len(y) / sr:.0f} ms; the model needs at least "
            f"{math.ceil(1000 * min_samples / sr)} ms)",
        )
    flags = [f for f in audio_problems(y, sr) if f != "long"]  # long clips are windowed, not a problem
    if total > max_seconds:
        flags.append(f"truncated to {max_seconds:g} s")
    return Clip(audio=y, duration_s=float(total), flags=flags)
