"""The systems without training (sqa.evaluation.baselines, System stage "none"): the DNSMOS mapping reaches the right
columns, unpredicted figures are n/a (not predicted) and never dropped, one result serves every seed, and
``python -m sqa tables`` rebuilds the tables from evaluated systems without training anything."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sqa.configs.profiles import Profile, get_profile
from sqa.evaluation import baselines
from sqa.pipeline import system_results


def fake_dnsmos(y, sr):
    """Deterministic stand-in for speechmos (it costs seconds a clip): ratings from the clip's level."""
    level = float(np.sqrt(np.mean(np.square(y)))) * 10
    return {"ovrl_mos": 1 + level, "sig_mos": 2 + level, "bak_mos": 5 - level, "p808_mos": 1.5 + level}


@pytest.fixture()
def smoke(tmp_path, monkeypatch):
    monkeypatch.setattr(Profile, "shared_dir", property(lambda self: tmp_path / "runs" / self.name))
    monkeypatch.setattr(baselines, "dnsmos", fake_dnsmos)
    monkeypatch.delenv("SQA_JUDGE", raising=False)
    return get_profile("smoke")


def test_the_dnsmos_outputs_reach_the_dimensions_they_stand_for(smoke, tmp_path):
    from sqa.data import load_examples
    from sqa.rewards.detectors import load_audio

    m = system_results.evaluate_system(smoke, "DNSMOS P.835", results=tmp_path / "results")
    preds = pd.read_csv(tmp_path / "results" / "smoke" / "systems" / "dnsmos_p_835" / "predictions.csv")
    test = load_examples(smoke, "test")
    want = [fake_dnsmos(*load_audio(e.audio_path)) for e in test]
    for dim, key in baselines.P835_MAP.items():
        assert np.allclose(preds[f"clip_pred_{dim}"], [w[key] for w in want], atol=1e-3), dim
        assert np.allclose(preds[key], [w[key] for w in want], atol=1e-3)
    assert preds["clip_pred_naturalness"].isna().all() and preds["clip_pred_speed"].isna().all()
    assert np.isnan(m["avg_pcc"]) and np.isnan(m["noise_f1"]) and "avg_pcc" in m["not_predicted"]
    assert m["model_dir"] == "none (no training)" and m["provenance"]["base_model"]["none"] == "no training"
    cache = (smoke.run_dir / "no_training" / "dnsmos.jsonl").read_text().splitlines()
    assert len(cache) == len(test) and {json.loads(line)["id"] for line in cache} == {e.id for e in test}


def test_dnsmos_is_computed_once_and_serves_every_seed(smoke, tmp_path, monkeypatch):
    first = system_results.evaluate_system(smoke, "DNSMOS P.808", results=tmp_path / "results")
    monkeypatch.setattr(baselines, "dnsmos", lambda y, sr: pytest.fail("DNSMOS computed twice"))
    again = system_results.evaluate_system(
        get_profile("smoke", seed=2), "DNSMOS P.808", results=tmp_path / "results", refresh=True
    )  # a new row, from the cached per-clip outputs
    assert again["overall_pcc"] == first["overall_pcc"]
    assert not (tmp_path / "results" / "smoke" / "seed2" / "systems" / "dnsmos_p_808").exists()


def test_unpredicted_figures_are_labelled_in_the_interval_tables(smoke, tmp_path):
    from sqa.analysis.intervals import NOT_PREDICTED, write_intervals
    from sqa.configs.profiles import repo_root

    res = tmp_path / "results" / "smoke"
    for s in ("DNSMOS P.835", "Signal detectors (no model)", "Calibration-only"):
        if s == "Calibration-only":  # a learned row beside them (its answers: the references)
            from sqa.data import load_examples
            from sqa.metrics.clips import clip_table, with_clip_columns

            test = load_examples(smoke, "test")
            refs = [e.assessment for e in test]
            df = pd.DataFrame({"id": [e.id for e in test], "answer": ["x"] * len(test)})
            for d in (res / "systems" / "calibration_only", res / "seed1" / "systems" / "calibration_only"):
                d.mkdir(parents=True)
                with_clip_columns(df, clip_table(refs, refs)).to_csv(d / "predictions.csv", index=False)
        else:
            system_results.evaluate_system(smoke, s, results=tmp_path / "results")
    paths = write_intervals(res, seeds=(0, 1), n_boot=50, reference=repo_root() / "results" / "reference")
    t1, t3 = pd.read_csv(paths["table1_ci"]), pd.read_csv(paths["table3_ci"])
    dn = t1[t1.system == "DNSMOS P.835"].set_index("metric")
    assert dn.loc[["naturalness", "continuity", "listening_effort", "avg"], "note"].eq(NOT_PREDICTED).all()
    assert dn.loc[["naturalness", "avg"], "value"].isna().all() and dn.loc["noise", "note"] != NOT_PREDICTED
    assert len(t3[t3.system == "DNSMOS P.835"]) == 11  # every Table 3 column, none dropped
    det = t3[t3.system == "Signal detectors (no model)"].set_index("metric")
    assert det.loc[["noise_corr", "longform_rouge_l"], "note"].eq(NOT_PREDICTED).all()
    assert det.loc[["noise_iou", "pause_f1"], "value"].notna().all()
    seeds = pd.read_csv(paths["seeds"]).set_index(["system", "metric"])
    assert seeds.loc[("DNSMOS P.835", "noise"), "seed_0"] == seeds.loc[("DNSMOS P.835", "noise"), "seed_1"]
    claims = pd.read_csv(paths["claims"]).set_index("claim")
    ours = [c for c in claims.index if c.startswith("Ours")]
    assert len(ours) == 2 and claims.loc[ours, "paper"].isna().all() and claims.loc[ours, "seeds"].eq(2).all()


def test_the_tables_command_trains_nothing(smoke, tmp_path, monkeypatch):
    monkeypatch.setattr(system_results, "system_model", lambda *a, **k: pytest.fail("tried to train"))
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "results" / "smoke" / "systems" / "sq_llm"
    d.mkdir(parents=True)
    (d / "metrics.json").write_text(json.dumps({"system": "SQ-LLM", "noise_pcc": 0.5, "avg_pcc": 0.4}))
    rows = system_results.cached_rows(smoke, results=tmp_path / "results")
    assert [r["system"] for r in rows] == ["SQ-LLM", "DNSMOS P.835", "DNSMOS P.808", "Signal detectors (no model)"]
    assert rows[0]["noise_pcc"] == 0.5


def test_system_model_of_a_no_training_system_is_an_error():
    with pytest.raises(ValueError, match="needs no training"):
        system_results.system_model(get_profile("smoke"), system_results.get_system("DNSMOS P.835"))
