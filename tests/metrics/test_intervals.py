"""Bootstrap intervals, paired contrasts and the claims table (sqa.metrics.bootstrap, sqa.analysis.intervals,
sqa.analysis.claims)."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from sqa.analysis.claims import CLAIM_COLUMNS, CLAIMS, VERDICTS
from sqa.llm import get_judge
from sqa.metrics import detection_f1, evaluate, pcc
from sqa.metrics.bootstrap import bootstrap, clip_metrics, paired_contrast, resample_indices
from sqa.metrics.clips import clip_table, with_clip_columns
from sqa.schema import ARTIFACTS, DIMENSIONS, Artifact, Assessment, render


def _assessment(rng: random.Random, noise: float = 0.0) -> Assessment:
    scores = {d: rng.randint(1, 5) for d in DIMENSIONS}
    arts = {}
    for a in ARTIFACTS:
        present = rng.random() < 0.5
        start = round(rng.uniform(0, 3), 1)
        arts[a] = Artifact(present, [(start, start + 1)] if present else [], f"{a} around {start}" if present else "")
    return Assessment(scores, arts, description=f"clip with score {scores['overall']}")


def _pair(n: int, seed: int, flip: float):
    rng = random.Random(seed)
    refs = [_assessment(rng) for _ in range(n)]
    preds = []
    for r in refs:
        p = Assessment(
            {d: (rng.randint(1, 5) if rng.random() < flip else s) for d, s in r.scores.items()},
            {
                a: (Artifact(not x.present, [(0, 1)] if not x.present else [], "guess") if rng.random() < flip else x)
                for a, x in r.artifacts.items()
            },
            r.description if rng.random() > flip else "something else",
        )
        preds.append(p)
    return preds, refs


def test_clip_metrics_equal_evaluate_on_the_identity_resample():
    preds, refs = _pair(40, 0, 0.4)
    texts = [render(p) for p in preds]
    clips = clip_table(preds, refs, texts=texts, corr_backend=get_judge("rule:rouge"))
    got = {k: float(v[0]) for k, v in clip_metrics(clips, np.arange(len(clips))[None]).items()}
    want = evaluate(preds, refs, texts=texts, corr_backend=get_judge("rule:rouge"))
    for k, v in want.items():
        if isinstance(v, float) and k in got:
            assert (math.isnan(v) and math.isnan(got[k])) or got[k] == pytest.approx(v, abs=1e-12), k


def test_vectorised_pcc_and_f1_match_sqa_metrics_on_every_resample():
    preds, refs = _pair(30, 1, 0.5)
    clips = clip_table(preds, refs, corr_backend=get_judge("rule:rouge"))
    idx = resample_indices(len(clips), 50, seed=3)
    m = clip_metrics(clips, idx)
    for b in range(50):
        rows = clips.iloc[idx[b]]
        want = pcc(rows["pred_noise"].tolist(), rows["true_noise"].tolist())
        assert (math.isnan(want) and math.isnan(m["noise_pcc"][b])) or m["noise_pcc"][b] == pytest.approx(
            want, abs=1e-12
        )
        ref = [None if math.isnan(x) else bool(x) for x in rows["pause_ref"]]
        f1 = detection_f1([bool(x) for x in rows["pause_hit"]], ref)
        assert (math.isnan(f1) and math.isnan(m["pause_f1"][b])) or m["pause_f1"][b] == pytest.approx(f1)


def test_bootstrap_hand_case():
    # two clips, ROUGE-L 0 and 1: resampled means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4
    t = pd.DataFrame({"longform_rouge_l": [0.0, 1.0]})
    r = bootstrap([t], n_boot=4000, seed=0).set_index("metric").loc["longform_rouge_l"]
    assert r.value == 0.5 and r.ci_low == 0.0 and r.ci_high == 1.0
    idx = resample_indices(2, 4000, seed=0)
    share_half = float(np.mean(idx.sum(1) == 1))
    assert share_half == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_interval_brackets_its_value(seed):
    preds, refs = _pair(60, seed, 0.3)
    clips = clip_table(preds, refs, corr_backend=get_judge("rule:rouge"))
    ci = bootstrap([clips], n_boot=1000, seed=0)
    defined = ci.dropna(subset=["value"])
    assert len(defined) > 10
    assert (defined.ci_low <= defined.value).all() and (defined.value <= defined.ci_high).all()
    assert (defined.ci_high - defined.ci_low > 0).any()


def test_constant_predictions_stay_undefined_and_labelled():
    t = pd.DataFrame({"pred_noise": [3.0] * 5, "true_noise": [1.0, 2, 3, 4, 5]})
    r = bootstrap([t], n_boot=200).set_index("metric").loc["noise_pcc"]
    assert math.isnan(r.value) and math.isnan(r.ci_low) and r.undefined_resamples == 200
    assert math.isnan(paired_contrast([t], [t], "noise_pcc")["diff"])


def test_seed_average_is_the_mean_of_the_seeds():
    a = pd.DataFrame({"longform_rouge_l": [0.2, 0.4, 0.6]})
    b = pd.DataFrame({"longform_rouge_l": [0.4, 0.6, 0.8]})
    r = bootstrap([a, b], n_boot=100).set_index("metric").loc["longform_rouge_l"]
    assert r.value == pytest.approx(0.5)


def _fake_results(root, seeds=(0,)):
    from sqa.analysis.intervals import seed_results_dir
    from sqa.configs.systems import SYSTEMS

    for k in seeds:
        for i, s in enumerate(SYSTEMS):
            preds, refs = _pair(25, 100 + i, 0.2 + 0.05 * (i % 5) + 0.02 * k)
            texts = [render(p) for p in preds]
            df = pd.DataFrame(
                {"id": [f"c{j}" for j in range(25)], "answer": texts, "reference": [render(r) for r in refs]}
            )
            df = with_clip_columns(df, clip_table(preds, refs, texts=texts, corr_backend=get_judge("rule:rouge")))
            d = seed_results_dir(root, k) / "systems" / s.slug
            d.mkdir(parents=True)
            df.to_csv(d / "predictions.csv", index=False)


def test_claims_table_schema(tmp_path):
    from sqa.analysis.intervals import write_intervals
    from sqa.configs.profiles import repo_root

    res = tmp_path / "results" / "fake"
    _fake_results(res, seeds=(0, 1))
    paths = write_intervals(res, seeds=(0, 1), n_boot=200, reference=repo_root() / "results" / "reference")
    claims = pd.read_csv(paths["claims"])
    assert tuple(claims.columns[:6]) == CLAIM_COLUMNS
    assert list(claims["claim"]) == [c.claim for c in CLAIMS]
    assert set(claims["verdict"]) <= set(VERDICTS)
    # the audio-withheld claim has no paper value, nor our own comparisons with DNSMOS
    assert claims["paper"].notna().sum() >= len([c for c in CLAIMS if not c.ours]) - 1
    assert claims.loc[[c.ours for c in CLAIMS], "paper"].isna().all()
    assert claims.loc[[c.ours for c in CLAIMS], "note"].str.contains("not a claim of the paper").all()
    for name in ("table1_ci", "table3_ci"):
        t = pd.read_csv(paths[name])
        assert list(t.columns[:5]) == ["system", "metric", "value", "ci_low", "ci_high"]
        ok = t.dropna(subset=["value"])
        assert ((ok.ci_low <= ok.value + 1e-9) & (ok.value <= ok.ci_high + 1e-9)).all()
    t1 = pd.read_csv(paths["table1_ci"])
    assert "overall" in set(t1.metric) and "avg" in set(t1.metric)
    contrasts = pd.read_csv(paths["contrasts"])
    assert list(contrasts.columns[:5]) == ["contrast", "metric", "diff", "ci_low", "ci_high"]
    seeds = pd.read_csv(paths["seeds"])
    assert {"mean", "sd", "seed_0", "seed_1"} <= set(seeds.columns)
