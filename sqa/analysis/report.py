"""One HTML page that reads like a report (``make reproduce``'s last step, ``python -m sqa report``).

In order:

1. **Claims**: ``results/<p>/tables/claims.csv`` (the paper's value, ours with its 95 % interval, the
   verdict; rule in :mod:`sqa.analysis.claims`), each claim linked to its figure further down the page;
2. **Ours next to the paper's**: every shared metric, never truncated (``tables/vs_paper.csv``);
3. **Listening**: a few test clips (one per artifact type, one clean) to hear, their spectrograms with the
   artifact intervals, the reference beside the main systems', DNSMOS's and the detectors' answers
   (:mod:`sqa.analysis.listening`);
4. **Reproduction check**: this run against the committed results of the same seeds (:mod:`sqa.analysis.reproduction`);
5. **Run**: commit, package versions, date, seeds, and the wall time of every executed notebook
   (papermill's record);
6. **The notebooks**, each under a unique descriptive title and anchor, code hidden, and without
   stderr outputs (progress bars and warnings stay in the terminal, where ``make`` printed them).

The page is self-contained: figures are embedded PNGs, the CSS is inline, and there is no script at
all (nbconvert's ``basic`` template: no require.js, no MathJax, no CDN).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import subprocess
from pathlib import Path

import pandas as pd

NOTEBOOK_TITLES: dict[str, str] = {
    "01_data_exploration": "01 Data: the corpus, its scores and artifacts",
    "02_calibration": "02 Calibration, learned audio encoder",
    "02_calibration_frozen": "02 Calibration, frozen audio encoder",
    "03_grpo_acc_sem": "03 GRPO, Acc+Sem dimension-wise reward",
    "03_grpo_llm_judge": "03 GRPO, LLM-judge dimension-wise reward",
    "03_grpo_unified": "03 GRPO, SQ-LLM's unified reward",
    "03_grpo_iou": "03 GRPO, interval IoU reward",
    "03_grpo_signal": "03 GRPO, signal reward",
    "04_ablations": "04 Ablations: Tables 1 and 3",
    "05_figures": "05 Figures: ours beside the paper's",
    "06_tasks": "06 Tasks: comparison, suggestions, deepfake detection",
}
"""Descriptive titles of the executed notebooks (others get their file name)."""

PACKAGES = ("torch", "transformers", "peft", "numpy", "scipy", "pandas", "sentence-transformers", "nbconvert")
PROGRESS_LINE = re.compile(r"\r|\d+%\|[^|]*\||it/s\]|s/it\]")
"""What a progress bar prints (carriage returns, ``45%|####|``, ``12.3it/s]``)."""

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}\
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.reproduced{background:#dff3df}.not-reproduced{background:#f8dddd}.inconclusive{background:#f5f0d8}
.nb{border-top:3px solid #888;margin-top:3em}img{max-width:100%}pre{background:#f7f7f7;padding:0.5em;overflow-x:auto;
font-size:0.8em}.jp-InputArea,.input{display:none}nav li{margin:0.1em 0}\
table.listen{font-size:0.72em}table.listen td{text-align:left}
"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def notebook_title(stem: str) -> str:
    """The descriptive title of an executed notebook (``results/<p>/notebooks/<stem>.ipynb``).

    >>> notebook_title("02_calibration_frozen"), notebook_title("06_extra")
    ('02 Calibration, frozen audio encoder', '06 extra')
    """
    return NOTEBOOK_TITLES.get(stem, stem.replace("_", " "))


def clean_outputs(nb) -> int:
    """Drop stderr streams and progress-bar lines from every cell's outputs, in place; return how many
    outputs were dropped. Also removes widget state (progress bars in a notebook front end).

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
    ...     nbformat.v4.new_output("stream", name="stderr", text="warn"),
    ...     nbformat.v4.new_output("stream", name="stdout", text="ok\\n 45%|####  | 9/20 [00:01<00:01, 8.0it/s]\\n")])])
    >>> clean_outputs(nb), nb.cells[0].outputs[0].text
    (1, 'ok\\n')
    """
    dropped = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                if out.get("name") == "stderr":
                    dropped += 1
                    continue
                text = "".join(
                    line for line in out.get("text", "").splitlines(keepends=True) if not PROGRESS_LINE.search(line)
                )
                if not text.strip():
                    dropped += 1
                    continue
                out["text"] = text
            data = out.get("data", {})
            data.pop("application/vnd.jupyter.widget-view+json", None)
            if out.get("output_type") in ("display_data", "execute_result") and not data:
                dropped += 1
                continue
            kept.append(out)
        cell["outputs"] = kept
    nb.metadata.pop("widgets", None)
    return dropped


def shrink_images(nb, above: int = 120_000, quality: int = 80) -> int:
    """Re-encode embedded PNGs larger than ``above`` bytes (base64) as JPEG, in place (spectrograms and
    dense scatter plots are 5-10 times smaller), so the page stays under 3 MB; return how many."""
    import io

    from PIL import Image

    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            png = data.get("image/png")
            if not png or len(png) <= above:
                continue
            img = Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=quality, optimize=True)
            if buf.tell() * 4 // 3 < len(png):
                data.pop("image/png")
                data["image/jpeg"] = base64.b64encode(buf.getvalue()).decode()
                n += 1
    return n


def unique_ids(body: str, prefix: str) -> str:
    """Prefix every ``id=`` (and the ``href="#..."`` pointing to it) in ``body`` so anchors of several
    notebooks never collide; a heading repeated within the notebook gets ``-2``, ``-3`` ...

    >>> unique_ids('<h2 id="Setup">S</h2><a href="#Setup">¶</a><h2 id="Setup">', "nb-03")
    '<h2 id="nb-03-Setup">S</h2><a href="#nb-03-Setup">¶</a><h2 id="nb-03-Setup-2">'
    """
    seen: dict[str, int] = {}

    def new_id(m):
        name = m.group(1)
        seen[name] = seen.get(name, 0) + 1
        return f'id="{prefix}-{name}' + (f'-{seen[name]}"' if seen[name] > 1 else '"')

    body = re.sub(r'\bid="([^"]+)"', new_id, body)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', body)


def _git_commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out.stdout.strip() + (" (uncommitted changes)" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _notebook_time(nb) -> tuple[str, float | None]:
    pm = nb.metadata.get("papermill", {})
    return str(pm.get("end_time") or ""), pm.get("duration")


def _table(df: pd.DataFrame, classes: str = "") -> str:
    return df.to_html(
        index=False, border=0, na_rep="", escape=False, classes=classes, float_format=lambda x: f"{x:.3f}"
    )


def _fmt(x) -> str:
    return "" if pd.isna(x) else f"{x:+.3f}"


def claims_section(tables_dir: Path, figures_dir: Path) -> str:
    """The claims table, each claim linked to its figure, and the figures below it."""
    path = tables_dir / "claims.csv"
    if not path.exists():
        return "<p>No claims table yet (<code>python -m sqa intervals</code> writes it).</p>"
    claims = pd.read_csv(path)
    rows, figs = [], []
    for _, c in claims.iterrows():
        anchor = "claim-" + _slug(c["claim"])
        fig = figures_dir / Path(str(c.get("figure", ""))).name
        link = f'<a href="#{anchor}">{html.escape(c["claim"])}</a>' if fig.is_file() else html.escape(c["claim"])
        interval = "" if pd.isna(c["ci_low"]) else f"[{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]"
        note = "" if pd.isna(c.get("note")) else html.escape(str(c.get("note")))
        rows.append(
            f'<tr class="{_slug(c["verdict"])}"><td>{link}</td><td>{_fmt(c["paper"])}</td><td>{_fmt(c["ours"])}</td>'
            f"<td>{interval}</td><td>{html.escape(c['verdict'])}</td><td>{note}</td></tr>"
        )
        if fig.is_file():
            data = base64.b64encode(fig.read_bytes()).decode()
            figs.append(
                f'<h3 id="{anchor}">{html.escape(c["claim"])}: {html.escape(c["verdict"])}</h3>'
                f'<img alt="{html.escape(c["claim"])}" src="data:image/png;base64,{data}">'
            )
    seeds = int(claims["seeds"].max()) if "seeds" in claims and len(claims) else 1
    rule = (
        "Verdict rule (<code>sqa.analysis.claims</code>), fixed before any result was read: the difference's 95 % "
        "paired bootstrap interval over test clips (1000 resamples) lies entirely on the paper's side of 0 "
        "(of -0.05 for <i>keeps / &ge;</i> claims) and every seed agrees: <b>reproduced</b>; entirely on the "
        "other side: <b>not reproduced</b>; otherwise, or when a value is undefined (constant predictions): "
        f"<b>inconclusive</b>. Training seeds: {seeds}."
    )
    head = (
        "<table><thead><tr><th>claim</th><th>paper</th><th>ours</th><th>95 % interval</th><th>verdict</th>"
        "<th>note</th></tr></thead><tbody>"
    )
    return f"<p>{rule}</p>{head}{''.join(rows)}</tbody></table>" + "".join(figs)


def vs_paper_section(tables_dir: Path) -> str:
    path = tables_dir / "vs_paper.csv"
    if not path.exists():
        return "<p>No side-by-side table yet.</p>"
    return (
        "<p>Every metric the paper reports for a system we evaluate (also <code>tables/vs_paper.csv</code> and "
        "<code>.md</code>); diff = ours - paper.</p>" + _table(pd.read_csv(path))
    )


def reproduction_section(tables_dir: Path) -> str:
    """This run against the committed results of the same seeds (:mod:`sqa.analysis.reproduction`), when it was
    checked."""
    from sqa.analysis.reproduction import summary

    figures, claims = tables_dir / "reproduction.csv", tables_dir / "reproduction_claims.csv"
    if not (figures.exists() and claims.exists()):
        return (
            "<p>Not checked: <code>python -m sqa reproduction</code> (a step of <code>make reproduce</code>) "
            "compares a run with the results git holds, and found none to compare with.</p>"
        )
    fig, cl = pd.read_csv(figures), pd.read_csv(claims)
    commit = str(cl["committed_commit"].iloc[0]) if len(cl) else ""
    seeds = ", ".join(str(k) for k in sorted(fig["seed"].unique())) if len(fig) else "none"
    text = (
        f"<p>This run against the committed results (commit <code>{html.escape(commit)}</code>), training "
        f"seeds {html.escape(seeds)}: {html.escape(summary(fig, cl))}. The spread is the committed run's "
        "seed-to-seed standard deviation of each figure; the committed verdicts are recomputed over the same "
        "seeds (<code>tables/reproduction.csv</code>, <code>reproduction_claims.csv</code>).</p>"
    )
    shown = cl[["claim", "verdict", "verdict_committed", "verdict_committed_all_seeds", "agrees"]].rename(
        columns={
            "verdict": "this run",
            "verdict_committed": "committed, same seeds",
            "verdict_committed_all_seeds": "committed, all seeds",
        }
    )
    outside = fig[fig["status"] == "outside seed spread"]
    worst = outside.reindex(outside["diff"].abs().sort_values(ascending=False).index).head(10)
    tail = (
        f"<p>Figures outside the seed spread ({len(outside)}; the 10 largest):</p>" + _table(worst)
        if len(outside)
        else "<p>No figure lies outside the seed spread.</p>"
    )
    return text + _table(shown) + tail


def run_section(root: Path, notebooks: list[tuple[Path, object]], tables_dir: Path) -> str:
    rows = []
    total = 0.0
    for path, nb in notebooks:
        end, dur = _notebook_time(nb)
        total += dur or 0.0
        rows.append(
            {
                "notebook": notebook_title(path.stem),
                "file": path.name,
                "wall minutes": None if dur is None else round(dur / 60, 2),
                "finished": end[:19],
            }
        )
    seeds = ""
    seeds_csv = tables_dir / "seeds.csv"
    if seeds_csv.exists():
        cols = [c for c in pd.read_csv(seeds_csv, nrows=1).columns if c.startswith("seed_")]
        seeds = ", ".join(c.removeprefix("seed_") for c in cols)
    meta = {
        "commit": _git_commit(root),
        "report written (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "training seeds": seeds or "0",
        "notebook wall time, sum (min)": round(total / 60, 1),
        **{f"{k}": v for k, v in _versions().items()},
    }
    meta_html = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in meta.items())
    return (
        f"<table>{meta_html}</table><p>Wall time per executed notebook (papermill; trainings run by "
        f"<code>python -m sqa train</code> beside them are not in these rows):</p>" + _table(pd.DataFrame(rows))
    )


TASK_FIGURES = {
    "compare": ("overall_acc", "overall_acc_nontie"),
    "suggest": ("coverage_precision", "coverage_recall", "rouge_l", "minilm"),
    "detect": ("eer", "min_dcf", "accuracy", "n_invalid"),
}
"""The headline figures of the judge's other tasks in the report (``results/<p>/tasks/figures.csv``)."""


TASK_LABELS = {"eer": "EER (%)", "min_dcf": "minDCF", "n_invalid": "invalid answers"}
"""How the report names a task figure (the others by their column name in ``figures.csv``)."""


def _task_cell(metric: str, value, low, high) -> str:
    """One figure with its interval: counts as integers, EER (a percentage) with one decimal.

    >>> _task_cell("eer", 50.0, 44.34, 56.0), _task_cell("n_invalid", 0.0, None, None)
    ('50.0 [44.3, 56.0]', '0')
    >>> _task_cell("overall_acc", 0.3348, 0.3076, 0.3629)
    '0.335 [0.308, 0.363]'
    """
    if pd.isna(value):
        return ""
    if metric.startswith("n_"):
        return f"{int(value)}"
    digits = 1 if metric == "eer" else 3
    text = f"{value:.{digits}f}"
    return text if pd.isna(low) else f"{text} [{low:.{digits}f}, {high:.{digits}f}]"


def tasks_section(results: Path) -> str:
    """The other tasks' headline figures with their 95 % intervals, per system (notebook 06 has them all)."""
    path = results / "tasks" / "figures.csv"
    if not path.is_file():
        return "<p>No task results (notebook 06 not run).</p>"
    t = pd.read_csv(path)
    t = t[[m in TASK_FIGURES.get(k, ()) for k, m in zip(t.task, t.metric, strict=True)]]
    cell = [_task_cell(m, v, lo, hi) for m, v, lo, hi in zip(t.metric, t.value, t.ci_low, t.ci_high, strict=True)]
    t = t.assign(cell=cell, metric=[TASK_LABELS.get(m, m) for m in t.metric])
    wide = t.pivot_table(index=["task", "metric"], columns="system", values="cell", aggfunc="first", sort=False)
    wide.columns.name = None
    wide["items"] = t.groupby(["task", "metric"], sort=False)["n"].max().reindex(wide.index).astype("Int64")
    return (
        "<p>Intervals: 95 % bootstrap over pairs (compare), clips (suggest) and trials (detect); detection on "
        "the synthetic corpus is a Griffin-Lim resynthesis proxy.</p>" + _table(wide.reset_index())
    )


def provenance_section(results: Path) -> str:
    """What produced the results (:mod:`sqa.pipeline.provenance`): each distinct record found in ``metrics.json`` files,
    with the files it produced, and a visible warning when there is more than one."""
    from sqa.pipeline.provenance import beyond_training_seed, collect, describe, provenance_differences

    found = collect(results)
    if not found:
        return "<p>No metrics.json with a provenance record yet.</p>"
    warn = ""
    records = [e["record"] for e in found.values()]
    diff, other = provenance_differences(records), beyond_training_seed(records)
    if len(found) > 1 and not other:
        warn = (
            f"<p>Results of {len(found)} training seeds ({html.escape(', '.join(map(str, diff['seed'])))}); "
            f"everything else that produced them is the same"
            f"{' (the base model is initialised from each seed)' if 'base_model' in diff else ''}.</p>"
        )
    elif len(found) > 1:
        warn = (
            f'<p class="not-reproduced"><b>Warning: these results come from {len(found)} different provenances'
            f"</b> (differing: {html.escape(', '.join(other) or 'provenance')}); compare rows only within one.</p>"
        )
    items = []
    for pid, entry in found.items():
        files = entry["files"]
        shown = ", ".join(files[:6]) + (f" and {len(files) - 6} more" if len(files) > 6 else "")
        items.append(
            f"<li><code>{html.escape(pid or 'none')}</code>: {html.escape(describe(entry['record']))}. "
            f"Results: {html.escape(shown)}</li>"
        )
    return warn + "<ul>" + "".join(items) + "</ul>"


def build_report(
    notebook_dir: str | Path, out_html: str | Path, title: str = "sqa report", results_dir: str | Path | None = None
) -> Path:
    """Render the claims, the side-by-side table, run metadata and every ``*.ipynb`` of ``notebook_dir``
    (sorted by name) into one self-contained HTML file."""
    import nbformat
    from nbconvert import HTMLExporter

    from sqa.analysis.listening import listening_section
    from sqa.configs.profiles import repo_root

    notebook_dir, out_html = Path(notebook_dir), Path(out_html)
    results = Path(results_dir) if results_dir else notebook_dir.parent
    paths = sorted(notebook_dir.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"{notebook_dir}: no executed notebooks to render (run make reproduce first)")
    notebooks = [(p, nbformat.read(p, as_version=4)) for p in paths]
    exporter = HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    sections = []
    for path, nb in notebooks:
        clean_outputs(nb)
        shrink_images(nb)
        body, _ = exporter.from_notebook_node(nb)
        body = re.sub(r"<script\b.*?</script>", "", body, flags=re.S)
        anchor = f"nb-{_slug(path.stem)}"
        sections.append(
            f'<section class="nb"><h1 id="{anchor}">{html.escape(notebook_title(path.stem))}</h1>'
            f"{unique_ids(body, anchor)}</section>"
        )
    toc = "".join(
        f'<li><a href="#nb-{_slug(p.stem)}">{html.escape(notebook_title(p.stem))}</a></li>' for p, _ in notebooks
    )
    tables_dir = results / "tables"
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        f'<nav><ol><li><a href="#claims">Claims</a></li><li><a href="#vs-paper">Ours next to the paper</a></li>'
        f'<li><a href="#listening">Listening</a></li>'
        f'<li><a href="#reproduction">Reproduction check</a></li><li><a href="#tasks">Other tasks</a></li>'
        f'<li><a href="#run">Run</a></li><li><a href="#provenance">Provenance</a></li>{toc}</ol></nav>'
        f'<h2 id="claims">Claims of the paper</h2>{claims_section(tables_dir, results / "figures")}'
        f'<h2 id="vs-paper">Ours next to the paper</h2>{vs_paper_section(tables_dir)}'
        f'<h2 id="listening">Listening: test clips beside the answers</h2>{listening_section(results)}'
        f'<h2 id="reproduction">Reproduction check</h2>{reproduction_section(tables_dir)}'
        f'<h2 id="tasks">The judge\'s other tasks</h2>{tasks_section(results)}'
        f'<h2 id="run">Run</h2>{run_section(repo_root(), notebooks, tables_dir)}'
        f'<h2 id="provenance">Provenance</h2>{provenance_section(results)}' + "".join(sections) + "</body></html>"
    )
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(page, encoding="utf-8")
    return out_html


def check_report(path: str | Path) -> list[str]:
    """What is wrong with a written report: progress-bar lines, scripts, network loads, duplicated ids, size
    (an empty list: nothing)."""
    text = Path(path).read_text(encoding="utf-8")
    problems = []
    if re.search(r"\d+%\|[^|<]*\||it/s\]", text):
        problems.append("progress-bar output")
    if re.search(r"<script\b", text, flags=re.I):
        problems.append("script tag")
    if re.search(r"""(src|href)=["']?(https?:)?//""", text, flags=re.I):
        problems.append("network resource")
    if re.search(r"""<(audio|source)\b[^>]*\bsrc=["'](?!data:)""", text, flags=re.I):
        problems.append("audio not embedded")
    ids = re.findall(r'\bid="([^"]+)"', text)
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} duplicated ids")
    size = Path(path).stat().st_size
    if size >= 4_000_000:  # the listening section's audio and spectrograms: ~80 KB a clip
        problems.append(f"{size / 1e6:.2f} MB (limit 4 MB)")
    return problems


__all__ = ["build_report", "check_report", "clean_outputs", "notebook_title", "unique_ids", "NOTEBOOK_TITLES"]
