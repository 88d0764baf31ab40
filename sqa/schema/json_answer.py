"""Read scores, artifacts and a description out of a JSON answer (or an already-decoded dict/list).

Known keys are found at any depth (labels as in :mod:`sqa.schema.labels`): SALMONN-style flat objects
(``{"overall_quality": 4.5, "background_noise": 0}``, markdown-escaped ``overall\\_quality`` accepted) and
``Assessment.to_dict()`` output (``{"scores": {...}, "artifacts": {"noise": {"present": ..., "intervals":
[[a, b]], "description": ...}}, "description": ...}``). Numbers go through :func:`to_score` (outside 1..5 ->
``None``). The first value of a field wins.

>>> scores, artifacts, desc = {}, {}, []
>>> walk_json(load_json('{"overall\\\\_quality": 4.5, "background_noise": 0, "noise": {"present": true}}'),
...           scores, artifacts, desc)
>>> scores, artifacts["noise"].present
({'overall': 5, 'noise': None}, True)
"""

from __future__ import annotations

import json

from sqa.schema.brief import parse_artifact_value, parse_brief, read_flag
from sqa.schema.intervals import parse_intervals
from sqa.schema.labels import ARTIFACT_BY_BASE, classify_label, norm_label
from sqa.schema.scores import read_score, to_score
from sqa.schema.types import ARTIFACTS, Artifact

__all__ = ["load_json", "walk_json", "json_artifact"]

_MAX_DEPTH, _MAX_ITEMS = 8, 500


def load_json(text: str) -> object:
    """The JSON value from the first ``{``/``[`` to the last ``}``/``]`` of ``text``, or ``None``."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    stop = max(text.rfind("}"), text.rfind("]"))
    if start < 0 or stop <= start:
        return None
    try:
        return json.loads(text[start : stop + 1].replace("\\_", "_"), strict=False)
    except (ValueError, RecursionError):
        return None


def _spans(items: object) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            item = (item.get("start", item.get("start_time")), item.get("end", item.get("end_time")))
        if isinstance(item, (list, tuple)) and len(item) == 2:
            try:
                spans.append((float(item[0]), float(item[1])))
            except (TypeError, ValueError):
                pass
        elif isinstance(item, str):
            spans += parse_intervals(item)
    return spans


def json_artifact(value: object) -> Artifact | None:
    """An artifact from a JSON value: bool/0/1, a string (see :func:`parse_artifact_value`) or an object."""
    if isinstance(value, bool) or isinstance(value, (int, float)) and value in (0, 1):
        return Artifact(bool(value))
    if isinstance(value, str):
        return parse_artifact_value(value)
    if not isinstance(value, dict):
        return None
    low = {norm_label(k): v for k, v in value.items()}
    keys = ("intervals", "spans", "segments", "timestamps", "time intervals")
    spans = [s for key in keys for s in _spans(low.get(key))]
    description = low.get("description") if isinstance(low.get("description"), str) else ""
    flag = next((low[k] for k in ("present", "detected", "exists", "presence") if k in low), None)
    if isinstance(flag, str):
        flag = read_flag(flag)
    if flag is None:
        if not spans and not description:
            return None
        flag = bool(spans) or parse_brief(description).present
    return Artifact(bool(flag), spans if flag else [], description)


def _score_value(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return to_score(value)
    if isinstance(value, str):
        return read_score(value)
    if isinstance(value, dict):  # {"noise": {"score": 4, "reason": ...}}
        inner = {norm_label(k): v for k, v in value.items()}
        return next((_score_value(inner[k]) for k in ("score", "value", "rating", "mos") if k in inner), None)
    return None


def walk_json(
    obj: object, scores: dict, artifacts: dict, desc: list, depth: int = 0, in_artifacts: bool = False
) -> None:
    """Fill ``scores``/``artifacts`` (``None`` entries only) and ``desc`` (a one-item list) from ``obj``."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, list):
        for item in obj[:_MAX_ITEMS]:
            walk_json(item, scores, artifacts, desc, depth + 1, in_artifacts)
        return
    if not isinstance(obj, dict):
        return
    for key, value in list(obj.items())[:_MAX_ITEMS]:
        norm = norm_label(str(key))
        if in_artifacts and norm in ARTIFACT_BY_BASE:  # {"artifacts": {"noise": ...}}
            kind: tuple[str, str] | None = ("artifact", ARTIFACT_BY_BASE[norm])
        else:
            kind = classify_label(norm)
        if kind is None:
            if isinstance(value, (dict, list)):
                walk_json(value, scores, artifacts, desc, depth + 1, in_artifacts or norm in ("artifacts", "artifact"))
            continue
        what, name = kind
        if what == "description":
            if isinstance(value, str) and not desc:
                desc.append(value)
        elif what == "artifact":
            if artifacts.get(name) is None:
                artifacts[name] = json_artifact(value)
        elif name in ARTIFACTS and (isinstance(value, bool) or isinstance(value, dict) and "present" in value):
            if artifacts.get(name) is None:  # {"noise": true} or {"noise": {"present": ...}}: the artifact
                artifacts[name] = json_artifact(value)
        elif scores.get(name) is None:
            scores[name] = _score_value(value)
