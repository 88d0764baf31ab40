"""The reproduction check (sqa.analysis.reproduction): a reader's run against the results git holds, seed by seed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from committed_repo import REL, git, repo_with_committed_results

from sqa.analysis.intervals import write_intervals
from sqa.analysis.reproduction import STATUSES, committed_copy, write_reproduction

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def repo(tmp_path) -> Path:
    """A repository whose HEAD holds the committed tiny results (3 seeds) and the paper's reference tables."""
    if committed_copy(ROOT, REL, tmp_path / "src") is None:
        pytest.skip("git holds no results/tiny here (not a checkout with committed results)")
    return repo_with_committed_results(tmp_path / "src" / REL, None, tmp_path / "repo")


def _reader_run(repo: Path) -> None:
    """The reader's one-seed run: seed 0's tables re-aggregated (``make reproduce`` with ``SEEDS=0``)."""
    write_intervals(repo / REL, seeds=[0], n_boot=200, reference=repo / "results" / "reference")


def test_the_same_predictions_reproduce_every_figure_and_verdict(repo):
    _reader_run(repo)
    paths = write_reproduction(repo / REL, repo=repo, n_boot=200)
    figures, claims = pd.read_csv(paths["reproduction"]), pd.read_csv(paths["reproduction_claims"])
    assert set(figures["seed"]) == {0} and len(figures) > 50
    assert set(figures["status"]) <= {"identical", "undefined"}, figures["status"].value_counts()
    assert claims["agrees"].all(), claims[["claim", "verdict", "verdict_committed"]]
    assert set(claims["committed_seeds"].dropna()) == {3}  # the committed verdicts over all seeds, for reference


def test_a_run_that_differs_is_seen_outside_the_seed_spread(repo):
    """A reader whose SQ-LLM scores are scrambled: its figures leave the committed seed spread, no other moves."""
    path = repo / REL / "systems" / "sq_llm" / "predictions.csv"
    df = pd.read_csv(path)
    rng = np.random.default_rng(0)
    for col in [c for c in df.columns if c.startswith("clip_pred_")]:
        df[col] = rng.permutation(df[col].to_numpy())
    df.to_csv(path, index=False)
    _reader_run(repo)
    paths = write_reproduction(repo / REL, repo=repo, n_boot=200)
    figures = pd.read_csv(paths["reproduction"])
    mine = figures[figures["system"] == "SQ-LLM"]
    assert (mine["status"] == "outside seed spread").sum() >= 3, mine
    others = figures[figures["system"] != "SQ-LLM"]
    assert set(others["status"]) <= {"identical", "undefined"}
    assert set(figures["status"]) <= set(STATUSES)


def test_without_committed_results_nothing_is_written(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / REL / "tables").mkdir(parents=True)
    pd.DataFrame({"claim": ["x"]}).to_csv(repo / REL / "tables" / "claims.csv", index=False)
    git(repo, "init", "-q")
    assert write_reproduction(repo / REL, repo=repo) is None
    assert not (repo / REL / "tables" / "reproduction.csv").exists()
