"""The notebooks' figures and printed digests (sqa.analysis.figures, sqa.analysis.digest,
sqa.analysis.plots.FigureIndex): they draw and say what they are given, and the saved files land where the
notebooks promise."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import soundfile as sf

from sqa.analysis import (
    ablations,
    digest,
    figures,
    plots,
)
from sqa.configs.systems import System
from sqa.data.example import Example
from sqa.data.summary import scores_frame, summarize
from sqa.schema import ARTIFACTS, DIMENSIONS, Artifact, Assessment


def _examples(tmp_path=None) -> dict[str, list[Example]]:
    def ex(i: int, noise: list[tuple[float, float]], score: int) -> Example:
        path = "missing.wav"
        if tmp_path is not None:
            path = str(tmp_path / f"{i}.wav")
            sf.write(path, 0.1 * np.sin(np.arange(16000) / 8.0).astype("float32"), 16000)
        arts = {
            "noise": Artifact(bool(noise), noise, "hum" if noise else "No noise"),
            "distortion": Artifact(False, [], "No distortion"),
            "unnatural_pause": None,
        }
        return Example(f"clip{i}", path, Assessment({d: score for d in DIMENSIONS}, arts))

    return {"train": [ex(0, [(0.1, 0.6), (0.7, 0.9)], 2), ex(1, [], 4)], "test": [ex(2, [(0.0, 1.0)], 3)]}


def test_score_figures_one_panel_per_dimension():
    frame = scores_frame(_examples())
    fig = figures.score_distributions(frame)
    assert [ax.get_title() for ax in fig.axes] == list(DIMENSIONS)
    heat = figures.score_correlations(frame)
    assert heat.axes[0].get_title() == "Pearson correlation of scores"


def test_duration_histograms_count_the_intervals_of_every_split():
    fig = figures.artifact_duration_histograms(_examples())
    assert [ax.get_title() for ax in fig.axes] == [
        "noise (3 intervals)",
        "distortion (0 intervals)",
        "unnatural_pause (0 intervals)",
    ]


def test_spectrograms_one_panel_per_clip_titled_with_its_scores(tmp_path):
    clips = _examples(tmp_path)["train"]
    fig = figures.artifact_spectrograms(clips)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("clip0") and "noise=2" in titles[0] and titles[1].startswith("clip1")
    assert len(fig.axes[0].collections) == len(ARTIFACTS)  # one lane per artifact


def test_loss_curve_none_without_a_logged_loss():
    assert figures.loss_curve({"log_history": [{"step": 4, "train_runtime": 1.0}]}) is None
    fig = figures.loss_curve({"log_history": [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]})
    assert list(fig.axes[0].lines[0].get_ydata()) == [2.0, 1.5]


def test_prediction_matrices_count_pairs_and_save(tmp_path):
    pred = pd.DataFrame(
        {"dimension": ["noise", "noise", "noise", "speed"], "true": [1, 1, 5, 3], "pred": [1, 1, None, 2]}
    )
    fig = figures.prediction_matrices(
        pred, {"noise": 0.5}, dimensions=("noise", "speed"), save_to=tmp_path / "pred_vs_true.png"
    )
    noise, speed = fig.axes
    assert [t.get_text() for t in noise.texts] == ["2"] and noise.get_title() == "noise\nr = 0.50"
    assert speed.get_title() == "speed\nr = nan"
    assert (tmp_path / "pred_vs_true.png").stat().st_size > 0


def test_calibration_pcc_bars_mark_undefined_values():
    metrics = {"pcc": {"noise": 0.5, "speed": float("nan")}, "avg_pcc": float("nan")}
    fig = figures.calibration_pcc_bars(metrics, "t", dimensions=("noise", "speed"))
    assert [t.get_text() for t in fig.axes[0].texts] == ["n/a", "n/a"]
    assert [round(p.get_height(), 2) for p in fig.axes[0].patches] == [0.5, 0.0, 0.0]


def test_figure_index_saves_png_and_index_relative_to_results(tmp_path):
    index = plots.FigureIndex(tmp_path)
    fig, _ = plt.subplots()
    index.save(fig, "a")
    index.save(None, "nothing drawn")
    path = index.write()
    assert (tmp_path / "figures" / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads(path.read_text()) == {"a": "figures/a.png"}


def test_ours_vs_paper_tables_none_when_nothing_is_shared():
    empty = pd.DataFrame(columns=["system", "metric", "ours", "paper"])
    assert plots.ours_vs_paper_tables(empty, empty, title="x") is None
    long = pd.DataFrame({"system": ["SQ-LLM"], "metric": ["avg"], "ours": [0.2], "paper": [0.6]})
    assert plots.ours_vs_paper_tables(long, empty, title="x") is not None


def test_digest_prints_the_numbers():
    text = digest.data_summary(summarize(_examples()))
    assert "n clips: {'train': 2, 'test': 1, 'all': 3}" in text
    assert "noise            prevalence 0.67  mean marked seconds 0.85  mean intervals 1.50" in text
    assert digest.showcase(_examples()["train"][:1]).splitlines()[1] == (
        "  noise            2 interval(s), 0.70 marked: 0.10-0.60, 0.70-0.90 | hum"
    )


def test_audio_gap_pairs_each_withheld_system_with_its_base():
    t1 = pd.DataFrame({"system": ["A", "A, audio withheld", "B, audio withheld"], "avg": [0.4, 0.1, 0.0]})
    selected = [
        System("A, audio withheld", "grpo", eval_audio="withheld"),
        System("A", "grpo"),
        System("B, audio withheld", "grpo", eval_audio="withheld"),
    ]
    assert ablations.audio_gap(t1, selected).values.tolist() == [["A", 0.4, 0.1]]  # B's base is not in the table
