"""The report: claims first, no progress bars, no scripts or network loads, unique anchors, under 3 MB."""

from __future__ import annotations

import html

import nbformat
import pandas as pd

from sqa.analysis.claims import CLAIMS
from sqa.analysis.report import build_report, check_report


def _notebook(path, title):
    bar = "".join(f"\rGRPO acc_sem:  {i}%|#   | {i}/100 [00:0{i % 10}<00:01, 8.0it/s]" for i in range(0, 100, 7))
    cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\n## Setup"),
        nbformat.v4.new_code_cell(
            "run()",
            outputs=[
                nbformat.v4.new_output("stream", name="stderr", text=bar + "\nUserWarning: something\n"),
                nbformat.v4.new_output("stream", name="stdout", text="kept line\n" + bar + "\n"),
            ],
        ),
        nbformat.v4.new_markdown_cell("## Setup"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["papermill"] = {"duration": 61.0, "end_time": "2026-01-01T00:00:00"}
    nbformat.write(nb, path)


def test_report_reads_like_one(tmp_path):
    res = tmp_path / "results" / "fake"
    (res / "notebooks").mkdir(parents=True)
    for stem in ("03_grpo_acc_sem", "03_grpo_unified", "02_calibration_frozen"):
        _notebook(res / "notebooks" / f"{stem}.ipynb", "same heading everywhere")
    (res / "tables").mkdir()
    pd.DataFrame(
        {
            "claim": [c.claim for c in CLAIMS],
            "paper": 0.1,
            "ours": 0.05,
            "ci_low": -0.01,
            "ci_high": 0.1,
            "verdict": "inconclusive",
            "seeds": 3,
            "note": "",
            "figure": "figures/none.png",
        }
    ).to_csv(res / "tables" / "claims.csv", index=False)
    out = build_report(res / "notebooks", res / "report.html", title="fake report")
    text = out.read_text()
    assert check_report(out) == []
    assert "kept line" in text and "UserWarning" not in text and "it/s]" not in text
    assert text.index("Claims of the paper</h2>") < text.index('id="nb-02-calibration-frozen"')
    assert all(html.escape(c.claim) in text for c in CLAIMS)
    assert "03 GRPO, Acc+Sem dimension-wise reward" in text and "03 GRPO, SQ-LLM" in text
    assert "1.02" in text  # wall minutes of a notebook (61 s)


def test_check_report_finds_what_a_reader_must_not_see(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<script src="https://cdn.example/require.js"></script><p id="a"></p><p id="a"></p>'
        "<pre> 45%|####   | 9/20 [00:01<00:01, 8.0it/s]</pre>"
    )
    assert set(check_report(bad)) == {"progress-bar output", "script tag", "network resource", "1 duplicated ids"}
