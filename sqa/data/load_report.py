"""What :func:`sqa.data.load_qualispeech` found wrong in one split CSV: rows counted per reason.

Nothing is lost silently. Every row with a problem is counted under each reason it has (a row with two
bad scores counts once per reason), the first offending cell of each reason is kept for the log line,
and the loader warns with :meth:`LoadReport.summary` (or raises it with ``strict=True``).

Reasons (:data:`REASONS`):

* ``missing_score``: an empty score cell (the score becomes ``None``, the row is kept);
* ``non_numeric_score``: a score that is not a number ("n/a", "good"; becomes ``None``);
* ``fractional_score``: a number that is not whole ("2.5"; becomes ``None``). QualiSpeech's scores are
  whole numbers 1..5 (every row of the dataset's train split we have seen), so a fraction means a
  different or damaged file; "4.0" is a whole number and is accepted;
* ``out_of_range_score``: a whole number outside 1..5 ("7", "0"; becomes ``None``);
* ``duplicate_id``: an id already seen in the file (the later row is dropped);
* ``missing_audio``: no wav for the id (skipped with ``skip_missing=True``, an error otherwise);
* ``empty_split``: the CSV has a header and no rows.

>>> r = LoadReport("qs/train.csv", n_rows=3)
>>> r.add("fractional_score", "b.wav", "Speed='2.5'"); r.add("duplicate_id", "a.wav")
>>> r.counts, r.ok
({'fractional_score': 1, 'duplicate_id': 1}, False)
>>> print(r.summary())
qs/train.csv: 3 rows, 2 loaded; fractional_score 1 (first: b.wav Speed='2.5'), duplicate_id 1 (first: a.wav)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqa.schema import SCORE_RANGE

REASONS: tuple[str, ...] = (
    "missing_score",
    "non_numeric_score",
    "fractional_score",
    "out_of_range_score",
    "duplicate_id",
    "missing_audio",
    "empty_split",
)
DROPPING: tuple[str, ...] = ("duplicate_id", "missing_audio")
"""Reasons whose rows are not loaded (the others keep the row with ``None`` for the bad score)."""


def score_problem(value) -> str | None:
    """The :data:`REASONS` entry a score cell violates, or ``None`` for a valid 1..5 score.

    >>> [score_problem(v) for v in ("4", "4.0", " 2 ", "", None, "nan", "n/a", "2.5", "7", "0")]
    [None, None, None, 'missing_score', 'missing_score', 'missing_score', 'non_numeric_score', \
'fractional_score', 'out_of_range_score', 'out_of_range_score']
    """
    text = "" if value is None else str(value).strip()
    if text == "" or text.lower() == "nan":
        return "missing_score"
    try:
        number = float(text)
    except ValueError:
        return "non_numeric_score"
    if not math.isfinite(number):
        return "non_numeric_score"
    if number != int(number):
        return "fractional_score"
    return None if SCORE_RANGE[0] <= int(number) <= SCORE_RANGE[1] else "out_of_range_score"


@dataclass
class LoadReport:
    """Problems found in ``csv``: ``rows[reason]`` lists the ids of the rows with that problem."""

    csv: str
    n_rows: int = 0
    rows: dict[str, list[str]] = field(default_factory=dict)
    first: dict[str, str] = field(default_factory=dict)

    def add(self, reason: str, row_id: str, detail: str = "") -> None:
        """Count one row ``row_id`` under ``reason`` (the caller adds a row once per reason); ``detail``
        names the offending cell."""
        if reason not in REASONS:
            raise ValueError(f"unknown load problem {reason!r}; expected one of {REASONS}")
        self.rows.setdefault(reason, []).append(row_id)
        self.first.setdefault(reason, f"{row_id} {detail}".strip())

    @property
    def counts(self) -> dict[str, int]:
        """``{reason: number of rows}`` for every reason that occurred, in :data:`REASONS` order."""
        return {r: len(self.rows[r]) for r in REASONS if r in self.rows}

    @property
    def n_loaded(self) -> int:
        """Rows that became examples: all but the dropped ones (:data:`DROPPING`)."""
        return self.n_rows - sum(len(self.rows.get(r, [])) for r in DROPPING)

    @property
    def ok(self) -> bool:
        return not self.rows

    def summary(self) -> str:
        """One line: the file, its row counts and each reason's count with its first occurrence."""
        if "empty_split" in self.rows:
            return f"{self.csv}: header only, no rows (empty split)"
        head = f"{self.csv}: {self.n_rows} rows, {self.n_loaded} loaded"
        if self.ok:
            return head
        return head + "; " + ", ".join(f"{r} {n} (first: {self.first[r]})" for r, n in self.counts.items())

    def as_dict(self) -> dict:
        """JSON-ready: ``csv``, ``n_rows``, ``n_loaded``, ``counts`` and the ids per reason."""
        return {
            "csv": self.csv,
            "n_rows": self.n_rows,
            "n_loaded": self.n_loaded,
            "counts": self.counts,
            "rows": {r: list(self.rows[r]) for r in self.counts},
        }
