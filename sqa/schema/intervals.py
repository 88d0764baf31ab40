"""Read the time intervals a sentence states: ``"from 0-1.7s and 2.1-2.5s"`` -> ``[(0.0, 1.7), (2.1, 2.5)]``.

A *range* is two numbers joined by a dash of any kind (``- – — − ~``), ``to``/``until``/``through``, or
``and`` after ``between``; each end may carry a time unit (``s``, ``sec``, ``seconds``, ``ms``,
``milliseconds``). A range is read only when it is a **time** range:

* a unit on the end applies to both ends (``between 3 and 3.6 seconds``, ``200-450 ms``);
* a unit on the start alone applies to both (``from 1.5s to 1.7``);
* a range with no unit at all (``from 0 to 4.8``) is read **only** when it shares the unit of the next
  range in a list (``from 0 to 1.7 and 2.1 to 2.5 seconds``, ``0-1, 2-3s``); on its own it is left out,
  because unit-less pairs in this domain are usually scores or scales (``1-5 scale``, ``4-5``).

Scores (``4/5``, ``MOS 3.5``), dates (``2023-10-05``) and numbers glued to words (``p232_001``) are
never read. Minutes and ``mm:ss`` clocks are not read either. Results are ``(min, max)`` seconds, with
duplicates removed, sorted.

>>> parse_intervals("There is pitch distortion in the audio from 0-3.6s")
[(0.0, 3.6)]
>>> parse_intervals("noise between 0.5 and 1 seconds, clicks at 200-450 ms")
[(0.2, 0.45), (0.5, 1.0)]
>>> parse_intervals("rated 4/5 on a 1-5 scale, from 0 to 4.8")
[]
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["parse_intervals", "find_intervals", "Span"]

_NUM = r"(?:\d+(?:\.\d+)?|\.\d+)(?!\d|\.\d)"
_MS = r"ms|msecs?|milliseconds?"
_SEC = r"s|secs?|seconds?"
_DASH = "-‐‑‒–—―−~～"
_RANGE = re.compile(
    r"(?:\b(?:(?P<btw>between)|from)\s+)?"
    rf"(?<![\w.:/{_DASH}])(?P<a>{_NUM})\s*(?:(?P<ams>{_MS})|(?P<as>{_SEC}))?(?![A-Za-z0-9])"
    rf"(?:\s*[{_DASH}]\s*|\s+(?:to|until|till|through)\s+|(?(btw)\s+and\s+|(?!)))"
    rf"(?P<b>{_NUM})\s*(?:(?P<bms>{_MS})|(?P<bs>{_SEC}))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_JOINER = re.compile(r"(?:\s|,|;|&|\band\b|\bor\b|\bas well as\b)*", re.IGNORECASE)
_MAX_JOINER = 40


class Span(NamedTuple):
    """One range found in a text: character positions and ``(start, end)`` in seconds."""

    begin: int
    end: int
    interval: tuple[float, float]


def _to_seconds(value: str, is_ms: bool) -> float:
    x = float(value)
    return round(x / 1000.0, 6) if is_ms else x


def find_intervals(text: str) -> list[Span]:
    """Every time range in ``text`` with its character positions, in reading order (see module doc).

    >>> [s.interval for s in find_intervals("from 0 to 1.7 and 2.1 to 2.5 seconds")]
    [(0.0, 1.7), (2.1, 2.5)]
    """
    if not isinstance(text, str) or not text:
        return []
    candidates = []  # (begin, end, a, b, unit) with unit None / "s" / "ms"
    for m in _RANGE.finditer(text):
        a, ms1, s1, b, ms2, s2 = m.group("a", "ams", "as", "b", "bms", "bs")
        end_unit = "ms" if ms2 else "s" if s2 else None
        start_unit = "ms" if ms1 else "s" if s1 else None
        candidates.append([m.start(), m.end(), a, b, start_unit, end_unit])
    spans: list[Span] = []
    next_unit, next_begin = None, None
    for begin, end, a, b, start_unit, end_unit in reversed(candidates):
        shared = None
        if start_unit is None and end_unit is None and next_unit is not None:
            if next_begin - end <= _MAX_JOINER and _JOINER.fullmatch(text[end:next_begin]):
                shared = next_unit
        unit_b = end_unit or start_unit or shared
        unit_a = start_unit or unit_b
        if unit_b is None:
            next_unit, next_begin = None, begin
            continue
        x, y = _to_seconds(a, unit_a == "ms"), _to_seconds(b, unit_b == "ms")
        spans.append(Span(begin, end, (min(x, y) + 0.0, max(x, y) + 0.0)))
        next_unit, next_begin = unit_b, begin
    spans.reverse()
    return spans


def parse_intervals(text: str) -> list[tuple[float, float]]:
    """Every time interval ``text`` states, as sorted, de-duplicated ``(start, end)`` seconds.

    Never raises: anything that is not a string gives ``[]``.

    >>> parse_intervals("from 1.5s to 1.7s, then 2.1–2.9s and at 3 - 3.6 s")
    [(1.5, 1.7), (2.1, 2.9), (3.0, 3.6)]
    """
    try:
        return sorted({s.interval for s in find_intervals(text)})
    except Exception:
        return []
