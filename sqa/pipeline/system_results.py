"""Each system's results on the test split: evaluated once, cached under ``results/<profile>[/seed<k>]/``.

:func:`evaluate_system` is a row of Tables 1 and 3 (trained systems through :func:`sqa.pipeline.stages.system_model`,
the no-training ones straight from audio, served ones through an endpoint); :func:`grpo_summary` is a GRPO run's
reward curve and PCC before and after it; :func:`cached_rows` reads what is evaluated, training nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

from sqa.configs.layout import backbone_name, profile_dir
from sqa.configs.profiles import Profile, repo_root
from sqa.configs.sources import extractor_spec
from sqa.configs.systems import SYSTEMS, System, get_system, grpo_run_name, served_system, system_for_rewards
from sqa.llm.labels import corr_backend as judge_corr_backend
from sqa.metrics.evaluate import TABLE1_COLUMNS, TABLE3_COLUMNS
from sqa.pipeline.stages import grpo_stage, parse_reward_names, system_model
from sqa.schema import DIMENSIONS, render


def results_dir(profile: Profile, results: str | Path = "results") -> Path:
    """``results/<profile>`` for training seed 0 (the default), ``results/<profile>/seed<k>`` for another seed;
    ``results/<profile>/<backbone>[/seed<k>]`` for a backbone other than AF3.

    >>> from sqa.configs.profiles import get_profile
    >>> results_dir(get_profile("smoke", seed=2)).relative_to(repo_root()).as_posix()
    'results/smoke/seed2'
    """
    root = Path(results)
    return profile_dir(root if root.is_absolute() else repo_root() / root, profile.name, profile.backbone, profile.seed)


def evaluate_system(
    profile: Profile,
    system: System | str,
    results: str | Path = "results",
    corr_backend=None,
    progress: bool = False,
    refresh: bool = False,
    generator: str | None = None,
) -> dict:
    """Table 1 + Table 3 metrics of ``system`` on the test split, cached in
    ``results/<profile>/systems/<slug>/metrics.json`` (+ ``predictions.csv``).

    Table 1 of the Calibration-only system comes from the per-dimension calibration prompts (the
    only questions it was trained on), Table 3 from its answer to the reasoning prompt, as in the paper.

    ``generator``: an endpoint ``http://HOST:PORT/v1#NAME`` serving this system's model (e.g. ``vllm serve
    runs/paper/grpo_llm_judge/model``) writes the answers instead of a local ``generate``; nothing is
    trained then, and the cache is keyed on the endpoint. ``metrics["generator"]`` says which wrote them.
    """
    from sqa.data import load_examples
    from sqa.evaluation import evaluate_answers, evaluate_scores
    from sqa.model import load_model
    from sqa.pipeline.preflight import require_inputs
    from sqa.pipeline.provenance import provenance, same_inputs

    system = get_system(system) if isinstance(system, str) else system
    if system.stage == "none":
        return evaluate_no_training(profile, system, results=results, progress=progress, refresh=refresh)
    require_inputs(profile, needs_judge=True)  # Table 3's description correlation asks the judge
    out = results_dir(profile, results) / "systems" / system.slug
    from sqa.train.sft import model_fingerprint

    cached = out / "metrics.json"
    model_dir = generator if generator else system_model(profile, system, progress=progress)
    fingerprint = generator if generator else model_fingerprint(model_dir)
    record = provenance(profile, generator=generator)
    if cached.exists() and not refresh:
        old = json.loads(cached.read_text())
        if old.get("model_fingerprint") == fingerprint and same_inputs(old.get("provenance"), record):
            return old
    if generator:
        model, processor = generator, None
    else:
        model, processor = load_model(model_dir, lora_rank=None, dtype=profile.dtype, device=profile.device)
        model.eval()
    test = load_examples(profile, "test")
    report = evaluate_answers(
        model,
        processor,
        test,
        audio_mode=system.eval_audio,
        batch_size=profile.eval_batch_size,
        max_new_tokens=profile.max_new_tokens,
        progress=progress,
        corr_backend=corr_backend if corr_backend is not None else judge_corr_backend(profile),
        extractor=extractor_spec(profile),
        decode_cache=profile.decode_cache,
    )
    metrics = dict(report.metrics)
    if system.stage == "calibration":
        score_report = evaluate_scores(
            model, processor, test, batch_size=profile.eval_batch_size, decode_cache=profile.decode_cache
        )
        scores = score_report.metrics
        out.mkdir(parents=True, exist_ok=True)
        score_report.predictions.to_csv(out / "score_predictions.csv", index=False)  # Table 1's clips
        metrics.update({f"{d}_pcc": v for d, v in scores["pcc"].items()})
        metrics.update(avg_pcc=scores["avg_pcc"], mos_pcc=scores["mos_pcc"], pcc_source="calibration prompts")
    else:
        metrics["pcc_source"] = "full answers"
    extra = {
        "system": system.name,
        "backbone": backbone_name(profile.backbone),
        "group": system.group,
        "model_fingerprint": fingerprint,
        "learned_encoder": system.learned_encoder,
        "calibration": system.calibration,
        "model_dir": str(Path(model_dir).relative_to(repo_root()))
        if not generator and Path(model_dir).is_relative_to(repo_root())
        else str(model_dir),
        "provenance": record,
    }
    report.metrics = metrics
    report.save(out, extra=extra)
    return json.loads(cached.read_text())


def evaluate_no_training(
    profile: Profile, system: System, results: str | Path = "results", progress: bool = False, refresh: bool = False
) -> dict:
    """Table 1 + Table 3 metrics of a system without training (``stage="none"``: DNSMOS, the signal detectors;
    :mod:`sqa.evaluation.baselines`) on the test split. It has no training seed: computed once under
    ``results/<profile>/systems/<slug>/`` (seed 0's folder) and returned as is for every seed. DNSMOS outputs
    are cached per clip in ``runs/<profile>/no_training/dnsmos.jsonl``. Figures the system does not predict
    are NaN, and ``not_predicted`` says so (:data:`sqa.evaluation.baselines.NOT_PREDICTED`)."""
    import numpy as np
    import pandas as pd

    from sqa.data import load_examples
    from sqa.evaluation import baselines
    from sqa.metrics.bootstrap import clip_metrics
    from sqa.metrics.clips import with_clip_columns
    from sqa.pipeline.preflight import require_inputs
    from sqa.pipeline.provenance import provenance, same_inputs

    require_inputs(profile)
    out = results_dir(dataclasses.replace(profile, seed=0), results) / "systems" / system.slug
    fingerprint = baselines.fingerprint(system.predictor)
    record = provenance(dataclasses.replace(profile, seed=0), generator=f"{system.name} (no training)")
    record["base_model"] = {
        "none": "no training",
        **{k: v for k, v in baselines.versions().items() if system.predictor.startswith("dnsmos")},
    }
    cached = out / "metrics.json"
    if cached.exists() and not refresh:
        old = json.loads(cached.read_text())
        if old.get("model_fingerprint") == fingerprint and same_inputs(old.get("provenance"), record):
            return old
    test = load_examples(profile, "test")
    values = None
    if system.predictor.startswith("dnsmos"):
        values = baselines.cached_dnsmos(
            [(e.id, e.audio_path) for e in test],
            dataclasses.replace(profile, seed=0).run_dir / "no_training" / "dnsmos.jsonl",
            progress=progress,
        )

    answers, clips = baselines.clip_rows(system.predictor, test, values)
    point = {k: float(v[0]) for k, v in clip_metrics(clips, np.arange(len(clips))[None]).items()}
    keys = [*TABLE1_COLUMNS.values(), *TABLE3_COLUMNS, "speed_pcc", "mos_pcc", "mean_f1", "mean_iou"]
    metrics = baselines.blank_unpredicted(point, system.predictor, keys)
    metrics.update(
        speed_pcc=float("nan"),
        n=len(test),
        corr_backend=baselines.NOT_PREDICTED,
        not_predicted=sorted(k for k in keys if k not in baselines.predicted_keys(system.predictor)),
        pcc_source={
            "dnsmos_p835": "DNSMOS P.835: OVRL->overall, SIG->distortion, BAK->noise",
            "dnsmos_p808": "DNSMOS P.808 -> overall",
        }.get(system.predictor, baselines.NOT_PREDICTED),
    )
    preds = pd.DataFrame(
        {
            "id": [e.id for e in test],
            "answer": answers,
            "reference": [render(e.assessment) for e in test],
            "generator": system.name,
        }
    )
    if values is not None:
        for k in baselines.DNSMOS_KEYS:
            preds[k] = [values[e.id][k] for e in test]
    out.mkdir(parents=True, exist_ok=True)
    with_clip_columns(preds, clips).to_csv(out / "predictions.csv", index=False)
    full = {
        **metrics,
        "system": system.name,
        "backbone": backbone_name(profile.backbone),
        "group": system.group,
        "model_fingerprint": fingerprint,
        "learned_encoder": False,
        "calibration": False,
        "model_dir": "none (no training)",
        "predictor": system.predictor,
        "provenance": record,
    }
    cached.write_text(json.dumps(full, indent=1, allow_nan=True) + "\n")
    return json.loads(cached.read_text())


def cached_rows(profile: Profile, results: str | Path = "results") -> list[dict]:
    """Every row of Tables 1 and 3 from what is already evaluated, training nothing: the ``metrics.json`` of
    each trained system under ``results/<profile>[/seed<k>]/systems/`` (skipped where absent), and the
    no-training systems evaluated now (:func:`evaluate_no_training`). ``python -m sqa tables`` writes them."""
    rows = []
    for s in SYSTEMS:
        if s.stage == "none":
            rows.append(evaluate_no_training(profile, s, results=results))
            continue
        path = results_dir(profile, results) / "systems" / s.slug / "metrics.json"
        if path.exists():
            rows.append(json.loads(path.read_text()))
    return rows


BACKBONE_SYSTEMS = ("QualiSpeech-FT", "LLM-judge dim-wise GRPO")
"""The systems run on every backbone (the paper's backbone comparison: QualiSpeech-FT on SALMONN vs AF3)."""


def backbone_rows(
    profile: Profile,
    backbones: Sequence[str],
    systems: Sequence[str] = BACKBONE_SYSTEMS,
    results: str | Path = "results",
    progress: bool = False,
) -> list[dict]:
    """Table 1/3 rows of ``systems`` trained and evaluated on each of ``backbones`` (each under its own
    ``runs/<profile>/<backbone>`` and ``results/<profile>/<backbone>``). Rows say their ``backbone`` and are
    named as the paper names its SALMONN row: ``QualiSpeech-FT-Qwen2-Audio``."""
    from sqa.model.backbones import get_backbone

    rows = []
    for name in backbones:
        p = dataclasses.replace(profile, backbone=get_backbone(name).name)
        for s in systems:
            row = dict(evaluate_system(p, s, results=results, progress=progress))
            rows.append({**row, "system": f"{row['system']}-{get_backbone(name).label}"})
    return rows


def evaluate_served(
    profile: Profile,
    generators: dict[str, str],
    results: str | Path = "results",
    corr_backend=None,
    progress: bool = False,
    refresh: bool = False,
) -> list[dict]:
    """Evaluate served models, ``{row name: "http://HOST:PORT/v1#NAME"}``: a name of :data:`SYSTEMS` is that
    system served (e.g. its trained model under vLLM), any other name a zero-shot audio LLM (:func:`served_system`).
    """
    known = {s.name for s in SYSTEMS} | {s.slug for s in SYSTEMS}
    return [
        evaluate_system(
            profile,
            get_system(name) if name in known else served_system(name),
            results=results,
            corr_backend=corr_backend,
            progress=progress,
            refresh=refresh,
            generator=spec,
        )
        for name, spec in generators.items()
    ]


def grpo_summary(
    profile: Profile,
    rewards: str | list[str],
    results: str | Path = "results",
    progress: bool = True,
    generator: str | None = None,
) -> dict:
    """Train (or reuse) the GRPO run, evaluate it, and write ``results/<profile>/grpo_<rewards>/``
    (``metrics.json`` with the reward rise and PCC before/after GRPO, ``reward_curve.csv``).
    ``generator``: an endpoint serving the trained model answers the test clips (see :func:`evaluate_system`)."""
    import pandas as pd

    from sqa.metrics.reward_curve import reward_curve_summary

    names = parse_reward_names(rewards)
    run = grpo_run_name(names)
    grpo_stage(profile, names, progress=progress)
    curve = pd.read_csv(profile.run_dir / run / "reward_curve.csv")
    out = results_dir(profile, results) / run
    out.mkdir(parents=True, exist_ok=True)
    curve.to_csv(out / "reward_curve.csv", index=False)
    m = evaluate_system(profile, system_for_rewards(names), results=results, progress=progress, generator=generator)
    calib_path = results_dir(profile, results) / "calibration" / "metrics.json"
    calib = json.loads(calib_path.read_text()) if calib_path.exists() else {}
    from sqa.metrics.evaluate import AVG_DIMENSIONS, TABLE3_COLUMNS

    summary = {
        "rewards": names,
        "system": system_for_rewards(names).name,
        **reward_curve_summary(curve),
        "pcc": {d: m.get(f"{d}_pcc") for d in DIMENSIONS},
        "avg_pcc": m.get("avg_pcc"),
        "mos_pcc": m.get("mos_pcc"),
        "calibration_pcc": calib.get("pcc"),
        "calibration_avg_pcc": calib.get("avg_pcc"),
        "calibration_mos_pcc": calib.get("mos_pcc"),
        **{c: m.get(c) for c in TABLE3_COLUMNS},
        "parse_failure_rate": m.get("parse_failure_rate"),
        "n_test": m.get("n"),
        "corr_backend": m.get("corr_backend"),
        "avg_dimensions": list(AVG_DIMENSIONS),
        "provenance": m.get("provenance"),
    }
    (out / "metrics.json").write_text(json.dumps(summary, indent=1, allow_nan=True) + "\n")
    return summary
