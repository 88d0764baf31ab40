"""Controlled degradations with exact parameters: noise, distortion, dropouts (pauses and speed
changes act on the syllable plan, see :func:`sqa.data.synthetic.speech.shift_after` and
:func:`~sqa.data.synthetic.speech.stretch_plan`).

Every degradation acts over given ``(start, end)`` intervals in seconds, with 10 ms linear ramps at
the interval edges so the edges are smooth but the stated interval is where the effect is.

>>> import numpy as np
>>> x = np.sin(2 * np.pi * 200 * np.arange(16000) / 16000)
>>> y = add_noise(x, make_noise("white", 16000, np.random.default_rng(0)), [(0.5, 1.0)], snr_db=10.0)
>>> bool(np.allclose(y[:7000], x[:7000])), round(snr_db(x[8200:15800], (y - x)[8200:15800]), 1)
(True, 10.0)
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from sqa.data.synthetic.speech import SR, plan_syllables, render_speech, sample_voice

NOISE_KINDS: tuple[str, ...] = ("white", "pink", "hum", "babble", "wind")
DISTORTION_KINDS: tuple[str, ...] = ("clipping", "quantisation", "bandlimit")
RAMP_S = 0.01


def interval_mask(n: int, intervals: list[tuple[float, float]], sr: int = SR, ramp_s: float = RAMP_S) -> np.ndarray:
    """0..1 weight per sample: 1 inside the intervals, 0 outside, linear ramps of ``ramp_s`` inside the edges."""
    mask = np.zeros(n)
    ramp = max(1, int(round(ramp_s * sr)))
    for start, end in intervals:
        i, j = max(0, int(round(start * sr))), min(n, int(round(end * sr)))
        if j <= i:
            continue
        seg = np.ones(j - i)
        r = min(ramp, (j - i) // 2)
        if r > 0:
            seg[:r] = np.linspace(0.0, 1.0, r)
            seg[len(seg) - r :] = np.linspace(1.0, 0.0, r)
        mask[i:j] = np.maximum(mask[i:j], seg)
    return mask


def active_power(x: np.ndarray, sr: int = SR, floor_db: float = -40.0) -> float:
    """Mean power of ``x`` over its active 20 ms frames (energy within ``floor_db`` of the loudest frame).

    This is the speech power the SNR of :func:`add_noise` refers to, so silences and pauses do not count.
    """
    frame = int(0.02 * sr)
    n = len(x) // frame * frame
    energies = (x[:n].reshape(-1, frame) ** 2).mean(axis=1)
    if energies.size == 0 or energies.max() == 0:
        return float(np.mean(x**2)) if len(x) else 0.0
    active = energies[energies >= energies.max() * 10 ** (floor_db / 10)]
    return float(active.mean())


def snr_db(speech: np.ndarray, noise: np.ndarray) -> float:
    """Plain SNR in dB of two equally long segments (a helper for checks)."""
    return float(10 * np.log10(np.mean(speech**2) / np.mean(noise**2)))


def _unit_rms(x: np.ndarray) -> np.ndarray:
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def make_noise(kind: str, n: int, rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """``n`` samples of unit-RMS noise of one of :data:`NOISE_KINDS`.

    white: flat spectrum (hiss); pink: 1/f spectrum (rushing); hum: 50 or 60 Hz mains hum with
    harmonics; babble: four distant synthetic talkers; wind: low-passed noise (< 150-400 Hz) with gusts.
    """
    if kind == "white":
        return _unit_rms(rng.standard_normal(n))
    if kind == "pink":
        spec = np.fft.rfft(rng.standard_normal(n))
        freqs = np.fft.rfftfreq(n, 1 / sr)
        spec[1:] /= np.sqrt(freqs[1:])
        spec[0] = 0
        return _unit_rms(np.fft.irfft(spec, n))
    if kind == "hum":
        t = np.arange(n) / sr
        mains = 50.0 if rng.random() < 0.5 else 60.0
        y = sum(0.7**h * np.sin(2 * np.pi * mains * (h + 1) * t + rng.uniform(0, 2 * np.pi)) for h in range(5))
        return _unit_rms(y + 0.02 * rng.standard_normal(n))
    if kind == "babble":
        seconds = n / sr
        y = np.zeros(n)
        for _ in range(4):
            voice = sample_voice(rng)
            y += render_speech(
                plan_syllables(rng, seconds, start=float(rng.uniform(-0.3, 0.0))), voice, seconds, rng, sr
            )
        return _unit_rms(y + 1e-3 * rng.standard_normal(n))
    if kind == "wind":
        cutoff = float(rng.uniform(150.0, 400.0))
        sos = signal.butter(4, cutoff, btype="lowpass", fs=sr, output="sos")
        y = signal.sosfilt(sos, rng.standard_normal(n + sr // 10))[sr // 10 :]
        t = np.arange(n) / sr
        gust = 1.0 + 0.6 * np.sin(2 * np.pi * rng.uniform(0.3, 1.0) * t + rng.uniform(0, 2 * np.pi))
        return _unit_rms(y * gust)
    raise ValueError(f"unknown noise kind {kind!r}; expected one of {NOISE_KINDS}")


def add_noise(
    x: np.ndarray,
    noise: np.ndarray,
    intervals: list[tuple[float, float]],
    snr_db: float,
    speech_power: float | None = None,
    sr: int = SR,
) -> np.ndarray:
    """Add unit-RMS ``noise`` over ``intervals`` at ``snr_db`` relative to ``speech_power``
    (default: :func:`active_power` of ``x``)."""
    power = active_power(x, sr) if speech_power is None else speech_power
    gain = np.sqrt(power / 10 ** (snr_db / 10))
    return x + gain * noise[: len(x)] * interval_mask(len(x), intervals, sr)


def distortion_severity(kind: str, param: float) -> float:
    """Severity in (0, 1] of a distortion from its physical parameter (the rules score this).

    clipping: ``param`` = clip level in dB below the speech peak (6..30), severity = (param - 3) / 27;
    quantisation: ``param`` = bits (2..7) of a uniform quantiser spanning the peak, severity = (8 - bits) / 6;
    bandlimit: ``param`` = low-pass cut-off in Hz (250..3000), severity = log(4000 / fc) / log(16).

    >>> [round(distortion_severity(k, p), 2) for k, p in [("clipping", 30), ("quantisation", 5), ("bandlimit", 1000)]]
    [1.0, 0.5, 0.5]
    """
    if kind == "clipping":
        value = (param - 3.0) / 27.0
    elif kind == "quantisation":
        value = (8.0 - param) / 6.0
    elif kind == "bandlimit":
        value = np.log(4000.0 / param) / np.log(16.0)
    else:
        raise ValueError(f"unknown distortion kind {kind!r}; expected one of {DISTORTION_KINDS}")
    return float(np.clip(value, 0.0, 1.0))


def distort(x: np.ndarray, kind: str, param: float, sr: int = SR) -> np.ndarray:
    """The whole signal distorted by one of :data:`DISTORTION_KINDS` (see :func:`distortion_severity`)."""
    peak = float(np.abs(x).max()) or 1.0
    if kind == "clipping":
        level = peak * 10 ** (-param / 20)
        return np.clip(x, -level, level)
    if kind == "quantisation":
        step = peak / 2 ** (int(param) - 1)
        return np.round(x / step) * step
    if kind == "bandlimit":
        sos = signal.butter(8, param, btype="lowpass", fs=sr, output="sos")
        return signal.sosfilt(sos, x)
    raise ValueError(f"unknown distortion kind {kind!r}; expected one of {DISTORTION_KINDS}")


def apply_distortion(
    x: np.ndarray, kind: str, param: float, intervals: list[tuple[float, float]], sr: int = SR
) -> np.ndarray:
    """Distort ``x`` over ``intervals``; the distorted part gets make-up gain so its loudness is unchanged
    (what is heard is the distortion, not a level drop)."""
    mask = interval_mask(len(x), intervals, sr)
    y = distort(x, kind, param, sr)
    inside = mask > 0
    if inside.any():
        rms_x, rms_y = np.sqrt(np.mean(x[inside] ** 2)), np.sqrt(np.mean(y[inside] ** 2))
        if rms_y > 0:
            y = y * (rms_x / rms_y)
    return x * (1 - mask) + y * mask


def apply_dropouts(x: np.ndarray, dropouts: list[tuple[float, float]], sr: int = SR) -> np.ndarray:
    """Zero the signal over each ``(start, end)`` dropout (2 ms ramps): a brief cut in the speech."""
    return x * (1 - interval_mask(len(x), dropouts, sr, ramp_s=0.002))
