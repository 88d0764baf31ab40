"""Systems that need no training: DNSMOS (P.835 and P.808) and the signal detectors alone.

A speech-quality reader first asks how a standard non-intrusive MOS predictor and plain signal
processing do on the same clips. These are rows of Tables 1 and 3 like the trained systems
(``sqa.configs.systems.SYSTEMS``, ``stage="none"``), scored by the same clip tables, F1 / IoU code and
bootstrap; they are computed once (they have no training seed) and used as the same value for every
seed in the contrasts.

**DNSMOS** (Microsoft's DNS-challenge MOS predictors, the ONNX models shipped by ``speechmos``) rates
16 kHz audio in 9.01 s windows (a shorter clip is tiled to fill one; a longer one is averaged over
windows 1 s apart). What each output stands for in QualiSpeech's dimensions (:data:`P835_MAP`):

* ``OVRL`` -> **overall**: P.835's overall quality rates the whole signal, speech and background
  together, on the 1..5 ACR scale: the question of QualiSpeech's overall MOS.
* ``SIG`` -> **distortion**: P.835's signal rating asks how *distorted* the speech itself is (listeners
  attend to the speech only, the background is rated apart), the degradation QualiSpeech scores as
  distortion (5 = none); it is not a rating of naturalness or prosody.
* ``BAK`` -> **noise**: P.835's background rating asks how *intrusive the background noise* is
  (5 = not noticeable): QualiSpeech's noise dimension (5 = no noise).
* P.808 (``p808_mos``) -> **overall** only: an ACR rating of overall quality (:data:`P808_MAP`).

Speed, continuity, listening effort and naturalness are not predicted by either, nor is ``avg``
(the paper's mean over six dimensions): those cells are ``n/a (not predicted)``, never dropped.

**Signal detectors** (:mod:`sqa.rewards.detectors`): artifact presence and intervals, with dropouts
counted as unnatural pauses (QualiSpeech's taxonomy has no dropout type; :func:`row_detectors`). The
signal reward's own detector set (:data:`sqa.rewards.detectors.DETECTORS`) is unchanged.

>>> import numpy as np
>>> sr = 16000; t = np.arange(2 * sr) / sr
>>> y = 0.3 * np.sin(2 * np.pi * 200 * t) + 0.001 * np.random.default_rng(0).standard_normal(t.size)
>>> y[sr:sr + 4800] = 0.0                                             # a 300 ms dropout at 1.0 s
>>> a = detector_assessment(y, sr).artifacts
>>> a["unnatural_pause"].intervals, a["distortion"].present
([(1.0, 1.3)], False)
>>> dnsmos_assessment({"ovrl_mos": 2.6, "sig_mos": 3.4, "bak_mos": 1.2, "p808_mos": 3.0}).scores["noise"]
1
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sqa.metrics.evaluate import ARTIFACT_PREFIX
from sqa.metrics.iou import interval_iou
from sqa.schema import ARTIFACTS, DIMENSIONS, Artifact, Assessment, render

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

DNSMOS_SR = 16000
DNSMOS_KEYS = ("ovrl_mos", "sig_mos", "bak_mos", "p808_mos")
P835_MAP: dict[str, str] = {"overall": "ovrl_mos", "distortion": "sig_mos", "noise": "bak_mos"}
"""QualiSpeech dimension -> DNSMOS P.835 output (module docstring: why each)."""
P808_MAP: dict[str, str] = {"overall": "p808_mos"}
"""QualiSpeech dimension -> DNSMOS P.808 output."""
NOT_PREDICTED = "n/a (not predicted)"
"""The label of a figure a no-training system does not predict (Tables 1 and 3, assess output)."""
RESERVED_MODEL = "dnsmos"
"""``python -m sqa assess --model dnsmos``: DNSMOS + the detectors, no checkpoint (a folder of that name:
``./dnsmos``)."""


def row_detectors() -> dict:
    """The detectors of the ``Signal detectors (no model)`` row: the signal reward's, with dropouts as pauses."""
    from sqa.rewards.detectors import DETECTORS, detect_dropouts, detect_pauses

    return {**DETECTORS, "unnatural_pause": (detect_pauses, detect_dropouts)}


def versions() -> dict[str, str | None]:
    """Installed versions of the packages the no-training systems run on (``speechmos``, ``onnxruntime``)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("speechmos", "onnxruntime"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def to_dnsmos_input(y: np.ndarray, sr: int) -> np.ndarray:
    """Mono float audio as DNSMOS takes it: resampled to 16 kHz (soxr), limited to [-1, 1].

    >>> to_dnsmos_input(np.array([0.0, 2.0, -3.0, 0.5]), 16000).tolist()
    [0.0, 1.0, -1.0, 0.5]
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim > 1:
        y = y.mean(axis=0 if y.shape[0] < y.shape[-1] else -1)
    if sr != DNSMOS_SR:
        import librosa

        y = librosa.resample(y, orig_sr=sr, target_sr=DNSMOS_SR)
    return np.clip(y, -1.0, 1.0)


def dnsmos(y: np.ndarray, sr: int) -> dict[str, float]:
    """``{ovrl_mos, sig_mos, bak_mos, p808_mos}`` of one clip (``speechmos.dnsmos.run``), rounded to 4 digits.

    Raises ``ValueError`` for an empty clip (speechmos would tile it forever)."""
    from speechmos import dnsmos as _dnsmos

    x = to_dnsmos_input(y, sr)
    if x.size == 0:
        raise ValueError("no audio samples")
    out = _dnsmos.run(x.astype(np.float32), DNSMOS_SR)
    return {k: round(float(out[k]), 4) for k in DNSMOS_KEYS}


def _score(x: float | None) -> int | None:
    """A DNSMOS rating as a 1..5 score of :class:`~sqa.schema.Assessment` (rounded, clamped)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return int(min(5, max(1, round(float(x)))))


def dnsmos_assessment(values: dict[str, float], mapping: dict[str, str] = P835_MAP) -> Assessment:
    """The scores DNSMOS predicts, as an :class:`~sqa.schema.Assessment` (integer 1..5; others None)."""
    return Assessment(scores={d: _score(values.get(k)) for d, k in mapping.items()})


def detector_artifacts(y: np.ndarray, sr: int) -> dict[str, list[tuple[float, float]]]:
    """``{artifact: intervals}`` of :func:`row_detectors` (dropouts count as unnatural pauses)."""
    from sqa.rewards.detectors import detect_artifacts

    return detect_artifacts(np.asarray(y, np.float64), sr, row_detectors())


def detector_assessment(y: np.ndarray, sr: int) -> Assessment:
    """Artifact presence and intervals from the detectors alone (no scores, no description)."""
    found = detector_artifacts(y, sr)
    return Assessment(
        artifacts={
            a: Artifact(bool(found[a]), list(found[a]), "found by the signal detectors" if found[a] else "")
            for a in ARTIFACTS
        }
    )


# ---- evaluation on a test split ----------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def cached_dnsmos(paths: Sequence[tuple[str, str]], cache: Path, progress: bool = False) -> dict[str, dict]:
    """DNSMOS outputs per clip id for ``[(id, audio_path), ...]``, computed once: ``cache`` (JSON lines,
    one clip a line, keyed by id and the file's SHA-256) is read first and appended to."""
    from sqa.rewards.detectors import load_audio

    known: dict[tuple[str, str], dict] = {}
    if cache.exists():
        for line in cache.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                known[(row["id"], row["sha256"])] = row
    out, todo = {}, []
    for cid, path in paths:
        sha = file_sha256(path)
        if (cid, sha) in known:
            out[cid] = known[(cid, sha)]
        else:
            todo.append((cid, path, sha))
    if todo:
        log.info("DNSMOS on %d clips (%d cached in %s)", len(todo), len(out), cache)
        cache.parent.mkdir(parents=True, exist_ok=True)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc="DNSMOS", unit="clip")
        with cache.open("a") as f:
            for cid, path, sha in todo:
                y, sr = load_audio(path)
                row = {"id": cid, "sha256": sha, **dnsmos(y, sr), **{k: v for k, v in versions().items()}}
                f.write(json.dumps(row) + "\n")
                f.flush()
                out[cid] = row
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
    return out


def predicted_keys(predictor: str) -> tuple[str, ...]:
    """The :func:`sqa.metrics.evaluate` keys a no-training system predicts (the rest: :data:`NOT_PREDICTED`).

    >>> predicted_keys("dnsmos_p808"), predicted_keys("detectors")[:2]
    (('overall_pcc', 'mos_pcc'), ('noise_f1', 'noise_iou'))
    """
    if predictor == "dnsmos_p835":
        return tuple(f"{d}_pcc" for d in P835_MAP) + ("mos_pcc",)
    if predictor == "dnsmos_p808":
        return ("overall_pcc", "mos_pcc")
    if predictor == "detectors":
        from sqa.metrics.evaluate import ARTIFACT_PREFIX

        return tuple(f"{ARTIFACT_PREFIX[a]}_{m}" for a in ARTIFACTS for m in ("f1", "iou")) + ("mean_f1", "mean_iou")
    raise ValueError(f"unknown no-training predictor {predictor!r}; expected dnsmos_p835, dnsmos_p808 or detectors")


def fingerprint(predictor: str) -> str:
    """What the row's values depend on: the predictor, its packages and the detectors' source."""
    if predictor == "detectors":
        from sqa.rewards import detectors

        src = Path(detectors.__file__).read_bytes() + Path(__file__).read_bytes()
        return f"detectors:{hashlib.sha256(src).hexdigest()[:12]}"
    return f"{predictor}:" + ",".join(f"{k}=={v}" for k, v in versions().items())


def clip_rows(predictor: str, examples, dnsmos_values: dict[str, dict] | None = None) -> tuple[list[str], pd.DataFrame]:
    """``(answers, clip table)`` of a no-training system on ``examples`` (columns of
    :func:`sqa.metrics.clip_table`; DNSMOS scores kept continuous, unpredicted columns NaN)."""
    import pandas as pd

    from sqa.rewards.detectors import load_audio

    nan = float("nan")
    mapping = {"dnsmos_p835": P835_MAP, "dnsmos_p808": P808_MAP}.get(predictor, {})
    rows, answers = [], []
    for ex in examples:
        ref = ex.assessment
        row = {}
        values = (dnsmos_values or {}).get(ex.id, {})
        for d in DIMENSIONS:
            row[f"pred_{d}"] = float(values[mapping[d]]) if d in mapping else nan
            row[f"true_{d}"] = nan if ref.scores.get(d) is None else float(ref.scores[d])
        pred = None
        if predictor == "detectors":
            y, sr = load_audio(ex.audio_path)
            pred = detector_assessment(y, sr)
            answers.append(render(pred))
        else:
            answers.append(json.dumps({d: values[mapping[d]] for d in mapping}))
        for art in ARTIFACTS:
            key, ra = ARTIFACT_PREFIX[art], ref.artifacts.get(art)
            pa = pred.artifacts.get(art) if pred is not None else None
            row[f"{key}_ref"] = nan if ra is None else float(ra.present)
            row[f"{key}_hit"] = float(pa is not None and pa.present)
            both = ra is not None and ra.present and pa is not None and pa.present
            row[f"{key}_iou"] = interval_iou(pa.intervals, ra.intervals) if both else nan
            row[f"{key}_corr"] = nan
        row.update(longform_rouge_l=nan, longform_corr=nan, parse_failure=0.0)
        rows.append(row)
    return answers, pd.DataFrame(rows)


def blank_unpredicted(metrics: dict, predictor: str, keys: Sequence[str]) -> dict:
    """``metrics`` with every key of ``keys`` the predictor does not predict set to NaN."""
    keep = set(predicted_keys(predictor))
    return {k: (v if k in keep or k not in keys else float("nan")) for k, v in metrics.items()}


__all__ = [
    "DNSMOS_SR",
    "P835_MAP",
    "P808_MAP",
    "NOT_PREDICTED",
    "RESERVED_MODEL",
    "row_detectors",
    "versions",
    "to_dnsmos_input",
    "dnsmos",
    "dnsmos_assessment",
    "detector_artifacts",
    "detector_assessment",
    "cached_dnsmos",
    "predicted_keys",
    "fingerprint",
    "clip_rows",
    "blank_unpredicted",
]
