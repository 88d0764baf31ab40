"""Read artifact states from free prose: ``"background noise from 0.5 to 1.5 seconds"`` -> noise present.

Used by :func:`parse_response` on text lines that carry no known label. Per sentence:

* every time interval (:func:`find_intervals`) goes to the artifact whose keyword is nearest, first within
  the interval's clause (split at ``, ; :`` and ``but/however/while...``), then within the sentence;
  strong keywords (``noise, hum, buzzing, music`` / ``distortion, mechanical, crackling`` / ``pause, gap,
  discontinuity, stutter``) before weak ones (``unnatural``, ``naturalness`` -> unnatural pause, the way
  QualiSpeech descriptions phrase pause intervals); an interval listed right after another one with no
  keyword of its own follows it (``noise from 0-1s, 2-3s``);
* a sentence without intervals marks an artifact **absent** when its keyword is negated (``no background
  noise, distortion, or artifacts``, ``free from distortion``, ``without any breaks``, ``the noise is
  absent``, ``very smooth``, ``not distorted``), **present** when affirmed (``there is a slight hum``,
  ``the audio has background noise``), and otherwise says nothing.

Intervals win over everything; a present statement wins over an absent one. The description of a found
artifact is the sentence(s) that stated it (at most three). Long sentences are cut into 600-character pieces
so that junk input costs linear time.

>>> arts = read_artifacts("A buzzing sound from 0 to 1.7 seconds. There is no distortion.")
>>> arts["noise"].intervals, arts["distortion"].present, "unnatural_pause" in arts
([(0.0, 1.7)], False, False)
"""

from __future__ import annotations

import bisect
import re

from sqa.schema.intervals import find_intervals
from sqa.schema.types import ARTIFACTS, Artifact

__all__ = ["read_artifacts"]

_KEYWORDS = {
    "noise": r"nois(?:e|es|y)|background|hum|humming|hiss(?:ing)?|static|buzz(?:ing|es)?|chatter(?:ing)?|chatting"
    r"|music|wind|rain|bells?|belling|cheer(?:ing|s)?|crowd|traffic|beep(?:s|ing)?|talking|applause",
    "distortion": r"distort\w*|mechanical|electric(?:al)?|robotic|metallic|clipp\w*|crackl\w*|glitch\w*|muffled"
    r"|warbl\w*|garbled",
    "unnatural_pause": r"pauses?|paus(?:ed|ing)|gaps?|silen(?:ce|t)|discontinu\w*|breaks?|stutter\w*|interrupt\w*"
    r"|incoheren\w*|hesitat\w*",
}
_STRONG = {name: re.compile(rf"\b(?:{kw})\b", re.IGNORECASE) for name, kw in _KEYWORDS.items()}
_WEAK = {"unnatural_pause": re.compile(r"\b(?:unnatural\w*|naturalness)\b", re.IGNORECASE)}
_CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:but|however|while|whereas|although|though|yet|except)\b", re.IGNORECASE)
_NEGATOR = re.compile(r"\b(?:no|without|free (?:from|of)|absence of|not any|nor|devoid of)\b", re.IGNORECASE)
_ABSENT_AFTER = re.compile(
    r"\s*,?\s+(?:\w+,?\s+){0,2}?(?:is|are|was|were|being)\s+(?:\w+\s+)?"
    r"(?:absent|not noticeable|not present|not audible|not detected|unnoticeable|non-?existent|imperceptible"
    r"|inaudible)",
    re.IGNORECASE,
)
_AFFIRM = re.compile(
    r"\b(?:there (?:is|are|was|were)|has|have|had|contains?|containing|with|features?|exhibits?|shows?|includes?"
    r"|accompanied by|presence of|suffers? from|affected by|marred by)\b",
    re.IGNORECASE,
)
_PRESENT_AFTER = re.compile(
    r"\s+(?:\w+\s+){0,2}?(?:is|are|was|were)\s+(?:\w+\s+)?(?:present|noticeable|audible|evident)", re.IGNORECASE
)
_SMOOTH = re.compile(r"\b(?:very|completely|perfectly|entirely)\s+smooth(?:ly)?\b", re.IGNORECASE)
_NOT_DISTORTED = re.compile(r"\b(?:not|un)\s*distorted\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_SENTENCE_LIMIT = 600
_MAX_SPANS_PER_SENTENCE = 32


def _sentences(text: str) -> list[str]:
    """Sentences, with overlong ones cut into pieces of at most ``_SENTENCE_LIMIT`` characters."""
    out = []
    for sentence in _SENTENCE.split(text):
        while len(sentence) > _SENTENCE_LIMIT:
            cut = sentence.rfind(" ", _SENTENCE_LIMIT // 2, _SENTENCE_LIMIT)
            cut = cut if cut > 0 else _SENTENCE_LIMIT
            out.append(sentence[:cut])
            sentence = sentence[cut:]
        out.append(sentence)
    return out


class _Sentence:
    """One sentence with its keyword hits and clause breaks, found once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(text)]
        self.hits = {
            strong: [(m.start(), m.end(), name) for name, rx in table.items() for m in rx.finditer(text)]
            for strong, table in ((True, _STRONG), (False, _WEAK))
        }

    def clause(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.breaks, (pos, pos))
        begin = self.breaks[i - 1][1] if i > 0 and self.breaks[i - 1][1] <= pos else 0
        end = next((b for b, _ in self.breaks[i:] if b >= pos), len(self.text))
        return begin, end

    def nearest(self, begin: int, end: int, strong: bool, lo: int, hi: int) -> str | None:
        best = None
        for kb, ke, name in self.hits[strong]:
            if kb < lo or ke > hi:
                continue
            dist = begin - ke if ke <= begin else kb - end + 0.5
            if best is None or dist < best[0]:
                best = (dist, name)
        return best[1] if best else None

    def assign(self, begin: int, end: int) -> str | None:
        """The artifact an interval at ``[begin, end)`` belongs to, or None."""
        cb, ce = self.clause(begin)
        for lo, hi in ((cb, ce), (0, len(self.text))):
            for strong in (True, False):
                name = self.nearest(begin, end, strong, lo, hi)
                if name:
                    return name
        return None

    def own_keyword(self, begin: int) -> bool:
        cb, ce = self.clause(begin)
        return any(cb <= kb and ke <= ce for kb, ke, _ in self.hits[True])


def _after_clause(head: str, rx: re.Pattern) -> bool:
    """``rx`` occurs in ``head`` with no clause break (commas aside) between it and the end of ``head``."""
    found = list(rx.finditer(head))
    return bool(found) and not _CLAUSE_BREAK.search(head[found[-1].end() :].replace(",", ""))


def _stated(sentence: str, name: str) -> bool | None:
    """Whether a sentence without intervals says the artifact is absent (False) or present (True)."""
    verdict = None
    if name == "unnatural_pause" and _SMOOTH.search(sentence):
        verdict = False
    if name == "distortion" and _NOT_DISTORTED.search(sentence):
        verdict = False
    for kw in _STRONG[name].finditer(sentence):
        head = sentence[max(0, kw.start() - 60) : kw.start()]
        tail = sentence[kw.end() : kw.end() + 60]
        if _after_clause(head, _NEGATOR) or _ABSENT_AFTER.match(tail):
            verdict = False
        elif _after_clause(head, _AFFIRM) or _PRESENT_AFTER.match(tail):
            return True
    return verdict


def read_artifacts(text: str) -> dict[str, Artifact]:
    """The artifacts free prose states something about (see module doc); others are left out."""
    found: dict[str, dict] = {name: {"spans": [], "present": [], "absent": []} for name in ARTIFACTS}
    for raw in _sentences(text):
        if not raw.strip():
            continue
        spans = find_intervals(raw)[:_MAX_SPANS_PER_SENTENCE]
        if not spans:
            for name in ARTIFACTS:
                verdict = _stated(raw, name)
                if verdict is not None:
                    found[name]["present" if verdict else "absent"].append(raw)
            continue
        sentence = _Sentence(raw)
        previous: tuple[int, str | None] | None = None
        for span in spans:
            name = sentence.assign(span.begin, span.end)
            if previous and span.begin - previous[0] <= 15 and not sentence.own_keyword(span.begin):
                name = previous[1]
            previous = (span.end, name)
            if name:
                found[name]["spans"].append(span.interval)
                if raw not in found[name]["present"]:
                    found[name]["present"].append(raw)
    out = {}
    for name, f in found.items():
        if f["spans"] or f["present"]:
            out[name] = Artifact(True, sorted(set(f["spans"])), " ".join(f["present"][:3]))
        elif f["absent"]:
            out[name] = Artifact(False, [], f["absent"][0])
    return out
