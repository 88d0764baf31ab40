"""A scratch git repository whose HEAD holds the committed tiny results (what a reader's clone holds before
``make reproduce``), for the tests of the committed results and of the reproduction check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REL = "results/tiny"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def repo_with_committed_results(results: Path, readme: Path | None, repo: Path) -> Path:
    """``repo``: a new git repository whose one commit holds ``results`` as ``results/tiny``, the paper's
    reference tables, and ``readme`` as its README (when given)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copytree(results, repo / REL)
    shutil.copytree(ROOT / "results" / "reference", repo / "results" / "reference")
    if readme is not None:
        shutil.copy(readme, repo / "README.md")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "committed results")
    return repo
