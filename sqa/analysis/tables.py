"""Tables 1 and 3 from the evaluated systems, in the paper's CSV layout (first column: system).

>>> row = {"system": "X", "learned_encoder": True, "calibration": True, "noise_pcc": 0.5, "avg_pcc": 0.4}
>>> [str(x) for x in table1([row]).loc[0, ["system", "learned_encoder", "noise", "avg"]]]
['X', 'yes', '0.5', '0.4']
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sqa.configs.layout import backbone_name
from sqa.metrics.evaluate import TABLE1_COLUMNS, TABLE3_COLUMNS

TABLE1_EXTRA = ("speed_pcc", "parse_failure_rate", "pcc_source", "group")
TABLE3_EXTRA = ("parse_failure_rate", "corr_backend", "group")


def _yes(x) -> str:
    return "yes" if x else "no"


def _num(x):
    return float("nan") if x is None else x


def table1(rows: Sequence[dict]) -> pd.DataFrame:
    """Paper Table 1 columns (``paper_table1_pcc.csv``) + speed PCC, parse failures and provenance."""
    out = []
    for r in rows:
        d = {
            "system": r["system"],
            "backbone": backbone_name(r.get("backbone")),
            "learned_encoder": _yes(r.get("learned_encoder")),
            "calibration": _yes(r.get("calibration")),
        }
        d.update({col: _num(r.get(key)) for col, key in TABLE1_COLUMNS.items()})
        d.update({k: r.get(k) for k in TABLE1_EXTRA})
        out.append(d)
    return pd.DataFrame(out)


def table3(rows: Sequence[dict]) -> pd.DataFrame:
    """Paper Table 3 columns (``paper_table3_descriptive.csv``) + parse failures and the corr judge."""
    out = []
    for r in rows:
        d = {
            "system": r["system"],
            "backbone": backbone_name(r.get("backbone")),
            **{c: _num(r.get(c)) for c in TABLE3_COLUMNS},
        }
        d.update({k: r.get(k) for k in TABLE3_EXTRA})
        out.append(d)
    return pd.DataFrame(out)


def write_tables(rows: Sequence[dict], out_dir: str | Path, decimals: int = 3) -> tuple[Path, Path]:
    """``table1.csv`` and ``table3.csv`` under ``out_dir`` (rounded for reading; NaN left empty), each row with
    the id of its provenance (column ``provenance``), the records themselves in ``provenance.json``."""
    from sqa.pipeline.provenance import provenance_id

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t1, t3 = out / "table1.csv", out / "table3.csv"
    ids = [provenance_id(r.get("provenance")) for r in rows]
    table1(rows).round(decimals).assign(provenance=ids).to_csv(t1, index=False)
    table3(rows).round(decimals).assign(provenance=ids).to_csv(t3, index=False)
    records = {i: r.get("provenance") for i, r in zip(ids, rows)}
    (out / "provenance.json").write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    return t1, t3


def load_provenance(tables_dir: str | Path) -> dict[str, dict]:
    """``provenance.json`` written by :func:`write_tables` beside the tables ({} when there is none)."""
    path = Path(tables_dir) / "provenance.json"
    return json.loads(path.read_text()) if path.exists() else {}


def provenance_note(table: pd.DataFrame, records: dict[str, dict]) -> str:
    """What produced ``table``: its :func:`provenance_warning`, or the one record it shares, in a line."""
    from sqa.pipeline.provenance import describe

    warning = provenance_warning(table, records)
    return warning or "one provenance: " + describe(records.get(str(table["provenance"].iloc[0])))


def provenance_warning(table: pd.DataFrame, records: dict[str, dict] | None = None) -> str:
    """A visible warning when ``table``'s rows come from more than one provenance (its ``provenance`` column;
    ``records``: ``provenance.json``, to say which fields differ); '' when they all share one.

    >>> t = pd.DataFrame({"system": ["A", "B", "C"], "provenance": ["p1", "p1", "p2"]})
    >>> print(provenance_warning(t, {"p1": {"judge": "rule-minilm (stand-in)"}, "p2": {"judge": "llm:Qwen3-8B"}}))
    WARNING: this table mixes results of 2 provenances (p1: A, B; p2: C); they differ in judge
    >>> provenance_warning(t.iloc[:2])
    ''
    >>> provenance_warning(pd.DataFrame({"system": ["A"]}))
    'WARNING: this table records no provenance (written before sqa recorded it); do not compare it with others'
    """
    from sqa.pipeline.provenance import provenance_differences

    if "provenance" not in table or not table["provenance"].fillna("").astype(str).any():
        return (
            "WARNING: this table records no provenance (written before sqa recorded it); do not compare it with others"
        )
    ids = table["provenance"].fillna("").astype(str)
    groups = {i: list(table.loc[ids == i, "system"]) for i in dict.fromkeys(ids)}
    if len(groups) <= 1 and "" not in groups:
        return ""
    text = (
        f"WARNING: this table mixes results of {len(groups)} provenances ("
        + "; ".join(f"{i or 'none'}: {', '.join(map(str, s))}" for i, s in groups.items())
        + ")"
    )
    if records:
        diff = provenance_differences([records.get(i) for i in groups])
        text += f"; they differ in {', '.join(diff)}" if diff else ""
    return text


def side_by_side(ours: pd.DataFrame, paper: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Long table (system, metric, ours, paper) over systems the two tables share."""
    shared = [s for s in ours["system"] if s in set(paper["system"])]
    rows = []
    for s in shared:
        a, b = ours.set_index("system").loc[s], paper.set_index("system").loc[s]
        for c in columns:
            if c in a and c in b:
                rows.append({"system": s, "metric": c, "ours": _num(a[c]), "paper": _num(b[c])})
    return pd.DataFrame(rows)


def load_json(path: str | Path) -> dict:
    """A metrics file, with a clear error naming it when it is missing."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: missing (run the notebook that writes it, or make reproduce)")
    return json.loads(p.read_text())


def finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))
