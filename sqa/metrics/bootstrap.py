"""95 % percentile bootstrap over test clips for every Table 1 / Table 3 figure, and paired contrasts.

Each resample draws the test clips with replacement (one index matrix ``[n_boot, n]`` from a fixed
seed) and recomputes the figures from the per-clip values of :func:`sqa.metrics.clip_table`, vectorised
over resamples: :func:`clip_metrics` gives what :func:`sqa.metrics.evaluate` gives (tested equal on the
identity resample). A contrast between two systems is *paired*: both are recomputed on the same
resampled clips. Several seeds of one system are averaged per resample (same clips for every seed), so
an interval reflects the test split's sampling for the seed-averaged figure.

An undefined figure (constant predictions: PCC undefined; no positives: F1 undefined) is NaN and its
interval stays empty; resamples where a defined figure becomes undefined are left out and counted.

>>> import numpy as np, pandas as pd
>>> t = pd.DataFrame({"pred_noise": [1., 2, 3, 4, 5, 3], "true_noise": [1., 2, 3, 5, 4, 3]})
>>> v = clip_metrics(t, np.arange(6)[None])["noise_pcc"][0]
>>> from sqa.metrics import pcc
>>> bool(abs(v - pcc(t.pred_noise.tolist(), t.true_noise.tolist())) < 1e-12)
True
>>> r = bootstrap([t], n_boot=1000, seed=0).set_index("metric").loc["noise_pcc"]
>>> bool(r.ci_low <= r.value <= r.ci_high), round(float(r.value), 3)
(True, 0.9)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sqa.metrics.evaluate import ARTIFACT_PREFIX, AVG_DIMENSIONS
from sqa.schema import DIMENSIONS

N_BOOT = 1000
LEVEL = 0.95
SEED = 0
ARTIFACT_KEYS: tuple[str, ...] = tuple(ARTIFACT_PREFIX.values())


def resample_indices(n: int, n_boot: int = N_BOOT, seed: int = SEED) -> np.ndarray:
    """``[n_boot, n]`` clip indices drawn with replacement (``numpy.random.default_rng(seed)``).

    >>> resample_indices(3, 2, seed=1).shape
    (2, 3)
    """
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def _nanmean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=axis)


def pcc_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of each row pair over positions where both are known; NaN when fewer than 2 pairs
    remain or either side is constant (the rule of :func:`sqa.metrics.pcc`).

    >>> pcc_rows(np.array([[1., 2, 3], [2, 2, 2]]), np.array([[1., 2, 4], [1, 2, 3]])).round(4).tolist()
    [0.982, nan]
    """
    m = ~np.isnan(x) & ~np.isnan(y)
    cnt = m.sum(-1)
    safe = np.maximum(cnt, 1)
    mx = np.where(m, x, 0).sum(-1) / safe
    my = np.where(m, y, 0).sum(-1) / safe
    dx = np.where(m, x - mx[..., None], 0.0)
    dy = np.where(m, y - my[..., None], 0.0)
    const = (np.where(m, x, np.inf).min(-1) == np.where(m, x, -np.inf).max(-1)) | (
        np.where(m, y, np.inf).min(-1) == np.where(m, y, -np.inf).max(-1)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (dx * dy).sum(-1) / np.sqrt((dx * dx).sum(-1) * (dy * dy).sum(-1))
    return np.where((cnt < 2) | const, np.nan, np.clip(r, -1.0, 1.0))


def f1_rows(hit: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Presence F1 ``2TP / (2TP + FP + FN)`` per row; ``ref`` NaN = not annotated (skipped); NaN when no
    positive on either side (the rule of :func:`sqa.metrics.detection_f1`).

    >>> f1_rows(np.array([[1., 1, 0, 0]]), np.array([[1., 0, 1, 0]])).tolist()
    [0.5]
    """
    valid = ~np.isnan(ref)
    h, r = (hit == 1) & valid, (ref == 1) & valid
    tp, fp, fn = (h & r).sum(-1), (h & ~r).sum(-1), (~h & r).sum(-1)
    denom = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom == 0, np.nan, 2 * tp / np.maximum(denom, 1))


def clip_metrics(clips: pd.DataFrame, idx: np.ndarray) -> dict[str, np.ndarray]:
    """Every Table 1 / Table 3 figure (keys of :func:`sqa.metrics.evaluate`, plus ``mean_f1`` and
    ``mean_iou`` over the three artifacts) for each row of clip indices ``idx`` ``[B, n]``.

    Columns missing from ``clips`` (a calibration table has scores only) give no keys.
    """

    def col(name):
        return clips[name].to_numpy(dtype=float)[idx]

    out: dict[str, np.ndarray] = {}
    for d in DIMENSIONS:
        if f"pred_{d}" in clips:
            out[f"{d}_pcc"] = pcc_rows(col(f"pred_{d}"), col(f"true_{d}"))
    if all(f"{d}_pcc" in out for d in AVG_DIMENSIONS):
        out["avg_pcc"] = _nanmean(np.stack([out[f"{d}_pcc"] for d in AVG_DIMENSIONS]), axis=0)
        out["mos_pcc"] = out["overall_pcc"]
    if all(f"{k}_ref" in clips for k in ARTIFACT_KEYS):
        for k in ARTIFACT_KEYS:
            out[f"{k}_f1"] = f1_rows(col(f"{k}_hit"), col(f"{k}_ref"))
            out[f"{k}_iou"] = _nanmean(col(f"{k}_iou"))
            out[f"{k}_corr"] = _nanmean(col(f"{k}_corr"))
        out["mean_f1"] = np.mean(np.stack([out[f"{k}_f1"] for k in ARTIFACT_KEYS]), axis=0)
        out["mean_iou"] = np.mean(np.stack([out[f"{k}_iou"] for k in ARTIFACT_KEYS]), axis=0)
    for c in ("longform_rouge_l", "longform_corr"):
        if c in clips:
            out[c] = _nanmean(col(c))
    if "parse_failure" in clips:
        out["parse_failure_rate"] = _nanmean(col("parse_failure"))
    return out


def seed_mean(tables: Sequence[pd.DataFrame], idx: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`clip_metrics` of each seed's clip table on the same resamples, averaged over seeds (a seed
    where a figure is undefined is left out of that figure's mean)."""
    per_seed = [clip_metrics(t, idx) for t in tables]
    keys = [k for k in per_seed[0] if all(k in m for m in per_seed)]
    return {k: _nanmean(np.stack([m[k] for m in per_seed]), axis=0) for k in keys}


def percentile_interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float, int]:
    """(low, high, undefined resamples) of the percentile interval over the defined resamples."""
    ok = values[~np.isnan(values)]
    if not len(ok):
        return float("nan"), float("nan"), int(len(values))
    a = (1 - level) / 2 * 100
    lo, hi = np.percentile(ok, [a, 100 - a])
    return float(lo), float(hi), int(len(values) - len(ok))


def _rows(point: dict, boot: dict, level: float) -> list[dict]:
    rows = []
    for k, v in point.items():
        value = float(v[0])
        if np.isnan(value):
            lo = hi = float("nan")
            undefined = len(boot[k])
        else:
            lo, hi, undefined = percentile_interval(boot[k], level)
            lo, hi = min(lo, value), max(hi, value)  # a seed-mean can sit at the edge of its resamples
        rows.append({"metric": k, "value": value, "ci_low": lo, "ci_high": hi, "undefined_resamples": undefined})
    return rows


def bootstrap(
    tables: Sequence[pd.DataFrame], n_boot: int = N_BOOT, seed: int = SEED, level: float = LEVEL
) -> pd.DataFrame:
    """``metric, value, ci_low, ci_high, undefined_resamples`` for one system (one clip table per
    training seed, rows aligned on the same test clips)."""
    n = _check_aligned(tables)
    point = seed_mean(tables, np.arange(n)[None])
    return pd.DataFrame(_rows(point, seed_mean(tables, resample_indices(n, n_boot, seed)), level))


def paired_contrast(
    a: Sequence[pd.DataFrame],
    b: Sequence[pd.DataFrame],
    metric: str,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    level: float = LEVEL,
    relative: bool = False,
) -> dict:
    """``diff`` = metric(a) - metric(b) (``relative``: (a - b) / b) with its paired percentile interval:
    both systems recomputed on the same resampled clips.

    >>> t = pd.DataFrame({"pred_noise": [1., 2, 3, 4, 5, 3], "true_noise": [1., 2, 3, 5, 4, 3]})
    >>> u = t.assign(pred_noise=[3., 3, 3, 3, 3, 3])  # constant: PCC undefined, so is the difference
    >>> import math; math.isnan(paired_contrast([t], [u], "noise_pcc")["diff"])
    True
    >>> c = paired_contrast([t], [t.assign(pred_noise=[2., 1, 3, 4, 5, 3])], "noise_pcc")
    >>> bool(c["ci_low"] <= c["diff"] <= c["ci_high"]), round(c["diff"], 3)
    (True, 0.1)
    """
    n = _check_aligned([*a, *b])

    def stat(idx):
        va, vb = seed_mean(a, idx)[metric], seed_mean(b, idx)[metric]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (va - vb) / vb if relative else va - vb

    diff = float(stat(np.arange(n)[None])[0])
    row = _rows({metric: np.array([diff])}, {metric: stat(resample_indices(n, n_boot, seed))}, level)[0]
    return {
        "diff": diff,
        "ci_low": row["ci_low"],
        "ci_high": row["ci_high"],
        "undefined_resamples": row["undefined_resamples"],
    }


def _check_aligned(tables: Sequence[pd.DataFrame]) -> int:
    ns = {len(t) for t in tables}
    if len(ns) != 1 or not ns or 0 in ns:
        raise ValueError(f"sqa.metrics.bootstrap: clip tables must cover the same non-empty test clips, got sizes {ns}")
    return ns.pop()
