"""Real recordings for the tests, from Debian packages (``.ci/run`` installs them), degraded with sox.

* human speech: the eight spoken files of ``alsa-utils`` (``/usr/share/sounds/alsa/``: "Front center",
  "Front left", ...; 48 kHz mono, about 1.4 s each; not ``Noise.wav``), concatenated into one 11.4 s
  recording, longer than DNSMOS's 9.01 s window;
* synthetic speech: ``espeak-ng`` (22.05 kHz).

:func:`build_variants` writes, once per session, the clean recording and its degradations (all by sox):
white noise at 20, 10 and 0 dB SNR (over the whole recording's power), clipping by +20 dB gain on
:data:`CLIP_SPAN`, a 300 ms dropout (digital zeros) on :data:`DROPOUT_SPAN`, resampling to 8 kHz,
mp3 / flac / ogg, stereo, the espeak-ng sentence, and two bad files (empty, text named .wav).

Locally the tests skip with the reason when a tool or the files are missing; under CI (``CI=true``)
their absence fails (:func:`require_real_audio`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ALSA_DIR = Path("/usr/share/sounds/alsa")
ALSA_WORDS = (
    "Front_Center",
    "Front_Left",
    "Front_Right",
    "Rear_Center",
    "Rear_Left",
    "Rear_Right",
    "Side_Left",
    "Side_Right",
)
SNRS_DB = (20, 10, 0)
CLIP_SPAN = (1.4, 1.9)  # "Front" of "Front left": loud speech
DROPOUT_SPAN = (4.5, 4.8)  # inside "Right" of "Front right"
ESPEAK_TEXT = "The quality of this recording is assessed without any trained model."
BAD = ("empty.wav", "not_audio.wav")


def missing_real_audio() -> str:
    """Why the real recordings cannot be built here ('' when they can)."""
    missing = [f"{w}.wav" for w in ALSA_WORDS if not (ALSA_DIR / f"{w}.wav").is_file()]
    why = []
    if missing:
        why.append(f"{ALSA_DIR} lacks {len(missing)} of the 8 spoken files (apt-get install alsa-utils)")
    for tool, pkg in (("sox", "sox libsox-fmt-mp3"), ("espeak-ng", "espeak-ng")):
        if shutil.which(tool) is None:
            why.append(f"{tool} not found (apt-get install {pkg})")
    if shutil.which("sox") is not None:
        help_text = subprocess.run(["sox", "-h"], capture_output=True, text=True, timeout=30).stdout
        formats = next((ln for ln in help_text.splitlines() if ln.startswith("AUDIO FILE FORMATS:")), "").split()
        missing_fmt = [f for f in ("mp3", "flac", "ogg") if f not in formats]
        if missing_fmt:
            why.append(f"sox cannot write {', '.join(missing_fmt)} (apt-get install libsox-fmt-mp3 libsox-fmt-base)")
    return "; ".join(why)


def require_real_audio() -> None:
    """Skip (locally) or fail (``CI=true``) when the Debian recordings or tools are absent."""
    why = missing_real_audio()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the real recordings cannot be built: {why} (.ci/run installs them)")
        pytest.skip(f"real recordings unavailable: {why}")


def _sox(*args: str) -> None:
    subprocess.run(["sox", "-V1", *map(str, args)], check=True, capture_output=True, timeout=60)


def _rms(path: Path) -> float:
    import numpy as np
    import soundfile as sf

    y, _ = sf.read(str(path), always_2d=True)
    return float(np.sqrt(np.mean(y.mean(axis=1) ** 2)))


def build_variants(out: Path) -> dict[str, Path]:
    """Write the clean recording and every variant under ``out``; name -> path (see the module doc)."""
    out.mkdir(parents=True, exist_ok=True)
    v: dict[str, Path] = {}
    clean = v["clean"] = out / "alsa_clean.wav"
    _sox(*[ALSA_DIR / f"{w}.wav" for w in ALSA_WORDS], clean)
    seconds = float(subprocess.run(["soxi", "-D", str(clean)], capture_output=True, text=True, check=True).stdout)
    noise = out / "white.wav"
    _sox("-n", "-r", "48000", "-c", "1", "-b", "16", noise, "synth", f"{seconds}", "whitenoise", "vol", "0.5")
    speech_rms, noise_rms = _rms(clean), _rms(noise)
    for snr in SNRS_DB:
        gain = speech_rms / (noise_rms * 10 ** (snr / 20))
        v[f"noise_{snr}db"] = out / f"alsa_noise_{snr}db.wav"
        _sox("-m", "-v", "1", clean, "-v", f"{gain:.6f}", noise, v[f"noise_{snr}db"])
    a, b = CLIP_SPAN
    parts = [out / "p1.wav", out / "p2.wav", out / "p3.wav"]
    _sox(clean, parts[0], "trim", "0", f"{a}")
    _sox(clean, parts[1], "trim", f"{a}", f"{b - a}", "gain", "20")  # sox clips what exceeds full scale
    _sox(clean, parts[2], "trim", f"{b}")
    v["clipped"] = out / "alsa_clipped.wav"
    _sox(*parts, v["clipped"])
    a, b = DROPOUT_SPAN
    _sox(clean, parts[0], "trim", "0", f"{a}")
    _sox("-n", "-r", "48000", "-c", "1", "-b", "16", parts[1], "trim", "0", f"{b - a}")  # digital zeros
    _sox(clean, parts[2], "trim", f"{b}")
    v["dropout"] = out / "alsa_dropout.wav"
    _sox(*parts, v["dropout"])
    for p in parts:
        p.unlink()
    v["resampled_8k"] = out / "alsa_8k.wav"
    _sox(clean, "-r", "8000", v["resampled_8k"])
    for ext in ("mp3", "flac", "ogg"):
        v[ext] = out / f"alsa.{ext}"
        _sox(clean, v[ext])
    v["stereo"] = out / "alsa_stereo.wav"
    _sox(clean, "-c", "2", v["stereo"])
    v["espeak"] = out / "espeak.wav"
    subprocess.run(["espeak-ng", "-w", str(v["espeak"]), ESPEAK_TEXT], check=True, capture_output=True, timeout=60)
    noise.unlink()
    (out / BAD[0]).write_bytes(b"")
    (out / BAD[1]).write_text("this is not audio\n" * 10)
    return v


__all__ = [
    "ALSA_DIR",
    "ALSA_WORDS",
    "SNRS_DB",
    "CLIP_SPAN",
    "DROPOUT_SPAN",
    "BAD",
    "missing_real_audio",
    "require_real_audio",
    "build_variants",
]
