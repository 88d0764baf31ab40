"""RuleJudge: a deterministic STAND-IN for an LLM judge (tiny profile, tests, no GPU, no server).

It returns the same 0..10 numbers an LLM judge would, computed from the parsed answers:

* score closeness ``1 - |s_pred - s_ref| / 4`` (missing prediction: 0);
* artifact agreement: presence must match (else 0); both absent: 1; both present: mean of
  1 (presence), interval IoU and description similarity;
* description similarity: MiniLM ``(cos + 1) / 2`` (eq. 5), or ROUGE-L with ``similarity="rouge"``.

It is no substitute for Qwen3 in the paper's LLM-judge runs; it makes the same code path run
offline. Ratings are ``10 * mean(parts)``.

>>> from sqa.schema import Assessment, Artifact
>>> ref = Assessment({"noise": 2}, {"noise": Artifact(True, [(0, 1)], "a low hum")})
>>> j = RuleJudge(similarity="rouge")
>>> j.rate_dimensions([("noise", ref, ref),
...                    ("noise", ref, Assessment({"noise": 3}, {"noise": Artifact(True, [(0.5, 1)], "a hum")})),
...                    ("noise", ref, Assessment())])
[10.0, 7.583333333333333, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence

from sqa.llm.spec import JudgeKind
from sqa.llm.views import DIMENSION_ARTIFACT
from sqa.metrics.iou import interval_iou
from sqa.metrics.rouge import rouge_l
from sqa.schema import ARTIFACTS, DIMENSIONS, SCORE_RANGE, Artifact, Assessment, parse_response

_SPAN = SCORE_RANGE[1] - SCORE_RANGE[0]


def score_closeness(pred: int | None, ref: int) -> float:
    """``1 - |pred - ref| / 4`` in [0, 1]; 0 when the prediction is missing."""
    return 0.0 if pred is None else max(0.0, 1.0 - abs(pred - ref) / _SPAN)


class RuleJudge:
    """Deterministic stand-in judge (see module docstring)."""

    def __init__(self, similarity: str = "minilm", minilm_path: str | None = None) -> None:
        if similarity not in ("minilm", "rouge"):
            raise ValueError(f"sqa.llm.RuleJudge: similarity must be 'minilm' or 'rouge', got {similarity!r}")
        self.similarity = similarity
        self.minilm_path = minilm_path

    @property
    def label(self) -> str:
        return f"rule-{self.similarity}"

    # -- similarity, batched ------------------------------------------------------------------
    def similarities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Similarity in [0, 1] of each ``(candidate, reference)`` pair; an empty candidate scores 0."""
        todo = [(c, r) for c, r in pairs if c and r]
        if self.similarity == "rouge":
            table = {p: rouge_l(*p) for p in todo}
        else:
            from sqa.metrics.embed import cosine01

            uniq = list(dict.fromkeys(todo))
            sims = cosine01([c for c, _ in uniq], [r for _, r in uniq], path=self.minilm_path) if uniq else []
            table = dict(zip(uniq, map(float, sims)))
        return [table.get((c, r), 1.0 if not c and not r else 0.0) for c, r in pairs]

    # -- building blocks ----------------------------------------------------------------------
    @staticmethod
    def _artifact_parts(ref: Artifact, cand: Artifact | None) -> tuple[float | None, tuple[str, str] | None]:
        """(fixed agreement or None, description pair to compare) for one artifact."""
        if cand is None or cand.present != ref.present:
            return 0.0, None
        if not ref.present:
            return 1.0, None
        return None, (cand.description, ref.description)

    def _artifact_agreement(self, ref: Artifact, cand: Artifact | None, sim: float | None) -> float:
        fixed, _ = self._artifact_parts(ref, cand)
        if fixed is not None:
            return fixed
        parts = [1.0, interval_iou(cand.intervals, ref.intervals)]
        if ref.description:
            parts.append(sim or 0.0)
        return sum(parts) / len(parts)

    # -- the judge interface ------------------------------------------------------------------
    def rate_dimensions(self, items: Sequence[tuple[str, Assessment, Assessment]]) -> list[float | None]:
        """0..10 per ``(dim, reference, candidate)``; None when the reference says nothing about ``dim``."""
        pairs: list[tuple[str, str]] = []
        for dim, ref, cand in items:
            art = DIMENSION_ARTIFACT.get(dim)
            if art and ref.artifacts.get(art) is not None:
                _, pair = self._artifact_parts(ref.artifacts[art], cand.artifacts.get(art))
                pairs.append(pair or ("", ""))  # a placeholder keeps the order
            if dim == "overall" and ref.description:
                pairs.append((cand.description, ref.description))
        sims = iter(self.similarities(pairs))
        out: list[float | None] = []
        for dim, ref, cand in items:
            parts = []
            if ref.scores.get(dim) is not None:
                parts.append(score_closeness(cand.scores.get(dim), ref.scores[dim]))
            art = DIMENSION_ARTIFACT.get(dim)
            if art and ref.artifacts.get(art) is not None:
                parts.append(self._artifact_agreement(ref.artifacts[art], cand.artifacts.get(art), next(sims)))
            if dim == "overall" and ref.description:
                parts.append(next(sims))
            out.append(10.0 * sum(parts) / len(parts) if parts else None)
        return out

    def rate_unified(self, items: Sequence[tuple[str, str]]) -> list[dict[str, float | None]]:
        """SQ-LLM's four criteria from the parsed answers, 0..10 each:

        * helpfulness: share of the reference's fields (scores, artifacts, description) the answer states;
        * relevance: similarity of the long-form descriptions (score closeness when the reference has none);
        * accuracy: mean score closeness and artifact-presence agreement over the reference's fields;
        * detail: mean interval IoU and brief-description similarity over the reference's present
          artifacts, plus ROUGE-L of the long-form description.
        """
        parsed = [(parse_response(r), parse_response(c)) for r, c in items]
        pairs: list[tuple[str, str]] = []
        for ref, cand in parsed:
            pairs.append((cand.description, ref.description))
            for name in ARTIFACTS:
                ra, ca = ref.artifacts.get(name), cand.artifacts.get(name)
                if ra is not None and ra.present:
                    pairs.append((ca.description if ca is not None and ca.present else "", ra.description))
        sims = iter(self.similarities(pairs))
        return [self._unified_one(ref, cand, sims) for ref, cand in parsed]

    def _unified_one(self, ref: Assessment, cand: Assessment, sims) -> dict[str, float | None]:
        long_sim = next(sims)
        ref_dims = [d for d in DIMENSIONS if ref.scores.get(d) is not None]
        ref_arts = [n for n in ARTIFACTS if ref.artifacts.get(n) is not None]
        fields = len(ref_dims) + len(ref_arts) + bool(ref.description)
        stated = (
            sum(cand.scores.get(d) is not None for d in ref_dims)
            + sum(cand.artifacts.get(n) is not None for n in ref_arts)
            + bool(ref.description and cand.description)
        )
        closeness = [score_closeness(cand.scores.get(d), ref.scores[d]) for d in ref_dims]
        presence = [
            float(cand.artifacts.get(n) is not None and cand.artifacts[n].present == ref.artifacts[n].present)
            for n in ref_arts
        ]
        detail = []
        for name in ARTIFACTS:
            ra = ref.artifacts.get(name)
            if ra is not None and ra.present:
                ca = cand.artifacts.get(name)
                iou = interval_iou(ca.intervals, ra.intervals) if ca is not None and ca.present else 0.0
                detail.append((iou + next(sims)) / 2)
        if ref.description:
            detail.append(rouge_l(cand.description, ref.description))

        def mean10(xs: list[float]) -> float:
            return 10.0 * sum(xs) / len(xs) if xs else 0.0

        relevance = long_sim if ref.description else (sum(closeness) / len(closeness) if closeness else 0.0)
        return {
            "helpfulness": 10.0 * stated / fields if fields else 0.0,
            "relevance": 10.0 * relevance,
            "accuracy": mean10(closeness + presence),
            "detail": mean10(detail),
        }

    def rate_descriptions(self, items: Sequence[tuple[str, str]]) -> list[float | None]:
        """``10 * similarity`` of each ``(reference_text, candidate_text)``."""
        return [10.0 * s for s in self.similarities([(c, r) for r, c in items])]


def _rule_split(text: str) -> tuple[str, str]:
    similarity = {"rule": "minilm", "rule:minilm": "minilm", "rule:rouge": "rouge"}.get(text)
    if similarity is None:
        raise ValueError(f"sqa.llm: unknown rule judge {text!r}; expected 'rule' (MiniLM) or 'rule:rouge' (ROUGE-L)")
    return similarity, ""


RULE_BACKEND = JudgeKind(
    "rule",
    ("rule",),
    build=lambda spec: RuleJudge(similarity=spec.target),
    split=_rule_split,
    label=lambda spec: f"rule-{spec.target}",
    stand_in=True,
    example="rule",
)
"""``rule`` (MiniLM similarity) and ``rule:rouge`` (ROUGE-L, no model at all): the stand-in, only when named."""
