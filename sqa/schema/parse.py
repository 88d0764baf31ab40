"""Read a model's answer back into an :class:`Assessment`, exactly for ``render()`` output, tolerantly otherwise.

Reading order (earlier sources win; a field once read is not overwritten):

1. **JSON** - when the answer (after an optional ``<think>`` block, ``<answer>`` tags or a code fence) starts
   with ``{`` or ``[``: known keys anywhere in the object (``overall_quality``, ``background_noise``,
   ``{"scores": {...}, "artifacts": {...}}`` as written by ``Assessment.to_dict``). Markdown-escaped keys
   (``overall\\_quality``) are accepted. JSON answers carry no free-text description except a
   ``description`` key.
2. **Labelled lines** - first the exact ``render()`` lines (``Noise: 4``, ``Noise artifact: yes, 0.5-1.7s;
   hum``, ``Description: ...``), then looser ones: any case, markdown bullets/bold/numbering,
   ``_``/``-``/spaces in labels, ``:``/``=``/`` - `` separators, aliases (``Overall``, ``MOS``, ``Background
   noise``, ``Listening_effort``, ``Noise description``, ``Unnatural pause`` ...). Everything after the
   ``Description:`` label (to the end of the text) is the description and is not read for other fields.
3. **Prose** - lines that carry no known label: scores stated in running text (``a MOS of 4.0``, ``noise
   4/5``, ``Noise score - 4``), and artifact states (``background noise from 0.5 to 1.5 seconds`` -> noise
   present with that interval; ``there is no distortion`` -> distortion absent). When no description label
   exists and the answer is not JSON, these lines together are the description.

Scores follow :mod:`sqa.schema.scores`: the first number after the label; a fraction rounds half up
(``3.5`` -> 4, ``4.49`` -> 4); values outside 1..5, ``x/N`` with ``N != 5``, ranges (``4-5``) and time
values give ``None``. A bare number
with no label is read as the **overall** score only when it opens the answer on a line of its own (``"4.5"``,
``"3.5/5 (Fair)"``, as SALMONN-style models answer); answers to one-dimension prompts should be read with
:func:`sqa.schema.scores.parse_score` instead.

``parse_response`` never raises: ``None``, bytes, non-text objects and junk give an (empty) Assessment;
text beyond ``MAX_CHARS`` is ignored.

>>> a = parse_response("- **Noise**: 4/5\\nMOS: 3.5\\nThere is background noise from 0.5 to 1.5 seconds.")
>>> a.scores["noise"], a.scores["overall"], a.artifacts["noise"].intervals
(4, 4, [(0.5, 1.5)])
>>> is_empty(parse_response("lorem ipsum"), structured_only=True), is_empty(parse_response(None))
(True, True)
"""

from __future__ import annotations

import re

from sqa.schema.brief import parse_artifact_value, strict_artifact
from sqa.schema.json_answer import load_json, walk_json
from sqa.schema.labels import as_text, classify_label
from sqa.schema.prose import read_artifacts
from sqa.schema.render import ARTIFACT_LABELS, DESCRIPTION_LABEL, SCORE_LABELS
from sqa.schema.scores import NUMBER, parse_score, read_prose_scores, read_score
from sqa.schema.types import ARTIFACTS, DIMENSIONS, Artifact, Assessment

__all__ = ["parse_response", "parse_score", "is_empty", "MAX_CHARS"]

MAX_CHARS = 50_000
"""Only the first ``MAX_CHARS`` characters of an answer are read."""

_LOOSE_LABEL = re.compile(
    r"\s*(?:[-*•+>]+\s*|\d{1,2}[.)]\s+|#{1,6}\s*)?[*_`\"']*\s*"
    r"(?P<label>[A-Za-z][A-Za-z0-9 _\\/()\-]{0,48}?)\s*[*_`\"']*\s*"
    r"(?::|=|\s[-–—]\s|\s[-–—](?=\s*\d))[*_`\"'\s]*"
)
"""``- **Label**: ``, ``1. Label = ``, ``Label - `` ...; matched on a line's first 160 characters only."""
_TRAILING = "*_`\"', \t\r"
_LEAD_SCORE = re.compile(r"\s*[*_`]*\s*\d+(?:\.\d+)?\s*(?:/\s*5)?\s*[*_`]*\s*(?:\(\s*[A-Za-z ]{1,20}\))?\s*[.!]?\s*")
_JSON_KEY = re.compile(r"\"\s*:")


def _unwrap(text: str) -> str:
    """Drop a leading ``<think>`` block, ``<answer>`` tags and a surrounding code fence."""
    stripped = text.strip()
    if stripped[:7].lower() == "<think>" and "</think>" in stripped.lower():
        stripped = stripped[stripped.lower().rindex("</think>") + 8 :].strip()
    if stripped[:8].lower() == "<answer>":
        stripped = stripped[8:]
        end = stripped.lower().find("</answer>")
        stripped = (stripped[:end] if end >= 0 else stripped).strip()
    if stripped.startswith("```"):
        lines = stripped.split("\n")[1:]
        if lines and lines[-1].strip().startswith("```"):
            lines = lines[:-1]
        stripped = "\n".join(lines).strip()
    return stripped if stripped != text.strip() else text


def parse_response(text: object) -> Assessment:
    """Parse a model answer (``render()`` output or looser text, see module doc) into an Assessment.

    Never raises; unknown fields stay ``None``. ``parse_response(render(a)) == a`` for any Assessment.
    """
    try:
        if isinstance(text, Assessment):
            return text
        if isinstance(text, (dict, list)):
            scores, artifacts, desc = {}, {}, []
            walk_json(text, scores, artifacts, desc)
            return Assessment(scores, artifacts, desc[0] if desc else "")
        return _parse(as_text(text)[:MAX_CHARS])
    except Exception:
        return Assessment()


def _parse(text: str) -> Assessment:
    text = _unwrap(text)
    scores: dict[str, int | None] = {}
    artifacts: dict[str, Artifact | None] = {}
    desc: list[str] = []
    data_mode = False
    if text.lstrip()[:1] in ("{", "["):
        data = load_json(text)
        walk_json(data, scores, artifacts, desc)
        data_mode = isinstance(data, (dict, list)) or bool(_JSON_KEY.search(text))
    description: str | None = desc[0] if desc else None
    unlabelled: list[str] = []
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    for i, line in enumerate(lines):
        if i == first and _LEAD_SCORE.fullmatch(line):  # "4.5", "3.5/5 (Fair)": a bare overall score
            if scores.get("overall") is None:
                scores["overall"] = read_score(line)
            continue
        if line.startswith(DESCRIPTION_LABEL + ":"):
            description = "\n".join([line[len(DESCRIPTION_LABEL) + 1 :].lstrip(" ")] + lines[i + 1 :])
            break
        if _strict_line(line, scores, artifacts):
            continue
        m = _LOOSE_LABEL.match(line[:160])
        kind = classify_label(m.group("label")) if m else None
        if kind is None:
            unlabelled.append(line)
            continue
        what, name = kind
        if what == "description":
            if description is None:
                description = "\n".join([line[m.end() :]] + lines[i + 1 :])
            break
        if not _labelled_value(what, name, line[m.end() :].rstrip(_TRAILING), scores, artifacts):
            unlabelled.append(line)
    prose = "\n".join(unlabelled)
    read_prose_scores(prose, scores)
    if not data_mode:
        for name, art in read_artifacts(prose).items():
            if artifacts.get(name) is None:
                artifacts[name] = art
        if description is None:
            description = prose
    return Assessment(
        {d: v for d, v in scores.items() if d in DIMENSIONS},
        {n: a for n, a in artifacts.items() if n in ARTIFACTS},
        (description or "").strip(),
    )


def _labelled_value(what: str, name: str, value: str, scores: dict, artifacts: dict) -> bool:
    """Store a loosely labelled value; False when the value said nothing readable."""
    if what == "artifact":
        art = parse_artifact_value(value)
        if art is not None and artifacts.get(name) is None:
            artifacts[name] = art
        return art is not None
    if NUMBER.match(value):  # a number, even an invalid one, is a score (``Distortion: 0`` -> None)
        score = read_score(value)
        if score is not None and scores.get(name) is None:
            scores[name] = score
        return True
    if name in ARTIFACTS:  # "Noise: none", "Distortion: yes, 1-2s"
        art = parse_artifact_value(value, lenient=False)
        if art is not None and artifacts.get(name) is None:
            artifacts[name] = art
        return art is not None
    return False


def _strict_line(line: str, scores: dict, artifacts: dict) -> bool:
    """Read one exact ``render()`` score or artifact line; True when the line was one."""
    for dim, label in SCORE_LABELS.items():
        if line.startswith(label + ": ") and line[len(label) + 2 :] in ("1", "2", "3", "4", "5"):
            if scores.get(dim) is None:
                scores[dim] = int(line[len(label) + 2 :])
            return True
    for name, label in ARTIFACT_LABELS.items():
        if line.startswith(label + ": "):
            art = strict_artifact(line[len(label) + 2 :])
            if art is not None:
                if artifacts.get(name) is None:
                    artifacts[name] = art
                return True
    return False


def is_empty(a: Assessment, structured_only: bool = False) -> bool:
    """True when nothing was parsed: no score, no artifact and (unless ``structured_only``) no description.

    Rewards and metrics count parse failures with ``is_empty(parse_response(text), structured_only=True)``.

    >>> is_empty(Assessment()), is_empty(Assessment(description="hi")), is_empty(Assessment(description="hi"), True)
    (True, False, True)
    """
    if any(v is not None for v in a.scores.values()) or any(v is not None for v in a.artifacts.values()):
        return False
    return structured_only or not a.description
