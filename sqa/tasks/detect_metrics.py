"""Deepfake-detection figures following the ASVspoof 5 evaluation conventions.

Bona fide (``real``) is the target class and a higher score means more bona fide. The DET curve is the
ASVspoof one: all scores sorted (stable sort, bona fide listed first), the miss rate ``P_miss`` (bona
fide rejected) and false-alarm rate ``P_fa`` (spoof accepted) at each cut. With tied scores across the
classes the stable sort orders bona fide first, as the ASVspoof package does.

* :func:`eer` -- the equal error rate, in **%**: the mean of ``P_miss`` and ``P_fa`` where they are closest;
* :func:`min_dcf` -- ``min over cuts of C_miss (1 - P_spoof) P_miss + C_fa P_spoof P_fa``, normalised by
  ``min(C_miss (1 - P_spoof), C_fa P_spoof)``, with ``P_spoof = 0.05``, ``C_miss = 1``, ``C_fa = 10``
  (so the normaliser is 0.5);
* :func:`accuracy` -- share of answers whose word equals the label, over **all** answers (an answer
  with neither word is wrong); EER and minDCF are over the valid answers only (:func:`detection_figures`).

Perfect separation:

>>> eer([0.9, 0.8], [0.2, 0.1]), min_dcf([0.9, 0.8], [0.2, 0.1])
(0.0, 0.0)

A hand case: bona fide scores 0.9, 0.6, 0.3 and spoof scores 0.7, 0.2, 0.1. Cutting above 0.2 accepts
all bona fide and one spoof in three (``P_miss = 0``, ``P_fa = 1/3``); cutting above 0.3 rejects one
bona fide as well (``P_miss = P_fa = 1/3``: the EER is 33.3 %). The cheapest cut is the first:
``0.95 * 0 + 0.5 * 1/3 = 0.1667``, normalised by 0.5: minDCF = 1/3.

>>> round(eer([0.9, 0.6, 0.3], [0.7, 0.2, 0.1]), 2), round(min_dcf([0.9, 0.6, 0.3], [0.7, 0.2, 0.1]), 4)
(33.33, 0.3333)

Everything wrong (spoof always scored higher): EER 100 %, and minDCF 1 (accept everything: cost
``0.5 * 1``, normalised).

>>> eer([0.1], [0.9]), min_dcf([0.1], [0.9])
(100.0, 1.0)
>>> accuracy(["real", "fake", None, "fake"], ["real", "real", "fake", "fake"])
0.5
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sqa.metrics.bootstrap import N_BOOT, SEED

P_SPOOF, C_MISS, C_FA = 0.05, 1.0, 10.0


def det_curve(bonafide: Sequence[float], spoof: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p_miss, p_fa, thresholds)`` of the ASVspoof DET curve (module doc); both classes must be non-empty."""
    tar, non = np.asarray(bonafide, dtype=float).ravel(), np.asarray(spoof, dtype=float).ravel()
    if not tar.size or not non.size:
        raise ValueError(f"det_curve: need bona fide and spoof scores, got {tar.size} and {non.size}")
    scores = np.concatenate([tar, non])
    labels = np.concatenate([np.ones(tar.size), np.zeros(non.size)])
    order = np.argsort(scores, kind="mergesort")
    labels = labels[order]
    tar_sums = np.cumsum(labels)
    non_sums = non.size - (np.arange(1, scores.size + 1) - tar_sums)
    p_miss = np.concatenate([[0.0], tar_sums / tar.size])
    p_fa = np.concatenate([[1.0], non_sums / non.size])
    thresholds = np.concatenate([[scores[order[0]] - 0.001], scores[order]])
    return p_miss, p_fa, thresholds


def eer(bonafide: Sequence[float], spoof: Sequence[float]) -> float:
    """Equal error rate in % (module doc)."""
    p_miss, p_fa, _ = det_curve(bonafide, spoof)
    k = int(np.argmin(np.abs(p_miss - p_fa)))
    return float(100.0 * (p_miss[k] + p_fa[k]) / 2)


def min_dcf(
    bonafide: Sequence[float],
    spoof: Sequence[float],
    p_spoof: float = P_SPOOF,
    c_miss: float = C_MISS,
    c_fa: float = C_FA,
) -> float:
    """Normalised minimum detection cost (module doc)."""
    p_miss, p_fa, _ = det_curve(bonafide, spoof)
    cost = c_miss * (1 - p_spoof) * p_miss + c_fa * p_spoof * p_fa
    return float(cost.min() / min(c_miss * (1 - p_spoof), c_fa * p_spoof))


def accuracy(answers: Sequence[str | None], labels: Sequence[str]) -> float:
    """Share of answers (``"real"``, ``"fake"`` or ``None`` = invalid) equal to their label, over all answers."""
    if len(answers) != len(labels):
        raise ValueError(f"accuracy: {len(answers)} answers vs {len(labels)} labels")
    if not len(labels):
        return float("nan")
    return float(np.mean([a is not None and a == y for a, y in zip(answers, labels)]))


def detection_figures(answers: Sequence[str | None], scores: Sequence[float | None], labels: Sequence[str]) -> dict:
    """``eer`` (%), ``min_dcf``, ``accuracy``, ``n``, ``n_valid``, ``n_invalid``.

    ``answers`` are the parsed words, ``scores`` P(real) per answer (``None`` when invalid), ``labels`` the
    truth (``"real"``/``"fake"``). EER and minDCF use the valid answers and are NaN without both classes.

    >>> detection_figures(["real", "fake", None], [0.8, 0.3, None], ["real", "fake", "real"])
    {'eer': 0.0, 'min_dcf': 0.0, 'accuracy': 0.6666666666666666, 'n': 3, 'n_valid': 2, 'n_invalid': 1}
    """
    if not len(answers) == len(scores) == len(labels):
        raise ValueError(f"detection_figures: {len(answers)} answers, {len(scores)} scores, {len(labels)} labels")
    bad = sorted({y for y in labels if y not in ("real", "fake")})
    if bad:
        raise ValueError(f"detection_figures: labels must be 'real' or 'fake', got {bad}")
    valid = [(float(s), y) for a, s, y in zip(answers, scores, labels) if a is not None and s is not None]
    tar = [s for s, y in valid if y == "real"]
    non = [s for s, y in valid if y == "fake"]
    both = bool(tar and non)
    return {
        "eer": eer(tar, non) if both else float("nan"),
        "min_dcf": min_dcf(tar, non) if both else float("nan"),
        "accuracy": accuracy(answers, labels),
        "n": len(labels),
        "n_valid": len(valid),
        "n_invalid": len(labels) - len(valid),
    }


def detection_table(
    answers: Sequence[str | None],
    scores: Sequence[float | None],
    labels: Sequence[str],
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """:func:`detection_figures` with 95 % percentile bootstrap intervals over trials (``metric, value,
    ci_low, ci_high, undefined_resamples, n``; a resample with one class only leaves EER/minDCF undefined).

    >>> t = detection_table(["real", "fake"] * 20, [0.9, 0.1] * 20, ["real", "fake"] * 20, n_boot=50)
    >>> t.set_index("metric").loc[["eer", "min_dcf", "accuracy"], ["value", "ci_low", "ci_high"]].to_numpy().tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """
    from sqa.tasks.intervals import bootstrap_figures

    detection_figures(answers, scores, labels)  # the checks
    valid = np.array([a is not None and s is not None for a, s in zip(answers, scores)])
    score = np.array([float(s) if ok else np.nan for s, ok in zip(scores, valid)])
    real = np.array([y == "real" for y in labels])
    hit = np.array([a is not None and a == y for a, y in zip(answers, labels)], dtype=float)

    def per_row(fn):
        def figure(idx: np.ndarray) -> np.ndarray:
            out = np.full(len(idx), np.nan)
            for k, row in enumerate(idx):
                row = row[valid[row]]
                tar, non = score[row][real[row]], score[row][~real[row]]
                if tar.size and non.size:
                    out[k] = fn(tar, non)
            return out

        return figure

    def acc(idx: np.ndarray) -> np.ndarray:
        return hit[idx].mean(-1)

    table = bootstrap_figures(
        len(labels), {"eer": per_row(eer), "min_dcf": per_row(min_dcf), "accuracy": acc}, n_boot=n_boot, seed=seed
    )
    table["n"] = [int(valid.sum()), int(valid.sum()), len(labels)]
    return table
