"""Calibration SFT: items, a short run to a merged dir, resume after a crash, reuse, frozen encoder."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import TrainerCallback

from sqa.data import load_qualispeech
from sqa.model import load_model
from sqa.schema import DIMENSIONS
from sqa.schema.prompts import calibration_prompt
from sqa.train import calibrate, calibration_items, stage_dir, train_info

FAST = dict(steps=2, batch_size=2, warmup=0, progress=False)


def _weights(model_dir):
    """Every weight of a model or stage dir (a stage's adapter chain applied), by module name."""
    return load_model(model_dir, lora_rank=None)[0].state_dict()


def test_one_item_per_clip_and_dimension(corpus):
    examples = load_qualispeech(corpus, "train")
    items = calibration_items(examples)
    assert len(items) == len(examples) * len(DIMENSIONS)
    first = items[: len(DIMENSIONS)]
    assert [it["prompt"] for it in first] == [calibration_prompt(d) for d in DIMENSIONS]
    assert [it["answer"] for it in first] == [str(examples[0].assessment.scores[d]) for d in DIMENSIONS]


def test_stage_dir_names(profile):
    assert stage_dir(profile).name == "calibration"
    profile.train_audio_encoder = False
    assert stage_dir(profile).name == "calibration_frozen"


def test_short_run_saves_a_loadable_adapter_stage(profile, small_model, tmp_path):
    out = calibrate(profile, init=small_model, out_dir=tmp_path / "calib", lora_rank=4, **FAST)
    assert out == tmp_path / "calib" / "model"
    assert (out / "adapter_model.safetensors").exists() and not (out / "model.safetensors").exists()
    info = train_info(out)
    assert info["global_step"] == 2 and info["params_trainable"] < info["params_total"]
    assert info["train_seconds"] > 0
    assert 0 < info["bytes_written"] < (small_model / "model.safetensors").stat().st_size  # no copy of the base
    assert info["bytes_written"] == sum(f.stat().st_size for f in out.iterdir() if f.name != "sqa_train.json")
    before, after = _weights(small_model), _weights(out)
    lm = [k for k in before if "language_model" in k and k.endswith("layers.0.self_attn.q_proj.weight")]
    assert lm and not torch.equal(before[lm[0]], after[lm[0]])  # the LoRA update is applied on loading
    assert sum(p.numel() for p in after.values()) > 0


def test_finished_run_is_reused(profile, small_model, tmp_path):
    out = calibrate(profile, init=small_model, out_dir=tmp_path / "c", lora_rank=0, **FAST)
    stamp = (out / "sqa_train.json").stat().st_mtime_ns
    again = calibrate(profile, init=small_model, out_dir=tmp_path / "c", lora_rank=0, **FAST)
    assert again == out and (out / "sqa_train.json").stat().st_mtime_ns == stamp
    changed = calibrate(profile, init=small_model, out_dir=tmp_path / "c", lora_rank=0, **{**FAST, "lr": 1e-5})
    info = json.loads((changed / "sqa_train.json").read_text())
    assert info["settings"]["lr"] == 1e-5
    assert info["resumed_from"] is None and info["global_step"] == 2  # not resumed from the other run's checkpoint


def test_a_retrained_init_invalidates_the_stage(profile, small_model, tmp_path):
    first = calibrate(profile, init=small_model, out_dir=tmp_path / "a", lora_rank=0, **FAST)
    second = calibrate(profile, init=first, out_dir=tmp_path / "b", lora_rank=0, **FAST)
    stamp = (second / "sqa_train.json").stat().st_mtime_ns
    assert calibrate(profile, init=first, out_dir=tmp_path / "b", lora_rank=0, **FAST) == second
    assert (second / "sqa_train.json").stat().st_mtime_ns == stamp  # same init: reused
    calibrate(profile, init=small_model, out_dir=tmp_path / "a", lora_rank=0, **{**FAST, "lr": 1e-5})  # init retrained
    calibrate(profile, init=first, out_dir=tmp_path / "b", lora_rank=0, **FAST)
    assert (second / "sqa_train.json").stat().st_mtime_ns != stamp  # same path, other weights: trained again


class _Crash(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == 3:
            raise RuntimeError("simulated crash")


@pytest.mark.parametrize("rank", [0, 4])
def test_resume_after_interruption(profile, small_model, tmp_path, rank):
    settings = dict(FAST, steps=4, save_every=2, lora_rank=rank)
    with pytest.raises(RuntimeError, match="simulated crash"):
        calibrate(profile, init=small_model, out_dir=tmp_path / "crash", callbacks=[_Crash()], **settings)
    assert (tmp_path / "crash" / "checkpoints" / "checkpoint-2").is_dir()
    assert not (tmp_path / "crash" / "model").exists()
    resumed = calibrate(profile, init=small_model, out_dir=tmp_path / "crash", **settings)
    info = train_info(resumed)
    assert info["resumed_from"].endswith("checkpoint-2") and info["global_step"] == 4
    assert info["checkpoint_bytes_removed"] > 0 and not (tmp_path / "crash" / "checkpoints").exists()  # complete
    straight = calibrate(profile, init=small_model, out_dir=tmp_path / "straight", **settings)
    a, b = _weights(resumed), _weights(straight)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)  # same result as an uninterrupted run


def test_frozen_encoder_keeps_its_weights(profile, small_model, tmp_path):
    profile.train_audio_encoder = False
    out = calibrate(profile, init=small_model, lora_rank=0, out_dir=tmp_path / "frozen", **FAST)
    before, after = _weights(small_model), _weights(out)
    audio = [k for k in before if "audio_tower" in k]
    assert audio and all(torch.equal(before[k], after[k]) for k in audio)
    proj = [k for k in before if "multi_modal_projector" in k]
    assert any(not torch.equal(before[k], after[k]) for k in proj)
    assert train_info(out)["settings"]["train_audio_encoder"] is False
