"""Intervals, seeds and the claims table of a profile's results (``python -m sqa intervals``).

Reads the evaluated systems of every training seed (``results/<p>/systems/`` for seed 0, the default;
``results/<p>/seed<k>/systems/`` for the others, see ``make reproduce SEEDS="0 1 2"``) and writes under
``results/<p>/tables/``:

* ``table1_ci.csv``, ``table3_ci.csv``: ``system, metric, value, ci_low, ci_high`` (+ ``seeds``,
  ``undefined_resamples``, ``note``), one row per Table 1 / Table 3 figure: 95 % percentile bootstrap over
  test clips (:mod:`sqa.metrics.bootstrap`, 1000 resamples, seed 0), of the seed mean when there are
  several seeds. Undefined figures stay (empty value, ``note`` says why); averages over fewer dimensions
  than the paper's six are flagged in ``note``.
* ``contrasts.csv``: ``contrast, metric, diff, ci_low, ci_high`` (+ per-seed differences): the paired
  bootstrap of each claim's contrast.
* ``claims.csv``: ``claim, paper, ours, ci_low, ci_high, verdict`` (+ ``rule``, ``figure``) by the rule of
  :mod:`sqa.analysis.claims`.
* ``seeds.csv``: ``system, metric, mean, sd, n_seeds, seed_<k>...``: each figure per training seed.
* ``vs_paper.csv`` / ``vs_paper.md``: ``table, system, metric, ours, ci_low, ci_high, paper, diff`` for every
  figure the paper reports for a system we evaluate (never truncated; ``diff`` = ours - paper).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sqa.analysis.claims import CLAIMS, metric_key, paper_value, verdict
from sqa.configs.layout import seed_dir
from sqa.metrics.bootstrap import ARTIFACT_KEYS, N_BOOT, SEED, bootstrap, paired_contrast
from sqa.metrics.clips import clip_table, score_clip_table, stored_clip_table
from sqa.metrics.evaluate import AVG_DIMENSIONS, TABLE1_COLUMNS, TABLE3_COLUMNS

UNDEFINED = "undefined: constant predictions"
NOT_PREDICTED = "n/a (not predicted)"  # = sqa.evaluation.baselines.NOT_PREDICTED (no import: this module stays light)
OURS_NOTE = "our comparison, not a claim of the paper"


def not_predicted(system) -> tuple[str, ...]:
    """The evaluate keys a system does not predict (a no-training system's unpredicted figures; else none).

    >>> from sqa.configs.systems import get_system
    >>> "avg_pcc" in not_predicted(get_system("DNSMOS P.835")), not_predicted(get_system("SQ-LLM"))
    (True, ())
    """
    if getattr(system, "stage", "") != "none":
        return ()
    from sqa.evaluation.baselines import predicted_keys

    keys = {
        *TABLE1_COLUMNS.values(),
        *TABLE3_COLUMNS,
        "mos_pcc",
        "mean_f1",
        "mean_iou",
        *(f"{k}_corr" for k in ARTIFACT_KEYS),
    }
    return tuple(sorted(keys - set(predicted_keys(system.predictor))))


def seed_results_dir(results: Path, seed: int) -> Path:
    """``results/<p>`` for seed 0 (the default run), ``results/<p>/seed<k>`` for the others."""
    return seed_dir(results, seed)


def system_clips(results: Path, system) -> pd.DataFrame:
    """The clip table of one evaluated system (indexed by clip id), from its ``predictions.csv``:
    the stored ``clip_*`` columns, else recomputed from the answers (MiniLM for the corr columns).
    Calibration-only takes Table 1 from its calibration prompts (``score_predictions.csv``, else the
    calibration notebook's ``predictions.csv`` of the same model)."""
    d = results / "systems" / system.slug
    path = d / "predictions.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing (run notebook 04 or make reproduce)")
    preds = pd.read_csv(path, keep_default_na=False, na_values=[""])
    clips = stored_clip_table(preds)
    if clips is None:
        answers = preds["answer"].fillna("").astype(str).tolist()
        clips = clip_table(answers, preds["reference"].fillna("").astype(str).tolist(), texts=answers)
    clips.index = preds["id"].astype(str).tolist()
    if system.stage == "calibration":
        stage = "calibration" if system.learned_encoder else "calibration_frozen"
        for src in (d / "score_predictions.csv", results / stage / "predictions.csv"):
            if src.exists():
                scores = pd.read_csv(src)
                sc = score_clip_table(scores)
                sc.index = list(dict.fromkeys(scores["id"].astype(str)))
                clips = clips.assign(**{c: sc[c].reindex(clips.index) for c in sc.columns})
                break
    return clips


def system_provenance(results: Path, seeds: Sequence[int], slug: str) -> str:
    """The provenance ids (:func:`sqa.pipeline.provenance.provenance_id`) of a system's results over ``seeds``,
    ';'-joined."""
    import json

    from sqa.pipeline.provenance import provenance_id

    found = []
    for k in seeds:
        path = seed_results_dir(results, k) / "systems" / slug / "metrics.json"
        found.append(provenance_id(json.loads(path.read_text()).get("provenance")) if path.exists() else "")
    return ";".join(sorted(set(found)))


def _table_metrics(table: str) -> dict[str, str]:
    """table column name -> evaluate key, for table 1 or 3."""
    if table == "table1":
        return dict(TABLE1_COLUMNS)
    return {c: c for c in TABLE3_COLUMNS}


def _note(system_rows: pd.DataFrame, metric: str, value: float) -> str:
    if math.isnan(value):
        return UNDEFINED if metric.endswith("pcc") or metric in TABLE1_COLUMNS else "undefined: no pairs"
    if metric == "avg_pcc":
        dims = [d for d in AVG_DIMENSIONS if not math.isnan(system_rows.get(f"{d}_pcc", float("nan")))]
        if len(dims) < len(AVG_DIMENSIONS):
            return f"average over {len(dims)} of {len(AVG_DIMENSIONS)} dimensions (others undefined)"
    return ""


def write_intervals(
    results: str | Path,
    seeds: Sequence[int] = (0,),
    n_boot: int = N_BOOT,
    seed: int = SEED,
    reference: str | Path | None = None,
) -> dict[str, Path]:
    """Write the tables of the module docstring under ``results/tables``; return their paths."""
    from sqa.configs.systems import SYSTEMS

    results = Path(results)
    out = results / "tables"
    out.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in seeds]
    clips: dict[str, list[pd.DataFrame]] = {}
    for s in SYSTEMS:  # a system without training has one result, the same for every seed (seed 0's folder)
        dirs = [results] * len(seeds) if s.stage == "none" else [seed_results_dir(results, k) for k in seeds]
        if all((d / "systems" / s.slug / "predictions.csv").exists() for d in dirs):
            clips[s.name] = [system_clips(d, s) for d in dirs]
    if not clips:
        raise FileNotFoundError(f"{results}/systems: no evaluated systems (run notebook 04 or make reproduce)")
    ids = list(next(iter(clips.values()))[0].index)
    clips = {k: [t.reindex(ids) for t in v] for k, v in clips.items()}
    prov = {
        s.name: system_provenance(results, [0] if s.stage == "none" else seeds, s.slug)
        for s in SYSTEMS
        if s.name in clips
    }
    unpredicted = {s.name: not_predicted(s) for s in SYSTEMS}

    ci_rows, seed_rows = [], []
    for name, tables in clips.items():
        ci = bootstrap(tables, n_boot=n_boot, seed=seed).set_index("metric")
        per_seed = [bootstrap([t], n_boot=1, seed=seed).set_index("metric")["value"] for t in tables]
        for table, cols in (("table1", _table_metrics("table1")), ("table3", _table_metrics("table3"))):
            for col, key in cols.items():
                if key not in ci.index:
                    continue
                r = ci.loc[key]
                if key in unpredicted.get(name, ()):  # n/a, never dropped
                    ci_rows.append(
                        {
                            "table": table,
                            "system": name,
                            "metric": col,
                            "value": float("nan"),
                            "ci_low": float("nan"),
                            "ci_high": float("nan"),
                            "seeds": len(tables),
                            "undefined_resamples": 0,
                            "note": NOT_PREDICTED,
                            "provenance": prov[name],
                        }
                    )
                    seed_rows.append(
                        {
                            "system": name,
                            "metric": col,
                            "mean": float("nan"),
                            "sd": float("nan"),
                            "n_seeds": 0,
                            **{f"seed_{k}": float("nan") for k in seeds},
                        }
                    )
                    continue
                ci_rows.append(
                    {
                        "table": table,
                        "system": name,
                        "metric": col,
                        "value": r["value"],
                        "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"],
                        "seeds": len(tables),
                        "undefined_resamples": int(r["undefined_resamples"]),
                        "note": _note(ci["value"], key, r["value"]),
                        "provenance": prov[name],
                    }
                )
                vals = [float(v.get(key, float("nan"))) for v in per_seed]
                ok = [v for v in vals if not math.isnan(v)]
                seed_rows.append(
                    {
                        "system": name,
                        "metric": col,
                        "mean": float(np.mean(ok)) if ok else float("nan"),
                        "sd": float(np.std(ok, ddof=1)) if len(ok) > 1 else float("nan"),
                        "n_seeds": len(ok),
                        **{f"seed_{k}": v for k, v in zip(seeds, vals)},
                    }
                )
    ci_df = pd.DataFrame(ci_rows)
    paths = {}
    for table in ("table1", "table3"):
        part = ci_df[ci_df["table"] == table].drop(columns="table")
        paths[f"{table}_ci"] = out / f"{table}_ci.csv"
        part.round(4).to_csv(paths[f"{table}_ci"], index=False)
    paths["seeds"] = out / "seeds.csv"
    pd.DataFrame(seed_rows).round(4).to_csv(paths["seeds"], index=False)

    ref = Path(reference) if reference else results.parent / "reference"
    paper1 = pd.read_csv(ref / "paper_table1_pcc.csv")
    paper3 = pd.read_csv(ref / "paper_table3_descriptive.csv")
    paths.update(write_vs_paper(ci_df, paper1, paper3, out))
    contrast_rows, claim_rows = [], []
    for c in CLAIMS:
        key = metric_key(c.metric)
        if c.a in clips and c.b in clips and key not in {*unpredicted.get(c.a, ()), *unpredicted.get(c.b, ())}:
            res = paired_contrast(clips[c.a], clips[c.b], key, n_boot=n_boot, seed=seed, relative=c.relative)
            seed_diffs = [
                paired_contrast([ta], [tb], key, n_boot=1, seed=seed, relative=c.relative)["diff"]
                for ta, tb in zip(clips[c.a], clips[c.b])
            ]
        else:
            res = {"diff": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "undefined_resamples": n_boot}
            seed_diffs = []
        note = (
            ""
            if not math.isnan(res["diff"])
            else ("system not evaluated" if c.a not in clips or c.b not in clips else UNDEFINED)
        )
        if c.ours:
            note = "; ".join(x for x in (OURS_NOTE, note) if x)
        contrast_rows.append(
            {
                "contrast": c.contrast,
                "metric": c.metric,
                "diff": res["diff"],
                "ci_low": res["ci_low"],
                "ci_high": res["ci_high"],
                "seeds": len(seed_diffs),
                "seed_diffs": ";".join(f"{d:.4f}" for d in seed_diffs),
                "note": note,
            }
        )
        claim_rows.append(
            {
                "claim": c.claim,
                "paper": paper_value(c, paper1, paper3),
                "ours": res["diff"],
                "ci_low": res["ci_low"],
                "ci_high": res["ci_high"],
                "verdict": verdict(c.direction, res["diff"], res["ci_low"], res["ci_high"], seed_diffs),
                "direction": c.direction,
                "contrast": c.contrast,
                "metric": c.metric,
                "seeds": len(seed_diffs),
                "note": note,
                "figure": f"figures/claim_{c.slug}.png",
                "provenance": ";".join(sorted({i for n in (c.a, c.b) for i in prov.get(n, "").split(";") if i})),
            }
        )
    paths["contrasts"] = out / "contrasts.csv"
    pd.DataFrame(contrast_rows).round(4).to_csv(paths["contrasts"], index=False)
    paths["claims"] = out / "claims.csv"
    pd.DataFrame(claim_rows).round(4).to_csv(paths["claims"], index=False)
    return paths


def vs_paper(ci: pd.DataFrame, paper1: pd.DataFrame, paper3: pd.DataFrame) -> pd.DataFrame:
    """Ours (with its interval) next to the paper's value, per system and metric both report.

    >>> ci = pd.DataFrame({"table": ["table1"], "system": ["SQ-LLM"], "metric": ["avg"], "value": [0.5],
    ...                    "ci_low": [0.4], "ci_high": [0.6], "note": [""]})
    >>> p1 = pd.DataFrame({"system": ["SQ-LLM"], "avg": [0.63]})
    >>> vs_paper(ci, p1, pd.DataFrame({"system": []}))[["system", "metric", "ours", "paper", "diff"]].values.tolist()
    [['SQ-LLM', 'avg', 0.5, 0.63, -0.13]]
    """
    rows = []
    for table, paper in (("table1", paper1), ("table3", paper3)):
        ref = paper.set_index("system")
        for _, r in ci[ci["table"] == table].iterrows():
            if r["system"] in ref.index and r["metric"] in ref.columns:
                p = float(ref.loc[r["system"], r["metric"]])
                rows.append(
                    {
                        "table": table,
                        "system": r["system"],
                        "metric": r["metric"],
                        "ours": r["value"],
                        "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"],
                        "paper": p,
                        "diff": round(r["value"] - p, 4),
                        "note": r.get("note", ""),
                        "provenance": r.get("provenance", ""),
                    }
                )
    return pd.DataFrame(
        rows, columns=["table", "system", "metric", "ours", "ci_low", "ci_high", "paper", "diff", "note", "provenance"]
    )


def write_vs_paper(ci: pd.DataFrame, paper1: pd.DataFrame, paper3: pd.DataFrame, out: Path) -> dict[str, Path]:
    """``vs_paper.csv`` and ``vs_paper.md`` (GitHub Markdown, every row and column) under ``out``."""
    df = vs_paper(ci, paper1, paper3).round(3)
    csv, md = out / "vs_paper.csv", out / "vs_paper.md"
    df.to_csv(csv, index=False)
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    md.write_text("\n".join(lines) + "\n")
    return {"vs_paper": csv, "vs_paper_md": md}


def intervals_stale(results: str | Path) -> bool:
    """Whether the intervals and claims under ``results/tables`` must be computed again for notebook 05: when
    ``claims.csv`` is missing, or is older (modification time) than ``table1.csv``, i.e. notebook 04 rewrote
    Table 1 after ``python -m sqa intervals`` last ran. ``make reproduce`` runs that command over every seed
    after notebook 04, so there they are current and kept; notebook 05 run after notebook 04 alone finds
    them stale.

    >>> import os, tempfile
    >>> res = Path(tempfile.mkdtemp()); (res / "tables").mkdir(); (res / "tables" / "table1.csv").write_text("")
    0
    >>> intervals_stale(res)
    True
    >>> (res / "tables" / "claims.csv").write_text(""); intervals_stale(res)
    0
    False
    >>> os.utime(res / "tables" / "claims.csv", (0, 0)); intervals_stale(res)
    True
    """
    tables = Path(results) / "tables"
    claims = tables / "claims.csv"
    return not claims.exists() or claims.stat().st_mtime < (tables / "table1.csv").stat().st_mtime


def ensure_intervals(results: str | Path, reference: str | Path | None = None) -> bool:
    """Write the intervals, contrasts and claims of ``results`` for seed 0 alone (:func:`write_intervals`) when
    :func:`intervals_stale` says they are missing or older than Table 1; return whether it wrote them."""
    if not intervals_stale(results):
        return False
    write_intervals(results, reference=reference)
    return True
