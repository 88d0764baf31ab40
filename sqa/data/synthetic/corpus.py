"""Generate the synthetic corpus in the QualiSpeech layout, with exact ground truth.

Layout written under ``out_dir`` (what :func:`sqa.data.load_qualispeech` reads)::

    {split}.csv                  the dataset's columns (sqa.data.qualispeech.COLUMNS)
    wav/{split}/{id}             16 kHz mono PCM16, ids like ``syn-train-00000.wav``
    {split}_ground_truth.jsonl   one record per clip: every degradation parameter, scores, artifacts
    corpus.json                  the generator settings (seed, sizes, version)

Each clip has its own ``numpy.random.Generator`` seeded by ``(seed, split, index)`` and everything is
computed in a fixed order in one process, so a seed gives byte-identical files on every machine.

Per clip (all times on the final timeline; artifact intervals on a 0.1 s grid):

1. a speaker (:func:`~.speech.sample_voice`, 15% flat "mechanical" pitch) and a speed rate
   (55% normal 0.94-1.08, 22% slow 0.62-0.88, 23% fast 1.14-1.46), applied as an ideal time-stretch;
2. 60%: one or two unnatural pauses of 0.3-1.0 s inserted after a syllable (exactly silent);
3. 30%: one to three dropouts of 60-150 ms inside vowels (counted by continuity, not an artifact);
4. 60%: a distortion (clipping 6-30 dB below peak, 2-7 bit quantisation, or a 250-3000 Hz low-pass)
   over the whole clip or one or two intervals;
5. 65%: additive noise (white, pink, hum, babble, wind) at 0-30 dB SNR over the whole clip or
   one or two intervals;
6. peak normalisation to 0.25-0.9 and PCM16.

Scores follow from these by :mod:`.rules`; texts from :mod:`.templates`.

>>> import tempfile
>>> root = make_synthetic_corpus(tempfile.mkdtemp(), n_train=2, n_test=1, progress=False)
>>> sorted(p.name for p in root.iterdir())
['corpus.json', 'test.csv', 'test_ground_truth.jsonl', 'train.csv', 'train_ground_truth.jsonl', 'wav']
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from sqa.data.qualispeech import COLUMNS  # the one list of dataset columns
from sqa.data.synthetic import templates
from sqa.data.synthetic.degrade import (
    DISTORTION_KINDS,
    NOISE_KINDS,
    active_power,
    add_noise,
    apply_distortion,
    apply_dropouts,
    distortion_severity,
    make_noise,
)
from sqa.data.synthetic.rules import scores_from_ground_truth
from sqa.data.synthetic.speech import (
    SR,
    Syllable,
    Voice,
    plan_syllables,
    render_speech,
    sample_voice,
    shift_after,
    stretch_plan,
)

GENERATOR_VERSION = 1
MIN_SECONDS, MAX_SECONDS = 2.0, 6.0
SPLIT_CODES = {"train": 0, "val": 1, "test": 2}
ARTIFACT_SOURCE = {"noise": "noise", "distortion": "distortion", "unnatural_pause": "pauses"}

P_PAUSE, P_DROPOUT, P_DISTORTION, P_NOISE = 0.60, 0.30, 0.60, 0.65


def clip_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of one clip: independent of every other clip, the same on every machine."""
    return np.random.default_rng([int(seed), SPLIT_CODES[split], int(index)])


def _grid(x: float) -> float:
    return round(round(x * 10) / 10, 1)


def sample_intervals(rng: np.random.Generator, duration: float, min_len: float = 0.5) -> list[list[float]]:
    """The whole clip (35%), one interval (45%) or two separate intervals (20%), on the 0.1 s grid."""
    ticks = int(round(duration * 10))
    u = rng.random()
    if u < 0.35 or ticks < 12:
        return [[0.0, _grid(duration)]]
    n = 1 if u < 0.8 else 2
    min_ticks = int(round(min_len * 10))
    for _ in range(50):
        points = np.sort(rng.choice(ticks + 1, size=2 * n, replace=False))
        spans = points.reshape(n, 2)
        if (np.diff(spans, axis=1) >= min_ticks).all() and (n == 1 or spans[1, 0] - spans[0, 1] >= 3):
            return [[_grid(a / 10), _grid(b / 10)] for a, b in spans]
    return [[0.0, _grid(duration)]]


def sample_rate(rng: np.random.Generator) -> float:
    """Time-stretch rate: 55% normal, 22% slow, 23% fast."""
    u = rng.random()
    lo, hi = (0.94, 1.08) if u < 0.55 else (0.62, 0.88) if u < 0.77 else (1.14, 1.46)
    return round(float(rng.uniform(lo, hi)), 3)


def _insert_pauses(
    plan: list[Syllable],
    lengths: list[float],
    rng: np.random.Generator,
) -> tuple[list[Syllable], list[list[float]]]:
    """Insert silent gaps of the given lengths after random syllables; each pause starts on the 0.1 s
    grid after the syllable's end and the next syllable starts exactly at the pause's end."""
    candidates = np.arange(1, len(plan) - 2)
    chosen = sorted(int(k) for k in rng.choice(candidates, size=min(len(lengths), len(candidates)), replace=False))
    pauses = []
    for k, length in zip(chosen, lengths):
        start = math.ceil(plan[k].end * 10 - 1e-6) / 10
        end = _grid(start + length)
        plan = shift_after(plan, k, end - plan[k + 1].start)
        pauses.append([_grid(start), end])
    return plan, pauses


def _sample_dropouts(plan: list[Syllable], rng: np.random.Generator) -> list[list[float]]:
    n = int(rng.integers(1, 4))
    order = rng.permutation(len(plan))
    dropouts = []
    for k in order:
        syl = plan[int(k)]
        length = round(float(rng.uniform(0.06, 0.15)), 2)
        if syl.vowel < length + 0.03:
            continue
        start = round(syl.start + syl.consonant + float(rng.uniform(0.01, syl.vowel - length - 0.01)), 2)
        dropouts.append([start, round(start + length, 2)])
        if len(dropouts) == n:
            break
    return sorted(dropouts)


def sample_clip(rng: np.random.Generator) -> tuple[dict, list[Syllable], Voice]:
    """Draw every parameter of one clip: the ground-truth record (no scores yet), its plan and voice."""
    voice = sample_voice(rng)
    rate = sample_rate(rng)
    lead = round(float(rng.uniform(0.1, 0.3)), 2)
    pause_lengths: list[float] = []
    if rng.random() < P_PAUSE:
        pause_lengths = [int(rng.integers(3, 11)) / 10 for _ in range(1 if rng.random() < 0.7 else 2)]
    tail = float(rng.uniform(0.15, 0.35))
    speech_seconds = float(rng.uniform(1.6, 5.2 - sum(pause_lengths)))
    plan = stretch_plan(plan_syllables(rng, speech_seconds * rate, start=0.0), rate)
    plan = [Syllable(s.start + lead, s.consonant, s.consonant_id, s.vowel, s.vowel_id) for s in plan]
    budget = MAX_SECONDS - tail - sum(pause_lengths) - 0.1 * len(pause_lengths)  # pauses start on the grid
    while len(plan) > 4 and plan[-1].end > budget:  # never cut a syllable: drop whole ones
        plan.pop()
    pauses: list[list[float]] = []
    if pause_lengths and len(plan) >= 4:
        plan, pauses = _insert_pauses(plan, pause_lengths, rng)
    duration = min(MAX_SECONDS, max(MIN_SECONDS, math.ceil((plan[-1].end + tail) * 10 - 1e-6) / 10))
    dropouts = _sample_dropouts(plan, rng) if rng.random() < P_DROPOUT else []
    distortion = None
    if rng.random() < P_DISTORTION:
        kind = str(rng.choice(DISTORTION_KINDS))
        if kind == "clipping":
            param = round(float(rng.uniform(6.0, 30.0)), 1)
        elif kind == "quantisation":
            param = float(rng.integers(2, 8))
        else:
            param = float(round(10 ** rng.uniform(np.log10(250), np.log10(3000)), -1))
        distortion = {
            "kind": kind,
            "param": param,
            "severity": round(distortion_severity(kind, param), 4),
            "intervals": sample_intervals(rng, duration),
        }
    noise = None
    if rng.random() < P_NOISE:
        noise = {
            "kind": str(rng.choice(NOISE_KINDS)),
            "snr_db": round(float(rng.uniform(0.0, 30.0)), 1),
            "intervals": sample_intervals(rng, duration),
        }
    gt = {
        "duration": _grid(duration),
        "sample_rate": SR,
        "rate": rate,
        "lead": lead,
        "voice": {**asdict(voice), "flat": voice.flat},
        "pauses": pauses,
        "dropouts": dropouts,
        "distortion": distortion,
        "noise": noise,
        "peak": round(float(rng.uniform(0.25, 0.9)), 3),
    }
    return gt, plan, voice


def render_clip(gt: dict, plan: list[Syllable], voice: Voice, rng: np.random.Generator) -> np.ndarray:
    """Render a sampled clip as int16 samples (speech, dropouts, distortion, noise, peak level)."""
    x = render_speech(plan, voice, gt["duration"], rng)
    speech_power = active_power(x)
    if gt["dropouts"]:
        x = apply_dropouts(x, gt["dropouts"])
    if gt["distortion"]:
        d = gt["distortion"]
        x = apply_distortion(x, d["kind"], d["param"], d["intervals"])
    if gt["noise"]:
        nz = gt["noise"]
        x = add_noise(x, make_noise(nz["kind"], len(x), rng), nz["intervals"], nz["snr_db"], speech_power)
    x = x * (gt["peak"] / (np.abs(x).max() or 1.0))
    return np.round(np.clip(x, -1.0, 1.0) * 32767).astype(np.int16)


def annotate(gt: dict, rng: np.random.Generator) -> dict[str, str]:
    """Scores, artifacts and all texts of a clip; returns the CSV row (the dataset's columns)."""
    scores = scores_from_ground_truth(gt)
    noise, dist = gt["noise"] or {}, gt["distortion"] or {}
    gt["scores"] = scores
    gt["artifacts"] = {
        name: {"present": bool(spans), "intervals": spans}
        for name, spans in (
            ("noise", noise.get("intervals", [])),
            ("distortion", dist.get("intervals", [])),
            ("unnatural_pause", gt["pauses"]),
        )
    }
    v = gt["voice"]
    voice = templates.voice_feeling(v["kind"], v["age"], v["f0"], v["flat"], rng)
    return {
        "id": gt["id"],
        "Speed": scores["speed"],
        "Naturalness": scores["naturalness"],
        "Background noise": scores["noise"],
        "Distortion": scores["distortion"],
        "Listening effort": scores["listening_effort"],
        "Continuity": scores["continuity"],
        "Overall quality": scores["overall"],
        "Feeling of voice": voice,
        "Noise Description": templates.noise_brief(noise.get("kind"), noise.get("intervals", []), rng),
        "Distortion description": templates.distortion_brief(dist.get("kind"), dist.get("intervals", []), rng),
        "Unnatural pause": templates.pause_brief(gt["pauses"], rng),
        "Natural language description": templates.long_description(
            scores,
            noise.get("kind"),
            noise.get("intervals", []),
            dist.get("kind"),
            dist.get("intervals", []),
            gt["pauses"],
            len(gt["dropouts"]),
            voice,
            rng,
        ),
    }


def make_clip(seed: int, split: str, index: int) -> tuple[dict, dict, np.ndarray]:
    """One clip: ``(csv_row, ground_truth, int16 samples)``, a pure function of its arguments."""
    rng = clip_rng(seed, split, index)
    gt, plan, voice = sample_clip(rng)
    gt = {"id": f"syn-{split}-{index:05d}.wav", "split": split, **gt}
    audio = render_clip(gt, plan, voice, rng)
    row = annotate(gt, rng)
    return row, gt, audio


def make_synthetic_corpus(
    out_dir: str | os.PathLike,
    n_train: int,
    n_test: int,
    seed: int = 0,
    n_val: int = 0,
    progress: bool = True,
) -> Path:
    """Write a synthetic corpus in the QualiSpeech layout (see the module doc) and return ``out_dir``.

    Splits with 0 clips are not written. Existing files of the same names are overwritten.
    """
    root = Path(out_dir)
    sizes = {"train": int(n_train), "val": int(n_val), "test": int(n_test)}
    total = sum(sizes.values())
    bar = tqdm(total=total, desc="synthetic corpus", unit="clip", disable=not progress)
    for split, n in sizes.items():
        if n <= 0:
            continue
        wav_dir = root / "wav" / split
        wav_dir.mkdir(parents=True, exist_ok=True)
        rows, records = [], []
        for i in range(n):
            row, gt, audio = make_clip(seed, split, i)
            sf.write(wav_dir / gt["id"], audio, SR, subtype="PCM_16", format="WAV")
            rows.append(row)
            records.append(gt)
            bar.update(1)
        with open(root / f"{split}.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(COLUMNS), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        with open(root / f"{split}_ground_truth.jsonl", "w", encoding="utf-8") as f:
            for gt in records:
                f.write(json.dumps(gt, sort_keys=True) + "\n")
    bar.close()
    manifest = {"generator_version": GENERATOR_VERSION, "seed": int(seed), "sizes": sizes, "sample_rate": SR}
    (root / "corpus.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return root


def read_ground_truth(root: str | os.PathLike, split: str) -> list[dict]:
    """The ``{split}_ground_truth.jsonl`` records of a synthetic corpus, in CSV order."""
    path = Path(root) / f"{split}_ground_truth.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: ground truth not found (is {root} a synthetic corpus?)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
