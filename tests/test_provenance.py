"""Every result says what produced it (sqa.pipeline.provenance), and tables never mix provenances silently."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sqa.analysis import tables
from sqa.analysis.report import provenance_section
from sqa.configs.profiles import Profile, get_profile
from sqa.pipeline.provenance import base_model_record, provenance

KEYS = {"profile", "base_model", "data", "judge", "extractor", "generator", "seed", "commit", "packages", "kernels"}


@pytest.fixture()
def smoke(tmp_path, monkeypatch):
    monkeypatch.setattr(Profile, "shared_dir", property(lambda self: tmp_path / "runs" / self.name))
    monkeypatch.delenv("SQA_JUDGE", raising=False)
    monkeypatch.delenv("SQA_EXTRACTOR", raising=False)
    return get_profile("smoke", calib_steps=2, n_train=4, n_test=2)


def test_a_smoke_runs_metrics_carry_provenance(smoke, tmp_path):
    from sqa.pipeline.system_results import evaluate_system

    metrics = evaluate_system(smoke, "Calibration-only", results=tmp_path / "results")
    saved = json.loads((tmp_path / "results" / "smoke" / "systems" / "calibration_only" / "metrics.json").read_text())
    record = saved["provenance"]
    assert metrics["provenance"] == record and set(record) == KEYS
    assert record["profile"] == "smoke" and record["seed"] == 0 and record["generator"] == "local"
    assert record["judge"] == "rule-minilm (stand-in)" and record["extractor"] == "parse_response"
    assert record["base_model"]["id"] == "tiny" and len(record["base_model"]["hash"]) == 16
    data = record["data"]
    assert data["dataset"] == "synthetic" and data["generator_version"] >= 1 and data["seed"] == 0
    assert data["splits"] == {"train": 4, "test": 2} and set(data["csv_sha256"]) == {"train", "test"}
    assert {"python", "torch", "transformers", "peft"} <= set(record["packages"])
    assert record["commit"] is None or len(record["commit"].removesuffix("+dirty")) == 40


def test_hub_model_recorded_by_id_and_cached_revision_local_model_by_hash(smoke, tmp_path):
    import dataclasses

    hub = base_model_record(dataclasses.replace(smoke, model="nvidia/audio-flamingo-3-hf"))
    assert hub["id"] == "nvidia/audio-flamingo-3-hf" and "revision" in hub  # None when not in the local cache
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    a = base_model_record(dataclasses.replace(smoke, model=str(folder)))
    (folder / "config.json").write_text('{"x": 1}')
    b = base_model_record(dataclasses.replace(smoke, model=str(folder)))
    assert a["path"] == b["path"] == str(folder) and a["hash"] != b["hash"]


def _row(system, **changes):
    record = {"profile": "tiny", "judge": "rule-minilm (stand-in)", "seed": 0, "commit": "c1", **changes}
    return {"system": system, "noise_pcc": 0.5, "provenance": record}


def test_tables_record_provenance_and_warn_when_mixed(tmp_path):
    same = [_row("A"), _row("B")]
    t1_path, _ = tables.write_tables(same, tmp_path / "same")
    t1, records = pd.read_csv(t1_path), tables.load_provenance(tmp_path / "same")
    assert t1["provenance"].nunique() == 1 and tables.provenance_warning(t1, records) == ""
    assert tables.provenance_note(t1, records).startswith("one provenance: profile tiny;")
    mixed = [_row("A"), _row("B", judge="llm:Qwen3-8B@http://h:8000/v1", seed=1)]
    _, t3_path = tables.write_tables(mixed, tmp_path / "mixed")
    warning = tables.provenance_warning(pd.read_csv(t3_path), tables.load_provenance(tmp_path / "mixed"))
    assert warning.startswith("WARNING: this table mixes results of 2 provenances") and warning.endswith("judge, seed")


def test_the_report_lists_each_provenance_and_warns_when_mixed(smoke, tmp_path):
    def write(res, changes):
        for name, change in changes.items():
            (res / name).mkdir(parents=True)
            record = {**provenance(smoke), **change}
            (res / name / "metrics.json").write_text(json.dumps({"avg_pcc": 0.5, "provenance": record}))
        return provenance_section(res)

    text = write(tmp_path / "mixed", {"a": {}, "b": {}, "c": {"judge": "llm:Qwen3-8B@http://h:8000/v1"}})
    assert "<b>Warning: these results come from 2 different provenances</b> (differing: judge)" in text
    assert text.count("<li>") == 2 and "a/metrics.json, b/metrics.json" in text
    assert "judge rule-minilm (stand-in)" in text
    seeds = write(tmp_path / "seeds", {"a": {}, "seed1/a": {"seed": 1}})  # make reproduce SEEDS="0 1"
    assert "Results of 2 training seeds (0, 1); everything else that produced them is the same." in seeds
    assert "Warning" not in seeds
    base = provenance(smoke)["base_model"]
    seeded = {"seed": 1, "base_model": {**base, "seed": 1, "hash": "another init"}}  # the tiny model from seed 1
    text = write(tmp_path / "seeded", {"a": {"base_model": {**base, "seed": 0}}, "seed1/a": seeded})
    assert "Results of 2 training seeds (0, 1)" in text and "initialised from each seed" in text
    assert "Warning" not in text
    text = write(tmp_path / "commits", {"a": {"base_model": {**base, "seed": 0}}, "seed1/a": {**seeded, "commit": "x"}})
    assert "(differing: commit)" in text  # the seed explains the base model, not the commit
    fixed = {"seed": 1, "base_model": {**base, "seed": 0, "hash": "another model"}}  # a base model not from the seed
    assert "(differing: base_model)" in write(
        tmp_path / "models", {"a": {"base_model": {**base, "seed": 0}}, "seed1/a": fixed}
    )


def test_interval_tables_name_the_provenance_of_each_systems_seeds(tmp_path):
    from sqa.analysis.intervals import system_provenance
    from sqa.pipeline.provenance import provenance_id

    res = tmp_path / "results" / "tiny"
    records = {0: {"profile": "tiny", "seed": 0}, 1: {"profile": "tiny", "seed": 1}}
    for k, rec in records.items():
        d = (res if k == 0 else res / f"seed{k}") / "systems" / "sq_llm"
        d.mkdir(parents=True)
        (d / "metrics.json").write_text(json.dumps({"provenance": rec}))
    ids = sorted(provenance_id(r) for r in records.values())
    assert system_provenance(res, [0, 1], "sq_llm") == ";".join(ids)
    assert system_provenance(res, [0], "sq_llm") == provenance_id(records[0])
