"""``sqa.schema``: the Assessment type, its rendered answer format, and tolerant parsers."""
from .types import ARTIFACTS, DIMENSIONS, SCORE_RANGE, Artifact, Assessment
from .render import ARTIFACT_LABELS, SCORE_LABELS, render
from .intervals import parse_intervals
from .parse import parse_response
from .scores import parse_score
from .brief import parse_brief

__all__ = [
    "ARTIFACTS", "DIMENSIONS", "SCORE_RANGE", "Artifact", "Assessment",
    "ARTIFACT_LABELS", "SCORE_LABELS", "render", "parse_intervals", "parse_response", "parse_score", "parse_brief",
]
