"""The one structured answer format the model learns in every stage.

Layout (one line per known field, in this order; unknown fields are left out)::

    Noise: 4
    Distortion: 5
    Speed: 3
    Continuity: 5
    Listening effort: 4
    Naturalness: 3
    Overall quality: 4
    Noise artifact: yes, 0.5-1.7s; a low hum in the background
    Distortion artifact: no; not distorted
    Unnatural pause artifact: yes, 2.1-2.6s, 3-3.2s; a long silent gap mid-sentence
    Description: <long-form description, may span lines>

>>> from sqa.schema.types import Assessment, Artifact
>>> print(render(Assessment(scores={"noise": 2, "overall": 3},
...       artifacts={"noise": Artifact(True, [(0.5, 1.7)], "buzzing")}, description="Noisy.")))
Noise: 2
Overall quality: 3
Noise artifact: yes, 0.5-1.7s; buzzing
Description: Noisy.
"""

from __future__ import annotations

from sqa.schema.types import ARTIFACTS, DIMENSIONS, Artifact, Assessment

SCORE_LABELS: dict[str, str] = {
    "noise": "Noise",
    "distortion": "Distortion",
    "speed": "Speed",
    "continuity": "Continuity",
    "listening_effort": "Listening effort",
    "naturalness": "Naturalness",
    "overall": "Overall quality",
}
ARTIFACT_LABELS: dict[str, str] = {
    "noise": "Noise artifact",
    "distortion": "Distortion artifact",
    "unnatural_pause": "Unnatural pause artifact",
}
DESCRIPTION_LABEL = "Description"

assert set(SCORE_LABELS) == set(DIMENSIONS) and set(ARTIFACT_LABELS) == set(ARTIFACTS)


def format_seconds(x: float) -> str:
    """Shortest exact text of a time rounded to 10 ms: ``1.5``, ``3``, ``0.05``."""
    return f"{round(x, 2):.2f}".rstrip("0").rstrip(".")


def format_intervals(intervals: list[tuple[float, float]]) -> str:
    """``[(0.5, 1.7), (2, 3)]`` -> ``0.5-1.7s, 2-3s``."""
    return ", ".join(f"{format_seconds(a)}-{format_seconds(b)}s" for a, b in intervals)


def render_artifact(artifact: Artifact) -> str:
    """The value part of an artifact line: ``yes, 0.5-1.7s; buzzing`` or ``no``."""
    text = "yes" if artifact.present else "no"
    if artifact.intervals:
        text += ", " + format_intervals(artifact.intervals)
    if artifact.description:
        text += "; " + artifact.description
    return text


def render(a: Assessment) -> str:
    """Render an :class:`Assessment` as the structured answer text (inverse of ``parse_response``)."""
    lines = [f"{SCORE_LABELS[d]}: {a.scores[d]}" for d in DIMENSIONS if a.scores.get(d) is not None]
    lines += [
        f"{ARTIFACT_LABELS[n]}: {render_artifact(a.artifacts[n])}" for n in ARTIFACTS if a.artifacts.get(n) is not None
    ]
    if a.description:
        lines.append(f"{DESCRIPTION_LABEL}: {a.description}")
    return "\n".join(lines)
