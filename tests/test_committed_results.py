"""The committed ``results/tiny/`` is what a reader opens first: check it is whole and that the README quotes it.

These read files only (no training): the report is clean, every claim has its row, interval and figure, the
intervals bracket their values, the seeds the issue asks for are there, and the README's claims table is the
one in ``claims.csv``.

They read **what git holds** (``git archive HEAD``), not the working tree: a reader who ran ``make reproduce``
(one seed, on another CPU) has regenerated ``results/tiny/`` and must still pass ``make test``. Where the
working tree differs from HEAD, the regenerated files are checked for internal consistency instead (every claim
with its figure, intervals bracketing values, one set of seeds). Outside a git checkout the working tree is
all there is, and it is checked as the committed results. Skipped where neither holds ``results/tiny``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from committed_repo import REL, repo_with_committed_results

from sqa.analysis.claims import CLAIM_COLUMNS, CLAIMS, VERDICTS
from sqa.analysis.report import check_report
from sqa.analysis.reproduction import committed_copy, run_seeds, working_tree_differs

ROOT = Path(__file__).resolve().parents[1]
MIN_SEEDS = 3  # the committed tiny results come from `make reproduce SEEDS="0 1 2"`


def committed_tree(repo: Path, dest: Path) -> Path | None:
    """``dest`` holding HEAD's ``results/tiny`` and README (``results/tiny`` itself outside git; None if neither)."""
    res = committed_copy(repo, REL, dest)
    if res is not None:
        committed_copy(repo, "README.md", dest)
        return dest
    return repo if (repo / REL / "tables" / "claims.csv").exists() else None


@pytest.fixture(scope="module")
def committed(tmp_path_factory) -> Path:
    root = committed_tree(ROOT, tmp_path_factory.mktemp("committed"))
    if root is None or not (root / REL / "tables" / "claims.csv").exists():
        pytest.skip("no committed results/tiny (neither git nor the working tree holds them)")
    return root


# ---------------------------------------------------------------- checks (of a results/tiny folder)


def check_seeds(res: Path, min_seeds: int) -> None:
    seeds = run_seeds(res / "tables")
    assert len(seeds) >= min_seeds, seeds
    for k in seeds[1:]:  # every seed but 0 has its own tables
        assert (res / f"seed{k}" / "tables" / "table1.csv").exists(), k
    claims = pd.read_csv(res / "tables" / "claims.csv")
    assert set(claims["seeds"]) <= {len(seeds)} and len(seeds) in set(claims["seeds"]), (claims["seeds"], seeds)


def check_claims(res: Path) -> None:
    claims = pd.read_csv(res / "tables" / "claims.csv")
    assert list(claims.columns[: len(CLAIM_COLUMNS)]) == list(CLAIM_COLUMNS)
    assert set(claims["verdict"]) <= set(VERDICTS)
    assert set(claims["claim"]) <= {c.claim for c in CLAIMS}
    for row in claims.itertuples():
        assert (res / row.figure).exists(), row.figure
        if math.isnan(row.ours):
            assert row.verdict == "inconclusive" and ("undefined" in str(row.note) or "not" in str(row.note))
        else:
            assert row.ci_low <= row.ours <= row.ci_high, row.claim


def check_intervals(res: Path, name: str) -> None:
    df = pd.read_csv(res / "tables" / name)
    value = "diff" if "diff" in df.columns else "value"
    defined = df[value].notna()
    assert (
        (df.loc[defined, "ci_low"] <= df.loc[defined, value] + 1e-9)
        & (df.loc[defined, value] <= df.loc[defined, "ci_high"] + 1e-9)
    ).all()
    if "note" in df.columns:
        assert df.loc[~defined, "note"].fillna("").str.contains("undefined|not predicted|not evaluated").all()


def check_readme_quotes(res: Path, readme: str) -> None:
    """Each claim's row in the README's claims table shows ``claims.csv``'s difference, interval and verdict."""
    claims = pd.read_csv(res / "tables" / "claims.csv")
    for row in claims.itertuples():
        line = next((ln for ln in readme.splitlines() if ln.startswith(f"| {row.claim} |")), None)
        assert line is not None, f"README has no row for {row.claim!r}"
        cells = [c.strip() for c in line.strip("|").split("|")]
        ours = "n/a" if math.isnan(row.ours) else f"{row.ours:+.2f} [{row.ci_low:+.2f}, {row.ci_high:+.2f}]"
        assert cells[2] == ours, (row.claim, cells[2], ours)
        assert cells[3].split(" (")[0] == row.verdict, (row.claim, cells[3])


def check_committed(root: Path) -> None:
    """Every check of the committed results, on ``root`` (a tree holding ``results/tiny`` and the README)."""
    res = root / REL
    assert check_report(res / "report.html") == []
    check_seeds(res, MIN_SEEDS)
    check_claims(res)
    assert [*pd.read_csv(res / "tables" / "claims.csv")["claim"]] == [c.claim for c in CLAIMS]
    for name in ("table1_ci.csv", "table3_ci.csv", "contrasts.csv"):
        check_intervals(res, name)
    check_readme_quotes(res, (root / "README.md").read_text())


# ---------------------------------------------------------------- the committed results


def test_the_committed_report_is_clean(committed):
    assert check_report(committed / REL / "report.html") == []


def test_the_committed_results_come_from_three_seeds(committed):
    check_seeds(committed / REL, MIN_SEEDS)


def test_every_claim_has_a_row_a_verdict_and_its_figure(committed):
    check_claims(committed / REL)
    claims = pd.read_csv(committed / REL / "tables" / "claims.csv")
    assert list(claims["claim"]) == [c.claim for c in CLAIMS]


@pytest.mark.parametrize("name", ["table1_ci.csv", "table3_ci.csv", "contrasts.csv"])
def test_intervals_bracket_their_values_and_undefined_ones_are_labelled(committed, name):
    check_intervals(committed / REL, name)


def test_the_readme_quotes_the_committed_claims_table(committed):
    check_readme_quotes(committed / REL, (committed / "README.md").read_text())


# ---------------------------------------------------------------- a reader's regenerated results


def test_regenerated_results_are_consistent_in_themselves():
    """After ``make reproduce`` the working tree holds the reader's run: whole in itself (its own seeds)."""
    res = ROOT / REL
    if not (res / "tables" / "claims.csv").exists():
        pytest.skip("no results/tiny in the working tree")
    if not working_tree_differs(ROOT, REL):
        pytest.skip("results/tiny in the working tree is what git holds (checked above)")
    check_seeds(res, 1)
    check_claims(res)
    for name in ("table1_ci.csv", "table3_ci.csv", "contrasts.csv"):
        check_intervals(res, name)


@pytest.fixture(scope="module")
def readers_clone(committed, tmp_path_factory) -> Path:
    """A repository holding the committed results, whose working tree a reader's one-seed run then rewrote:
    the tables re-aggregated over seed 0 alone (what ``make reproduce`` with the default ``SEEDS=0`` does)."""
    from sqa.analysis.intervals import write_intervals

    repo = repo_with_committed_results(committed / REL, committed / "README.md", tmp_path_factory.mktemp("reader"))
    write_intervals(repo / REL, seeds=[0], reference=repo / "results" / "reference")
    return repo


def test_a_readers_reproduce_then_the_committed_checks_pass(readers_clone, tmp_path):
    """The order ``make reproduce`` then ``make test``: the reader's run changed the working tree (one seed,
    other claims), yet the committed checks read git and pass, and the run is whole in itself."""
    res = readers_clone / REL
    assert working_tree_differs(readers_clone, REL)
    assert run_seeds(res / "tables") == [0]
    with pytest.raises(AssertionError):  # what the tests read before: the working tree, now one seed
        check_seeds(res, MIN_SEEDS)
    check_committed(committed_tree(readers_clone, tmp_path))
    check_seeds(res, 1)
    check_claims(res)
