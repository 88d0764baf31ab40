"""Suggestion figures: coverage of the gold fixes, and text similarity to the gold suggestion.

Coverage over the fix taxonomy (:data:`sqa.tasks.suggest.FIXES`), micro-averaged over clips:

* ``coverage_precision`` = predicted fixes that are gold / predicted fixes;
* ``coverage_recall`` = gold fixes that are predicted / gold fixes; ``coverage_f1`` from the two;
* ``exact_match`` = clips whose predicted set equals the gold set (a clean clip with no suggestion counts);
* ``<fix>_precision`` / ``<fix>_recall`` per fix.

Text, over clips (needs the texts, so only when both sides have one): ``rouge_l`` (:func:`sqa.metrics.rouge_l`)
and ``minilm`` (``(cos + 1) / 2`` of all-MiniLM-L6-v2 embeddings, :func:`sqa.metrics.embed.cosine01`); pass
``text=False`` to skip them (the derived baseline has no text of its own).

Intervals: 95 % percentile bootstrap over clips (:mod:`.intervals`).

>>> from sqa.tasks.suggest import Suggestion
>>> gold = [Suggestion(("denoise", "declip")), Suggestion(("adjust_speed",)), Suggestion(())]
>>> pred = [Suggestion(("denoise",)), Suggestion(("adjust_speed", "remove_pauses")), Suggestion(())]
>>> t = suggestion_figures(pred, gold, n_boot=100, text=False).set_index("metric").value
>>> [round(float(t[k]), 4) for k in ("coverage_precision", "coverage_recall", "exact_match", "denoise_recall")]
[0.6667, 0.6667, 0.3333, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sqa.metrics import rouge_l
from sqa.metrics.bootstrap import N_BOOT, SEED
from sqa.tasks.intervals import bootstrap_figures, ratio
from sqa.tasks.suggest import FIXES, SUGGEST_PROMPT, Suggestion, parse_suggestion, render_suggestion
from sqa.tasks.task import Task


def _as_suggestion(x) -> Suggestion:
    return x if isinstance(x, Suggestion) else parse_suggestion(x)


def text_similarity(predictions: Sequence[str], references: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per-clip ROUGE-L F and MiniLM ``(cos + 1) / 2`` of each prediction against its reference.

    >>> r, m = text_similarity(["Reduce the noise."], ["Reduce the noise."])
    >>> float(r[0]), round(float(m[0]), 3)
    (1.0, 1.0)
    """
    from sqa.metrics.embed import cosine01

    rouge = np.array([rouge_l(p, r) for p, r in zip(predictions, references)], dtype=float)
    return rouge, np.asarray(cosine01(list(predictions), list(references)), dtype=float)


def suggestion_figures(
    predictions: Sequence, references: Sequence, n_boot: int = N_BOOT, seed: int = SEED, text: bool = True
) -> pd.DataFrame:
    """``metric, value, ci_low, ci_high, undefined_resamples, n`` (module doc). Predictions and references
    may be :class:`~sqa.tasks.suggest.Suggestion` objects or raw texts (parsed)."""
    preds = [_as_suggestion(p) for p in predictions]
    refs = [_as_suggestion(r) for r in references]
    if len(preds) != len(refs):
        raise ValueError(f"suggestion_figures: {len(preds)} predictions vs {len(refs)} references")
    p_sets, g_sets = [set(p.fixes) for p in preds], [set(r.fixes) for r in refs]
    tp = np.array([len(p & g) for p, g in zip(p_sets, g_sets)], dtype=float)
    n_pred = np.array([len(p) for p in p_sets], dtype=float)
    n_gold = np.array([len(g) for g in g_sets], dtype=float)
    ones = np.ones(len(refs))
    figures = {"coverage_precision": ratio(tp, n_pred), "coverage_recall": ratio(tp, n_gold)}
    prec, rec = figures["coverage_precision"], figures["coverage_recall"]

    def f1(idx):
        p, r = prec(idx), rec(idx)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), np.where(np.isnan(p + r), np.nan, 0.0)
            )

    figures["coverage_f1"] = f1
    figures["exact_match"] = ratio(np.array([p == g for p, g in zip(p_sets, g_sets)], dtype=float), ones)
    for fix in FIXES:
        hit = np.array([fix in p and fix in g for p, g in zip(p_sets, g_sets)], dtype=float)
        figures[f"{fix}_precision"] = ratio(hit, np.array([fix in p for p in p_sets], dtype=float))
        figures[f"{fix}_recall"] = ratio(hit, np.array([fix in g for g in g_sets], dtype=float))
    if text:
        rouge, minilm = text_similarity(
            [p.text or render_suggestion(p) for p in preds], [render_suggestion(r) for r in refs]
        )
        figures["rouge_l"], figures["minilm"] = ratio(rouge, ones), ratio(minilm, ones)
    return bootstrap_figures(len(refs), figures, n_boot=n_boot, seed=seed)


def evaluate_suggestions(predictions: Sequence, references: Sequence[Suggestion]) -> dict:
    """Coverage and text figures of :func:`sqa.tasks.suggest_metrics.suggestion_figures` as a flat dict."""
    table = suggestion_figures(predictions, references, n_boot=1)
    return {**dict(zip(table.metric, table.value)), "n": len(references)}


SUGGEST = Task(
    "suggest", (SUGGEST_PROMPT,), render=render_suggestion, parse=parse_suggestion, evaluate=evaluate_suggestions
)
