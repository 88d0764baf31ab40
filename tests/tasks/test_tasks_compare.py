"""The comparison task: the pair sampler, the ground truth, the answer format and its parser, the figures,
and the derived baseline on committed predictions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqa.schema import DIMENSIONS, Assessment
from sqa.tasks.compare import Comparison, comparison, parse_comparison, parse_verdict, render_comparison
from sqa.tasks.compare_metrics import comparison_figures
from sqa.tasks.derived import clip_scores, derived_comparison
from sqa.tasks.pairs import default_max_per_clip, pair_preferences, preference, sample_pairs

ROOT = Path(__file__).resolve().parents[2]
IDS = [f"syn-test-{i:05d}.wav" for i in range(150)]


def test_pairs_are_distinct_bounded_and_fixed_by_the_seed():
    pairs = sample_pairs(IDS, n_pairs=300, seed=0)
    assert len(pairs) == 300 and len({frozenset(p) for p in pairs}) == 300
    assert all(a != b for a, b in pairs)
    counts = Counter(c for p in pairs for c in p)
    assert max(counts.values()) <= default_max_per_clip(150, 300) == 5
    assert sample_pairs(list(reversed(IDS)), n_pairs=300, seed=0) == pairs  # the order of the ids does not matter
    assert sample_pairs(IDS, n_pairs=300, seed=1) != pairs
    first = Counter(a for a, _ in pairs)
    assert 0.35 < sum(first.values()) / 300 / 1 and len(first) > 100  # A/B order is random, not by id


def test_pairs_can_fill_the_bound_exactly_or_say_why_not():
    pairs = sample_pairs(IDS[:20], n_pairs=30, max_per_clip=3, seed=0)
    assert max(Counter(c for p in pairs for c in p).values()) <= 3
    with pytest.raises(ValueError, match="3 clips cannot give 4 distinct pairs"):
        sample_pairs(["a", "b", "c"], n_pairs=4)
    with pytest.raises(ValueError, match="10 clips cannot give 30 distinct pairs with each clip in at most 2"):
        sample_pairs(IDS[:10], n_pairs=30, max_per_clip=2)


@pytest.mark.parametrize(
    "a, b, dim, want",
    [
        (5, 4, "noise", "A"),
        (1, 2, "overall", "B"),
        (3, 3, "continuity", "tie"),
        (3, 5, "speed", "A"),
        (1, 5, "speed", "tie"),
        (2, 5, "speed", "A"),
        (4, 1, "speed", "A"),
        (None, 3, "noise", None),
        (float("nan"), 3, "noise", None),
    ],
)
def test_preference(a, b, dim, want):
    assert preference(a, b, dim) == want


def test_pair_preferences_from_scores():
    scores = {"a": {"noise": 5, "speed": 3}, "b": {"noise": 2, "speed": 1}}
    assert pair_preferences([("a", "b"), ("b", "a")], scores, ("noise", "speed", "overall")) == [
        {"noise": "A", "speed": "A", "overall": None},
        {"noise": "B", "speed": "B", "overall": None},
    ]


verdicts = st.dictionaries(st.sampled_from(DIMENSIONS), st.sampled_from(["A", "B", "tie"]))


@settings(max_examples=200, deadline=None)
@given(v=verdicts, reason=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80))
def test_render_then_parse_is_exact(v, reason):
    gold = Comparison(v, reason)
    assert parse_comparison(render_comparison(gold)) == gold


def test_gold_from_two_assessments():
    a = Assessment(scores={"noise": 5, "speed": 3, "overall": 4})
    b = Assessment(scores={"noise": 2, "speed": 4, "overall": 4})
    text = render_comparison(comparison(a, b))
    assert text.splitlines()[:3] == [
        "Noise (A vs B): A is better than B",
        "Speed (A vs B): A is better than B",
        "Overall quality (A vs B): A and B are equal",
    ]
    assert text.splitlines()[3].startswith("Reason: Noise: A 5 (no noticeable background noise), B 2")


def test_speecheval_style_answers():
    text = """<think>
1. Overall Quality
Overall Quality (A vs B): B is better than A
2. Production quality
Intelligibility: A and B are similar in this aspect Distortion: A and B are similar in this aspect
Speech Rate: A is better than B
Dynamic Range: A and B are similar in this aspect
Emotional Impact: A is better than B
</think>
<answer>Overall, Sample A offers a marginally better listening experience.</answer>"""
    c = parse_comparison(text)
    assert (c.verdicts["overall"], c.verdicts["listening_effort"], c.verdicts["distortion"], c.verdicts["speed"]) == (
        "B",
        "tie",
        "tie",
        "A",
    )
    assert c.verdicts["noise"] is None and c.verdicts["naturalness"] is None


@pytest.mark.parametrize(
    "text, want",
    [
        ("A is better than B", "A"),
        ("B is better than A", "B"),
        ("A and B are equal", "tie"),
        ("**Sample B** is slightly better", "B"),
        ("the first sample is clearer", "A"),
        ("A is worse than B", "B"),
        ("B sounds inferior", "A"),
        ("Preferred: A", "A"),
        ("winner - B", "B"),
        ("B", "B"),
        ("A.", "A"),
        ("both are comparable", "tie"),
        ("no clear difference", "tie"),
        ("a better take", None),
        ("", None),
        ("nothing useful", None),
    ],
)
def test_verdict_phrases(text, want):
    assert parse_verdict(text) == want


def test_loose_labels_and_first_verdict_wins():
    c = parse_comparison(
        "- **Background noise**: Sample A is better\nlistening_effort - B is better than A\n"
        "Noise: B is better than A\nOverall: tie"
    )
    assert (c.verdicts["noise"], c.verdicts["listening_effort"], c.verdicts["overall"]) == ("A", "B", "tie")


def test_figures_hand_case_with_intervals():
    gold = [Comparison({"noise": g, "overall": "A"}) for g in ("A", "B", "tie", "A", "B")]
    pred = [Comparison({"noise": p, "overall": "A"}) for p in ("A", "A", "tie", None, "B")]
    t = comparison_figures(pred, gold, n_boot=500).set_index("metric")
    assert t.value["noise_acc"] == pytest.approx(3 / 5)
    assert t.value["noise_acc_nontie"] == pytest.approx(2 / 4)
    assert t.value["overall_quality_acc"] == 1.0
    assert t.value["overall_acc"] == pytest.approx((3 / 5 + 1) / 2)
    assert t.value["overall_acc_nontie"] == pytest.approx((2 / 4 + 1) / 2)
    assert t.value["no_verdict_rate"] == pytest.approx(1 / 10)
    assert (t.ci_low <= t.value).all() and (t.value <= t.ci_high).all()
    assert t.loc["noise_acc", "ci_high"] > t.loc["noise_acc", "ci_low"]
    assert "speed_acc" not in t.index  # no gold verdict: no figure


def test_figures_take_raw_answers_and_check_lengths():
    t = comparison_figures(
        ["Noise (A vs B): A is better than B", "junk"],
        ["Noise (A vs B): A is better than B", "Noise (A vs B): B is better than A"],
        n_boot=10,
    )
    assert t.set_index("metric").value["noise_acc"] == 0.5
    with pytest.raises(ValueError, match="2 predictions vs 1 references"):
        comparison_figures(["a", "b"], ["Noise (A vs B): A is better than B"])
    with pytest.raises(ValueError, match="no reference verdict"):
        comparison_figures(["a"], ["b"])


def _write_predictions(path: Path, pred: dict, true: dict) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "id": i,
            **{f"clip_pred_{d}": pred[i].get(d) for d in DIMENSIONS},
            **{f"clip_true_{d}": true[i].get(d) for d in DIMENSIONS},
        }
        for i in pred
    ]
    pd.DataFrame(rows).to_csv(path / "predictions.csv", index=False)
    return path


def test_derived_baseline_of_a_perfect_and_a_constant_system(tmp_path):
    rng = np.random.default_rng(0)
    ids = [f"c{i:03d}" for i in range(40)]
    true = {i: {d: int(rng.integers(1, 6)) for d in DIMENSIONS} for i in ids}
    perfect = derived_comparison(_write_predictions(tmp_path / "perfect", true, true), n_pairs=60, n_boot=50)
    assert (perfect.set_index("metric").value.drop("no_verdict_rate") == 1.0).all()
    const = {i: {d: 3 for d in DIMENSIONS} for i in ids}
    t = derived_comparison(_write_predictions(tmp_path / "const", const, true), n_pairs=60, n_boot=50).set_index(
        "metric"
    )
    assert t.value["noise_acc_nontie"] == 0.0 and t.value["noise_acc"] < 0.5  # always "tie"


def test_calibration_prompt_scores_are_read_when_present(tmp_path):
    d = tmp_path / "calibration_only"
    d.mkdir()
    (d / "predictions.csv").write_text("id,clip_pred_overall,clip_true_overall\na,3,4\nb,3,2\n")
    (d / "score_predictions.csv").write_text(
        "id,dimension,true,pred,answer\na,noise,4,5,5\nb,noise,2,1,1\na,overall,4,4,4\nb,overall,2,3,3\n"
    )
    t = clip_scores(d)
    assert t.loc["a", "pred_noise"] == 5 and t.loc["b", "pred_overall"] == 3 and np.isnan(t.loc["a", "pred_speed"])
    assert clip_scores(d / "predictions.csv").loc["a", "pred_overall"] == 3


@pytest.mark.parametrize("system", ["calibration_only", "sq_llm", "qualispeech_ft"])
def test_derived_baseline_on_committed_predictions(system):
    path = ROOT / "results" / "tiny" / "systems" / system
    if not (path / "predictions.csv").is_file():
        pytest.skip(f"{path} has no committed predictions")
    t = derived_comparison(path, n_boot=200).set_index("metric")
    assert t.n["overall_quality_acc"] == 300
    assert (t.ci_low <= t.value).all() and (t.value <= t.ci_high).all()
    assert t.value.between(0, 1).all()
