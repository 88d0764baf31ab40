"""Which parts of an Assessment belong to each judged dimension.

The dimension-wise judge (paper Fig. 2) sees one dimension at a time: its score line plus the
artifact that QualiSpeech annotates for it (noise -> noise artifact, distortion -> distortion
artifact, continuity -> unnatural pause artifact) and, for overall quality, the long-form
description. Every rendered field is judged exactly once.

>>> from sqa.schema import Assessment, Artifact
>>> a = Assessment(scores={"noise": 2, "speed": 3}, artifacts={"noise": Artifact(True, [(0, 1)], "hum")})
>>> print(dimension_text(a, "noise"))
Noise: 2
Noise artifact: yes, 0-1s; hum
>>> dimension_text(a, "overall")
''
"""

from __future__ import annotations

from sqa.schema import DIMENSIONS, Assessment, render

DIMENSION_ARTIFACT: dict[str, str] = {"noise": "noise", "distortion": "distortion", "continuity": "unnatural_pause"}
"""The artifact type judged together with a score dimension."""

DIMENSION_MEANING: dict[str, str] = {
    "noise": "background noise (score 5 = no audible noise) and the noise artifact: presence, time intervals, "
    "description",
    "distortion": "signal distortion such as clipping, crackle or codec artifacts (5 = none) and the distortion "
    "artifact",
    "speed": "speaking rate (3 = normal; lower is slower or faster than natural)",
    "continuity": "continuity of the speech (5 = no breaks) and unnatural pauses: presence, time intervals, "
    "description",
    "listening_effort": "effort needed to understand the speech (5 = effortless)",
    "naturalness": "how natural and human-like the voice sounds (5 = fully natural)",
    "overall": "overall quality (MOS, 1..5) and the long-form description of the recording",
}
assert set(DIMENSION_MEANING) == set(DIMENSIONS)


def dimension_view(a: Assessment, dim: str) -> Assessment:
    """The sub-Assessment holding only what belongs to ``dim``."""
    if dim not in DIMENSIONS:
        raise ValueError(f"sqa.llm.views: unknown dimension {dim!r}; expected one of {DIMENSIONS}")
    art = DIMENSION_ARTIFACT.get(dim)
    return Assessment(
        scores={dim: a.scores.get(dim)},
        artifacts={art: a.artifacts.get(art)} if art else {},
        description=a.description if dim == "overall" else "",
    )


def dimension_text(a: Assessment, dim: str) -> str:
    """Rendered lines of :func:`dimension_view` ('' when the answer says nothing about ``dim``)."""
    return render(dimension_view(a, dim))
