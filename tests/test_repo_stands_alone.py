"""The repo stands alone: nothing a reader gets (package, README, docs, notebooks) points outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"DESIGN\.md|\.\./shared\b|/work/shared\b|\bshared/(?:external|reference)\b")
"""A design file that is not in the repo, or the workspace's shared folder."""


def reader_files() -> list[Path]:
    files = [
        ROOT / "README.md",
        *sorted((ROOT / "sqa").rglob("*.py")),
        *sorted((ROOT / "sqa").rglob("*.yaml")),
        *sorted((ROOT / "notebooks").glob("*.ipynb")),
        *sorted((ROOT / "docs").rglob("*.md")),
    ]
    return [f for f in files if f.is_file()]


def test_pattern_catches_outside_pointers():
    for text in ("see DESIGN.md", "read ../shared/reference", "(``/work/shared/external``)", "shared/external/x"):
        assert OUTSIDE.search(text), text
    assert not OUTSIDE.search("docs/design.md, results/reference/paper_table1_pcc.csv, a shared encoding")


@pytest.mark.parametrize("path", reader_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pointer_outside_the_repo(path):
    hits = [
        f"{path.relative_to(ROOT)}:{i}: {line.strip()[:120]}"
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not hits, "points outside the repo:\n" + "\n".join(hits)


def test_design_doc_is_in_the_repo():
    assert (ROOT / "docs" / "design.md").is_file()
    assert "docs/design.md" in (ROOT / "README.md").read_text()
