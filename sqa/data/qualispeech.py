"""The QualiSpeech layout: ``{root}/{split}.csv`` plus ``{root}/wav/{split}/{id}``.

The CSV has the dataset's own columns (:data:`COLUMNS`); extra columns are ignored. Scores map to
:data:`sqa.schema.DIMENSIONS` via :data:`SCORE_COLUMNS`, the three brief descriptions to
:data:`sqa.schema.ARTIFACTS` via :data:`BRIEF_COLUMNS` and :func:`sqa.schema.parse_brief`.

Conventions (documented once, here):

* a score that is empty, NaN, not a whole number ("3.5", "good") or outside 1..5 becomes ``None``;
  a whole number written as a float ("4.0") is accepted. QualiSpeech's scores are whole numbers 1..5, so
  every such cell is counted and reported (:mod:`sqa.data.load_report`), never dropped silently;
* an id seen before in the same CSV is a duplicate: the later row is dropped, counted and reported;
* ``strict=True`` refuses a split with any such problem, or with no rows, in one ``ValueError``;
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

from sqa.data.example import Example
from sqa.data.load_report import LoadReport, score_problem
from sqa.data.recipe import Corpus, DataCheck, resolve_data_dir, sha256_16
from sqa.schema import ARTIFACTS, DIMENSIONS, Assessment, parse_brief

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
    "id",
    "Speed",
    "Naturalness",
    "Background noise",
    "Distortion",
    "Listening effort",
    "Continuity",
    "Overall quality",
    VOICE_COLUMN,
    "Noise Description",
    "Distortion description",
    "Unnatural pause",
    DESCRIPTION_COLUMN,
)
"""The dataset's columns, in its own order (the synthetic corpus writes exactly these)."""

SPLITS: tuple[str, ...] = ("train", "val", "test")

assert set(SCORE_COLUMNS.values()) == set(DIMENSIONS) and set(BRIEF_COLUMNS.values()) == set(ARTIFACTS)
assert set(SCORE_COLUMNS) | set(BRIEF_COLUMNS) | {"id", VOICE_COLUMN, DESCRIPTION_COLUMN} == set(COLUMNS)


class ExampleList(list):
    """A ``list[Example]`` that also says what was not loaded as is: ``.skipped`` lists the ids whose
    audio was missing, ``.report`` (a :class:`~sqa.data.load_report.LoadReport`) every problem row."""

    def __init__(self, examples=(), skipped: list[str] | None = None, report: LoadReport | None = None) -> None:
        super().__init__(examples)
        self.skipped: list[str] = list(skipped or [])
        self.report: LoadReport | None = report

    @property
    def n_skipped(self) -> int:
        return len(self.skipped)


def csv_score(value) -> int | None:
    """A CSV cell as a 1..5 score, or ``None`` when :func:`~sqa.data.load_report.score_problem` finds one
    (empty, NaN, not a number, fractional or out of range).

    Strict, unlike :func:`sqa.schema.parse_score` (which reads a model's answer, ``"Score: 3.5"`` -> 4):
    an annotation that is not a whole number 1..5 is no label.

    >>> [csv_score(v) for v in ("4", "4.0", " 2 ", "3.5", "", "nan", None, "7", "good")]
    [4, 4, 2, None, None, None, None, None, None]
    """
    if score_problem(value) is not None:
        return None
    return int(float(str(value).strip()))


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


def _read_csv(csv_path: Path) -> pd.DataFrame:
    """The CSV as strings, or a one-line ``ValueError`` naming it (not UTF-8, empty, unparseable)."""
    try:
        return pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{csv_path}: not a UTF-8 text CSV (invalid byte 0x{err.object[err.start]:02x}); save it as UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{csv_path}: empty file (no header row)") from None
    except pd.errors.ParserError as err:
        raise ValueError(f"{csv_path}: not a readable CSV ({str(err).strip().splitlines()[0]})") from None


def read_split_csv(root: str | os.PathLike, split: str) -> pd.DataFrame:
    """``{root}/{split}.csv`` as strings, checked for the dataset's columns (extra columns kept)."""
    csv_path = Path(root) / f"{split}.csv"
    if not csv_path.is_file():
        found = sorted(p.name for p in Path(root).glob("*.csv")) if Path(root).is_dir() else []
        hint = (
            f"; CSVs in {root}: {', '.join(found)}"
            if found
            else ("" if Path(root).is_dir() else f"; {root} is not a directory")
        )
        raise FileNotFoundError(f"{csv_path}: QualiSpeech split CSV not found{hint}")
    frame = _read_csv(csv_path)
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


def load_qualispeech(
    root: str | os.PathLike, split: str, skip_missing: bool = False, strict: bool = False
) -> ExampleList:
    """Read one split of QualiSpeech (or of the synthetic corpus) as a list of :class:`Example`.

    Raises ``FileNotFoundError`` naming ``{root}/{split}.csv`` if it is absent, ``ValueError`` naming the
    CSV when it is not UTF-8, empty or unparseable, and every missing column, and ``FileNotFoundError``
    naming the first clip whose wav is missing. With ``skip_missing=True`` such rows are skipped instead:
    one warning gives their count, and the returned :class:`ExampleList` lists their ids in ``.skipped``
    (count in ``.n_skipped``).

    Rows with a missing, non-numeric, fractional or out-of-range score, duplicate ids and a header-only
    CSV are counted per reason in ``.report`` (:class:`~sqa.data.load_report.LoadReport`) and announced
    in one warning; ``strict=True`` raises that line as a ``ValueError`` instead.
    """
    root = Path(root)
    csv_path = root / f"{split}.csv"
    frame = read_split_csv(root, split)
    report = LoadReport(str(csv_path), n_rows=len(frame))
    if frame.empty:
        report.add("empty_split", "")
    examples, skipped, seen = [], [], set()
    for row in frame.to_dict(orient="records"):
        clip_id = _text(row["id"])
        if not clip_id:
            raise ValueError(f"{csv_path}: a row has an empty id")
        if clip_id in seen:
            report.add("duplicate_id", clip_id)
            continue
        seen.add(clip_id)
        problems = {}
        for col in SCORE_COLUMNS:
            if (reason := score_problem(row.get(col))) is not None:
                problems.setdefault(reason, f"{col}={_text(row.get(col))!r}")
        for reason, cell in problems.items():
            report.add(reason, clip_id, cell)
        path = _audio_path(root, split, clip_id)
        if not path.is_file():
            if skip_missing:
                skipped.append(clip_id)
                report.add("missing_audio", clip_id)
                continue
            raise FileNotFoundError(f"{path}: audio file for clip {clip_id!r} of {split}.csv not found")
        examples.append(Example(clip_id, path, row_to_assessment(row), _text(row[VOICE_COLUMN])))
    problems = set(report.counts) - {"missing_audio"}  # missing audio has its own switch, skip_missing
    if strict and problems:
        raise ValueError(f"{report.summary()} (strict)")
    if skipped:
        warnings.warn(
            f"{csv_path}: skipped {len(skipped)} of {len(frame)} clips whose audio is missing "
            f"under {root / 'wav' / split} (first: {skipped[0]})",
            stacklevel=2,
        )
    if problems:
        warnings.warn(report.summary(), stacklevel=2)
    return ExampleList(examples, skipped, report)


def load_splits(
    root: str | os.PathLike, splits: tuple[str, ...] = SPLITS, skip_missing: bool = False, strict: bool = False
) -> dict[str, ExampleList]:
    """Every split of ``splits`` whose ``{split}.csv`` exists under ``root``, loaded with :func:`load_qualispeech`.

    Raises ``FileNotFoundError`` naming ``root`` when none of them exists.
    """
    root = Path(root)
    found = {
        s: load_qualispeech(root, s, skip_missing=skip_missing, strict=strict)
        for s in splits
        if (root / f"{s}.csv").is_file()
    }
    if not found:
        raise FileNotFoundError(f"{root}: no split CSV found (looked for {', '.join(s + '.csv' for s in splits)})")
    return found


def prepare_profile(profile, progress: bool = False) -> Path:
    """The profile's QualiSpeech folder (``data_dir``, resolved against the repo root when relative), checked."""
    root = resolve_data_dir(profile.data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: data directory not found (expected the QualiSpeech layout)")
    return root


def check_layout(root: Path, splits: tuple[str, ...] = ("train", "test"), label: str = "QualiSpeech") -> DataCheck:
    """Columns of each split CSV, wav files found, and the loader's counts of problem rows
    (:class:`sqa.data.load_report.LoadReport`; rows with a bad score are kept with that score unknown, missing
    wav files fail the check, since the pipeline's loader stops at the first one)."""
    fix = f"check {root} against the QualiSpeech layout: {{split}}.csv + wav/{{split}}/{{id}}"
    if not root.is_dir():
        return DataCheck(False, f"{root}: not a directory", fix)
    parts, problems = [], []
    for split in splits:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                examples = load_qualispeech(root, split, skip_missing=True)
        except (OSError, ValueError) as err:
            problems.append(str(err))
            continue
        report = examples.report
        bad = {r: n for r, n in report.counts.items() if r not in ("missing_audio", "empty_split")}
        parts.append(
            f"{split} {report.n_rows} rows, {len(examples)} wav found, bad rows "
            + (", ".join(f"{r} {n}" for r, n in bad.items()) if bad else "0")
        )
        if examples.n_skipped:
            problems.append(
                f"{split}: {examples.n_skipped} wav files missing under {root / 'wav' / split} "
                f"(first: {examples.skipped[0]})"
            )
        if not examples:
            problems.append(f"{split}: no usable clips")
    detail = f"{label} at {root}: " + "; ".join(parts) if parts else f"{label} at {root}"
    return DataCheck(not problems, detail + ("; " + "; ".join(problems) if problems else ""), fix)


def csv_record(profile, root: Path) -> dict:
    """Provenance of a folder in this layout: rows and a hash of each split CSV, as it is now."""
    sizes, hashes = {}, {}
    for csv in sorted(root.glob("*.csv")) if root.is_dir() else []:
        with open(csv, "rb") as f:
            sizes[csv.stem] = len(pd.read_csv(f, dtype=str, keep_default_na=False))
        hashes[csv.stem] = sha256_16(csv)
    return {"splits": sizes, "csv_sha256": hashes}


def split_summaries(root: Path) -> list[str]:
    """Each split's :meth:`~sqa.data.load_report.LoadReport.summary` (every problem row counted)."""
    return [examples.report.summary() for examples in load_splits(root, skip_missing=True).values()]


CORPUS = Corpus(
    "qualispeech",
    prepare_profile,
    load_qualispeech,
    needs_data_dir=True,
    title="QualiSpeech",
    inspect=lambda profile, root, shown: check_layout(root),
    describe=csv_record,
    summarise=split_summaries,
)
"""QualiSpeech at the profile's ``data_dir``."""
