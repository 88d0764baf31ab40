"""ROUGE-L F-measure of long-form descriptions (paper Table 3), via the ``rouge-score`` package.

Tokenisation and Porter stemming are rouge-score's (``use_stemmer=True``).

>>> rouge_l("the speech is clear and natural", "the speech is clear and natural")
1.0
>>> rouge_l("heavy background noise", "clean speech")
0.0
>>> round(rouge_l("clear speech with a hum", "the speech is clear"), 3)  # LCS 1 word: P=1/5, R=1/4
0.222
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(pred: str, ref: str) -> float:
    """ROUGE-L F1 of ``pred`` against ``ref`` (0.0 when either is empty)."""
    return float(_scorer().score(ref or "", pred or "")["rougeL"].fmeasure)
