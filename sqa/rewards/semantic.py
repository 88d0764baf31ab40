"""Semantic Similarity reward, paper eq. 5: ``(cos(e_pred, e_ref) + 1) / 2`` with all-MiniLM-L6-v2.

Summed over the artifact types the reference marks present (with a brief description). A term
is 0 when the prediction lacks that artifact (not stated, or stated absent) or gives it no
description. False alarms (predicted present, reference absent) cost nothing here; the IoU and
judge rewards see them. Range 0..3.

>>> from sqa.schema import Assessment, Artifact, render
>>> ref = render(Assessment({"noise": 2}, {"noise": Artifact(True, [(0.5, 1.7)], "a low hum in the background"),
...                                        "unnatural_pause": Artifact(True, [(2, 2.5)], "a long gap mid-sentence")}))
>>> partly = ref.replace("a low hum in the background", "the speaker talks fast")
>>> r = semantic_reward(None, [ref, partly, "???"], reference=[ref] * 3)
>>> round(r[0], 3), r[0] > r[1] > 0.0, r[2]
(2.0, True, 0.0)
"""

from __future__ import annotations

from sqa.metrics.embed import cosine01
from sqa.rewards.common import Reward
from sqa.schema import ARTIFACTS, Assessment


def semantic_terms(pred: Assessment | None, ref: Assessment) -> list[tuple[str, str] | None]:
    """One entry per artifact the reference marks present: the (pred, ref) descriptions, or None (term 0)."""
    terms: list[tuple[str, str] | None] = []
    for name in ARTIFACTS:
        ra = ref.artifacts.get(name)
        if ra is None or not ra.present or not ra.description:
            continue
        pa = pred.artifacts.get(name) if pred is not None else None
        terms.append((pa.description, ra.description) if pa is not None and pa.present and pa.description else None)
    return terms


def semantic_scores(preds: list[Assessment | None], refs: list[Assessment]) -> list[float]:
    """Eq. 5 summed per completion, all similarities computed in one MiniLM batch."""

    terms = [semantic_terms(p, r) if p is not None else [] for p, r in zip(preds, refs)]
    pairs = [t for ts in terms for t in ts if t is not None]
    sims = iter(cosine01([a for a, _ in pairs], [b for _, b in pairs]).tolist() if pairs else [])
    return [float(sum(next(sims) for t in ts if t is not None)) for ts in terms]


class SemanticReward(Reward):
    """Eq. 5 summed over the reference's present artifacts, per completion.

    >>> ref = "Noise: 2\\nNoise artifact: yes, 0-1s; a low hum"
    >>> [round(x, 3) for x in SemanticReward()(None, [ref, "Noise: 2"], reference=[ref] * 2)]
    [1.0, 0.0]
    """

    name = "semantic"

    def score(self, prompts, completions, columns) -> list[float]:
        _, preds, refs = self.parsed(completions, columns)
        return semantic_scores(preds, refs)


semantic_reward = SemanticReward()
