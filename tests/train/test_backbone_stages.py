"""Every stage on the second backbone (Qwen2-Audio), in one short chain: calibration -> reasoning SFT ->
GRPO (audio in both log-prob passes) -> score and answer evaluation -> assess. The AF3 chain is covered
stage by stage in the other training tests."""

from __future__ import annotations

import csv
import json

import pytest

from sqa.data import load_qualispeech
from sqa.model import backbone_of, load_model
from sqa.train import calibrate, run_grpo, sft_reasoning
from sqa.train.grpo import GRPOConfig

FAST = dict(steps=2, batch_size=2, warmup=0, progress=False)


@pytest.mark.parametrize("lora_rank", [4])
def test_every_stage_runs_on_qwen2_audio(profile, corpus, small_qwen2_audio, tmp_path, lora_rank):
    import sqa

    calibrated = calibrate(profile, init=small_qwen2_audio, out_dir=tmp_path / "calib", lora_rank=lora_rank, **FAST)
    warm = sft_reasoning(profile, init=calibrated, out_dir=tmp_path / "sft", lora_rank=lora_rank, **FAST)
    cfg = GRPOConfig(
        init=str(warm),
        out_dir=str(tmp_path / "grpo"),
        rewards=["acc_sem"],
        steps=1,
        group_size=2,
        batch_size=2,
        max_new_tokens=6,
        lora_rank=lora_rank,
        lora_alpha=2 * lora_rank,
    )
    final = run_grpo(cfg, examples=load_qualispeech(corpus, "train"), progress=False)
    for stage in (calibrated, warm, final):
        assert backbone_of(stage).name == "qwen2_audio"
    rows = list(csv.DictReader((tmp_path / "grpo" / "reward_curve.csv").open()))
    assert [r["step"] for r in rows] == ["1"] and float(rows[0]["kl"]) >= 0

    from sqa.evaluation import evaluate_answers, evaluate_scores

    model, processor = load_model(final, lora_rank=0)
    model.eval()
    test = load_qualispeech(corpus, "test")
    scores = evaluate_scores(model, processor, test, dimensions=["noise", "overall"], batch_size=4)
    assert len(scores.predictions) == 2 * len(test)
    answers = evaluate_answers(model, processor, test, max_new_tokens=8, batch_size=4, corr_backend="rule:rouge")
    withheld = evaluate_answers(
        model, processor, test, audio_mode="withheld", max_new_tokens=8, batch_size=4, corr_backend="rule:rouge"
    )
    assert answers.metrics["n"] == withheld.metrics["n"] == len(test)

    results = sqa.assess([str(ex.audio_path) for ex in test], model=(model, processor), max_new_tokens=8)
    assert [r.ok for r in results] == [True] * len(test)
    json.dumps([r.to_dict() for r in results])
