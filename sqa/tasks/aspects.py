"""SpeechEval's eight rated aspects and the sqa dimensions they share.

SpeechEval (the SQ-LLM paper's corpus) rates Overall Quality, Intelligibility, Distortion, Speech Rate,
Dynamic Range, Emotional Impact, Artistic Expression and Subjective Experience. Four of them are sqa
dimensions (:data:`sqa.schema.DIMENSIONS`); the others are n/a on the sqa side, and sqa's noise,
continuity and naturalness are n/a on the SpeechEval side.

:func:`dimension_of` reads a label of either vocabulary (any case, markdown, ``(A vs B)`` decorations).

>>> dimension_of("Intelligibility (A vs B)"), dimension_of("**Speech Rate**"), dimension_of("Background noise")
('listening_effort', 'speed', 'noise')
>>> dimension_of("Emotional Impact") is None, dimension_of("banana") is None
(True, True)

:func:`labelled_fields` finds ``<label>: <value>`` fields of either vocabulary in running text, several
per line allowed (as in text extracted from a PDF), with an optional ``(A vs B)`` after the label:

>>> labelled_fields("Intelligibility: 4/5 Speech Rate (A vs B): A is better\\nEmotional Impact: 2/5")
[('listening_effort', '4/5'), ('speed', 'A is better'), (None, '2/5')]
"""

from __future__ import annotations

import re

from sqa.schema.labels import SCORE_ALIASES, classify_label, norm_label

SPEECHEVAL_ASPECTS: dict[str, str | None] = {
    "Overall Quality": "overall",
    "Intelligibility": "listening_effort",
    "Distortion": "distortion",
    "Speech Rate": "speed",
    "Dynamic Range": None,
    "Emotional Impact": None,
    "Artistic Expression": None,
    "Subjective Experience": None,
}
"""SpeechEval aspect -> sqa dimension (``None``: no sqa counterpart)."""

_BY_NORM = {norm_label(k): v for k, v in SPEECHEVAL_ASPECTS.items()}

LABELS: tuple[str, ...] = tuple(
    sorted(
        {norm_label(k) for k in SPEECHEVAL_ASPECTS} | {a for aliases in SCORE_ALIASES.values() for a in aliases},
        key=lambda s: (-len(s), s),
    )
)
"""Every normalised label of a dimension or an aspect, longest first (for regex alternations)."""


def dimension_of(label: str) -> str | None:
    """The sqa dimension a label names (SpeechEval aspects first), or ``None``."""
    norm = norm_label(label)
    if norm in _BY_NORM:
        return _BY_NORM[norm]
    kind = classify_label(label)
    return kind[1] if kind and kind[0] == "score" else None


_ALT = "|".join(re.escape(label).replace(r"\ ", r"[\s_\-]+") for label in LABELS)
_FIELD = re.compile(
    rf"(?<![A-Za-z])(?P<label>{_ALT})(?![A-Za-z])[*_`\s]*(?:\(\s*A\s*vs\.?\s*B\s*\))?[*_`\s]*(?::|\s[-–—]\s)", re.I
)


def labelled_fields(text: str) -> list[tuple[str | None, str]]:
    """``(dimension or None, value)`` for each labelled field, in order; a value runs to the next field or
    the end of its line."""
    found = list(_FIELD.finditer(text))
    out = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        out.append((dimension_of(m.group("label")), text[m.end() : end].split("\n", 1)[0].strip()))
    return out
