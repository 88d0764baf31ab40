"""Read one artifact value into an :class:`Artifact`: a QualiSpeech brief cell or an answer's artifact line.

The columns ``Noise Description``, ``Distortion description`` and ``Unnatural pause`` hold either a
negative phrase (``Not noticeable``, ``Not distorted``, ``Very smooth``), a bare interval list
(``3-3.6s``), or a sentence with intervals (``There is sound similar to wind in the audio from 0-1.7s``).

Rules, in order:

1. any time interval (see :func:`parse_intervals`) -> present, with those intervals;
2. an empty / NaN-like cell (``""``, ``nan``, ``null``, ``n/a``, ``None``) -> absent, empty description;
3. a negative phrase (``none``, ``no``, ``not noticeable``, ``not distorted``, ``(very) smooth``,
   ``no noise``, ``there is no distortion``, ``no obvious pauses`` ...) -> absent;
4. anything else -> present without intervals.

>>> parse_brief("There is pitch distortion in the audio from 0-3.6s")
Artifact(present=True, intervals=[(0.0, 3.6)], description='There is pitch distortion in the audio from 0-3.6s')
>>> parse_brief("Very smooth")
Artifact(present=False, intervals=[], description='Very smooth')
>>> parse_brief(float("nan")).present
False

:func:`parse_artifact_value` reads the value of an answer's artifact line: the exact ``render()`` form
(``yes, 0.5-1.7s; hum``) first, then a leading flag word (``present, 0.5 - 1.7 s; hum``, ``No; clean``),
then :func:`parse_brief`.

>>> parse_artifact_value("yes, 0.5-1.7s, 2-3s; a low hum")
Artifact(present=True, intervals=[(0.5, 1.7), (2.0, 3.0)], description='a low hum')
>>> parse_artifact_value("Present (from 0.5 to 1.7 seconds): a low hum").intervals
[(0.5, 1.7)]
"""

from __future__ import annotations

import math
import re

from sqa.schema.intervals import parse_intervals
from sqa.schema.types import Artifact

__all__ = ["parse_brief", "is_negative", "parse_artifact_value", "strict_artifact", "read_flag"]

_NULL_LIKE = {"", "nan", "none", "null", "nil", "n/a", "na", "-", "--", "/"}
_NEGATIVE = re.compile(
    r"""^(?:
        no | none | false | 0 | absent | clean | fluent | very\ fluent | natural
      | (?:very\ |completely\ |perfectly\ |quite\ )?smooth(?:ly)?
      | not\ (?:at\ all\ )?(?:noticeable|obvious|audible|present|detected|distorted|found|apparent)(?:\ at\ all)?
      | un(?:noticeable|distorted|detected)
      | (?:there\ (?:is|are)\ )?(?:no|not\ any|without)
        (?:\ (?:obvious|noticeable|audible|apparent|significant|background|unnatural|any|clear|perceptible))*
        \ (?:noises?|distortions?|pauses?|breaks?|stutters?|artifacts?|gaps?|interruptions?)
        (?:\ (?:present|detected|found|heard))?(?:\ in\ the\ (?:audio|speech|recording|clip))?
      | (?:noise|distortion|pause)\ (?:is\ )?(?:absent|not\ noticeable|not\ present|none)
    )$""",
    re.VERBOSE,
)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(".!;,").strip().lower()


def is_negative(text: str) -> bool:
    """True when a brief cell says the artifact is absent (rules 2-3 of the module doc).

    >>> is_negative("Not noticeable"), is_negative("not very smooth"), is_negative("NaN")
    (True, False, True)
    """
    norm = _normalise(text)
    return norm in _NULL_LIKE or bool(_NEGATIVE.match(norm))


def parse_brief(text: object) -> Artifact:
    """One brief-description cell -> ``Artifact(present, intervals, description=text)``; never raises.

    ``None``, float NaN and NaN-like strings give an absent artifact with an empty description.
    """
    try:
        if text is None or (isinstance(text, float) and math.isnan(text)):
            return Artifact(False)
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        text = str(text)
        intervals = parse_intervals(text)
        if intervals:
            return Artifact(True, intervals, text)
        if _normalise(text) in _NULL_LIKE - {"none"}:
            return Artifact(False)
        if is_negative(text):
            return Artifact(False, [], text)
        return Artifact(True, [], text)
    except Exception:
        return Artifact(False)


_SECONDS = r"-?\d+(?:\.\d+)?"
_STRICT_ARTIFACT = re.compile(rf"(yes|no)(?:, ((?:{_SECONDS}-{_SECONDS}s)(?:, {_SECONDS}-{_SECONDS}s)*))?(?:; (.+))?")
_STRICT_SPAN = re.compile(rf"({_SECONDS})-({_SECONDS})s")
_FLAG = re.compile(
    r"[\W_]*(not detected|not present|yes|no|none|true|false|present|absent|detected)\b"
    r"(?P<sep>[\s,;:.()\-–—]*)(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
_YES = ("yes", "true", "present", "detected")
_LEADING_SPANS = re.compile(
    r"(?:(?:from\s+)?\d+(?:\.\d+)?\s*s?\s*(?:[-–—~]|to)\s*\d+(?:\.\d+)?\s*(?:s|sec|seconds)?\b[\s,]*(?:and\s+)?)+"
    r"[;:.()\-–—\s]*",
    re.IGNORECASE,
)


def strict_artifact(value: str) -> Artifact | None:
    """The exact ``render_artifact`` form ``yes|no[, a-bs, ...][; description]``, else ``None``."""
    m = _STRICT_ARTIFACT.fullmatch(value)
    if not m:
        return None
    spans = [(float(a), float(b)) for a, b in _STRICT_SPAN.findall(m.group(2) or "")]
    present = m.group(1) == "yes"
    if spans and not present:
        return None
    return Artifact(present, spans, m.group(3) or "")


def read_flag(value: str) -> bool | None:
    """``yes/true/present/detected`` -> True, ``no/none/false/absent/not detected`` -> False, else None."""
    m = _FLAG.fullmatch(value)
    return None if m is None else m.group(1).lower() in _YES


def parse_artifact_value(value: str, *, lenient: bool = True) -> Artifact | None:
    """An artifact line's value (see module doc); ``None`` when it says nothing.

    ``lenient=False`` (values of score labels such as ``Noise: ...``) only accepts an explicit flag word,
    an interval or a negative phrase, so that ``Noise: moderate`` says nothing.
    """
    value = value.strip()
    strict = strict_artifact(value)
    if strict is not None:
        return strict
    m = _FLAG.fullmatch(value)
    if m:
        present = m.group(1).lower() in _YES
        rest = m.group("rest").strip()
        spans = parse_intervals(rest) if present else []
        if spans and _LEADING_SPANS.match(rest):
            description = _LEADING_SPANS.sub("", rest, count=1)
        elif m.group("sep").strip() or not rest:
            description = rest
        else:  # the flag word is part of a phrase: "No noise", "present throughout"
            description = value
        return Artifact(present, spans, description)
    if not value:
        return None
    if lenient or parse_intervals(value) or is_negative(value):
        return parse_brief(value)
    return None
