"""Agreement of predicted and reference descriptions, 0..1 (paper Table 3, "Corr." columns).

The paper asked GPT-4o for a correlation score. Here a judge does that when one is given
(``backend``: a judge object with ``rate_descriptions`` and ``label``, e.g.
``sqa.llm.get_judge("http://host:8000/v1#Qwen3-8B")``; its 0..10 rating is divided by 10); otherwise
(``None`` or ``"minilm"``) MiniLM ``(cos + 1) / 2`` stands in. The label
returned ("minilm", "llm:<model>", "rule-minilm") must be shown next to the numbers, since
the two are not on the same footing. An empty prediction scores 0; an unreadable judge reply
gives NaN (left out of means).

>>> values, label = description_correlation(["a low hum throughout", ""], ["a low hum throughout", "a click"])
>>> [round(float(v), 3) for v in values], label
([1.0, 0.0], 'minilm')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np


class Correlation(NamedTuple):
    values: np.ndarray
    label: str


def description_correlation(preds: Sequence[str], refs: Sequence[str], backend: Any = None) -> Correlation:
    """Per-pair agreement in [0, 1] and the label of what measured it."""
    if len(preds) != len(refs):
        raise ValueError(f"sqa.metrics.description_correlation: {len(preds)} predictions vs {len(refs)} references")
    preds, refs = [p or "" for p in preds], [r or "" for r in refs]
    values = np.zeros(len(preds), dtype=np.float64)
    idx = [i for i, p in enumerate(preds) if p]
    if backend is None or backend == "minilm":
        from sqa.metrics.embed import cosine01

        if idx:
            values[idx] = cosine01([preds[i] for i in idx], [refs[i] for i in idx])
        return Correlation(values, "minilm")
    if not hasattr(backend, "rate_descriptions"):
        raise TypeError(
            f"sqa.metrics.description_correlation: backend {backend!r} is not a judge; "
            "build one with sqa.llm.get_judge(spec)"
        )
    judge = backend
    if idx:
        ratings = judge.rate_descriptions([(refs[i], preds[i]) for i in idx])
        values[idx] = [np.nan if r is None else r / 10.0 for r in ratings]
    return Correlation(values, judge.label)
