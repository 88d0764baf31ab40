"""The figures of notebooks 01 (data) and 02 (calibration), as functions, so the notebooks only call and show.

They draw in the caller's matplotlib style: unlike :mod:`sqa.analysis.plots` (the results figures of notebooks 03-05),
importing this module sets no seaborn theme, so the PNGs notebook 02 saves (``pred_vs_true.png``,
``pcc.png``) look as they did when the notebook drew them itself. Each function returns its figure
(None when there is nothing to draw).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from sqa.data import load_audio
from sqa.data.example import Example
from sqa.data.summary import Examples, artifact_durations, log_mel
from sqa.schema import ARTIFACTS, DIMENSIONS, SCORE_RANGE

ARTIFACT_COLORS: dict[str, str] = {"noise": "tab:orange", "distortion": "tab:red", "unnatural_pause": "tab:cyan"}
"""One colour per artifact type in the data figures (spectrogram lanes, duration histograms)."""
SAMPLE_RATE = 16000
"""The rate the clips are loaded at (:func:`sqa.data.load_audio`), for the spectrograms' time axis."""
SAVE_DPI = 120
"""Resolution of the PNGs notebook 02 saves beside its metrics."""


def _save(fig, path: str | Path | None) -> None:
    if path is not None:
        fig.savefig(path, dpi=SAVE_DPI, bbox_inches="tight")


def score_distributions(frame: pd.DataFrame, dimensions: Sequence[str] = DIMENSIONS):
    """Count of each score 1..5 per dimension, one panel per dimension, one bar colour per split.

    ``frame``: :func:`sqa.data.summary.scores_frame` (one row per clip, a ``split`` column).
    """
    fig, axes = plt.subplots(1, len(dimensions), figsize=(18, 2.8), sharey=True)
    order = list(range(SCORE_RANGE[0], SCORE_RANGE[1] + 1))
    for ax, dim in zip(axes, dimensions):
        sns.countplot(data=frame, x=dim, hue="split", order=order, ax=ax, legend=ax is axes[-1])
        ax.set_title(dim)
        ax.set_xlabel("")
    fig.tight_layout()
    return fig


def score_correlations(frame: pd.DataFrame, dimensions: Sequence[str] = DIMENSIONS):
    """Heatmap of the Pearson correlation between the dimensions' scores over all clips of ``frame``."""
    corr = frame[list(dimensions)].astype(float).corr()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    sns.heatmap(corr, annot=True, fmt=".2f", cmap="vlag", vmin=-1, vmax=1, square=True, ax=ax)
    ax.set_title("Pearson correlation of scores")
    return fig


def artifact_spectrograms(clips: Sequence[Example], colors: Mapping[str, str] = ARTIFACT_COLORS):
    """One log-mel spectrogram per clip (the representation the models see) with its annotated artifact
    intervals shaded and drawn as one coloured lane per artifact above it; the title gives the scores."""
    fig, axes = plt.subplots(len(clips), 1, figsize=(12, 2.8 * len(clips)))
    for ax, ex in zip(np.atleast_1d(axes), clips):
        y = load_audio(ex.audio_path)
        spec = log_mel(y)
        ax.imshow(spec, origin="lower", aspect="auto", cmap="magma", extent=[0, len(y) / SAMPLE_RATE, 0, spec.shape[0]])
        for lane, name in enumerate(ARTIFACTS):  # one shaded lane per artifact above the spectrogram
            art = ex.assessment.artifacts[name]
            spans = [(a, b - a) for a, b in (art.intervals if art is not None else [])]
            ax.broken_barh(spans, (spec.shape[0] + 2 + 6 * lane, 5), color=colors[name], label=name)
            for a, width in spans:
                ax.axvspan(a, a + width, color=colors[name], alpha=0.12)
        ax.set_ylim(0, spec.shape[0] + 20)
        scores = " ".join(f"{d[:5]}={v}" for d, v in ex.assessment.scores.items())
        ax.set_title(f"{ex.id}   {scores}", fontsize=9)
        ax.set_ylabel("mel bin")
        ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    np.atleast_1d(axes)[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def artifact_duration_histograms(examples: Examples, colors: Mapping[str, str] = ARTIFACT_COLORS):
    """Histogram of the length of every marked interval, one panel per artifact type (0.25 s bins), over
    ``examples`` (a list, or a mapping split -> list: every split)."""
    everything = [e for items in examples.values() for e in items] if isinstance(examples, Mapping) else examples
    durations = artifact_durations(everything)
    fig, axes = plt.subplots(1, len(ARTIFACTS), figsize=(14, 2.8))
    for ax, name in zip(axes, ARTIFACTS):
        sns.histplot(durations[name], bins=np.arange(0, 6.25, 0.25), ax=ax, color=colors[name])
        ax.set_title(f"{name} ({len(durations[name])} intervals)")
        ax.set_xlabel("seconds")
    fig.tight_layout()
    return fig


def loss_curve(info: Mapping, title: str = "Calibration loss"):
    """Training loss per logged step from a stage's record (:func:`sqa.train.train_info`); None when it
    logged no loss (a run shorter than the logging interval)."""
    losses = [(h["step"], h["loss"]) for h in info["log_history"] if "loss" in h]
    if not losses:
        return None
    fig, ax = plt.subplots(figsize=(5, 2.5))
    ax.plot(*zip(*losses), marker=".")
    ax.set(xlabel="step", ylabel="loss (answer tokens)", title=title)
    return fig


def prediction_matrices(
    predictions: pd.DataFrame,
    pcc: Mapping[str, float],
    dimensions: Sequence[str] = DIMENSIONS,
    save_to: str | Path | None = None,
):
    """One panel per dimension: how often each true score (rows) got each predicted score (columns), with
    the dimension's PCC in the title; a calibrated model puts the counts on the diagonal.

    ``predictions``: a score report's table (``dimension``, ``true``, ``pred``; unparsed answers dropped).
    ``save_to``: also write the figure there (PNG, :data:`SAVE_DPI`).
    """
    pred = predictions.dropna(subset=["true", "pred"])
    fig, axes = plt.subplots(1, len(dimensions), figsize=(2.3 * len(dimensions), 3.0), sharey=True)
    for ax, dim in zip(axes, dimensions):
        d = pred[pred["dimension"] == dim]
        counts = np.zeros((5, 5), dtype=int)
        for t, q in zip(d["true"], d["pred"]):
            counts[int(t) - 1, int(q) - 1] += 1
        ax.imshow(counts, cmap="Blues", origin="lower", extent=(0.5, 5.5, 0.5, 5.5))
        for (i, j), c in np.ndenumerate(counts):
            if c:
                ax.text(j + 1, i + 1, c, ha="center", va="center", fontsize=7)
        r = pcc.get(dim, float("nan"))
        ax.set(title=f"{dim}\nr = {r:.2f}", xlabel="predicted", xticks=range(1, 6), yticks=range(1, 6))
    axes[0].set_ylabel("true")
    fig.tight_layout()
    _save(fig, save_to)
    return fig


def calibration_pcc_bars(
    metrics: Mapping, title: str, dimensions: Sequence[str] = DIMENSIONS, save_to: str | Path | None = None
):
    """Bars of the PCC per dimension and of ``avg_pcc`` (speed left out), "n/a" where r is undefined
    (constant predictions, or none parsed). ``metrics``: a calibration ``metrics.json``."""
    fig, ax = plt.subplots(figsize=(6, 2.8))
    values = [metrics["pcc"].get(d, np.nan) for d in dimensions] + [metrics["avg_pcc"]]
    names = list(dimensions) + ["avg (no speed)"]
    ax.bar(names, np.nan_to_num(values), color=["C0"] * len(dimensions) + ["C1"])
    for i, v in enumerate(values):  # undefined r: constant predictions (or none parsed)
        if np.isnan(v):
            ax.text(i, 0.02, "n/a", ha="center", va="bottom", fontsize=8)
    ax.axhline(0, color="k", lw=0.5)
    low = min([0.0] + [v for v in values if not np.isnan(v)])
    ax.set(ylabel="PCC", ylim=(min(-0.1, low - 0.05), 1), title=title)
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    _save(fig, save_to)
    return fig
