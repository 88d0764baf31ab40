"""A spoof condition for the synthetic corpus: Griffin-Lim resynthesis of its bona fide clips.

The detection task needs bona fide and spoofed clips. The synthetic corpus has no human speech, so its
clips play the bona fide role and each gets a spoofed twin: the clip's STFT magnitude resynthesised by
Griffin-Lim (``librosa.griffinlim``, :data:`N_ITER` iterations, phase from a fixed seed per clip), at the
original's length and peak level. This is a **resynthesis proxy**: it tests whether a model hears
vocoder-like phase artefacts, not whether it tells human speech from TTS (the "bona fide" clips are
synthetic too). Real labels come from SpeechEval's FakeDetection records (:mod:`sqa.data.speecheval`).

Written beside the corpus, never over it (the corpus' own files stay byte for byte as they are)::

    {corpus}/spoof/v{SPOOF_VERSION}/wav/{split}/{id}     the spoofed twins (16 kHz PCM16, same ids)
    {corpus}/spoof/v{SPOOF_VERSION}/{split}.jsonl        the detection trials: {"id", "audio", "label", "source"}
    {corpus}/spoof/v{SPOOF_VERSION}/spoof_{split}.json   version, method, settings, seed, the corpus' corpus.json

A set whose ``spoof_{split}.json`` matches (same version, settings and corpus manifest) is reused.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from sqa.data.audio import load_audio
from sqa.data.qualispeech import _audio_path, read_split_csv

SPOOF_VERSION = 1
METHOD = "griffin-lim resynthesis"
N_ITER, N_FFT, HOP = 32, 512, 128
SR = 16000
log = logging.getLogger(__name__)


def spoof_dir(corpus_root: str | os.PathLike) -> Path:
    """Where this version's spoof set of a corpus lives."""
    return Path(corpus_root) / "spoof" / f"v{SPOOF_VERSION}"


def griffin_lim(y: np.ndarray, seed: int, n_iter: int = N_ITER, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """The Griffin-Lim resynthesis of ``y`` from its STFT magnitude, same length and peak.

    >>> y = np.sin(2 * np.pi * 220 * np.arange(8000) / 16000).astype(np.float32)
    >>> z = griffin_lim(y, seed=0)
    >>> z.shape == y.shape, bool(np.isclose(np.abs(z).max(), np.abs(y).max())), bool(np.allclose(z, y, atol=1e-2))
    (True, True, False)
    """
    import librosa

    mag = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    z = librosa.griffinlim(
        mag, n_iter=n_iter, hop_length=hop, n_fft=n_fft, length=len(y), random_state=np.random.RandomState(seed)
    )
    peak = float(np.abs(z).max())
    return (z * (float(np.abs(y).max()) / peak) if peak > 0 else z).astype(np.float32)


def _settings(corpus_root: Path, split: str) -> dict:
    manifest = corpus_root / "corpus.json"
    corpus = json.loads(manifest.read_text()) if manifest.is_file() else None
    return {
        "spoof_version": SPOOF_VERSION,
        "method": METHOD,
        "n_iter": N_ITER,
        "n_fft": N_FFT,
        "hop": HOP,
        "sample_rate": SR,
        "split": split,
        "corpus": corpus,
    }


def make_spoof_set(
    corpus_root: str | os.PathLike, split: str = "test", seed: int = 0, n_clips: int | None = None
) -> Path:
    """Write (or reuse) the spoof set of one split of a corpus in the QualiSpeech layout; returns its folder.
    ``n_clips``: only the split's first ``n_clips`` clips (in ``{split}.csv`` order), e.g. for training."""
    import soundfile as sf

    root = Path(corpus_root)
    out = spoof_dir(root)
    settings = {**_settings(root, split), "seed": int(seed), **({} if n_clips is None else {"n_clips": int(n_clips)})}
    manifest = out / f"spoof_{split}.json"
    if manifest.is_file() and json.loads(manifest.read_text()) == settings and (out / f"{split}.jsonl").is_file():
        return out
    ids = [str(i).strip() for i in read_split_csv(root, split)["id"]][:n_clips]
    wav_dir = out / "wav" / split
    wav_dir.mkdir(parents=True, exist_ok=True)
    trials = []
    for index, clip_id in enumerate(ids):
        src = _audio_path(root, split, clip_id)
        if not src.is_file():
            raise FileNotFoundError(f"{src}: audio file for clip {clip_id!r} of {split}.csv not found")
        fake = wav_dir / src.name
        sf.write(
            fake, griffin_lim(load_audio(src, sr=SR), seed=seed * 1_000_003 + index), SR, subtype="PCM_16", format="WAV"
        )
        trials.append({"id": clip_id, "audio": os.path.relpath(src, out), "label": "real", "source": clip_id})
        trials.append(
            {"id": f"spoof-{clip_id}", "audio": os.path.relpath(fake, out), "label": "fake", "source": clip_id}
        )
    with open(out / f"{split}.jsonl", "w", encoding="utf-8") as f:
        for t in trials:
            f.write(json.dumps(t, sort_keys=True) + "\n")
    manifest.write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")
    log.info(
        "spoof set v%d of %s/%s: %d bona fide + %d spoofed clips under %s",
        SPOOF_VERSION,
        root,
        split,
        len(ids),
        len(ids),
        out,
    )
    return out


def detection_trials(corpus_root: str | os.PathLike, split: str = "test") -> list[dict]:
    """The trials of a written spoof set: ``{"id", "audio" (a Path), "label", "source"}``, bona fide first
    per clip. A missing set or audio file, or a malformed line, raises naming the file (and line)."""
    out = spoof_dir(corpus_root)
    path = out / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no spoof set (run sqa.data.spoof.make_spoof_set first)")
    trials = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            t = json.loads(line)
            trial = {
                "id": str(t["id"]),
                "audio": (out / t["audio"]).resolve(),
                "label": t["label"],
                "source": str(t["source"]),
            }
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{lineno}: not a detection trial ({type(err).__name__}: {err})") from None
        if trial["label"] not in ("real", "fake"):
            raise ValueError(f"{path}:{lineno}: label must be 'real' or 'fake', got {trial['label']!r}")
        if not trial["audio"].is_file():
            raise FileNotFoundError(f"{path}:{lineno}: audio file {trial['audio']} not found")
        trials.append(trial)
    return trials
