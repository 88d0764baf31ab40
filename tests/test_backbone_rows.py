"""A backbone row: a profile naming another backbone trains and reports under its own directories, checks
its checkpoint, and its Table 1/3 rows carry the backbone (column and name, as the paper's SALMONN row)."""

from __future__ import annotations

import pandas as pd
import pytest

from sqa.analysis import tables
from sqa.configs.profiles import get_profile, repo_root
from sqa.pipeline import system_results


def test_backbone_profile_has_its_own_runs_and_results():
    af3, qwen = get_profile("smoke"), get_profile("smoke", backbone="qwen2_audio")
    assert af3.run_dir == get_profile("smoke", backbone="af3").run_dir == repo_root() / "runs" / "smoke"
    assert qwen.run_dir == repo_root() / "runs" / "smoke" / "qwen2_audio"
    assert get_profile("smoke", backbone="qwen2_audio", seed=2).run_dir == qwen.run_dir / "seed2"
    assert system_results.results_dir(qwen) == repo_root() / "results" / "smoke" / "qwen2_audio"
    assert qwen.shared_dir == af3.shared_dir  # one generated corpus for every backbone


def test_profile_backbone_is_checked_against_the_checkpoint(small_qwen2_audio):
    from sqa.train import resolve_model

    assert resolve_model(get_profile("smoke", model=str(small_qwen2_audio), backbone="qwen2_audio"))
    with pytest.raises(ValueError, match="a qwen2_audio checkpoint, but profile smoke names backbone 'af3'"):
        resolve_model(get_profile("smoke", model=str(small_qwen2_audio), backbone="af3"))


def test_backbone_rows_are_named_and_labelled(monkeypatch):
    seen = []

    def fake_evaluate(profile, system, results="results", progress=False):
        seen.append((profile.backbone, system))
        return {"system": system, "backbone": profile.backbone, "avg_pcc": 0.5, "learned_encoder": False}

    monkeypatch.setattr(system_results, "evaluate_system", fake_evaluate)
    rows = system_results.backbone_rows(get_profile("smoke"), ["qwen2_audio"])
    assert seen == [("qwen2_audio", s) for s in system_results.BACKBONE_SYSTEMS]
    t1 = tables.table1([{"system": "QualiSpeech-FT", "avg_pcc": 0.4}] + rows)
    assert list(t1["system"]) == ["QualiSpeech-FT", "QualiSpeech-FT-Qwen2-Audio", "LLM-judge dim-wise GRPO-Qwen2-Audio"]
    assert list(t1["backbone"]) == ["af3", "qwen2_audio", "qwen2_audio"]
    paper = pd.DataFrame({"system": ["QualiSpeech-FT"], "avg": [0.6]})
    assert len(tables.side_by_side(t1, paper, ["avg"])) == 1  # names stay unique
