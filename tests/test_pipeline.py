"""The pipeline's stages: which weights each SFT stage trains, and the registry of systems."""

from __future__ import annotations

import pytest
import torch

from sqa.configs.profiles import Profile, get_profile
from sqa.configs.systems import SYSTEMS, get_system, grpo_run_name
from sqa.pipeline.stages import sft_encoder_trainable, sft_stage
from sqa.train import train_info


@pytest.fixture()
def profile(tmp_path, monkeypatch, corpus):
    """The smoke profile with its runs/ dir under tmp (nothing is written under the repo's runs/)."""
    monkeypatch.setattr(Profile, "run_dir", property(lambda self: tmp_path / "runs" / self.name))
    return get_profile("smoke", data_dir=str(corpus), calib_steps=2, sft_steps=2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from sqa.data import make_synthetic_corpus

    return make_synthetic_corpus(tmp_path_factory.mktemp("corpus"), n_train=4, n_test=2, seed=0, progress=False)


def _tensors(model_dir, part: str) -> dict[str, torch.Tensor]:
    """The weights of ``part`` in a model or stage dir (a stage's adapter chain applied)."""
    from sqa.model import load_model

    return {k: v for k, v in load_model(model_dir, lora_rank=None)[0].state_dict().items() if part in k}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_encoder_switch_per_init():
    p = get_profile("tiny")
    assert [sft_encoder_trainable(p, i) for i in ("base", "calibration", "calibration_frozen")] == [True, False, False]
    p.reasoning_train_audio_encoder = True
    assert sft_encoder_trainable(p, "calibration") is True
    with pytest.raises(ValueError, match="unknown SFT init"):
        sft_encoder_trainable(p, "grpo")


def test_sft_from_calibration_keeps_the_calibrated_encoder(profile):
    sft = sft_stage(profile, "calibration")
    calib = profile.run_dir / "calibration" / "model"
    assert train_info(sft)["settings"]["train_audio_encoder"] is False
    from sqa.model import stage_chain  # smoke: LoRA r=64, so both stages are adapters chained to the base

    assert stage_chain(sft) == (str(profile.run_dir / "tiny_model"), [calib, sft])
    assert _same(_tensors(calib, "audio_tower"), _tensors(sft, "audio_tower"))
    assert not _same(_tensors(calib, "language_model"), _tensors(sft, "language_model"))
    # and the calibration itself did train the encoder
    assert not _same(_tensors(profile.run_dir / "tiny_model", "audio_tower"), _tensors(calib, "audio_tower"))


def test_sft_from_base_trains_the_encoder(profile):
    sft = sft_stage(profile, "base")
    assert train_info(sft)["settings"]["train_audio_encoder"] is True
    assert not _same(_tensors(profile.run_dir / "tiny_model", "audio_tower"), _tensors(sft, "audio_tower"))


def test_opting_in_trains_the_encoder_after_calibration(profile):
    profile.reasoning_train_audio_encoder = True
    sft = sft_stage(profile, "calibration")
    assert not _same(_tensors(profile.run_dir / "calibration" / "model", "audio_tower"), _tensors(sft, "audio_tower"))


def test_systems_are_unique_and_resolvable():
    assert len({s.name for s in SYSTEMS}) == len({s.slug for s in SYSTEMS}) == len(SYSTEMS)
    assert get_system("sq_llm").rewards == "unified"
    assert grpo_run_name(["acc_sem", "iou"]) == "grpo_acc_sem+iou"
    assert grpo_run_name("acc_sem", "text_only") == "grpo_acc_sem_text_only"
    with pytest.raises(KeyError, match="unknown system"):
        get_system("nope")


PAPER_ROWS = (
    "QualiSpeech-FT",
    "SQ-LLM",
    "Acc+Sem dim-wise GRPO",
    "LLM-judge dim-wise GRPO",
    "QualiSpeech-FT (learned encoder)",
    "QualiSpeech-FT (no calibration)",
    "Calibration-only",
    "IoU reward GRPO",
    "Signal reward GRPO",
    "Acc+Sem dim-wise GRPO, audio withheld",
    "LLM-judge dim-wise GRPO, audio withheld",
    "Acc+Sem GRPO trained text-only",
    "DNSMOS P.835",
    "DNSMOS P.808",
    "Signal detectors (no model)",
)


def test_the_rows_of_the_tables_in_their_order():
    """The names and order of the rows every table and figure shows (sqa.configs.systems declares them once)."""
    assert tuple(s.name for s in SYSTEMS) == PAPER_ROWS
    assert {s.rewards for s in SYSTEMS if s.stage == "grpo"} == {"unified", "acc_sem", "llm_judge", "iou", "signal"}


def test_a_registered_system_joins_its_group_and_a_taken_name_is_refused():
    from sqa.configs.systems import System, register_system

    with pytest.raises(ValueError, match="'SQ-LLM' is registered already"):
        register_system(System("SQ-LLM", "grpo", rewards="iou"))
    with pytest.raises(ValueError, match="registered already"):
        register_system(System("sq llm", "grpo", rewards="iou"))  # the same slug
    assert tuple(s.name for s in SYSTEMS) == PAPER_ROWS  # nothing added by a refused registration


def test_build_stage_by_run_dir_name(profile):
    from sqa.pipeline.stages import build_stage

    assert build_stage(profile, "sft_from_base") == profile.run_dir / "sft_from_base" / "model"
    assert build_stage(profile, "calibration_frozen") == profile.run_dir / "calibration_frozen" / "model"
    for bad, message in [
        ("sft_from_grpo", "unknown stage"),
        ("grpo_", "unknown stage"),
        ("grpo_bogus", "unknown reward"),
    ]:
        with pytest.raises(ValueError, match=message):
            build_stage(profile, bad)
    assert not (profile.run_dir / "sft_from_calibration").exists()  # the bad GRPO name trained nothing
    # the warm-up of every GRPO run: sft_from_calibration when the profile sets no grpo_warmup_steps
    assert build_stage(profile, "warmup") == profile.run_dir / "sft_from_calibration" / "model"


def test_cli_train_prints_the_model_dir_and_rejects_unknown_stages(profile, capsys):
    from sqa.cli import main

    assert main(["train", "sft_from_base", "--profile", "smoke", "--data-dir", profile.data_dir]) == 0
    assert capsys.readouterr().out.strip().endswith("sft_from_base/model")
    assert main(["train", "sft_from_everywhere", "--profile", "smoke"]) == 2
    assert "unknown stage 'sft_from_everywhere'" in capsys.readouterr().err


def test_cli_train_evaluates_the_systems_of_its_stage(profile, capsys, tmp_path, monkeypatch):
    import json

    from sqa.cli import main
    from sqa.pipeline import system_results

    monkeypatch.setattr(system_results, "repo_root", lambda: tmp_path)  # results/ under tmp, not the repo's
    args = ["train", "sft_from_base", "--profile", "smoke", "--data-dir", profile.data_dir, "--no-check"]
    assert main(args + ["--evaluate", "nope"]) == 2
    assert "unknown system 'nope'" in capsys.readouterr().err
    assert main(args + ["--evaluate", "qualispeech_ft_no_calibration"]) == 0
    assert "QualiSpeech-FT (no calibration): avg PCC" in capsys.readouterr().out
    cached = json.loads(
        (tmp_path / "results" / "smoke" / "systems" / "qualispeech_ft_no_calibration" / "metrics.json").read_text()
    )
    assert cached["system"] == "QualiSpeech-FT (no calibration)" and cached["n"] == 2
