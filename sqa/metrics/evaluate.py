"""Every column of the paper's Table 1 (PCC) and Table 3 (descriptive accuracy) in one dict.

Keys
----
* ``<dim>_pcc`` for all 7 dimensions; ``mos_pcc`` = ``overall_pcc``; ``avg_pcc`` = mean over
  naturalness, noise, distortion, listening_effort, continuity and overall -- speed is left out
  as in the paper (Table 1, footnote 2). Missing scores drop out of a dimension's pairs.
* ``<a>_f1`` (presence F1 over examples whose reference annotates the artifact; no prediction =
  absent), ``<a>_corr`` (description agreement) and ``<a>_iou`` (interval IoU), the last two
  averaged over examples where both reference and prediction mark the artifact present; ``<a>``
  is ``noise``, ``distortion``, ``pause``.
* ``longform_rouge_l`` and ``longform_corr`` over examples with a reference description.
* ``parse_failure_rate`` (share of answers with no score and no artifact parsed), ``n``, and
  ``corr_backend`` (what measured the "corr" columns: "minilm" or "llm:<model>").

An undefined value (no pairs) is NaN. ``TABLE1_COLUMNS`` / ``TABLE3_COLUMNS`` map the paper's
CSV columns (``results/reference/paper_table*.csv``) to these keys.

>>> from sqa.schema import Assessment, Artifact
>>> noisy = lambda s: Artifact(True, [(0, 1)], "hum") if s < 3 else Artifact(False)
>>> ref = [Assessment({"noise": s, "overall": s}, {"noise": noisy(s)}) for s in (1, 2, 4, 5)]
>>> from sqa.llm import get_judge
>>> r = evaluate(ref, ref, corr_backend=get_judge("rule:rouge"))
>>> r["noise_pcc"], r["mos_pcc"], r["noise_f1"], r["noise_iou"], r["noise_corr"], r["parse_failure_rate"], r["n"]
(1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sqa.metrics.correlation import description_correlation
from sqa.metrics.detection import detection_f1
from sqa.metrics.iou import interval_iou
from sqa.metrics.pcc import pcc
from sqa.metrics.rouge import rouge_l
from sqa.schema import ARTIFACTS, DIMENSIONS, Assessment, parse_response
from sqa.schema.parse import is_empty

AVG_DIMENSIONS: tuple[str, ...] = ("naturalness", "noise", "distortion", "listening_effort", "continuity", "overall")
"""Dimensions averaged in ``avg_pcc`` (Table 1's Avg.; speed is excluded, paper footnote 2)."""

ARTIFACT_PREFIX: dict[str, str] = {"noise": "noise", "distortion": "distortion", "unnatural_pause": "pause"}

TABLE1_COLUMNS: dict[str, str] = {**{d: f"{d}_pcc" for d in AVG_DIMENSIONS}, "avg": "avg_pcc"}
"""Column of ``paper_table1_pcc.csv`` -> key of :func:`evaluate`."""

TABLE3_COLUMNS: tuple[str, ...] = tuple(
    f"{ARTIFACT_PREFIX[a]}_{m}" for a in ARTIFACTS for m in ("f1", "corr", "iou")
) + ("longform_rouge_l", "longform_corr")
"""Columns of ``paper_table3_descriptive.csv`` (keys of :func:`evaluate` with the same names)."""


def _mean(xs) -> float:
    xs = [x for x in xs if not (x is None or math.isnan(x))]
    return float(np.mean(xs)) if xs else float("nan")


def _as_assessment(x: Any) -> Assessment:
    return x if isinstance(x, Assessment) else parse_response(x or "")


def evaluate(
    predictions: Sequence[Assessment],
    references: Sequence[Assessment],
    *,
    texts: Sequence[str] | None = None,
    corr_backend: Any = None,
) -> dict:
    """Table 1 + Table 3 metrics of parsed ``predictions`` against ``references`` (see module doc).

    ``texts`` are the raw generations: when given, ``parse_failure_rate`` is the share of them
    that parse to nothing; otherwise the share of empty ``predictions``. ``corr_backend`` is
    the judge of the "corr" columns (from :func:`sqa.llm.get_judge`; None: MiniLM).
    """

    preds = [_as_assessment(p) for p in predictions]
    refs = [_as_assessment(r) for r in references]
    if len(preds) != len(refs):
        raise ValueError(f"sqa.metrics.evaluate: {len(preds)} predictions vs {len(refs)} references")
    if texts is not None and len(texts) != len(preds):
        raise ValueError(f"sqa.metrics.evaluate: {len(texts)} texts vs {len(preds)} predictions")
    out: dict[str, Any] = {"n": len(preds)}

    # Table 1
    for dim in DIMENSIONS:
        out[f"{dim}_pcc"] = pcc([p.scores[dim] for p in preds], [r.scores[dim] for r in refs])
    out["avg_pcc"] = _mean(out[f"{d}_pcc"] for d in AVG_DIMENSIONS)
    out["mos_pcc"] = out["overall_pcc"]

    # Table 3: collect every description pair first, judge them in one batch
    corr_pairs: list[tuple[str, str]] = []
    corr_slots: dict[str, list[int]] = {}
    for art in ARTIFACTS:
        key = ARTIFACT_PREFIX[art]
        annotated = [(p.artifacts[art], r.artifacts[art]) for p, r in zip(preds, refs) if r.artifacts[art] is not None]
        out[f"{key}_f1"] = detection_f1(
            [pa.present if pa else None for pa, _ in annotated], [ra.present for _, ra in annotated]
        )
        both = [(pa, ra) for pa, ra in annotated if pa is not None and pa.present and ra.present]
        out[f"{key}_iou"] = _mean(interval_iou(pa.intervals, ra.intervals) for pa, ra in both)
        corr_slots[key] = list(range(len(corr_pairs), len(corr_pairs) + len(both)))
        corr_pairs += [(pa.description, ra.description) for pa, ra in both]
    longform = [(p.description, r.description) for p, r in zip(preds, refs) if r.description]
    corr_slots["longform"] = list(range(len(corr_pairs), len(corr_pairs) + len(longform)))
    corr_pairs += longform
    values, label = description_correlation(
        [a for a, _ in corr_pairs], [b for _, b in corr_pairs], backend=corr_backend
    )
    for key, slots in corr_slots.items():
        out[f"{key}_corr"] = _mean(values[i] for i in slots)
    out["longform_rouge_l"] = _mean(rouge_l(p, r) for p, r in longform)
    out["corr_backend"] = label

    parsed = [parse_response(t or "") for t in texts] if texts is not None else preds
    out["parse_failure_rate"] = (
        _mean(float(is_empty(a, structured_only=True)) for a in parsed) if parsed else float("nan")
    )
    return out
