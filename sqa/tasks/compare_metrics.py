"""Comparison figures: 3-way accuracy and accuracy on non-tie pairs, per dimension and overall, with
95 % percentile bootstrap intervals over pairs (:mod:`.intervals`).

Per dimension, over the pairs whose gold verdict is known:

* ``<dim>_acc`` -- share of pairs whose predicted verdict (A, B or tie) equals the gold one; a missing
  prediction is wrong;
* ``<dim>_acc_nontie`` -- the same over the pairs whose gold verdict is A or B (SpeechEval-style
  preference accuracy; predicting ``tie`` there is wrong);
* ``overall_*`` -- the mean over the dimensions that have a figure (a macro average, like SQ-LLM's
  AVG ACC); ``overall`` here is this average, while the *dimension* overall quality is ``overall_quality_*``;
* ``no_verdict_rate`` -- share of (pair, dimension) slots with a gold verdict and no predicted one.

Pairs share clips (each clip sits in a few pairs), so an interval over pairs is somewhat narrower than
one over clips would be.

>>> from sqa.tasks.compare import Comparison
>>> gold = [Comparison({"noise": v}) for v in ("A", "B", "tie", "A")]
>>> pred = [Comparison({"noise": v}) for v in ("A", "tie", "tie", None)]
>>> t = comparison_figures(pred, gold, n_boot=200).set_index("metric")
>>> [round(float(t.value[k]), 4) for k in ("noise_acc", "noise_acc_nontie", "overall_acc", "no_verdict_rate")]
[0.5, 0.3333, 0.5, 0.25]
>>> int(t.n["noise_acc"]), int(t.n["noise_acc_nontie"])
(4, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sqa.metrics.bootstrap import N_BOOT, SEED
from sqa.schema import DIMENSIONS
from sqa.tasks.compare import COMPARE_PROMPT, Comparison, parse_comparison, render_comparison
from sqa.tasks.intervals import bootstrap_figures, mean_of, ratio
from sqa.tasks.task import Task


def dimension_key(dim: str) -> str:
    """Figure prefix of a dimension (``overall`` -> ``overall_quality``, keeping ``overall_`` for the average)."""
    return "overall_quality" if dim == "overall" else dim


def _as_comparison(x) -> Comparison:
    return x if isinstance(x, Comparison) else parse_comparison(x)


def comparison_figures(
    predictions: Sequence, references: Sequence, n_boot: int = N_BOOT, seed: int = SEED
) -> pd.DataFrame:
    """``metric, value, ci_low, ci_high, undefined_resamples, n`` (module doc); ``n`` counts the pairs
    behind each figure. Predictions may be :class:`Comparison` objects or raw answers (parsed)."""
    preds = [_as_comparison(p) for p in predictions]
    refs = [_as_comparison(r) for r in references]
    if len(preds) != len(refs):
        raise ValueError(f"comparison_figures: {len(preds)} predictions vs {len(refs)} references")
    n = len(refs)
    figures, counts, acc, nontie = {}, {}, [], []
    known_all, missing_all = np.zeros(n), np.zeros(n)
    for d in DIMENSIONS:
        gold = [r.verdicts[d] for r in refs]
        known = np.array([g is not None for g in gold], dtype=float)
        if not known.any():
            continue
        hit = np.array([g is not None and p.verdicts[d] == g for p, g in zip(preds, gold)], dtype=float)
        decided = np.array([g in ("A", "B") for g in gold], dtype=float)
        missing = np.array([g is not None and p.verdicts[d] is None for p, g in zip(preds, gold)], dtype=float)
        key = dimension_key(d)
        figures[f"{key}_acc"], counts[f"{key}_acc"] = ratio(hit, known), int(known.sum())
        figures[f"{key}_acc_nontie"], counts[f"{key}_acc_nontie"] = ratio(hit * decided, decided), int(decided.sum())
        acc.append(figures[f"{key}_acc"])
        nontie.append(figures[f"{key}_acc_nontie"])
        known_all += known
        missing_all += missing
    if not acc:
        raise ValueError("comparison_figures: no reference verdict in any dimension")
    figures["overall_acc"], figures["overall_acc_nontie"] = mean_of(acc), mean_of(nontie)
    figures["no_verdict_rate"] = ratio(missing_all, known_all)
    table = bootstrap_figures(n, figures, n_boot=n_boot, seed=seed)
    table["n"] = [counts.get(m, n) for m in table.metric]
    return table


def evaluate_comparisons(predictions: Sequence, references: Sequence[Comparison]) -> dict:
    """Point figures of :func:`sqa.tasks.compare_metrics.comparison_figures` as a flat dict."""
    table = comparison_figures(predictions, references, n_boot=1)
    return {**dict(zip(table.metric, table.value)), "n": len(references)}


COMPARE = Task(
    "compare",
    (COMPARE_PROMPT,),
    render=render_comparison,
    parse=parse_comparison,
    evaluate=evaluate_comparisons,
    n_audios=2,
)
