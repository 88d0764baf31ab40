"""Derived baselines: each task answered from a system's single-clip assessments, with no new training.

* **compare** -- compare the two clips' predicted scores per dimension (:func:`sqa.tasks.pairs.preference`:
  higher is better, speed closer to 3, equal scores a tie); gold from their reference scores;
* **suggest** -- map the predicted assessment to fixes (:func:`sqa.tasks.fixes.fixes_from_assessment`);
  gold from the reference assessment by the same mapping, or exact fixes from the synthetic corpus;
* **detect** -- :func:`detection_score`, a documented score from the assessment.

The inputs are a system's committed results (``results/<profile>/[seedN/]systems/<system>/``):
``predictions.csv`` has per clip ``id``, the raw ``answer``, the rendered ``reference`` and
``clip_pred_<dim>`` / ``clip_true_<dim>`` scores; a system scored through the calibration prompts
(Calibration-only) also has ``score_predictions.csv`` (``id, dimension, true, pred``), which is what its
Table 1 row uses, and :func:`clip_scores` reads it in that case.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from sqa.metrics.bootstrap import N_BOOT, SEED
from sqa.schema import DIMENSIONS, Assessment, parse_response
from sqa.tasks.compare import Comparison
from sqa.tasks.compare_metrics import comparison_figures
from sqa.tasks.fixes import fixes_from_assessment
from sqa.tasks.pairs import N_PAIRS, pair_preferences, sample_pairs
from sqa.tasks.suggest import Suggestion
from sqa.tasks.suggest_metrics import suggestion_figures


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: predictions not found")
    frame = pd.read_csv(path, keep_default_na=True)
    if "id" not in frame:
        raise ValueError(f"{path}: no 'id' column")
    return frame


def clip_scores(system: str | os.PathLike) -> pd.DataFrame:
    """``pred_<dim>`` and ``true_<dim>`` per clip id (NaN where unknown) of a system folder or a CSV.

    A folder with ``score_predictions.csv`` (calibration prompts) uses it; else ``predictions.csv``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "predictions.csv").write_text("id,clip_pred_noise,clip_true_noise\\na,4,5\\nb,,2\\n")
    >>> clip_scores(d)[["pred_noise", "true_noise"]].to_dict("list")
    {'pred_noise': [4.0, nan], 'true_noise': [5.0, 2.0]}
    """
    path = Path(system)
    if path.is_dir():
        path = path / ("score_predictions.csv" if (path / "score_predictions.csv").is_file() else "predictions.csv")
    frame = _read_csv(path)
    if {"dimension", "true", "pred"} <= set(frame.columns):
        wide = frame.pivot_table(index="id", columns="dimension", values=["pred", "true"], aggfunc="first")
        wide.columns = [f"{kind}_{dim}" for kind, dim in wide.columns]
    else:
        wide = frame.set_index("id")
        wide = wide[[c for c in wide.columns if c.startswith(("clip_pred_", "clip_true_"))]]
        wide.columns = [c.removeprefix("clip_") for c in wide.columns]
    for dim in DIMENSIONS:
        for kind in ("pred", "true"):
            if f"{kind}_{dim}" not in wide:
                wide[f"{kind}_{dim}"] = np.nan
    return wide[[f"{k}_{d}" for d in DIMENSIONS for k in ("pred", "true")]].astype(float).sort_index()


def _scores_by_id(table: pd.DataFrame, kind: str) -> dict[str, dict[str, float | None]]:
    return {
        i: {d: (None if np.isnan(row[f"{kind}_{d}"]) else float(row[f"{kind}_{d}"])) for d in DIMENSIONS}
        for i, row in table.iterrows()
    }


def derived_comparison(
    system: str | os.PathLike,
    n_pairs: int = N_PAIRS,
    pair_seed: int = SEED,
    max_per_clip: int | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """Comparison figures (:func:`sqa.tasks.compare_metrics.comparison_figures`) of the derived baseline of
    one system: the fixed-seed pairs of its test clips, verdicts from its predicted scores against the
    verdicts from the reference scores."""
    _, preds, golds = derived_comparisons(system, n_pairs, pair_seed, max_per_clip)
    return comparison_figures(preds, golds, n_boot=n_boot, seed=seed)


def derived_comparisons(
    system: str | os.PathLike, n_pairs: int = N_PAIRS, pair_seed: int = SEED, max_per_clip: int | None = None
) -> tuple[list[tuple[str, str]], list[Comparison], list[Comparison]]:
    """The pairs of :func:`derived_comparison`, its verdicts and the gold ones (what its figures are of)."""
    table = clip_scores(system)
    pairs = sample_pairs(table.index.tolist(), n_pairs=n_pairs, max_per_clip=max_per_clip, seed=pair_seed)
    golds = [Comparison(v) for v in pair_preferences(pairs, _scores_by_id(table, "true"))]
    preds = [Comparison(v) for v in pair_preferences(pairs, _scores_by_id(table, "pred"))]
    return pairs, preds, golds


def predicted_assessments(system: str | os.PathLike) -> tuple[pd.DataFrame, list[Assessment]]:
    """The ``predictions.csv`` rows of a system and its parsed answers; a score its answer lacks is taken
    from ``score_predictions.csv`` when the folder has one (Calibration-only answers the reasoning prompt
    with a bare number, but each calibration prompt with its dimension's score)."""
    path = Path(system)
    frame = _read_csv(path / "predictions.csv" if path.is_dir() else path)
    for col in ("answer", "reference"):
        if col not in frame:
            raise ValueError(f"{path}: no {col!r} column")
    preds = [parse_response(a) for a in frame["answer"].fillna("")]
    if path.is_dir() and (path / "score_predictions.csv").is_file():
        calib = clip_scores(path)
        for clip_id, a in zip(frame["id"], preds):
            if clip_id in calib.index:
                for d in DIMENSIONS:
                    v = calib.at[clip_id, f"pred_{d}"]
                    if a.scores[d] is None and not np.isnan(v):
                        a.scores[d] = int(v)
    return frame, preds


def derived_suggestion(
    system: str | os.PathLike,
    gold_fixes: dict[str, tuple[str, ...]] | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    text: bool = False,
) -> pd.DataFrame:
    """Suggestion figures of the derived baseline of one system (:func:`predicted_assessments`): the fixes
    its assessments imply, against ``gold_fixes`` (id -> fixes, e.g. from the synthetic ground truth) or, by
    default, the fixes its rendered references imply."""
    _, preds, golds = derived_suggestions(system, gold_fixes)
    return suggestion_figures(preds, golds, n_boot=n_boot, seed=seed, text=text)


def derived_suggestions(
    system: str | os.PathLike, gold_fixes: dict[str, tuple[str, ...]] | None = None
) -> tuple[list[str], list[Suggestion], list[Suggestion]]:
    """The clip ids of :func:`derived_suggestion`, its suggestions and the gold ones (what its figures are of)."""
    path = Path(system)
    frame, assessments = predicted_assessments(system)
    preds = [Suggestion(fixes_from_assessment(a)) for a in assessments]
    if gold_fixes is None:
        golds = [Suggestion(fixes_from_assessment(parse_response(r))) for r in frame["reference"].fillna("")]
    else:
        missing = [i for i in frame["id"] if i not in gold_fixes]
        if missing:
            raise ValueError(f"{path}: no gold fixes for {len(missing)} clip(s) (first: {missing[0]})")
        golds = [Suggestion(tuple(gold_fixes[i])) for i in frame["id"]]
    return [str(i) for i in frame["id"]], preds, golds


def detection_score(a: Assessment) -> float | None:
    """The derived detection score, P(real)-like in [0, 1]: the predicted naturalness rescaled,
    ``(naturalness - 1) / 4`` (a flat, machine-like voice scores low); ``None`` without a naturalness score.

    >>> from sqa.schema import Assessment
    >>> detection_score(Assessment(scores={"naturalness": 5})), detection_score(Assessment(scores={"naturalness": 2}))
    (1.0, 0.25)
    """
    n = a.scores.get("naturalness")
    return None if n is None else (float(n) - 1.0) / 4.0
