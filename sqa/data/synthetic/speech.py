"""Speech-like audio from numpy/scipy alone: no TTS, no downloads.

A clip is planned as a sequence of syllables (:class:`Syllable`: an optional unvoiced consonant burst,
then a voiced vowel) with a natural rhythm of about 4.5 syllables per second and short breaks between
words and phrases. Rendering follows the source-filter model: a band-limited harmonic source (a
wavetable of ``1/h`` harmonics) follows a smooth pitch contour (declination plus slow rises and falls,
or a flat "mechanical" contour), each vowel is shaped by three formant resonators, and each syllable
gets an attack and an exponential decay. Consonants are short band-passed noise bursts.

Timing is planned in seconds, so an ideal time-stretch (a speed change without pitch change) is
:func:`stretch_plan` on the plan before rendering.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> voice = sample_voice(rng)
>>> plan = plan_syllables(rng, 2.0)
>>> y = render_speech(plan, voice, 2.5, rng)
>>> y.dtype, y.shape, bool(np.abs(y).max() > 0.1)
(dtype('float64'), (40000,), True)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import signal

SR = 16000
"""Sample rate of every synthetic clip (Hz)."""
SYLLABLE_RATE = 4.5
"""Syllables per second at normal speed (rate 1.0), gaps included."""

# (F1, F2, F3) Hz of an adult male vocal tract; women and children scale them up.
VOWELS: tuple[tuple[float, float, float], ...] = (
    (730, 1090, 2440),  # a
    (270, 2290, 3010),  # i
    (300, 870, 2240),  # u
    (530, 1840, 2480),  # e
    (570, 840, 2410),  # o
    (660, 1720, 2410),  # ae
)
FORMANT_BANDWIDTHS = (80.0, 110.0, 160.0)
# Band edges (Hz) of consonant noise: s, sh, f/th, plosive burst.
CONSONANTS: tuple[tuple[float, float], ...] = ((4000, 7500), (2000, 5000), (1000, 7000), (500, 4000))
_CONSONANT_SOS = [signal.butter(4, band, btype="bandpass", fs=SR, output="sos") for band in CONSONANTS]

# kind -> (base f0 range Hz, formant scale)
VOICE_KINDS: dict[str, tuple[tuple[float, float], float]] = {
    "man": ((85.0, 140.0), 1.0),
    "woman": ((165.0, 250.0), 1.17),
    "child": ((250.0, 330.0), 1.3),
}
AGES = ("young", "middle-aged", "elderly")


@dataclass(frozen=True)
class Voice:
    """A synthetic speaker: ``kind`` (man/woman/child), ``age``, base pitch ``f0`` (Hz),
    pitch-contour depth ``contour_st`` (semitones; below 1 sounds flat and mechanical) and
    vocal-tract ``formant_scale``."""

    kind: str
    age: str
    f0: float
    contour_st: float
    formant_scale: float

    @property
    def flat(self) -> bool:
        """A flat, mechanical-sounding pitch contour (lowers naturalness in the rules)."""
        return self.contour_st < 1.0


@dataclass(frozen=True)
class Syllable:
    """One syllable: ``start`` (s), ``consonant`` burst length (s, 0 for none) of class
    ``consonant_id``, then a vowel of ``vowel`` seconds with formants ``VOWELS[vowel_id]``."""

    start: float
    consonant: float
    consonant_id: int
    vowel: float
    vowel_id: int

    @property
    def end(self) -> float:
        return self.start + self.consonant + self.vowel


def sample_voice(rng: np.random.Generator, flat: bool | None = None) -> Voice:
    """Draw a speaker; ``flat`` forces (or forbids) a mechanical flat pitch contour, ``None`` = 15% chance."""
    kind = str(rng.choice(list(VOICE_KINDS), p=[0.45, 0.45, 0.10]))
    age = "young" if kind == "child" else str(rng.choice(AGES, p=[0.4, 0.4, 0.2]))
    (lo, hi), scale = VOICE_KINDS[kind]
    if flat is None:
        flat = bool(rng.random() < 0.15)
    contour = float(rng.uniform(0.1, 0.5)) if flat else float(rng.uniform(2.0, 5.0))
    return Voice(kind, age, round(float(rng.uniform(lo, hi)), 1), round(contour, 2), scale)


def plan_syllables(rng: np.random.Generator, seconds: float, start: float = 0.0) -> list[Syllable]:
    """Syllables at normal speed filling about ``seconds`` from ``start``: words of 1-3 syllables,
    20-60 ms breaks between words and 120-200 ms breaks between phrases of 3-5 words."""
    plan, t = [], start
    words_left = int(rng.integers(3, 6))
    while t < start + seconds - 0.15:
        for _ in range(int(rng.integers(1, 4))):
            has_consonant = rng.random() < 0.75
            consonant = float(rng.uniform(0.03, 0.08)) if has_consonant else 0.0
            vowel = float(rng.uniform(0.10, 0.17))
            plan.append(
                Syllable(t, consonant, int(rng.integers(len(CONSONANTS))), vowel, int(rng.integers(len(VOWELS))))
            )
            t += consonant + vowel + float(rng.uniform(0.0, 0.02))
        words_left -= 1
        if words_left == 0:
            t += float(rng.uniform(0.12, 0.2))
            words_left = int(rng.integers(3, 6))
        else:
            t += float(rng.uniform(0.02, 0.06))
    return plan


def stretch_plan(plan: list[Syllable], rate: float, origin: float = 0.0) -> list[Syllable]:
    """Ideal time-stretch of a plan: ``rate`` > 1 speaks faster (every time and length divided by ``rate``)."""
    return [
        replace(s, start=origin + (s.start - origin) / rate, consonant=s.consonant / rate, vowel=s.vowel / rate)
        for s in plan
    ]


def shift_after(plan: list[Syllable], index: int, seconds: float) -> list[Syllable]:
    """Delay every syllable after ``plan[index]`` by ``seconds`` (used to insert a pause)."""
    return [replace(s, start=s.start + seconds) if i > index else s for i, s in enumerate(plan)]


def pitch_contour(voice: Voice, n: int, rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """f0 (Hz) per sample: declination of about 2 semitones plus slow random rises and falls."""
    t = np.arange(n) / sr
    dur = max(n / sr, 1e-3)
    semitones = -2.0 * t / dur
    for _ in range(3):
        freq, phase = rng.uniform(0.3, 1.5), rng.uniform(0, 2 * np.pi)
        semitones = semitones + voice.contour_st / 3.0 * np.sin(2 * np.pi * freq * t + phase)
    if voice.flat:
        semitones = np.zeros_like(t)
    return voice.f0 * 2.0 ** (semitones / 12.0)


def _wavetable(nh: int, size: int = 4096) -> np.ndarray:
    theta = 2 * np.pi * np.arange(size) / size
    h = np.arange(1, nh + 1)[:, None]
    table = ((1.0 / h) * np.sin(h * theta)).sum(axis=0)
    return np.append(table, table[0])  # wrap point for interpolation


def harmonic_source(f0: np.ndarray, sr: int = SR) -> np.ndarray:
    """Band-limited sawtooth-like glottal source following ``f0`` (harmonics kept below 7 kHz)."""
    nh = max(1, int(min(7000.0, sr / 2 - 500) // float(f0.max())))
    table = _wavetable(nh)
    phase = np.cumsum(f0 / sr) % 1.0
    size = len(table) - 1
    return np.interp(phase * size, np.arange(size + 1), table)


def _formant_sos(formants: tuple[float, ...], scale: float, sr: int = SR) -> np.ndarray:
    sections = []
    for f, bw in zip(formants, FORMANT_BANDWIDTHS):
        r = np.exp(-np.pi * bw * scale / sr)
        theta = 2 * np.pi * min(f * scale, sr / 2 - 200) / sr
        a = [1.0, -2 * r * np.cos(theta), r * r]
        sections.append([1.0 - r, 0.0, 0.0] + a)
    return np.array(sections)


def _envelope(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n)
    attack, release = min(attack, n), min(release, n)
    env[:attack] = np.linspace(0.0, 1.0, attack, endpoint=False)
    env[n - release :] *= np.exp(-np.linspace(0.0, 5.0, release))
    return env


def render_speech(
    plan: list[Syllable], voice: Voice, seconds: float, rng: np.random.Generator, sr: int = SR
) -> np.ndarray:
    """Render a syllable plan into ``seconds`` of audio (float64, peak about 1; silence between syllables)."""
    n = int(round(seconds * sr))
    pad = max(0, -int(np.floor(min((s.start for s in plan), default=0.0) * sr)))  # syllables before 0 s
    n_all = n + pad
    out = np.zeros(n_all)
    source = harmonic_source(pitch_contour(voice, n_all, rng, sr), sr)
    for syl in plan:
        i = pad + int(round(syl.start * sr))
        if syl.consonant > 0:
            m = int(round(syl.consonant * sr))
            burst = signal.sosfilt(_CONSONANT_SOS[syl.consonant_id], rng.standard_normal(m + 64))[64:]
            burst *= _envelope(m, int(0.005 * sr), m // 2) * 0.25 / (np.std(burst) + 1e-9)
            j = min(n_all, i + m)
            out[i:j] += burst[: max(0, j - i)]
            i += m
        m = int(round(syl.vowel * sr))
        j = min(n_all, i + m)
        if j <= i:
            continue
        vowel = signal.sosfilt(_formant_sos(VOWELS[syl.vowel_id], voice.formant_scale, sr), source[i:j])
        vowel *= _envelope(j - i, int(0.02 * sr), int(0.6 * (j - i)) if j - i > 0 else 0)
        out[i:j] += vowel / (np.sqrt(np.mean(vowel**2)) + 1e-9) * 0.3
    out = out[pad:]
    peak = np.abs(out).max() if n else 0.0
    return out / peak if peak > 0 else out
