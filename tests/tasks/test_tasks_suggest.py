"""The suggestion task: the free-text parser, the ground truth (synthetic corpus and assessment mapping),
the coverage and text figures, and the derived baseline."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqa.data import load_qualispeech, make_synthetic_corpus, read_ground_truth
from sqa.data.qualispeech import row_to_assessment
from sqa.schema import Artifact, Assessment
from sqa.tasks.derived import derived_suggestion
from sqa.tasks.fixes import distortion_fix, fixes_from_assessment, fixes_from_ground_truth
from sqa.tasks.suggest import FIX_TEXT, FIXES, NO_FIX_TEXT, Suggestion, parse_suggestion, render_suggestion
from sqa.tasks.suggest_metrics import suggestion_figures

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = Path(os.environ.get("SQA_EXTERNAL", ROOT.parent / "shared" / "external"))
QUALISPEECH_ROWS = EXTERNAL / "qualispeech_hf_viewer" / "qualispeech_train_viewer_excerpt_rows.csv"


@pytest.mark.parametrize("fix", FIXES)
def test_each_gold_sentence_parses_to_its_fix(fix):
    assert parse_suggestion(FIX_TEXT[fix]).fixes == (fix,)


@settings(max_examples=200, deadline=None)
@given(st.sets(st.sampled_from(FIXES)))
def test_render_then_parse_gives_the_fixes(fixes):
    assert parse_suggestion(render_suggestion(Suggestion(tuple(fixes)))).fixes == Suggestion(tuple(fixes)).fixes


@pytest.mark.parametrize(
    "text, want",
    [
        (
            "Adjust the speech rate to a more natural pace to enhance clarity. Improve expressiveness by incorporating "
            "emotional variation and tonal dynamics.",
            ("adjust_speed", "add_expressiveness"),
        ),
        (
            "Enhance intelligibility by reducing voice drops and missing segments. Improve dynamic range consistency "
            "for smoother volume transitions.",
            ("fill_dropouts", "balance_volume"),
        ),
        ("Reduce background noise for cleaner audio quality.", ("denoise",)),
        ("Adjust frequency balance to improve voice clarity.", ("restore_bandwidth",)),
        ("No specific improvements are needed as the speech performs optimally across all evaluated dimensions.", ()),
        ("1. Improvement Dimensions\n\nNone\n", ()),
        (
            "1. Improvement Dimensions\n\nexpressiveness;emotional impact;noise reduction",
            ("denoise", "add_expressiveness"),
        ),
        ("There is harsh clipping from 1.2 to 2.0 s: lower the input gain.", ("declip",)),
        ("Remove the grainy digital distortion.", ("reduce_distortion",)),
        ("Shorten the long silent pause at 2.1 s.", ("remove_pauses",)),
        ("Repair the two dropouts inside the vowels.", ("fill_dropouts",)),
        ("No noise reduction is needed. Slow down a little.", ("adjust_speed",)),
        ("**Re-record** the sentence in a quiet room.", ("rerecord",)),
        ("<think>noise 2/5</think><answer>Denoise it.</answer>", ("denoise",)),
        ("Add more dynamic vocal expression to engage the audience.", ("add_expressiveness",)),
        ("The speaking speed is moderate, allowing for easy understanding.", ()),
        ("The audio has no noticeable background noise, distortion, or artifacts, so remove nothing.", ()),
        ("Remove the hum, but there is no clipping.", ("denoise",)),
        ("lorem ipsum dolor", ()),
    ],
)
def test_free_text(text, want):
    assert parse_suggestion(text).fixes == want


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.text(),
        st.binary(),
        st.integers(),
        st.floats(),
        st.lists(st.text()),
        st.lists(st.sampled_from([*FIX_TEXT.values(), "not", " needed", ";", "\n", "noise", "."])).map(" ".join),
    )
)
def test_parser_never_raises(junk):
    assert set(parse_suggestion(junk).fixes) <= set(FIXES)


def test_unknown_fix_is_refused():
    with pytest.raises(ValueError, match="unknown fix.*'polish'"):
        Suggestion(("polish",))
    assert render_suggestion(Suggestion(())) == NO_FIX_TEXT


@pytest.mark.parametrize(
    "description, fix",
    [
        ("harsh clipping", "declip"),
        ("a crackling, overdriven distortion", "declip"),
        ("a muffled, telephone-like quality", "restore_bandwidth"),
        ("a dull, muffled distortion", "restore_bandwidth"),
        ("a grainy digital distortion", "reduce_distortion"),
        (
            "There is pitch distortion with mechanical sound and intermittent electric current quality",
            "reduce_distortion",
        ),
        ("", "reduce_distortion"),
    ],
)
def test_distortion_description_to_fix(description, fix):
    assert distortion_fix(description) == fix


def test_assessment_mapping_rules():
    clean = Assessment(
        scores={d: 5 for d in ("noise", "distortion", "continuity", "overall")} | {"speed": 3},
        artifacts={"noise": Artifact(False), "distortion": Artifact(False), "unnatural_pause": Artifact(False)},
    )
    assert fixes_from_assessment(clean) == ()
    scores_only = Assessment(scores={"noise": 4, "distortion": 3, "continuity": 3, "speed": 5, "overall": 1})
    assert fixes_from_assessment(scores_only) == (
        "denoise",
        "reduce_distortion",
        "fill_dropouts",
        "adjust_speed",
        "rerecord",
    )
    paused = Assessment(scores={"continuity": 3}, artifacts={"unnatural_pause": Artifact(True, [(1, 2)])})
    assert fixes_from_assessment(paused) == ("remove_pauses",)
    assert fixes_from_assessment(Assessment(), voice="A man's voice with a flat, monotonous tone") == (
        "add_expressiveness",
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_synthetic_corpus(tmp_path_factory.mktemp("syn"), n_train=0, n_test=40, seed=3, progress=False)


def test_synthetic_ground_truth_and_the_annotation_mapping_agree(corpus):
    gts = read_ground_truth(corpus, "test")
    examples = load_qualispeech(corpus, "test")
    exact = [set(fixes_from_ground_truth(g)) for g in gts]
    mapped = [set(fixes_from_assessment(e.assessment, e.voice)) for e in examples]
    assert sum(bool(f) for f in exact) > 20 and {"denoise", "remove_pauses", "adjust_speed"} <= set().union(*exact)
    for g, e, m in zip(gts, exact, mapped):
        # the mapping cannot see dropouts beside pauses; everything else is recovered from the annotation
        assert m - {"fill_dropouts"} == e - {"fill_dropouts"}, (g["id"], e, m)
        if not g["pauses"]:
            assert ("fill_dropouts" in m) == bool(g["dropouts"]), g["id"]
    kinds = {g["distortion"]["kind"] for g in gts if g["distortion"]}
    assert {"declip", "restore_bandwidth", "reduce_distortion"} >= {
        fixes_from_ground_truth({"distortion": {"kind": k}, "scores": {"speed": 3}})[0] for k in kinds
    }
    with pytest.raises(ValueError, match="record 'x' has no scores.speed"):
        fixes_from_ground_truth({"id": "x", "rate": 1.0})


def test_real_qualispeech_rows_map_to_fixes():
    if not QUALISPEECH_ROWS.is_file():
        pytest.skip(f"{QUALISPEECH_ROWS} not present (the real QualiSpeech excerpt is read in place, never copied)")
    with open(QUALISPEECH_ROWS, encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    fixes = {
        i: fixes_from_assessment(row_to_assessment(r), r["Feeling of voice"])
        for i, r in rows.items()
        if r.get("row_fields_complete", "yes") == "yes"
    }
    wind = next(i for i, r in rows.items() if "wind" in r["Noise Description"])
    pitch = next(i for i, r in rows.items() if "pitch distortion" in r["Distortion description"])
    assert "denoise" in fixes[wind]
    assert {"reduce_distortion", "remove_pauses", "adjust_speed", "add_expressiveness"} <= set(fixes[pitch])
    clean = [
        i
        for i, r in rows.items()
        if i in fixes
        and r["Noise Description"].lower() == "not noticeable"
        and r["Distortion description"].lower() == "not distorted"
        and r["Speed"] == "3"
        and r["Continuity"] == "5"
        and r["Unnatural pause"].lower() == "very smooth"
    ]
    assert clean and all(fixes[i] == () for i in clean)


def test_figures_hand_case():
    gold = [Suggestion(("denoise", "declip")), Suggestion(("adjust_speed",)), Suggestion(()), Suggestion(("denoise",))]
    pred = [Suggestion(("denoise",)), Suggestion(("adjust_speed", "remove_pauses")), Suggestion(()), Suggestion(())]
    t = suggestion_figures(pred, gold, n_boot=300, text=False).set_index("metric")
    assert t.value["coverage_precision"] == pytest.approx(2 / 3)
    assert t.value["coverage_recall"] == pytest.approx(2 / 4)
    assert t.value["coverage_f1"] == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    assert t.value["exact_match"] == pytest.approx(1 / 4)
    assert t.value["denoise_recall"] == 0.5 and t.value["denoise_precision"] == 1.0
    assert str(t.value["balance_volume_recall"]) == "nan"  # never gold, never predicted: undefined
    ok = t.value.notna()
    assert (t.ci_low[ok] <= t.value[ok]).all() and (t.value[ok] <= t.ci_high[ok]).all()


def test_text_figures_use_rouge_and_minilm():
    gold = [Suggestion(("denoise",)), Suggestion(())]
    pred = ["Reduce the background noise with noise suppression.", "Speak much faster."]
    t = suggestion_figures(pred, gold, n_boot=50).set_index("metric").value
    assert t["rouge_l"] == pytest.approx(0.5)  # identical to the first reference, nothing shared with the second
    assert 0.5 < t["minilm"] < 1.0


def test_derived_baseline_on_a_system_folder(tmp_path):
    from sqa.schema import render

    noisy = Assessment(scores={"noise": 2}, artifacts={"noise": Artifact(True, [(0, 1)], "hum")})
    clean = Assessment(scores={"noise": 5}, artifacts={"noise": Artifact(False)})
    with open(tmp_path / "predictions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "answer", "reference"])
        w.writerow(["a", render(noisy), render(noisy)])
        w.writerow(["b", render(noisy), render(clean)])
        w.writerow(["c", "junk", render(noisy)])
    t = derived_suggestion(tmp_path, n_boot=20).set_index("metric").value
    assert t["coverage_precision"] == 0.5 and t["coverage_recall"] == 0.5
    exact = derived_suggestion(tmp_path, gold_fixes={"a": ("denoise",), "b": ("denoise",), "c": ()}, n_boot=20)
    assert exact.set_index("metric").value["coverage_recall"] == 1.0
    with pytest.raises(ValueError, match="no gold fixes for 1 clip.*first: c"):
        derived_suggestion(tmp_path, gold_fixes={"a": (), "b": ()})


def test_derived_baseline_on_committed_predictions():
    path = ROOT / "results" / "tiny" / "systems" / "sq_llm"
    if not (path / "predictions.csv").is_file():
        pytest.skip(f"{path} has no committed predictions")
    t = derived_suggestion(path, n_boot=100).set_index("metric")
    assert t.value[["coverage_precision", "coverage_recall"]].between(0, 1).all()
    assert t.n["coverage_recall"] == 150


def test_derived_baseline_fills_scores_from_calibration_prompts(tmp_path):
    with open(tmp_path / "predictions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "answer", "reference"])
        w.writerow(["a", "3", "Noise: 2\nNoise artifact: yes, 0-1s; hum"])
    (tmp_path / "score_predictions.csv").write_text("id,dimension,true,pred\na,noise,2,3\na,overall,3,4\n")
    t = derived_suggestion(tmp_path, n_boot=10).set_index("metric").value
    assert t["coverage_recall"] == 1.0 and t["coverage_precision"] == 1.0  # noise 3 from its calibration prompt
