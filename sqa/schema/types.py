"""The one typed object that annotations, model answers, rewards and metrics all speak.

>>> a = Assessment(scores={"noise": 2}, artifacts={"noise": Artifact(True, [(1.234, 2.0)], "hum")})
>>> a.scores["noise"], a.scores["overall"]
(2, None)
>>> a.artifacts["noise"].intervals
[(1.23, 2.0)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DIMENSIONS: tuple[str, ...] = (
    "noise",
    "distortion",
    "speed",
    "continuity",
    "listening_effort",
    "naturalness",
    "overall",
)
"""Perceptual dimensions of QualiSpeech, each scored 1 (worst) .. 5 (best)."""

ARTIFACTS: tuple[str, ...] = ("noise", "distortion", "unnatural_pause")
"""Artifact types annotated with presence, time intervals and a brief description."""

SCORE_RANGE = (1, 5)
INTERVAL_DECIMALS = 2

_WS = re.compile(r"\s+")


def _clean_text(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


@dataclass
class Artifact:
    """One artifact type in one clip.

    ``intervals`` are ``(start, end)`` seconds, rounded to 10 ms, each ordered and the list sorted.
    An absent artifact has no intervals. ``description`` is a one-line brief description.
    """

    present: bool
    intervals: list[tuple[float, float]] = field(default_factory=list)
    description: str = ""

    def __post_init__(self) -> None:
        self.present = bool(self.present)
        spans = []
        for start, end in self.intervals:
            a, b = round(float(start), INTERVAL_DECIMALS), round(float(end), INTERVAL_DECIMALS)
            spans.append((min(a, b) + 0.0, max(a, b) + 0.0))
        if spans and not self.present:
            raise ValueError(f"an absent artifact cannot have intervals: {spans}")
        self.intervals = sorted(spans)
        self.description = _clean_text(self.description)


@dataclass
class Assessment:
    """Scores per dimension (1..5 or None), artifacts per type (or None), long-form description.

    Missing keys are filled with ``None`` so that two assessments compare field by field.
    """

    scores: dict[str, int | None] = field(default_factory=dict)
    artifacts: dict[str, Artifact | None] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        unknown = (set(self.scores) - set(DIMENSIONS)) | (set(self.artifacts) - set(ARTIFACTS))
        if unknown:
            raise ValueError(f"unknown dimension or artifact name(s): {sorted(unknown)}")
        scores = {}
        for dim in DIMENSIONS:
            value = self.scores.get(dim)
            if value is not None:
                value = int(value)
                if not SCORE_RANGE[0] <= value <= SCORE_RANGE[1]:
                    raise ValueError(f"score for {dim} must be in 1..5, got {value}")
            scores[dim] = value
        self.scores = scores
        self.artifacts = {name: self.artifacts.get(name) for name in ARTIFACTS}
        self.description = (self.description or "").strip()

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (used by ``python -m sqa assess --format json``)."""
        return {
            "scores": dict(self.scores),
            "artifacts": {
                name: None
                if art is None
                else {
                    "present": art.present,
                    "intervals": [list(s) for s in art.intervals],
                    "description": art.description,
                }
                for name, art in self.artifacts.items()
            },
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Assessment:
        arts = {
            name: None
            if v is None
            else Artifact(v["present"], [tuple(s) for s in v.get("intervals", [])], v.get("description", ""))
            for name, v in (d.get("artifacts") or {}).items()
        }
        return cls(scores=dict(d.get("scores") or {}), artifacts=arts, description=d.get("description", ""))
