"""Per-clip values behind every Table 1 and Table 3 figure, so intervals can resample test clips.

:func:`sqa.metrics.evaluate` reduces a test split to one number per column; a bootstrap needs what
each clip contributes. :func:`clip_table` keeps it, one row per clip:

* ``pred_<dim>``, ``true_<dim>``: the scores (NaN where missing) -> PCC per dimension;
* ``<a>_ref`` (1/0, NaN when the reference does not annotate the artifact) and ``<a>_hit`` (1 when the
  answer says present; no prediction = absent) -> presence F1;
* ``<a>_iou``, ``<a>_corr``: interval IoU and description agreement where both mark it present (else NaN);
* ``longform_rouge_l``, ``longform_corr`` where the reference has a description (else NaN);
* ``parse_failure`` (1 when the answer parses to nothing).

``<a>`` is ``noise``, ``distortion``, ``pause`` (:data:`~sqa.metrics.evaluate.ARTIFACT_PREFIX`).
:func:`sqa.metrics.bootstrap.clip_metrics` turns such a table back into the evaluate() numbers.

>>> from sqa.schema import Assessment, Artifact
>>> ref = [Assessment({"noise": s}, {"noise": Artifact(s < 3, [(0, 1)] if s < 3 else [], "hum" if s < 3 else "")})
...        for s in (1, 4)]
>>> from sqa.llm import get_judge
>>> t = clip_table(ref, ref, corr_backend=get_judge("rule:rouge"))
>>> t[["pred_noise", "noise_ref", "noise_hit", "noise_iou", "noise_corr"]].values.tolist()
[[1.0, 1.0, 1.0, 1.0, 1.0], [4.0, 0.0, 0.0, nan, nan]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from sqa.metrics.correlation import description_correlation
from sqa.metrics.evaluate import ARTIFACT_PREFIX
from sqa.metrics.iou import interval_iou
from sqa.metrics.rouge import rouge_l
from sqa.schema import ARTIFACTS, DIMENSIONS, Assessment, parse_response
from sqa.schema.parse import is_empty

NAN = float("nan")


def _num(x) -> float:
    return NAN if x is None else float(x)


def clip_table(
    predictions: Sequence[Assessment | str],
    references: Sequence[Assessment | str],
    *,
    texts: Sequence[str] | None = None,
    corr_backend: Any = None,
) -> pd.DataFrame:
    """One row per clip with what it contributes to each Table 1 / Table 3 column (see module doc)."""

    preds = [p if isinstance(p, Assessment) else parse_response(p or "") for p in predictions]
    refs = [r if isinstance(r, Assessment) else parse_response(r or "") for r in references]
    if len(preds) != len(refs):
        raise ValueError(f"sqa.metrics.clip_table: {len(preds)} predictions vs {len(refs)} references")
    cols: dict[str, list[float]] = {}
    for d in DIMENSIONS:
        cols[f"pred_{d}"] = [_num(p.scores[d]) for p in preds]
        cols[f"true_{d}"] = [_num(r.scores[d]) for r in refs]
    pairs: list[tuple[str, str]] = []
    slots: dict[str, list[int | None]] = {}
    for art in ARTIFACTS:
        key = ARTIFACT_PREFIX[art]
        ref_col, hit_col, iou_col, slot = [], [], [], []
        for p, r in zip(preds, refs):
            ra, pa = r.artifacts[art], p.artifacts[art]
            ref_col.append(NAN if ra is None else float(ra.present))
            hit_col.append(float(pa is not None and pa.present))
            if ra is not None and ra.present and pa is not None and pa.present:
                iou_col.append(interval_iou(pa.intervals, ra.intervals))
                slot.append(len(pairs))
                pairs.append((pa.description, ra.description))
            else:
                iou_col.append(NAN)
                slot.append(None)
        cols[f"{key}_ref"], cols[f"{key}_hit"], cols[f"{key}_iou"], slots[key] = ref_col, hit_col, iou_col, slot
    rouge, slot = [], []
    for p, r in zip(preds, refs):
        if r.description:
            rouge.append(rouge_l(p.description, r.description))
            slot.append(len(pairs))
            pairs.append((p.description, r.description))
        else:
            rouge.append(NAN)
            slot.append(None)
    cols["longform_rouge_l"], slots["longform"] = rouge, slot
    values, _ = description_correlation([a for a, _ in pairs], [b for _, b in pairs], backend=corr_backend)
    for key, sl in slots.items():
        cols[f"{key}_corr"] = [NAN if i is None else float(values[i]) for i in sl]
    parsed = [parse_response(t or "") for t in texts] if texts is not None else preds
    cols["parse_failure"] = [float(is_empty(a, structured_only=True)) for a in parsed]
    return pd.DataFrame(cols)


def score_clip_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The ``pred_<dim>`` / ``true_<dim>`` columns from a calibration predictions table (``id``,
    ``dimension``, ``true``, ``pred``; one row per clip and dimension), one row per clip in first-seen order.

    >>> df = pd.DataFrame({"id": ["a", "a", "b", "b"], "dimension": ["noise", "overall"] * 2,
    ...                    "true": [1, 2, 3, 4], "pred": [1, None, 3, 5]})
    >>> score_clip_table(df)[["pred_noise", "true_noise", "pred_overall"]].values.tolist()
    [[1.0, 1.0, nan], [3.0, 3.0, 5.0]]
    """
    ids = list(dict.fromkeys(scores["id"]))
    out = pd.DataFrame(index=ids)
    for d in DIMENSIONS:
        rows = scores[scores["dimension"] == d].set_index("id")
        for side in ("pred", "true"):
            col = pd.to_numeric(rows[side], errors="coerce").astype(float) if len(rows) else pd.Series(dtype=float)
            out[f"{side}_{d}"] = col.reindex(ids).to_numpy(dtype=float) if len(rows) else math.nan
    return out.reset_index(drop=True)


CLIP_PREFIX = "clip_"
"""Prefix of the clip-table columns stored beside the answers in a system's ``predictions.csv``."""


def with_clip_columns(predictions: pd.DataFrame, clips: pd.DataFrame) -> pd.DataFrame:
    """``predictions`` with ``clips`` appended as ``clip_*`` columns (same row order)."""
    return pd.concat([predictions.reset_index(drop=True), clips.add_prefix(CLIP_PREFIX).reset_index(drop=True)], axis=1)


def stored_clip_table(predictions: pd.DataFrame) -> pd.DataFrame | None:
    """The clip table stored in a ``predictions.csv`` by :func:`with_clip_columns`, or None."""
    cols = [c for c in predictions.columns if c.startswith(CLIP_PREFIX)]
    if not cols:
        return None
    return predictions[cols].rename(columns=lambda c: c.removeprefix(CLIP_PREFIX)).astype(float)


__all__ = ["clip_table", "score_clip_table", "with_clip_columns", "stored_clip_table", "CLIP_PREFIX"]
