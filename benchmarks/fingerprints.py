"""Golden fingerprints of a run: every stage's trained weights and every result value, minus what varies by run.

Used to show a refactor changes no behaviour: fingerprint ``runs/<p>`` and ``results/<p>`` before the change, again
after it on the same machine and profile, and compare (``--compare``). Weights are hashed file by file (the tensors'
bytes in a safetensors file, every other model file's bytes); CSV files column by column; JSON files value by value
(one digest per leaf), leaving out the keys that describe the run rather than its result (wall times, the commit,
package versions) and writing the checkout's own path as ``<base>``. A value that changed is a difference; a column
or key that only one side has is listed apart (a refactor may add a column, never change one).

    python -m benchmarks.fingerprints --profile smoke --out /tmp/before.json
    python -m benchmarks.fingerprints --profile smoke --compare /tmp/before.json
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("sqa.fingerprints")

RUN_KEYS = (
    "seconds",
    "commit",
    "packages",
    "created",
    "date",
    "time",
    "host",
    "python",
    "torch",
    "duration",
    "elapsed",
    "started",
    "finished",
    "kernels",
    "git",
    "per_second",
    "provenance",
    "fingerprint",
)
"""JSON keys and CSV columns (substrings, case-insensitive) that describe how or when a result was made, not the
result. ``provenance`` holds the commit; a ``*fingerprint`` is a hash of a training record, whose wall times
differ by run (the record's own values are compared key by key)."""
RUN_NAMES = ("id", "parent_id")
"""Keys that are a stage's random identity (``sqa_stage.json``), compared by name, not by substring."""
RUN_PREFIXES = ("t_",)
"""Columns of wall times per GRPO step phase (``reward_curve.csv``: ``t_generate``, ``t_step``, ...)."""
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt")
SKIP_PARTS = ("notebooks", "checkpoint-")
"""Executed notebooks (timestamps, progress) and GRPO's resumable checkpoints are not results."""


def _describes_the_run(key: str) -> bool:
    """Whether a key or column describes how or when a result was made.

    >>> [_describes_the_run(k) for k in ("train_runtime", "id", "t_step", "valid", "pcc")]
    [True, True, True, False, False]
    """
    key = key.lower()
    return any(k in key for k in RUN_KEYS) or key in RUN_NAMES or key.startswith(RUN_PREFIXES)


def _leaf_describes_the_run(path: str) -> bool:
    """A stored leaf (``.settings.init_fingerprint``) or column whose last key describes the run."""
    return _describes_the_run(path.rsplit(".", 1)[-1])


def _markdown_table(text: str) -> dict[str, str] | None:
    """A file that is one pipe table, digested column by column like a CSV file (None: not a table)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines() if line.strip()]
    if len(rows) < 2 or not all(line.lstrip().startswith("|") for line in text.splitlines() if line.strip()):
        return None
    return _columns(rows[0], [r for r in rows[1:] if not set("".join(r)) <= set("-: ")])


def _columns(header: list[str], body: list[list[str]]) -> dict[str, str]:
    """``{column: digest of its values}`` of a table, leaving out the columns that describe the run."""
    return {
        h: _digest(json.dumps([r[i] if i < len(r) else None for r in body]).encode())
        for i, h in enumerate(header)
        if not _describes_the_run(h)
    }


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in sorted(value.items()) if not _describes_the_run(k)}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _leaves(value, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in _leaves(item, f"{prefix}.{key}").items()}
    return {prefix or ".": _digest(json.dumps(value, sort_keys=True).encode())}


def _file_fingerprint(path: Path, base: str) -> str | dict[str, str] | None:
    if path.suffix == ".json":
        try:
            return _leaves(_strip(json.loads(path.read_text().replace(base, "<base>"))))
        except ValueError:
            return _digest(path.read_bytes())
    if path.suffix == ".csv":
        with path.open(newline="") as f:
            rows = list(csv.reader(f.read().replace(base, "<base>").splitlines()))
        if not rows:
            return {}
        return _columns(rows[0], rows[1:])
    if path.suffix == ".safetensors":
        from safetensors.numpy import load_file

        tensors = load_file(str(path))
        h = hashlib.sha256()
        for name in sorted(tensors):
            h.update(name.encode())
            h.update(tensors[name].tobytes())
        return h.hexdigest()[:16]
    if path.suffix == ".md":
        table = _markdown_table(path.read_text().replace(base, "<base>"))
        if table is not None:
            return table
    if path.suffix in WEIGHT_SUFFIXES or path.suffix in (".md", ".txt"):
        return _digest(path.read_bytes())
    return None


def fingerprint(root: Path, base: Path) -> dict[str, str | dict[str, str]]:
    """``{relative path: digest, or {column or key: digest}}`` of every result and weight file under ``root``."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or any(p in rel for p in SKIP_PARTS) or rel.endswith("provenance.json"):
            continue
        digest = _file_fingerprint(path, str(base.resolve()))
        if digest is not None:
            out[rel] = digest
    return out


def fingerprints(profile: str, base: Path = Path(".")) -> dict[str, dict[str, str]]:
    return {part: fingerprint(base / part / profile, base) for part in ("runs", "results")}


def compare(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """``(differences, additions)``: a line per file or value that changed or went missing, and per one that is new."""
    changed, added = [], []
    for part in ("runs", "results"):
        b, a = before.get(part, {}), after.get(part, {})
        for rel in sorted(set(b) | set(a)):
            where = f"{part}/{rel}"
            if rel not in a:
                changed.append(f"{where}: missing after")
            elif rel not in b:
                added.append(f"{where}: new file")
            elif isinstance(b[rel], dict) and isinstance(a[rel], dict):
                changed += [
                    f"{where} {k}: {'differs' if k in a[rel] else 'missing after'}"
                    for k in sorted(b[rel])
                    if b[rel][k] != a[rel].get(k) and not _leaf_describes_the_run(k)
                ]
                added += [f"{where} {k}: new" for k in sorted(set(a[rel]) - set(b[rel]))]
            elif b[rel] != a[rel]:
                changed.append(f"{where}: differs")
    return changed, added


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="smoke")
    ap.add_argument("--base", type=Path, default=Path("."), help="the folder holding runs/ and results/")
    ap.add_argument("--out", type=Path, help="write the fingerprints here")
    ap.add_argument("--compare", type=Path, help="compare against fingerprints written before")
    args = ap.parse_args(argv)
    now = fingerprints(args.profile, args.base)
    n = sum(len(v) for v in now.values())
    if args.out:
        args.out.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        log.info(
            "%d files fingerprinted (%d weights and runs files, %d results) -> %s",
            n,
            len(now["runs"]),
            len(now["results"]),
            args.out,
        )
    if args.compare:
        before = json.loads(args.compare.read_text())
        changed, added = compare(before, now)
        for line in changed + added:
            log.info(line)
        values = sum(len(v) if isinstance(v, dict) else 1 for part in before.values() for v in part.values())
        log.info(
            "%d of %d fingerprinted values (%d files) differ from %s; %d new",
            len(changed),
            values,
            sum(len(part) for part in before.values()),
            args.compare,
            len(added),
        )
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
