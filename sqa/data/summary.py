"""Corpus statistics for notebook 01 (and anyone else): score distributions, artifact prevalence.

>>> from sqa.schema import Artifact, Assessment
>>> ex = [Example("a", "a.wav", Assessment({"noise": 2}, {"noise": Artifact(True, [(0, 1.5)])})),
...       Example("b", "b.wav", Assessment({"noise": 4}, {"noise": Artifact(False)}))]
>>> s = summarize({"train": ex})
>>> s["n_clips"], s["scores"]["noise"]["mean"], s["artifacts"]["noise"]["prevalence"]
({'train': 2, 'all': 2}, 3.0, 0.5)
>>> s["artifacts"]["noise"]["mean_duration"]
1.5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sqa.data.example import Example
from sqa.schema import ARTIFACTS, DIMENSIONS, SCORE_RANGE

Examples = Sequence[Example] | Mapping[str, Sequence[Example]]


def _by_split(examples: Examples) -> dict[str, list[Example]]:
    return {k: list(v) for k, v in examples.items()} if isinstance(examples, Mapping) else {"all": list(examples)}


def scores_frame(examples: Examples) -> pd.DataFrame:
    """One row per clip: ``split``, ``id`` and one nullable-integer column per dimension."""
    rows = [
        {"split": split, "id": e.id, **e.assessment.scores}
        for split, items in _by_split(examples).items()
        for e in items
    ]
    frame = pd.DataFrame(rows, columns=["split", "id", *DIMENSIONS])
    return frame.astype({d: "Int64" for d in DIMENSIONS})


def artifact_durations(examples: Sequence[Example]) -> dict[str, list[float]]:
    """Length (s) of every annotated interval, per artifact type (for duration histograms)."""
    out: dict[str, list[float]] = {name: [] for name in ARTIFACTS}
    for e in examples:
        for name, art in e.assessment.artifacts.items():
            if art is not None and art.present:
                out[name].extend(round(b - a, 3) for a, b in art.intervals)
    return out


def _score_stats(values: pd.Series) -> dict:
    v = values.dropna().astype(float)
    counts = {str(s): int((v == s).sum()) for s in range(SCORE_RANGE[0], SCORE_RANGE[1] + 1)}
    return {
        "n": int(v.size),
        "mean": round(float(v.mean()), 4) if v.size else None,
        "std": round(float(v.std(ddof=0)), 4) if v.size else None,
        "counts": counts,
    }


def _artifact_stats(examples: Sequence[Example], name: str) -> dict:
    annotated = [e.assessment.artifacts[name] for e in examples if e.assessment.artifacts.get(name) is not None]
    present = [a for a in annotated if a.present]
    totals = [sum(b - x for x, b in a.intervals) for a in present if a.intervals]
    return {
        "n_annotated": len(annotated),
        "prevalence": round(len(present) / len(annotated), 4) if annotated else None,
        "mean_duration": round(float(np.mean(totals)), 4) if totals else None,
        "mean_intervals": round(float(np.mean([len(a.intervals) for a in present])), 4) if present else None,
    }


def summarize(examples: Examples) -> dict:
    """Corpus summary as a JSON-ready dict.

    ``examples`` is a list of :class:`Example` or a mapping ``split -> list``. Returns ``n_clips`` per split
    (plus ``all``), per-dimension score ``n``/``mean``/``std``/``counts`` over all clips and per split
    (``scores_by_split``), and per artifact the ``prevalence`` (share of annotated clips where it is present),
    ``mean_duration`` (mean total marked seconds per clip where present with intervals) and ``mean_intervals``.
    Splits loaded by :func:`sqa.data.load_qualispeech` also give ``load_problems``: rows read, rows loaded
    and the problem rows per reason (:class:`sqa.data.load_report.LoadReport`).
    """
    reports = (
        {k: v.report for k, v in examples.items() if getattr(v, "report", None) is not None}
        if isinstance(examples, Mapping)
        else {}
    )
    splits = _by_split(examples)
    everything = [e for items in splits.values() for e in items]
    frame = scores_frame(splits)
    n_clips = {k: len(v) for k, v in splits.items()}
    n_clips["all"] = len(everything)
    return {
        "n_clips": n_clips,
        "scores": {d: _score_stats(frame[d]) for d in DIMENSIONS},
        "scores_by_split": {
            split: {d: _score_stats(frame.loc[frame["split"] == split, d]) for d in DIMENSIONS} for split in splits
        },
        "artifacts": {name: _artifact_stats(everything, name) for name in ARTIFACTS},
        "artifacts_by_split": {
            split: {name: _artifact_stats(items, name) for name in ARTIFACTS} for split, items in splits.items()
        },
        **(
            {
                "load_problems": {
                    k: {"n_rows": r.n_rows, "n_loaded": r.n_loaded, "counts": r.counts} for k, r in reports.items()
                }
            }
            if reports
            else {}
        ),
    }


def showcase(examples: Sequence[Example], n: int = 3) -> list[Example]:
    """``n`` clips to look at: for each artifact type (noise, distortion, pause) the first clip where it is
    present with the fewest other artifacts, topped up with the next clips in order.

    >>> from sqa.schema import Artifact, Assessment
    >>> def ex(i, *present):
    ...     return Example(str(i), "x.wav", Assessment(artifacts={a: Artifact(a in present) for a in ARTIFACTS}))
    >>> clips = [ex(0, "noise", "distortion"), ex(1, "distortion"), ex(2, "noise"), ex(3)]
    >>> [e.id for e in showcase(clips, 3)]
    ['2', '1', '0']
    """

    def present(e: Example) -> set[str]:
        return {k for k, a in e.assessment.artifacts.items() if a is not None and a.present}

    chosen: list[Example] = []
    for name in ARTIFACTS:
        candidates = [e for e in examples if name in present(e) and e not in chosen]
        if candidates:
            chosen.append(min(candidates, key=lambda e: len(present(e))))
    chosen += [e for e in examples if e not in chosen]
    return chosen[:n]


def showcase_split(splits: Mapping[str, Sequence[Example]], n: int = 3, split: str = "train") -> list[Example]:
    """:func:`showcase` over the clips of ``split``, or of the first split when that one is missing or empty.

    >>> from sqa.schema import Assessment
    >>> [e.id for e in showcase_split({"test": [Example("t", "t.wav", Assessment())]}, 1)]
    ['t']
    """
    return showcase(splits.get(split) or next(iter(splits.values())), n)


def log_mel(y: np.ndarray, sr: int = 16000, n_mels: int = 80) -> np.ndarray:
    """Log-mel spectrogram (dB re max, 25 ms window, 10 ms hop), the representation the models see."""
    import warnings

    import librosa

    with warnings.catch_warnings():  # librosa lazily imports pooch -> tqdm.auto, which warns in notebooks
        warnings.filterwarnings("ignore", message="IProgress not found")
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=400, hop_length=160, n_mels=n_mels)
    return librosa.power_to_db(mel, ref=np.max)
