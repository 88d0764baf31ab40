"""``sqa.schema``: the Assessment type, its rendered answer format, and tolerant parsers."""

from sqa.schema.brief import parse_brief
from sqa.schema.intervals import parse_intervals
from sqa.schema.parse import parse_response
from sqa.schema.render import ARTIFACT_LABELS, SCORE_LABELS, render
from sqa.schema.scores import parse_score
from sqa.schema.types import ARTIFACTS, DIMENSIONS, SCORE_RANGE, Artifact, Assessment

__all__ = [
    "ARTIFACTS",
    "DIMENSIONS",
    "SCORE_RANGE",
    "Artifact",
    "Assessment",
    "ARTIFACT_LABELS",
    "SCORE_LABELS",
    "render",
    "parse_intervals",
    "parse_response",
    "parse_score",
    "parse_brief",
]
