"""Notebook 02's stage end to end: Calibration trained (or reused), evaluated on the test split by greedy
answers to every dimension prompt, and written to ``results/<profile>[/seed<k>]/calibration[_frozen]/``
(``metrics.json`` with the training record and provenance, ``predictions.csv``).

>>> from sqa.configs.profiles import get_profile
>>> stage_name(get_profile("smoke")), stage_name(get_profile("smoke", train_audio_encoder=False))
('calibration', 'calibration_frozen')
"""

from __future__ import annotations

import time
from pathlib import Path

from sqa.configs.profiles import Profile
from sqa.evaluation import evaluate_scores
from sqa.evaluation.scores import ScoreReport
from sqa.model import load_model
from sqa.pipeline import system_results
from sqa.pipeline.provenance import provenance
from sqa.train import stage_dir, train_info


def stage_name(profile: Profile) -> str:
    """``calibration``, or ``calibration_frozen`` when the profile freezes the audio encoder (the ablation)."""
    return stage_dir(profile).name


def results_dir(profile: Profile, results: str | Path = "results") -> Path:
    """``results/<profile>[/seed<k>]/<stage_name>`` (:func:`sqa.pipeline.system_results.results_dir`), created."""
    out = system_results.results_dir(profile, results) / stage_name(profile)
    out.mkdir(parents=True, exist_ok=True)
    return out


def evaluate(
    profile: Profile, model_dir: str | Path, examples, out_dir: str | Path, generator: str | None = None
) -> ScoreReport:
    """Evaluate the trained Calibration stage in ``model_dir`` on ``examples`` and save the report under
    ``out_dir`` (:meth:`ScoreReport.save`) with the stage's training record (seconds, parameter counts,
    steps), the profile, the encoder setting, the evaluation's seconds and the provenance.

    ``generator``: an endpoint ``http://HOST:PORT/v1#NAME`` serving the model answers instead of the
    local one (the model is loaded all the same).
    """
    info = train_info(model_dir)
    model, processor = load_model(model_dir, lora_rank=0, dtype=profile.dtype, device=None)
    model.eval()
    t0 = time.perf_counter()
    report = evaluate_scores(
        generator or model,
        None if generator else processor,
        examples,
        batch_size=profile.eval_batch_size,
        decode_cache=profile.decode_cache,
    )
    eval_seconds = time.perf_counter() - t0
    report.save(
        out_dir,
        extra={
            "train_seconds": info["train_seconds"],
            "params_total": info["params_total"],
            "params_trainable": info["params_trainable"],
            "profile": profile.name,
            "train_audio_encoder": profile.train_audio_encoder,
            "steps": info["global_step"],
            "eval_seconds": round(eval_seconds, 1),
            "provenance": provenance(profile, generator),
        },
    )
    return report
