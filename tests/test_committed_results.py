"""The committed ``results/tiny/`` is what a reader opens first: check it is whole and that the README quotes it.

These read files only (no training): the report is clean, every claim has its row, interval and figure, the
intervals bracket their values, the seeds the issue asks for are there, and the README's claims table is the
one in ``claims.csv``. Skipped where ``results/tiny`` is absent (a checkout without committed results).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from sqa.claims import CLAIM_COLUMNS, CLAIMS, VERDICTS
from sqa.report import check_report

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT / "results" / "tiny"
TABLES = RES / "tables"
MIN_SEEDS = 3  # the committed tiny results come from `make reproduce SEEDS="0 1 2"`

pytestmark = pytest.mark.skipif(not (TABLES / "claims.csv").exists(), reason="no committed results/tiny")


def _seed_columns(seeds: pd.DataFrame) -> list[str]:
    return [c for c in seeds.columns if re.fullmatch(r"seed_\d+", c)]


def test_the_committed_report_is_clean():
    assert check_report(RES / "report.html") == []


def test_the_committed_results_come_from_three_seeds():
    seeds = pd.read_csv(TABLES / "seeds.csv")
    columns = _seed_columns(seeds)
    assert len(columns) >= MIN_SEEDS, columns
    for k in columns[1:]:  # every seed but 0 has its own tables
        assert (RES / k.replace("_", "") / "tables" / "table1.csv").exists(), k
    claims = pd.read_csv(TABLES / "claims.csv")
    assert set(claims["seeds"]) == {len(columns)}


def test_every_claim_has_a_row_a_verdict_and_its_figure():
    claims = pd.read_csv(TABLES / "claims.csv")
    assert list(claims.columns[:len(CLAIM_COLUMNS)]) == list(CLAIM_COLUMNS)
    assert list(claims["claim"]) == [c.claim for c in CLAIMS]
    assert set(claims["verdict"]) <= set(VERDICTS)
    for row in claims.itertuples():
        assert (RES / row.figure).exists(), row.figure
        if math.isnan(row.ours):
            assert row.verdict == "inconclusive" and "undefined" in str(row.note)
        else:
            assert row.ci_low <= row.ours <= row.ci_high, row.claim


@pytest.mark.parametrize("name", ["table1_ci.csv", "table3_ci.csv", "contrasts.csv"])
def test_intervals_bracket_their_values_and_undefined_ones_are_labelled(name):
    df = pd.read_csv(TABLES / name)
    value = "diff" if "diff" in df.columns else "value"
    defined = df[value].notna()
    assert ((df.loc[defined, "ci_low"] <= df.loc[defined, value] + 1e-9)
            & (df.loc[defined, value] <= df.loc[defined, "ci_high"] + 1e-9)).all()
    if "note" in df.columns:
        assert df.loc[~defined, "note"].fillna("").str.contains("undefined").all()


def test_the_readme_quotes_the_committed_claims_table():
    """Each claim's row in the README's claims table shows ``claims.csv``'s difference, interval and verdict."""
    readme = (ROOT / "README.md").read_text()
    claims = pd.read_csv(TABLES / "claims.csv")
    for row in claims.itertuples():
        line = next((ln for ln in readme.splitlines() if ln.startswith(f"| {row.claim} |")), None)
        assert line is not None, f"README has no row for {row.claim!r}"
        cells = [c.strip() for c in line.strip("|").split("|")]
        ours = "n/a" if math.isnan(row.ours) else f"{row.ours:+.2f} [{row.ci_low:+.2f}, {row.ci_high:+.2f}]"
        assert cells[2] == ours, (row.claim, cells[2], ours)
        assert cells[3].split(" (")[0] == row.verdict, (row.claim, cells[3])
