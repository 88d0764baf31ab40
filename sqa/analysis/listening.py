"""The report's listening section: a few test clips to hear and see, beside what each system said.

Like a paper's demo page: for each clip chosen by :func:`choose_clips` (a fixed rule, decided before any
answer is read), an embedded audio player (Ogg Opus, no network), the spectrogram with the reference's
artifact intervals and those of the main system and of the signal detectors drawn on it, and a table of
the reference beside the answers of the main systems, DNSMOS and the detectors (their committed
``predictions.csv`` of training seed 0). About 60-90 KB a clip, so the report stays under 4 MB.

>>> from sqa.schema import Artifact, Assessment
>>> clean = Assessment(artifacts={"noise": Artifact(False)})
>>> noisy = Assessment(artifacts={"noise": Artifact(True, [(0, 1)])})
>>> choose_clips([("a", clean), ("b", noisy), ("c", clean)])
[('noise', 'b'), ('clean', 'a')]
"""

from __future__ import annotations

import base64
import html
import io
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sqa.schema import ARTIFACT_LABELS, ARTIFACTS, DIMENSIONS, Assessment, parse_response

log = logging.getLogger(__name__)

MAIN_SYSTEMS = ("LLM-judge dim-wise GRPO", "Acc+Sem dim-wise GRPO", "SQ-LLM", "Calibration-only")
"""The learned systems whose answers the section shows (the paper's main system first: its intervals are drawn)."""
NO_TRAINING = ("DNSMOS P.835", "DNSMOS P.808", "Signal detectors (no model)")
COLORS = {"noise": "#1f77b4", "distortion": "#d62728", "unnatural_pause": "#2ca02c"}


def choose_clips(clips: Sequence[tuple[str, Assessment]]) -> list[tuple[str, str]]:
    """``[(kind, clip id), ...]``: for each artifact type the first clip (in test-split order) whose reference
    marks that artifact and no other, else the first that marks it; then the first clip marking none ("clean")."""

    def present(a: Assessment) -> set[str]:
        return {n for n in ARTIFACTS if a.artifacts.get(n) is not None and a.artifacts[n].present}

    out, used = [], set()
    for name in ARTIFACTS:
        only = [cid for cid, a in clips if present(a) == {name} and cid not in used]
        some = [cid for cid, a in clips if name in present(a) and cid not in used]
        pick = (only or some or [None])[0]
        if pick is not None:
            out.append((name, pick))
            used.add(pick)
    clean = [cid for cid, a in clips if not present(a) and cid not in used]
    if clean:
        out.append(("clean", clean[0]))
    return out


def audio_tag(y, sr: int, bitrate_level: float = 0.8) -> str:
    """An ``<audio>`` element with the clip embedded as Ogg Opus (base64 data URI; ``compression_level`` 0.8: about
    60 kbit/s, 26 KB for 3.5 s)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, y, sr, format="OGG", subtype="OPUS", compression_level=bitrate_level)
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<audio controls preload="metadata" src="data:audio/ogg;base64,{data}"></audio>'


def spectrogram_tag(y, sr: int, lanes: dict[str, Assessment | None], title: str) -> str:
    """A JPEG of the log-mel spectrogram with one lane of artifact intervals per entry of ``lanes``."""
    import librosa
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    mel = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=160, n_mels=64), ref=np.max
    )
    dur = len(y) / sr
    fig, (ax, ax_l) = plt.subplots(2, 1, figsize=(7.5, 2.6), sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    ax.imshow(mel, origin="lower", aspect="auto", extent=(0, dur, 0, mel.shape[0]), cmap="magma")
    ax.set(yticks=[], ylabel="mel", title=title)
    names = list(lanes)
    for i, lane in enumerate(names):
        a = lanes[lane]
        for k, art in enumerate(ARTIFACTS):
            found = a.artifacts.get(art) if a is not None else None
            for s, e in found.intervals if found is not None and found.present else []:
                y0 = len(names) - 1 - i + k / 3
                ax_l.broken_barh([(s, max(e - s, 0.02))], (y0 + 0.04, 0.28), color=COLORS[art])
                ax.axvspan(s, e, color=COLORS[art], alpha=0.18 if lane == "reference" else 0.0)
    ax_l.set(
        yticks=[len(names) - 1 - i + 0.5 for i in range(len(names))],
        yticklabels=names,
        ylim=(0, len(names)),
        xlim=(0, dur),
        xlabel="s",
    )
    ax_l.tick_params(axis="y", labelsize=7)
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[a]) for a in ARTIFACTS]
    ax_l.legend(
        handles,
        [ARTIFACT_LABELS[a].removesuffix(" artifact") for a in ARTIFACTS],
        fontsize=6,
        loc="upper left",
        bbox_to_anchor=(1, 1.6),
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg", dpi=90, pil_kwargs={"quality": 70, "optimize": True})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="{html.escape(title)}" src="data:image/jpeg;base64,{data}">'


def _artifacts_cell(a: Assessment | None, name: str) -> str:
    art = a.artifacts.get(name) if a is not None else None
    if art is None:
        return "-"
    if not art.present:
        return "no"
    return "yes " + ", ".join(f"{s:g}-{e:g}s" for s, e in art.intervals)


def _answers(results: Path, systems: Sequence[str]) -> dict[str, pd.DataFrame]:
    from sqa.configs.systems import get_system

    out = {}
    for name in systems:
        path = results / "systems" / get_system(name).slug / "predictions.csv"
        if path.exists():
            out[name] = pd.read_csv(path, keep_default_na=False, na_values=[""]).set_index("id")
    return out


def calibration_scores(results: Path, cid: str) -> dict[str, str] | None:
    """Calibration-only's scores of one clip from its per-dimension calibration prompts (its Table 1 source)."""
    path = results / "systems" / "calibration_only" / "score_predictions.csv"
    if not path.exists():
        return None
    df = pd.read_csv(path)
    rows = df[df["id"].astype(str) == cid]
    return {str(r.dimension): ("-" if pd.isna(r.pred) else f"{r.pred:g}") for r in rows.itertuples()} or None


def _row(name: str, a: Assessment | None, scores: dict[str, str] | None = None, description: str = "") -> str:
    cells = [html.escape(name)]
    for d in DIMENSIONS:
        v = (scores or {}).get(d)
        if v is None:
            v = "-" if a is None or a.scores.get(d) is None else str(a.scores[d])
        cells.append(html.escape(v))
    cells += [html.escape(_artifacts_cell(a, n)) for n in ARTIFACTS]
    text = description if len(description) <= 220 else description[:217] + "..."
    cells.append(html.escape(text))
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def listening_section(results: str | Path, profile_name: str | None = None) -> str:
    """The HTML of the section for ``results/<profile>`` ('' -> a one-line note when the test clips are absent)."""
    from sqa.configs.profiles import get_profile
    from sqa.data import load_examples
    from sqa.rewards.detectors import load_audio

    results = Path(results)
    try:
        profile = get_profile(profile_name or results.name)
        test = load_examples(profile, "test")
    except Exception as err:
        log.warning("listening section skipped: %s", err)
        return f"<p>No test clips to listen to ({html.escape(str(err).splitlines()[0][:200])}).</p>"
    answers = _answers(results, (*MAIN_SYSTEMS, *NO_TRAINING))
    by_id = {e.id: e for e in test}
    chosen = choose_clips([(e.id, e.assessment) for e in test])
    head = (
        "<tr><th>who</th>"
        + "".join(f"<th>{html.escape(d.replace('_', ' '))}</th>" for d in DIMENSIONS)
        + "".join(f"<th>{html.escape(ARTIFACT_LABELS[a])}</th>" for a in ARTIFACTS)
        + "<th>description</th></tr>"
    )
    parts = [
        "<p>Test clips chosen by a fixed rule (<code>sqa.analysis.listening.choose_clips</code>: for each artifact "
        "type the first test clip whose reference marks only it, then the first clean one). Answers: training seed 0's "
        "committed <code>predictions.csv</code>; DNSMOS scores are its continuous ratings; "
        "<i>n/a</i> = not predicted. Spectrogram lanes: the reference's artifact intervals, "
        f"{html.escape(MAIN_SYSTEMS[0])}'s and the signal detectors' (shaded on the spectrogram: the reference).</p>"
    ]
    for kind, cid in chosen:
        ex = by_id[cid]
        y, sr = load_audio(ex.audio_path)
        parsed = {n: parse_response(str(df.loc[cid, "answer"])) for n, df in answers.items() if cid in df.index}
        lanes = {
            "reference": ex.assessment,
            MAIN_SYSTEMS[0]: parsed.get(MAIN_SYSTEMS[0]),
            "detectors": parsed.get("Signal detectors (no model)"),
        }
        title = f"{cid}: {'clean (no artifact)' if kind == 'clean' else ARTIFACT_LABELS[kind]}"
        rows = [_row("reference", ex.assessment, description=ex.assessment.description)]
        for name in MAIN_SYSTEMS:
            if name in parsed:
                scores = calibration_scores(results, cid) if name == "Calibration-only" else None
                rows.append(
                    _row(
                        name + (" (scores: calibration prompts)" if scores else ""),
                        parsed[name],
                        scores,
                        description=parsed[name].description,
                    )
                )
        for name, mapping in (
            ("DNSMOS P.835", {"overall": "ovrl_mos", "distortion": "sig_mos", "noise": "bak_mos"}),
            ("DNSMOS P.808", {"overall": "p808_mos"}),
        ):
            if name in answers and cid in answers[name].index:
                r = answers[name].loc[cid]
                scores = {d: (f"{float(r[mapping[d]]):.2f}" if d in mapping else "n/a") for d in DIMENSIONS}
                rows.append(_row(name, None, scores, "n/a (not predicted)").replace("<td>-</td>", "<td>n/a</td>"))
        if "Signal detectors (no model)" in parsed:
            rows.append(
                _row(
                    "Signal detectors (no model)",
                    parsed["Signal detectors (no model)"],
                    {d: "n/a" for d in DIMENSIONS},
                    "n/a (not predicted)",
                )
            )
        parts.append(
            f'<h3 id="listen-{html.escape(kind)}">{html.escape(title)}</h3>'
            f"<p>{audio_tag(y, sr)}</p>{spectrogram_tag(y, sr, lanes, title)}"
            f'<table class="listen">{head}{"".join(rows)}</table>'
        )
    return "".join(parts)


__all__ = ["MAIN_SYSTEMS", "NO_TRAINING", "choose_clips", "audio_tag", "spectrogram_tag", "listening_section"]
