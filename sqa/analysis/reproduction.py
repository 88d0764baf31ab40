"""The reader's run against the committed one: does a reproduction agree with the results git holds?

After ``make reproduce`` the working tree's ``results/<p>/`` is the reader's run; ``git`` still holds the
results the repo was published with. :func:`write_reproduction` compares the two for the seeds the reader
ran (``python -m sqa reproduction``, a step of ``make reproduce``) and writes under ``results/<p>/tables/``:

* ``reproduction.csv``: every figure of ``seeds.csv`` for every seed both runs have: ``ours``,
  ``committed``, ``diff`` (ours - committed), ``spread`` (the committed seed-to-seed standard deviation of
  that figure) and ``status``: ``identical`` (equal to the 4 decimals the tables keep), ``within seed
  spread`` (|diff| <= spread), ``outside seed spread``, or ``undefined`` (a side has no value);
* ``reproduction_claims.csv``: each claim's verdict in the reader's run beside the committed results'
  verdict **over the same seeds** (recomputed from the committed predictions, so a one-seed run is
  compared with seed 0 of the committed run, not with its three-seed verdict) and the committed
  verdict over all its seeds.

The report shows both. Without git, or with no committed results, nothing is written and the reason is
logged.

>>> status(0.5531, 0.5531, 0.1), status(0.56, 0.55, 0.02), status(0.60, 0.55, 0.02), status(float("nan"), 0.5, 0.1)
('identical', 'within seed spread', 'outside seed spread', 'undefined')
"""

from __future__ import annotations

import io
import logging
import math
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

TOLERANCE = 5e-5
"""Two figures are identical when they agree to the 4 decimals the tables are written with."""

NOT_COMMITTED = "not in the committed results"
"""The committed verdict of a claim the committed run could not evaluate (a system added since)."""

STATUSES = ("identical", "within seed spread", "outside seed spread", "undefined")


def status(ours: float, committed: float, spread: float) -> str:
    """How a figure of the reader's run compares with the committed one (see the module docstring)."""
    if any(isinstance(x, float) and math.isnan(x) for x in (ours, committed)):
        both = all(isinstance(x, float) and math.isnan(x) for x in (ours, committed))
        return "identical" if both else "undefined"
    diff = abs(ours - committed)
    if diff <= TOLERANCE:
        return "identical"
    if not math.isnan(spread) and diff <= spread + TOLERANCE:
        return "within seed spread"
    return "outside seed spread"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)


def committed_copy(repo: str | Path, rel: str, dest: str | Path, ref: str = "HEAD") -> Path | None:
    """Extract ``rel`` (a folder or file of the repo) as ``ref`` holds it into ``dest``; return its path there.

    ``None`` when ``repo`` is not a git checkout or ``ref`` does not hold ``rel``.
    """
    repo, dest = Path(repo), Path(dest)
    archive = _git(repo, "archive", "--format=tar", ref, "--", rel)
    if archive.returncode != 0 or not archive.stdout:
        log.info("git holds no %s at %s in %s: %s", rel, ref, repo, archive.stderr.decode(errors="replace").strip())
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest / rel


def working_tree_differs(repo: str | Path, rel: str) -> bool:
    """Whether the working tree's ``rel`` differs from what ``HEAD`` holds (changed or untracked files)."""
    out = _git(Path(repo), "status", "--porcelain", "--untracked-files=all", "--", rel)
    return out.returncode == 0 and bool(out.stdout.strip())


def commit_of(repo: str | Path, ref: str = "HEAD") -> str | None:
    out = _git(Path(repo), "rev-parse", ref)
    return out.stdout.decode().strip() if out.returncode == 0 else None


def run_seeds(tables: Path) -> list[int]:
    """The training seeds of a results folder (the ``seed_<k>`` columns of its ``seeds.csv``)."""
    columns = pd.read_csv(tables / "seeds.csv", nrows=0).columns
    return [int(m.group(1)) for c in columns if (m := re.fullmatch(r"seed_(\d+)", c))]


def figure_comparison(ours: pd.DataFrame, committed: pd.DataFrame, seeds: Sequence[int]) -> pd.DataFrame:
    """One row per (system, metric, seed) in both ``seeds.csv`` tables (see the module docstring)."""
    key = ["system", "metric"]
    both = ours.merge(committed, on=key, suffixes=("_ours", "_committed"))
    rows = []
    for r in both.to_dict("records"):
        for k in seeds:
            a, b = r.get(f"seed_{k}_ours"), r.get(f"seed_{k}_committed")
            if a is None or b is None:
                continue
            a, b, spread = float(a), float(b), float(r["sd_committed"])
            rows.append(
                {
                    "system": r["system"],
                    "metric": r["metric"],
                    "seed": k,
                    "ours": a,
                    "committed": b,
                    "diff": a - b,
                    "spread": spread,
                    "status": status(a, b, spread),
                }
            )
    return pd.DataFrame(rows, columns=["system", "metric", "seed", "ours", "committed", "diff", "spread", "status"])


def claim_comparison(ours: pd.DataFrame, same_seeds: pd.DataFrame, all_seeds: pd.DataFrame) -> pd.DataFrame:
    """Each claim's verdict here, in the committed run over the same seeds, and over all its seeds."""
    cols = ["claim", "ours", "ci_low", "ci_high", "verdict"]
    committed = same_seeds[[*cols, "note"]].rename(columns={"note": "note_committed"})
    df = ours[cols].merge(committed, on="claim", how="left", suffixes=("", "_committed"))
    df = df.merge(
        all_seeds[["claim", "verdict", "seeds"]].rename(
            columns={"verdict": "verdict_committed_all_seeds", "seeds": "committed_seeds"}
        ),
        on="claim",
        how="left",
    )
    absent = df["verdict_committed_all_seeds"].isna() | df["note_committed"].fillna("").str.contains("not evaluated")
    df.loc[absent, "verdict_committed"] = NOT_COMMITTED
    df["agrees"] = (df["verdict"] == df["verdict_committed"]).where(~absent)
    return df.drop(columns="note_committed")


def write_reproduction(
    results: str | Path, repo: str | Path | None = None, ref: str = "HEAD", n_boot: int | None = None
) -> dict[str, Path] | None:
    """Compare ``results`` (the reader's run) with what ``ref`` holds of it; write the two tables.

    Returns their paths, or ``None`` (with the reason logged) where there is nothing to compare with.
    """
    from sqa.analysis.intervals import write_intervals
    from sqa.configs.profiles import repo_root
    from sqa.metrics.bootstrap import N_BOOT

    results = Path(results).resolve()
    repo = Path(repo) if repo is not None else repo_root()
    try:
        rel = results.relative_to(repo.resolve()).as_posix()
    except ValueError:
        log.warning("%s is outside the repository %s: no committed results to compare with", results, repo)
        return None
    tables = results / "tables"
    if not (tables / "claims.csv").exists():
        raise FileNotFoundError(f"{tables}/claims.csv: no results to compare (run python -m sqa intervals first)")
    with tempfile.TemporaryDirectory(prefix="sqa-committed-") as tmp:
        committed = committed_copy(repo, rel, tmp, ref)
        if committed is None or not (committed / "tables" / "seeds.csv").exists():
            log.warning("no committed %s at %s: the reproduction check has nothing to compare with", rel, ref)
            return None
        seeds = run_seeds(tables)
        committed_seeds = run_seeds(committed / "tables")
        all_claims = pd.read_csv(committed / "tables" / "claims.csv")
        shared = [k for k in seeds if k in committed_seeds]
        if not shared:
            log.warning("the committed %s has seeds %s, this run %s: no seed to compare", rel, committed_seeds, seeds)
            return None
        figures = figure_comparison(
            pd.read_csv(tables / "seeds.csv"), pd.read_csv(committed / "tables" / "seeds.csv"), shared
        )
        same = write_intervals(
            committed, seeds=shared, n_boot=n_boot or N_BOOT, reference=repo / "results" / "reference"
        )
        claims = claim_comparison(pd.read_csv(tables / "claims.csv"), pd.read_csv(same["claims"]), all_claims)
    claims.insert(0, "committed_commit", (commit_of(repo, ref) or "")[:10])
    paths = {"reproduction": tables / "reproduction.csv", "reproduction_claims": tables / "reproduction_claims.csv"}
    figures.round(4).to_csv(paths["reproduction"], index=False)
    claims.round(4).to_csv(paths["reproduction_claims"], index=False)
    log.info("reproduction check of %s (seeds %s) against %s: %s", rel, shared, ref, summary(figures, claims))
    return paths


def summary(figures: pd.DataFrame, claims: pd.DataFrame) -> str:
    """One sentence: how many figures are identical / within / outside the seed spread, verdicts agreeing
    (claims the committed run did not evaluate are counted apart).

    >>> f = pd.DataFrame({"status": ["identical", "identical", "within seed spread", "undefined"]})
    >>> summary(f, pd.DataFrame({"agrees": [True, False, None]}))
    '2 of 3 figures identical, 1 within the seed-to-seed spread, 0 outside it (1 undefined on a side); 1 of 2 \
verdicts agree (1 claim not in the committed results)'
    """
    counts = figures["status"].value_counts().to_dict()
    defined = len(figures) - counts.get("undefined", 0)
    return (
        f"{counts.get('identical', 0)} of {defined} figures identical, {counts.get('within seed spread', 0)} "
        f"within the seed-to-seed spread, {counts.get('outside seed spread', 0)} outside it "
        f"({counts.get('undefined', 0)} undefined on a side); "
        f"{int((claims['agrees'] == True).sum())} of {int(claims['agrees'].notna().sum())} verdicts agree"  # noqa: E712
        + (
            f" ({int(claims['agrees'].isna().sum())} claim{'s' if claims['agrees'].isna().sum() > 1 else ''} "
            "not in the committed results)"
            if claims["agrees"].isna().any()
            else ""
        )
    )
