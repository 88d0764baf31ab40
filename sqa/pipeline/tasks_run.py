"""Notebook 06's run end to end: the multi-task model trained (or reused), evaluated with the derived
baselines of :data:`TASKS_BASE_SYSTEM` on compare, suggest and detect, written to
``results/<profile>[/seed<k>]/tasks/`` (:mod:`sqa.evaluation.tasks`).

The stage itself is :func:`sqa.pipeline.stages.tasks_stage` (``python -m sqa train tasks``): it lives beside
the other stage builders, since :func:`sqa.pipeline.stages.build_stage` dispatches to it.

>>> from sqa.configs.systems import get_system
>>> get_system(TASKS_BASE_SYSTEM).stage
'calibration'
"""

from __future__ import annotations

from pathlib import Path

from sqa.configs.profiles import Profile
from sqa.configs.systems import get_system
from sqa.pipeline.stages import system_model, tasks_stage
from sqa.pipeline.system_results import evaluate_system, results_dir

TASKS_BASE_SYSTEM = "Calibration-only"
"""The single-task system whose assessments give the derived baselines of compare, suggest and detect."""


def tasks_summary(
    profile: Profile, results: str | Path = "results", progress: bool = False, refresh: bool = False
) -> dict:
    """Train (or reuse) the multi-task model, evaluate it and the derived baselines of :data:`TASKS_BASE_SYSTEM`
    on compare, suggest and detect, and write ``results/<profile>[/seed<k>]/tasks/`` (:mod:`sqa.evaluation.tasks`);
    returns its ``metrics.json``."""
    from sqa.data import load_examples, prepare_profile_data
    from sqa.data.spoof import detection_trials, make_spoof_set
    from sqa.evaluation.tasks import evaluate_tasks
    from sqa.train.sft import model_fingerprint

    base = get_system(TASKS_BASE_SYSTEM)
    model_dir, base_model = tasks_stage(profile), system_model(profile, base, progress=progress)
    evaluate_system(profile, base, results=results, progress=progress)
    corpus = prepare_profile_data(profile, progress=False)
    make_spoof_set(corpus, "test")
    res = results_dir(profile, results)
    return evaluate_tasks(
        model_dir,
        load_examples(profile, "test"),
        detection_trials(corpus, "test"),
        base.name,
        res / "systems" / base.slug,
        base_model,
        base.stage == "calibration",
        res / "tasks",
        (model_fingerprint(model_dir), model_fingerprint(base_model)),
        max_new_tokens=profile.max_new_tokens,
        batch_size=profile.eval_batch_size,
        dtype=profile.dtype,
        device=profile.device,
        refresh=refresh,
    )
