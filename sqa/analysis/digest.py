"""What the notebooks print about a result: its numbers that matter (counts, metrics) as short text or a small
table, so a notebook cell is one call.

Metrics are written with 2 decimals (an undefined one as ``n/a``) and no unit glued to a number: nbval
compares these lines as printed (``notebooks/nbval_sanitize.cfg`` would blank ``2.73s`` as a time), and the
committed notebooks hold the smoke profile's values.

>>> fmt(0.12345), fmt(None), fmt(float("nan")), fmt(3)
('0.12', 'n/a', 'n/a', '3.00')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sqa.analysis.tables import provenance_note
from sqa.configs.profiles import Profile, repo_root
from sqa.data.example import Example
from sqa.schema import ARTIFACTS

TABLE3_METRIC_SUFFIXES = ("_f1", "_iou", "_corr", "_rouge_l")
"""The descriptive-accuracy (Table 3) metrics of a GRPO summary: the keys ending so."""
REWARD_TREND_KEYS = (
    "reward_first",
    "reward_last",
    "reward_rise",
    "window",
    "steps",
    "reward_slope_per_100",
    "reward_slope_p",
)
"""The reward-curve summary of a GRPO run (:func:`sqa.analysis.tables.reward_curve_summary`)."""


def fmt(x) -> str:
    """A metric with 2 decimals; ``n/a`` when it is undefined (None or NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{float(x):.2f}"


# ---------------------------------------------------------------- notebook 01: the corpus


def data_lines(data_dir: Path, splits: Mapping[str, Sequence[Example]]) -> str:
    """Where the corpus is (relative to the checkout when inside it) and the clips per split.

    >>> print(data_lines(repo_root() / "runs/x/data", {"train": [None] * 3, "test": []}))
    data: runs/x/data
    {'train': 3, 'test': 0}
    """
    root = repo_root()
    shown = data_dir.relative_to(root) if data_dir.is_relative_to(root) else data_dir
    return f"data: {shown}\n{ {split: len(items) for split, items in splits.items()} }"


def data_summary(summary: Mapping) -> str:
    """Clips per split, per dimension the score mean, std and counts 1..5, per artifact its prevalence and
    mean marked seconds (a :func:`sqa.data.summary.summarize` dict)."""
    lines = [f"n clips: {summary['n_clips']}", f"{'dimension':<18}{'mean':>6}{'std':>6}   counts 1..5"]
    for dim, s in summary["scores"].items():
        lines.append(f"{dim:<18}{s['mean']:>6.2f}{s['std']:>6.2f}   {list(s['counts'].values())}")
    for name, a in summary["artifacts"].items():
        lines.append(
            f"{name:<16} prevalence {fmt(a['prevalence'])}  mean marked seconds {fmt(a['mean_duration'] or 0)}"
            f"  mean intervals {fmt(a['mean_intervals'] or 0)}"
        )
    return "\n".join(lines)


def showcase(clips: Sequence[Example]) -> str:
    """Per clip its scores, and per artifact type the marked intervals (start-end, seconds) with their
    description: what the models are taught to say about it.

    >>> from sqa.schema import Artifact, Assessment
    >>> ex = Example("a.wav", "a.wav", Assessment({"noise": 2}, {"noise": Artifact(True, [(0.5, 1.25)], "hum")}))
    >>> print(showcase([ex]))
    a.wav  noise=2
      noise            1 interval(s), 0.75 marked: 0.50-1.25 | hum
      distortion       not annotated
      unnatural_pause  not annotated
    """
    lines = []
    for ex in clips:
        lines.append(f"{ex.id}  " + " ".join(f"{d}={v}" for d, v in ex.assessment.scores.items() if v is not None))
        for name in ARTIFACTS:
            art = ex.assessment.artifacts.get(name)
            if art is None:
                lines.append(f"  {name:<16} not annotated")
                continue
            spans = ", ".join(f"{a:.2f}-{b:.2f}" for a, b in art.intervals) or "-"
            marked = sum(b - a for a, b in art.intervals)
            lines.append(
                f"  {name:<16} {len(art.intervals)} interval(s), {marked:.2f} marked: {spans} | {art.description}"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- notebook 02: Calibration


def calibration_setup(profile: Profile, n_train: int, n_test: int) -> str:
    """The profile's Calibration settings in a line: clips, model, steps x batch, lr, LoRA rank, encoder."""
    p = profile
    return (
        f"profile {p.name}: {n_train} train / {n_test} test clips, model {p.model}, "
        f"{p.calib_steps} steps x batch {p.calib_batch_size}, lr {p.calib_lr}, "
        f"LoRA rank {p.lora_rank or 'none (full)'}, "
        f"audio encoder {'trained' if p.train_audio_encoder else 'frozen'}"
    )


def training(info: Mapping) -> str:
    """A stage's training record (:func:`sqa.train.train_info`) in a line: steps, seconds, parameters."""
    return (
        f"{info['global_step']} steps in {info['train_seconds']:.1f} s; "
        f"parameters: {info['params_total']:,} total, {info['params_trainable']:,} trainable"
    )


def parse_line(metrics: Mapping) -> str:
    """Test clips and the share of answers parsed (a score report's metrics)."""
    return f"n_test {metrics['n_test']}, answers parsed {metrics['parse_rate']:.0%}"


def pcc_row(metrics: Mapping) -> pd.DataFrame:
    """One row ``pcc``: Pearson's r per dimension, ``avg`` (speed left out) and ``mos`` (overall)."""
    table = pd.DataFrame({"pcc": metrics["pcc"]}).T
    table["avg"], table["mos"] = metrics["avg_pcc"], metrics["mos_pcc"]
    return table


def calibration(stage: str, metrics: Mapping, predictions: pd.DataFrame) -> str:
    """A Calibration result as saved (``metrics.json``, ``predictions.csv``): counts, parse rate, PCC.

    >>> m = {"n_test": 2, "parse_rate": 0.5, "steps": 4, "avg_pcc": None, "mos_pcc": 0.25, "pcc": {"noise": 0.5}}
    >>> print(calibration("calibration", m, pd.DataFrame({"pred": [1, None]})))
    calibration: 2 test clips, 4 training steps, answers parsed 0.50
    predictions.csv: 2 rows, 1 parsed
    PCC avg n/a, MOS 0.25
    PCC noise 0.50
    """
    parsed = int(predictions["pred"].notna().sum())
    return "\n".join(
        [
            f"{stage}: {metrics['n_test']} test clips, {metrics['steps']} training steps, "
            f"answers parsed {fmt(metrics['parse_rate'])}",
            f"predictions.csv: {len(predictions)} rows, {parsed} parsed",
            f"PCC avg {fmt(metrics['avg_pcc'])}, MOS {fmt(metrics['mos_pcc'])}",
            "PCC " + " ".join(f"{d} {fmt(v)}" for d, v in metrics["pcc"].items()),
        ]
    )


# ---------------------------------------------------------------- notebook 03: GRPO


def reward_trend(summary: Mapping) -> dict:
    """The reward-curve part of a GRPO summary (first/last window means, rise, slope and its p-value)."""
    return {k: summary[k] for k in REWARD_TREND_KEYS}


def grpo(summary: Mapping, curve: pd.DataFrame) -> str:
    """A GRPO run (:func:`sqa.pipeline.system_results.grpo_summary` and its ``reward_curve.csv``): test clips, parse
    failures, PCC after GRPO beside Calibration's, the reward over the run, completion lengths."""
    unparsed = int(curve["unparsed"].sum()) if "unparsed" in curve else "n/a"
    return "\n".join(
        [
            f"{summary['system']} (rewards {'+'.join(summary['rewards'])}): {summary['n_test']} test clips, "
            f"parse failure rate {fmt(summary['parse_failure_rate'])}",
            f"PCC avg {fmt(summary['avg_pcc'])} (calibration {fmt(summary.get('calibration_avg_pcc'))}), "
            f"MOS {fmt(summary['mos_pcc'])} (calibration {fmt(summary.get('calibration_mos_pcc'))})",
            f"reward first {fmt(summary['reward_first'])} last {fmt(summary['reward_last'])} "
            f"rise {fmt(summary['reward_rise'])} over {summary['steps']} steps",
            f"completion length mean {fmt(curve['completion_len'].mean())} tokens, {unparsed} unparsed completions",
        ]
    )


def calibration_vs_grpo(summary: Mapping) -> pd.DataFrame:
    """PCC per dimension (speed left out) and ``avg``: column ``calibration`` (the per-dimension prompts of
    notebook 02) beside ``after GRPO`` (scores parsed from the full answer)."""
    dims = [d for d in summary["pcc"] if d != "speed"]
    before = summary.get("calibration_pcc") or {}
    cmp = pd.DataFrame(
        {"calibration": [before.get(d) for d in dims], "after GRPO": [summary["pcc"][d] for d in dims]}, index=dims
    )
    cmp.loc["avg"] = [summary["calibration_avg_pcc"], summary["avg_pcc"]]
    return cmp.astype(float)


def descriptive_accuracy(summary: Mapping) -> pd.DataFrame:
    """The Table 3 metrics of a GRPO summary (F1, IoU, description correlation, ROUGE-L), one row each."""
    t3 = {k: summary[k] for k in summary if k.endswith(TABLE3_METRIC_SUFFIXES)}
    return pd.Series(t3, dtype=float).to_frame("value")


def descriptive_lines(summary: Mapping) -> str:
    """:func:`descriptive_accuracy` as text (2 decimals), with the parse failure rate and the corr judge."""
    values = " ".join(f"{k} {fmt(v)}" for k, v in descriptive_accuracy(summary)["value"].items())
    return (
        f"{values}\nparse failure rate {fmt(summary['parse_failure_rate'])}, corr judged by {summary['corr_backend']}"
    )


# ---------------------------------------------------------------- notebook 04: Tables 1 and 3


def table_lines(table: pd.DataFrame, metrics: Sequence[str]) -> str:
    """Rows and per-system values of ``metrics`` (2 decimals) of a Table 1 or 3 frame.

    >>> print(table_lines(pd.DataFrame({"system": ["A", "B"], "avg": [0.5, None]}), ["avg", "missing"]))
    2 systems; defined: avg 1/2
    A  avg 0.50
    B  avg n/a
    """
    cols = [c for c in metrics if c in table.columns]
    lines = [
        f"{len(table)} systems; defined: " + ", ".join(f"{c} {int(table[c].notna().sum())}/{len(table)}" for c in cols)
    ]
    lines += [f"{r['system']}  " + " ".join(f"{c} {fmt(r[c])}" for c in cols) for _, r in table.iterrows()]
    return "\n".join(lines)


# ---------------------------------------------------------------- notebook 05: figures and claims


def provenance_lines(tables: Mapping[str, pd.DataFrame], records: Mapping[str, dict]) -> str:
    """What produced each table (``name -> frame``), a line each (:func:`sqa.analysis.tables.provenance_note`)."""
    return "\n".join(f"{name}: {provenance_note(t, records)}" for name, t in tables.items())


def figures(saved: Mapping[str, str], claims: pd.DataFrame) -> str:
    """How many figures were saved and how many claims got each verdict.

    >>> claims = pd.DataFrame({"verdict": ["inconclusive", "reproduced", "inconclusive"]})
    >>> print(figures({"claim_a": "figures/claim_a.png"}, claims))
    1 figures saved (1 claim figures of 3 claims)
    verdicts: inconclusive 2, reproduced 1
    """
    n_claim_figures = sum(name.startswith("claim_") for name in saved)
    counts = claims["verdict"].value_counts()
    verdicts = ", ".join(f"{v} {int(n)}" for v, n in sorted(counts.items()))
    return f"{len(saved)} figures saved ({n_claim_figures} claim figures of {len(claims)} claims)\nverdicts: {verdicts}"


def claims_lines(claims: pd.DataFrame) -> str:
    """One line per claim of ``claims.csv``: the paper's difference, ours with its 95 % interval, the verdict.

    >>> c = pd.DataFrame({"claim": ["A > B"], "paper": [0.09], "ours": [0.1234], "ci_low": [0.01], "ci_high": [None],
    ...                   "verdict": ["inconclusive"]})
    >>> print(claims_lines(c))
    A > B: paper 0.09, ours 0.12 [0.01, n/a] -> inconclusive
    """
    return "\n".join(
        f"{c['claim']}: paper {fmt(c['paper'])}, ours {fmt(c['ours'])} [{fmt(c['ci_low'])}, "
        f"{fmt(c['ci_high'])}] -> {c['verdict']}"
        for _, c in claims.iterrows()
    )
