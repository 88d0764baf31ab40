"""``compare``: which of two clips is better, per dimension, with a reason (SQ-LLM's SQC task).

Gold answer (one line per dimension that has a verdict, in :data:`sqa.schema.DIMENSIONS` order, then the
reason)::

    Noise (A vs B): A is better than B
    Distortion (A vs B): A and B are equal
    Speed (A vs B): B is better than A
    ...
    Reason: Noise: A 4 (slight background noise), B 2 (clearly audible, disturbing background noise). ...

:func:`parse_comparison` reads that format exactly and looser ones tolerantly, never raising: any case,
markdown, ``<think>``/``<answer>`` tags, SpeechEval's aspect names (``Intelligibility``, ``Speech Rate``:
:mod:`.aspects`), several labels on one line, and verdicts such as ``B is better than A``, ``Sample A is
slightly better``, ``A is worse``, ``A and B are similar in this aspect``, ``Better: B`` or a bare ``A``.
The letters must be capitals (``a better take`` is no verdict).

>>> from sqa.schema import Assessment
>>> gold = comparison(Assessment(scores={"noise": 4, "overall": 3}), Assessment(scores={"noise": 2, "overall": 3}))
>>> print(render_comparison(gold))
Noise (A vs B): A is better than B
Overall quality (A vs B): A and B are equal
Reason: Noise: A 4 (slight background noise), B 2 (clearly audible, disturbing background noise). \
Overall quality: equal (3).
>>> parse_comparison(render_comparison(gold)) == gold
True
>>> c = parse_comparison("<think>Intelligibility: A and B are similar in this aspect Speech Rate: Sample A is better"
...                      "</think><answer>A wins.</answer>")
>>> c.verdicts["listening_effort"], c.verdicts["speed"], c.verdicts["noise"]
('tie', 'A', None)
>>> parse_comparison(None).verdicts["overall"] is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqa.schema import DIMENSIONS, SCORE_LABELS, Assessment
from sqa.schema.labels import as_text
from sqa.schema.prompts import CRITERIA
from sqa.tasks.aspects import labelled_fields
from sqa.tasks.pairs import VERDICTS, preferences

COMPARE_PROMPT = (
    "Sample A: <audio> Sample B: <audio> Compare the speech quality of Sample A and Sample B. For noise, distortion, "
    "speed, continuity, listening effort, naturalness and overall quality say whether A is better than B, B is better "
    "than A, or A and B are equal; then give the reason."
)
"""The comparison prompt, in SpeechEval's layout (one ``<audio>`` placeholder per sample)."""

VERDICT_TEXT: dict[str, str] = {"A": "A is better than B", "B": "B is better than A", "tie": "A and B are equal"}
MAX_CHARS = 50_000
assert set(VERDICT_TEXT) == set(VERDICTS)


@dataclass
class Comparison:
    """A verdict per dimension (``"A"``, ``"B"``, ``"tie"`` or ``None``) and a free-text reason (on one line)."""

    verdicts: dict[str, str | None] = field(default_factory=dict)
    reason: str = ""

    def __post_init__(self) -> None:
        bad = {k: v for k, v in self.verdicts.items() if k not in DIMENSIONS or v not in (*VERDICTS, None)}
        if bad:
            raise ValueError(f"Comparison: unknown dimension or verdict {bad}")
        self.verdicts = {d: self.verdicts.get(d) for d in DIMENSIONS}
        self.reason = " ".join((self.reason or "").split())


def comparison_reason(a: Assessment, b: Assessment) -> str:
    """The gold reason: each dimension's two scores with their criterion (:data:`sqa.schema.prompts.CRITERIA`)."""
    parts = []
    for d in DIMENSIONS:
        sa, sb = a.scores[d], b.scores[d]
        if sa is None or sb is None:
            continue
        if sa == sb:
            parts.append(f"{SCORE_LABELS[d]}: equal ({sa}).")
        else:
            parts.append(f"{SCORE_LABELS[d]}: A {sa} ({CRITERIA[d][sa - 1]}), B {sb} ({CRITERIA[d][sb - 1]}).")
    return " ".join(parts)


def comparison(a: Assessment, b: Assessment) -> Comparison:
    """The gold comparison of clip A against clip B (verdicts from :func:`sqa.tasks.pairs.preferences`)."""
    return Comparison(preferences(a, b), comparison_reason(a, b))


def render_comparison(gold: Comparison) -> str:
    """The gold answer text (module doc)."""
    lines = [f"{SCORE_LABELS[d]} (A vs B): {VERDICT_TEXT[v]}" for d, v in gold.verdicts.items() if v is not None]
    if gold.reason:
        lines.append(f"Reason: {gold.reason}")
    return "\n".join(lines)


_TAG = re.compile(r"</?\s*(?:think|answer)\s*>", re.I)
_REASON = re.compile(r"(?im)^[\s*_#>-]*(?:reason|justification|explanation)[*_\s]*:\s*")
_SAMPLE = re.compile(r"(?i)\b(?:sample|clip|audio|speech|recording)\s+([ab])\b")
_ORDINAL = re.compile(r"(?i)\bthe\s+(first|second)\s+(?:sample|clip|one|audio|recording)\b")
_COMPARATIVE = r"(?i:better|superior|preferred|preferable|wins|stronger|cleaner|clearer|worse|inferior|weaker)"
_WIN = re.compile(rf"\b([AB])\b[^.;,\n]{{0,40}}?\b({_COMPARATIVE})\b")
_PICK = re.compile(
    r"(?i:\b(?:better|prefer(?:red|ence)?|winner|choose|choice|pick)\b)[^A-Za-z\n]{0,6}(?:(?i:is)\s+)?\b([AB])\b"
)
_TIE = re.compile(
    r"(?i)\b(?:equal(?:ly)?|similar(?:ly)?|same|tie|tied|comparable|no (?:clear |noticeable |real )?"
    r"difference|neither|indistinguishable|on par|identical|alike)\b"
)
_BARE = re.compile(r"\s*([AB])\s*[.!]?\s*")
_WORSE = re.compile(r"(?i)worse|inferior|weaker")


def parse_verdict(text: object) -> str | None:
    """``"A"``, ``"B"``, ``"tie"`` or ``None`` from one verdict phrase (module doc); never raises.

    >>> [parse_verdict(t) for t in ("B is better than A", "sample a is slightly better", "A is worse than B",
    ...                             "A and B are similar in this aspect", "Better: B", "A", "a better take", 42)]
    ['B', 'A', 'B', 'tie', 'B', 'A', None, None]
    """
    s = as_text(text)[:2000].replace("*", "").replace("`", "")
    s = _SAMPLE.sub(lambda m: m.group(1).upper(), s)
    s = _ORDINAL.sub(lambda m: "A" if m.group(1).lower() == "first" else "B", s)
    m = _WIN.search(s)
    if m:
        if _WORSE.fullmatch(m.group(2)):
            return "B" if m.group(1) == "A" else "A"
        return m.group(1)
    m = _PICK.search(s)
    if m:
        return m.group(1)
    if _TIE.search(s):
        return "tie"
    m = _BARE.fullmatch(s)
    return m.group(1) if m else None


def parse_comparison(text: object) -> Comparison:
    """A :class:`Comparison` read from a model's answer (module doc); never raises."""
    s = _TAG.sub("\n", as_text(text)[:MAX_CHARS])
    verdicts: dict[str, str | None] = {}
    reason_match = _REASON.search(s)
    body, reason = (s[: reason_match.start()], s[reason_match.end() :]) if reason_match else (s, "")
    for dim, value in labelled_fields(body):
        if dim is not None and verdicts.get(dim) is None:
            verdicts[dim] = parse_verdict(value)
    return Comparison(verdicts, " ".join(reason.split()))
