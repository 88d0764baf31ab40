"""Field labels a model (or a dataset column) may use, and the text coercion every parser starts with.

``classify_label`` maps a label, in any case and with ``_``/``-``/markdown/``(1-5)`` decorations, to what it
names: ``("score", dim)``, ``("artifact", name)`` or ``("description", "description")``.

>>> classify_label("**Listening_Effort (1-5)**"), classify_label("Noise Description"), classify_label("MOS score")
(('score', 'listening_effort'), ('artifact', 'noise'), ('score', 'overall'))
>>> classify_label("Unnatural pause"), classify_label("Feeling of voice")
(('artifact', 'unnatural_pause'), None)
"""

from __future__ import annotations

import math
import re

__all__ = ["SCORE_ALIASES", "ARTIFACT_BY_BASE", "as_text", "norm_label", "classify_label"]

SCORE_ALIASES: dict[str, tuple[str, ...]] = {
    "noise": ("noise", "background noise", "noise level", "background noise level", "noisiness"),
    "distortion": ("distortion", "degree of distortion", "distortion level"),
    "speed": ("speed", "speaking speed", "speech speed", "speaking rate", "speech rate", "speaking pace", "pace"),
    "continuity": ("continuity", "speech continuity", "fluency"),
    "listening_effort": ("listening effort", "effort"),
    "naturalness": ("naturalness", "speech naturalness"),
    "overall": (
        "overall quality",
        "overall",
        "overall mos",
        "mos",
        "mean opinion score",
        "overall mean opinion score",
        "quality",
        "overall speech quality",
        "speech quality",
        "overall quality mos",
    ),
}
"""Normalised labels of each score dimension (a trailing ``score``/``rating``/``value``/``grade`` is ignored)."""
_SCORE_BY_ALIAS = {alias: dim for dim, aliases in SCORE_ALIASES.items() for alias in aliases}
_ARTIFACT_BASES: dict[str, tuple[str, ...]] = {
    "noise": ("noise", "background noise", "noises"),
    "distortion": ("distortion", "distortions"),
    "unnatural_pause": ("unnatural pause", "unnatural pauses", "pause", "pauses"),
}
ARTIFACT_BY_BASE = {base: name for name, bases in _ARTIFACT_BASES.items() for base in bases}
"""Artifact names by the word(s) before ``artifact``/``description`` in a label (``Noise artifact``)."""
_DESCRIPTION_ALIASES = {
    "description",
    "long description",
    "long form description",
    "detailed description",
    "natural language description",
    "overall description",
}
_ARTIFACT_SUFFIX = re.compile(r"(.*?)\s*\b(?:artifacts?|brief description|description|desc)")
_SCORE_SUFFIX = re.compile(r"(.*?)\s+(?:score|rating|value|grade)")


def as_text(text: object) -> str:
    """Any input as text: ``None``/NaN -> ``""``, bytes decoded as UTF-8 (replacing errors), others ``str()``."""
    if text is None or isinstance(text, float) and math.isnan(text):
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", errors="replace")
    return text if isinstance(text, str) else str(text)


def norm_label(label: str) -> str:
    """Lower case, ``(...)``/``[...]`` and markdown dropped, ``_ - /`` as spaces: ``"Listening_Effort (1-5)"``
    -> ``"listening effort"``."""
    label = re.sub(r"\(.*?\)|\[.*?\]", " ", str(label).lower().replace("\\", ""))
    return re.sub(r"[\s_\-/*`\"']+", " ", label).strip()


def classify_label(label: str) -> tuple[str, str] | None:
    """``("score"|"artifact"|"description", name)`` for a known label, else ``None``."""
    norm = norm_label(label)
    if norm in _DESCRIPTION_ALIASES:
        return ("description", "description")
    m = _ARTIFACT_SUFFIX.fullmatch(norm)
    if m and m.group(1) in ARTIFACT_BY_BASE:
        return ("artifact", ARTIFACT_BY_BASE[m.group(1)])
    if ARTIFACT_BY_BASE.get(norm) == "unnatural_pause":  # no score of that name: "Unnatural pause: 3-3.6s"
        return ("artifact", "unnatural_pause")
    m = _SCORE_SUFFIX.fullmatch(norm)
    norm = m.group(1) if m else norm
    if norm in _SCORE_BY_ALIAS:
        return ("score", _SCORE_BY_ALIAS[norm])
    return None
