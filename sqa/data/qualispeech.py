"""The QualiSpeech layout: ``{root}/{split}.csv`` plus ``{root}/wav/{split}/{id}``.

The CSV has the dataset's own columns (:data:`COLUMNS`); extra columns are ignored. Scores map to
:data:`sqa.schema.DIMENSIONS` via :data:`SCORE_COLUMNS`, the three brief descriptions to
:data:`sqa.schema.ARTIFACTS` via :data:`BRIEF_COLUMNS` and :func:`sqa.schema.parse_brief`.

Conventions (documented once, here):

* a score that is empty, NaN, not a whole number ("3.5", "good") or outside 1..5 becomes ``None``;
  a whole number written as a float ("4.0") is accepted;
* an empty brief description makes that artifact ``None`` (not annotated), otherwise
  ``parse_brief`` decides presence, intervals and the description ("Not noticeable" -> absent);
* ``Speed`` follows the QualiSpeech convention 1 = very slow, 3 = normal, 5 = very fast.
"""
from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import pandas as pd

from sqa.schema import ARTIFACTS, DIMENSIONS, SCORE_RANGE, Assessment, parse_brief

from .example import Example

SCORE_COLUMNS: dict[str, str] = {
    "Background noise": "noise",
    "Distortion": "distortion",
    "Speed": "speed",
    "Continuity": "continuity",
    "Listening effort": "listening_effort",
    "Naturalness": "naturalness",
    "Overall quality": "overall",
}
"""CSV score column -> ``sqa.schema.DIMENSIONS`` name."""

BRIEF_COLUMNS: dict[str, str] = {
    "Noise Description": "noise",
    "Distortion description": "distortion",
    "Unnatural pause": "unnatural_pause",
}
"""CSV brief-description column -> ``sqa.schema.ARTIFACTS`` name."""

VOICE_COLUMN = "Feeling of voice"
DESCRIPTION_COLUMN = "Natural language description"
COLUMNS: tuple[str, ...] = (
    "id", "Speed", "Naturalness", "Background noise", "Distortion", "Listening effort", "Continuity",
    "Overall quality", VOICE_COLUMN, "Noise Description", "Distortion description", "Unnatural pause",
    DESCRIPTION_COLUMN,
)
"""The dataset's columns, in its own order (the synthetic corpus writes exactly these)."""

SPLITS: tuple[str, ...] = ("train", "val", "test")

assert set(SCORE_COLUMNS.values()) == set(DIMENSIONS) and set(BRIEF_COLUMNS.values()) == set(ARTIFACTS)
assert set(SCORE_COLUMNS) | set(BRIEF_COLUMNS) | {"id", VOICE_COLUMN, DESCRIPTION_COLUMN} == set(COLUMNS)


class ExampleList(list):
    """A ``list[Example]`` that also says which rows were skipped because their audio was missing."""

    def __init__(self, examples=(), skipped: list[str] | None = None) -> None:
        super().__init__(examples)
        self.skipped: list[str] = list(skipped or [])

    @property
    def n_skipped(self) -> int:
        return len(self.skipped)


def csv_score(value) -> int | None:
    """A CSV cell as a 1..5 score, or ``None`` when it is empty, NaN, fractional or out of range.

    Strict, unlike :func:`sqa.schema.parse_score` (which reads a model's answer, ``"Score: 3.5"`` -> 4):
    an annotation that is not a whole number 1..5 is no label.

    >>> [csv_score(v) for v in ("4", "4.0", " 2 ", "3.5", "", "nan", None, "7", "good")]
    [4, 4, 2, None, None, None, None, None, None]
    """
    if value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number != int(number):
        return None
    number = int(number)
    return number if SCORE_RANGE[0] <= number <= SCORE_RANGE[1] else None


def _text(value) -> str:
    """A CSV cell as stripped text ('' for empty/NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def row_to_assessment(row: dict) -> Assessment:
    """One CSV row (a mapping from column name to cell) as an :class:`~sqa.schema.Assessment`."""
    scores = {dim: csv_score(row.get(col)) for col, dim in SCORE_COLUMNS.items()}
    artifacts = {}
    for col, name in BRIEF_COLUMNS.items():
        text = _text(row.get(col))
        artifacts[name] = parse_brief(text) if text else None
    return Assessment(scores=scores, artifacts=artifacts, description=_text(row.get(DESCRIPTION_COLUMN)))


def read_split_csv(root: str | os.PathLike, split: str) -> pd.DataFrame:
    """``{root}/{split}.csv`` as strings, checked for the dataset's columns (extra columns kept)."""
    csv_path = Path(root) / f"{split}.csv"
    if not csv_path.is_file():
        found = sorted(p.name for p in Path(root).glob("*.csv")) if Path(root).is_dir() else []
        hint = f"; CSVs in {root}: {', '.join(found)}" if found else ("" if Path(root).is_dir() else f"; {root} is not a directory")
        raise FileNotFoundError(f"{csv_path}: QualiSpeech split CSV not found{hint}")
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{csv_path}: missing column(s) {', '.join(repr(c) for c in missing)}")
    return frame


def _audio_path(root: Path, split: str, clip_id: str) -> Path:
    """``{root}/wav/{split}/{id}``; an id given without extension also finds ``{id}.wav``."""
    path = root / "wav" / split / clip_id
    if not path.exists() and not path.suffix:
        with_wav = path.with_name(path.name + ".wav")
        if with_wav.exists():
            return with_wav
    return path


def load_qualispeech(root: str | os.PathLike, split: str, skip_missing: bool = False) -> ExampleList:
    """Read one split of QualiSpeech (or of the synthetic corpus) as a list of :class:`Example`.

    Raises ``FileNotFoundError`` naming ``{root}/{split}.csv`` if it is absent, ``ValueError`` naming the
    CSV and every missing column, and ``FileNotFoundError`` naming the first clip whose wav is missing.
    With ``skip_missing=True`` such rows are skipped instead: one warning gives their count, and the
    returned :class:`ExampleList` lists their ids in ``.skipped`` (count in ``.n_skipped``).
    """
    root = Path(root)
    frame = read_split_csv(root, split)
    examples, skipped = [], []
    for row in frame.to_dict(orient="records"):
        clip_id = _text(row["id"])
        if not clip_id:
            raise ValueError(f"{root / (split + '.csv')}: a row has an empty id")
        path = _audio_path(root, split, clip_id)
        if not path.is_file():
            if skip_missing:
                skipped.append(clip_id)
                continue
            raise FileNotFoundError(f"{path}: audio file for clip {clip_id!r} of {split}.csv not found")
        examples.append(Example(clip_id, path, row_to_assessment(row), _text(row[VOICE_COLUMN])))
    if skipped:
        warnings.warn(
            f"{root / (split + '.csv')}: skipped {len(skipped)} of {len(frame)} clips whose audio is missing "
            f"under {root / 'wav' / split} (first: {skipped[0]})",
            stacklevel=2,
        )
    return ExampleList(examples, skipped)


def load_splits(root: str | os.PathLike, splits: tuple[str, ...] = SPLITS, skip_missing: bool = False) -> dict[str, ExampleList]:
    """Every split of ``splits`` whose ``{split}.csv`` exists under ``root``, loaded with :func:`load_qualispeech`.

    Raises ``FileNotFoundError`` naming ``root`` when none of them exists.
    """
    root = Path(root)
    found = {s: load_qualispeech(root, s, skip_missing=skip_missing) for s in splits if (root / f"{s}.csv").is_file()}
    if not found:
        raise FileNotFoundError(f"{root}: no split CSV found (looked for {', '.join(s + '.csv' for s in splits)})")
    return found
