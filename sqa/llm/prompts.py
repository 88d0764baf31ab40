"""Prompts for the LLM judges and extractor, and tolerant readers of their replies.

>>> parse_rating("<think>hmm 3</think>The answer matches.\\nScore: 8")
8.0
>>> parse_rating("I would give it 11 out of 10") , parse_rating("no number")
(10.0, None)
>>> parse_ratings("Helpfulness: 7\\nRelevance: 9\\nAccuracy: 6.5\\nLevel of detail: 4", UNIFIED_ASPECTS)
{'helpfulness': 7.0, 'relevance': 9.0, 'accuracy': 6.5, 'detail': 4.0}
"""

from __future__ import annotations

import re

from sqa.llm.views import DIMENSION_MEANING
from sqa.schema import ARTIFACT_LABELS, SCORE_LABELS

SYSTEM = "You are an expert in speech quality assessment who grades answers strictly and concisely."

DIMENSION_PROMPT = """You judge ONE quality dimension of a model's assessment of a speech recording: {label}.
This dimension covers: {meaning}.

Reference assessment (expert annotation) for this dimension:
{reference}

Candidate assessment for this dimension:
{candidate}

Rate how well the candidate agrees with the reference on this dimension only, from 0 to 10:
10 = the same score, the same artifact presence, matching time intervals and an equivalent description;
5 = partly right (e.g. score off by one, or intervals roughly placed); 0 = wrong or missing.
Reply with a single line: Score: <integer 0-10>"""

# SQ-LLM (Wang et al. 2025, arXiv:2510.14664), Sec. 4.3 and App. B.4 (Assessment rubric), Fig. 18 layout.
UNIFIED_PROMPT = """You are an evaluator assessing an AI-generated speech quality assessment against a
human-written ground-truth assessment of the same recording.

Answer_1 (Ground Truth Answer):
{reference}

Answer_2 (Model-generated Answer):
{candidate}

Rate Answer_2 on four criteria, each an integer from 0 to 10, using Answer_1 only as the gold reference:
- Helpfulness: 0-2 misleading or generic; 8-10 identifies the issues with precise locations and their impact.
- Relevance: 0-2 off-topic; 8-10 stays tightly on noise, distortion, pauses, speed, naturalness,
  effort and overall quality.
- Accuracy: 0-2 mostly incorrect or fabricated; 4-6 some incorrect details; 8-10 fully consistent
  with the reference, no fabricated timestamps.
- Level of detail: 0-2 vague; 4-6 main points but missing timestamps; 8-10 exact timestamps and specific descriptions.

Reply with exactly four lines:
Helpfulness: <0-10>
Relevance: <0-10>
Accuracy: <0-10>
Level of detail: <0-10>"""

DESCRIPTION_PROMPT = """Two descriptions of the quality of the same speech recording follow.

Reference description:
{reference}

Candidate description:
{candidate}

How well does the candidate agree in content with the reference (the same problems, their type,
severity and timing)? 0 = contradicts or unrelated, 10 = says the same thing.
Reply with a single line: Score: <integer 0-10>"""

EXTRACT_PROMPT = """Rewrite the speech quality assessment below into this exact line format. Use only what the
text states; leave out a line when the text does not say it. Scores are integers 1-5 (5 = best);
artifact lines are "yes" or "no", then the time intervals in seconds, then a brief description.

{fields}

Example:
{example}

Assessment to rewrite:
{text}"""

UNIFIED_ASPECTS: dict[str, str] = {
    "helpfulness": "Helpfulness",
    "relevance": "Relevance",
    "accuracy": "Accuracy",
    "detail": "Level of detail",
}

_THINK = re.compile(r"<think>.*?(</think>|$)", re.S | re.I)
_NUM = r"(-?\d+(?:\.\d+)?)"


def strip_thinking(text: str) -> str:
    """Drop ``<think>...</think>`` blocks (Qwen3 reasoning) from a reply."""
    return _THINK.sub("", text or "")


def _clamp(x: float) -> float:
    return min(10.0, max(0.0, x))


def parse_rating(text: str, key: str = "Score") -> float | None:
    """The 0..10 number after ``<key>:`` (else the first number in the reply), clamped; None if none."""
    body = strip_thinking(text)
    m = re.search(rf"{re.escape(key)}\**\s*[:=]?\s*\**\s*{_NUM}", body, re.I)
    if m is None:
        m = re.search(_NUM, body)
    return None if m is None else _clamp(float(m.group(1)))


def parse_ratings(text: str, aspects: dict[str, str]) -> dict[str, float | None]:
    """``{name: rating or None}`` for lines ``<label>: <number>`` (labels from ``aspects``)."""
    body = strip_thinking(text)
    out: dict[str, float | None] = {}
    for name, label in aspects.items():
        m = re.search(rf"{re.escape(label)}\**\s*[:=]\s*\**\s*{_NUM}", body, re.I)
        out[name] = None if m is None else _clamp(float(m.group(1)))
    return out


def dimension_messages(dim: str, reference: str, candidate: str) -> list[dict]:
    """Chat messages asking for a 0..10 rating of one dimension."""
    user = DIMENSION_PROMPT.format(
        label=SCORE_LABELS[dim],
        meaning=DIMENSION_MEANING[dim],
        reference=reference or "(nothing)",
        candidate=candidate or "(nothing)",
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def unified_messages(reference: str, candidate: str) -> list[dict]:
    """Chat messages asking for SQ-LLM's four ratings."""
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": UNIFIED_PROMPT.format(reference=reference, candidate=candidate)},
    ]


def description_messages(reference: str, candidate: str) -> list[dict]:
    """Chat messages asking how well a description agrees with the reference (0..10)."""
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": DESCRIPTION_PROMPT.format(reference=reference, candidate=candidate)},
    ]


def extract_messages(text: str, example: str) -> list[dict]:
    """Chat messages asking to rewrite a free-form answer into the rendered format."""
    artifact = "<yes|no>, <start-end s>, ...; <brief description>"
    fields = "\n".join(
        [f"{label}: <1-5>" for label in SCORE_LABELS.values()]
        + [f"{label}: {artifact}" for label in ARTIFACT_LABELS.values()]
        + ["Description: <long-form description>"]
    )
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": EXTRACT_PROMPT.format(fields=fields, example=example, text=text)},
    ]
