"""Read 1..5 scores from text: a label's value, a one-score answer, or scores stated in running prose.

Rules: the first number is read; a fraction rounds half up (``3.5`` -> 4, ``4.49`` -> 4); values outside
1..5, ``x/N`` with ``N != 5``, ranges (``4-5``) and numbers with a unit (``3 seconds``, ``20 dB``) give
``None``.

>>> read_score("4/5"), read_score("**3** (fair)"), read_score("4.5"), read_score("0"), read_score("8/10")
(4, 3, 5, None, None)
>>> scores = {}; read_prose_scores("Noise score - 2. Overall, good, with a MOS of 3.5.", scores); scores
{'noise': 2, 'overall': 4}
"""

from __future__ import annotations

import math
import re

from sqa.schema.labels import as_text
from sqa.schema.types import SCORE_RANGE

__all__ = ["NUMBER", "to_score", "read_score", "parse_score", "read_prose_scores"]

NUMBER = re.compile(r"[\s*_`\"'(\[]*(\d+(?:\.\d+)?|\.\d+)(?!\d)")
"""A value that starts with a number (after markdown or an opening bracket)."""
_DENOMINATOR = re.compile(r"\s*(?:/|out\s+of)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_NOT_A_SCORE = re.compile(r"\s*(?:(?:[-–—~]|to)\s*\d|(?:s|secs?|seconds?|ms|%|x|hz|khz|db)(?![a-z]))", re.IGNORECASE)


def to_score(x: object) -> int | None:
    """Round half up into 1..5; values outside 1..5, not finite or not numbers give ``None``."""
    try:
        x = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(x) or not SCORE_RANGE[0] <= x <= SCORE_RANGE[1]:
        return None
    return int(math.floor(x + 0.5))


def read_score(value: str) -> int | None:
    """The score a label's value starts with: ``"4"``, ``"4.5"``, ``"4/5"``, ``"**3** (fair)"``."""
    m = NUMBER.match(value)
    if not m:
        return None
    tail = value[m.end() : m.end() + 40]
    den = _DENOMINATOR.match(tail)
    if den:
        return to_score(m.group(1)) if float(den.group(1)) == 5 else None
    if _NOT_A_SCORE.match(tail):
        return None
    return to_score(m.group(1))


def parse_score(text: object) -> int | None:
    """One score from a short answer to a one-dimension prompt (``"4"``, ``"Score: 4.5"``, ``"3/5."``).

    The answer's first number is read with :func:`read_score`; never raises.

    >>> parse_score("4"), parse_score("Score: 3.5"), parse_score("I'd say 2/5."), parse_score("7/10")
    (4, 4, 2, None)
    """
    try:
        text = as_text(text)[:2000]
        m = re.search(r"(?<![\w.])(?:\d+(?:\.\d+)?|\.\d+)", text)
        return read_score(text[m.start() :]) if m else None
    except Exception:
        return None


_PROSE_SCORE_WORDS = {
    "noise": ("background noise", "noise"),
    "distortion": ("distortion",),
    "speed": ("speaking speed", "speech speed", "speed", "speech rate", "speaking rate"),
    "continuity": ("continuity",),
    "listening_effort": ("listening effort",),
    "naturalness": ("naturalness",),
    "overall": (
        "overall quality",
        "overall mos",
        "overall score",
        "overall",
        "mean opinion score",
        "mos",
        "quality score",
    ),
}
_PROSE_DIM = {w: d for d, ws in _PROSE_SCORE_WORDS.items() for w in ws}
_LABEL_ALTERNATION = "|".join(
    r"[\s_\\-]+".join(map(re.escape, w.split())) for w in sorted(_PROSE_DIM, key=len, reverse=True)
)
_PROSE_SCORE = re.compile(
    rf"(?<![\w-])[\"']?(?P<label>{_LABEL_ALTERNATION})(?:[\s_]+(?:score|rating|level))?[\"']?"
    r"\s*(?:\(\s*1\s*[-–]\s*5\s*\))?"
    r"(?:\s*(?::|=|\bis\b|\bof\b|\bwas\b|[-–—])\s*(?:(?:a|an|about|around|approximately|roughly|rated(?: at)?)\s+)?"
    r"|\s+(?=\d+(?:\.\d+)?\s*(?:/|out\s+of)\s*5\b))"
    r"(?=[\"']?\d)",
    re.IGNORECASE,
)


def read_prose_scores(text: str, scores: dict) -> None:
    """Fill the ``None`` entries of ``scores`` from running text: ``a MOS of 4.0``, ``noise 4/5``,
    ``Noise score - 4``, ``"overall\\_quality": 4.5``. The first statement of a dimension wins."""
    for m in _PROSE_SCORE.finditer(text):
        dim = _PROSE_DIM[re.sub(r"[\s_\\-]+", " ", m.group("label").lower())]
        if scores.get(dim) is None:
            scores[dim] = read_score(text[m.end() : m.end() + 60])
