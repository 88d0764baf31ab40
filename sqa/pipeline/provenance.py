"""What produced a result: one record written into every ``metrics.json``, table and the report.

:func:`provenance` gives the run-level record of a profile: its name, the base model (hub id and cached
revision, or local path and content hash), the data (path, split sizes, a hash of each split CSV, and for the
synthetic corpus its generator version and seed), the judge and extractor labels, the generator (local or
an endpoint), the seed, the git commit, the package versions and the CPU kernels (:mod:`sqa.configs.kernels`). Two
results with different records were not produced the same way; :func:`provenance_differences` says how, and
:func:`provenance_id` gives a short key for a table column.

>>> a = {"profile": "tiny", "judge": "rule-minilm (stand-in)", "seed": 0}
>>> b = {**a, "judge": "llm:Qwen3-8B@http://h:8000/v1"}
>>> provenance_differences([a, a, b])
{'judge': ['llm:Qwen3-8B@http://h:8000/v1', 'rule-minilm (stand-in)']}
>>> provenance_id(a) == provenance_id(dict(a)), provenance_id(a) == provenance_id(b)
(True, False)
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from sqa.configs.kernels import kernel_record
from sqa.configs.sources import extractor_spec, judge_spec
from sqa.data.corpora import CORPORA, corpus_name, data_problem

PACKAGES = ("torch", "transformers", "peft", "accelerate", "numpy", "huggingface_hub")
"""Packages whose versions are recorded (and listed by ``python -m sqa check``)."""
FULL_HASH_BYTES = 256 * 2**20
"""Files up to this size are hashed by content; larger ones (checkpoint shards) by name and size."""


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """``{"python": "3.12.3", "torch": "2.13.0", ...}`` from the installed metadata (nothing imported)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """``HEAD`` of the checkout, with ``+dirty`` when tracked code (outside ``results/``) has uncommitted changes."""
    from sqa.configs.profiles import repo_root

    root = repo_root()
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (head + ("+dirty" if dirty else "")) if head else None


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            h.update(block)
    return h.hexdigest()


def tree_hash(path: str | Path) -> str:
    """A short hash of a file or folder: contents of files up to :data:`FULL_HASH_BYTES`, names and sizes of
    larger ones (so a local 16 GB model is fingerprinted in milliseconds)."""
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for p in files:
        size = p.stat().st_size
        h.update(f"{p.relative_to(root) if p != root else p.name}\0{size}\0".encode())
        if size <= FULL_HASH_BYTES:
            h.update(file_sha256(p).encode())
    return h.hexdigest()[:16]


def _shown(path: Path) -> str:
    from sqa.configs.profiles import repo_root

    path = path.resolve()
    return str(path.relative_to(repo_root())) if path.is_relative_to(repo_root()) else str(path)


def hub_revision(repo_id: str) -> str | None:
    """The cached snapshot (commit) of a Hugging Face repo, or None when it is not in the local cache."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - a dependency of transformers
        return None
    found = try_to_load_from_cache(repo_id, "config.json")
    return Path(found).parent.name if isinstance(found, str) else None


def base_model_record(profile) -> dict:
    """``{"id", "revision"}`` for a hub model, ``{"path", "hash"}`` for a local folder (the tiny AF3 included)."""
    if profile.model == "tiny":
        path = profile.run_dir / "tiny_model"
        return {
            "id": "tiny",
            "path": _shown(path),
            "hash": tree_hash(path) if path.exists() else None,
            "seed": profile.seed,
        }
    local = Path(profile.model).expanduser()
    if local.exists():
        return {"path": str(local.resolve()), "hash": tree_hash(local)}
    return {"id": profile.model, "revision": hub_revision(profile.model)}


def data_record(profile) -> dict:
    """Where the profile's data are and what they hold, as its corpus records it
    (:meth:`sqa.data.recipe.Corpus.provenance_record`: split sizes and file hashes, the synthetic generator's
    version and seed), read from the folder as it is now (``not prepared`` when a generated corpus is not made yet)."""
    kind = corpus_name(profile)
    if kind not in CORPORA:  # no corpus to ask (the stages refuse such a profile before anything is recorded)
        return {"dataset": kind, "status": data_problem(profile)}
    record = CORPORA[kind].provenance_record(profile)
    return {**record, "path": _shown(record["path"])}


def generator_record(profile, generator: str | None = None) -> str:
    """``local`` (transformers ``generate`` in this process) or the endpoint that wrote the answers
    (``generator``, as passed to :func:`sqa.pipeline.system_results.evaluate_system`, else the profile's, if it
    has one)."""
    endpoint = generator or getattr(profile, "generator", None)
    return str(endpoint) if endpoint not in (None, "", "local") else "local"


def provenance(profile, generator: str | None = None) -> dict:
    """The run-level record of everything that produced a profile's results (see the module docstring);
    ``generator``: the endpoint that generated the answers, if not this process."""
    from sqa.llm.labels import extractor_label, judge_label

    return {
        "profile": profile.name,
        "base_model": base_model_record(profile),
        "data": data_record(profile),
        "judge": judge_label(judge_spec(profile)),
        "extractor": extractor_label(extractor_spec(profile)),
        "generator": generator_record(profile, generator),
        "seed": profile.seed,
        "commit": git_commit(),
        "packages": package_versions(),
        "kernels": kernel_record(),
    }


RUN_FIELDS = ("commit", "packages", "kernels")
"""Fields that say which code ran, and with which CPU kernels (:mod:`sqa.configs.kernels`), not what it ran on: a cached
result is reused across them (and keeps its own)."""


def same_inputs(a: dict | None, b: dict | None) -> bool:
    """Whether two records name the same profile, model, data, judge, extractor, generator and seed.

    >>> same_inputs({"judge": "x", "commit": "1"}, {"judge": "x", "commit": "2"}), same_inputs({"judge": "x"}, None)
    (True, False)
    """
    if not a or not b:
        return False
    keep = lambda r: {k: v for k, v in r.items() if k not in RUN_FIELDS}
    return keep(a) == keep(b)


def provenance_id(record: dict | None) -> str:
    """A 10-character key of a provenance record ('' for none), for a table column."""
    if not record:
        return ""
    return hashlib.sha1(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:10]


def provenance_differences(records: Iterable[dict | None]) -> dict[str, list]:
    """The top-level fields whose values differ between ``records`` -> their distinct values (sorted as text).
    Empty when every record is the same; a missing record counts as a difference in ``provenance``."""
    records = list(records)
    if any(not r for r in records):
        return {"provenance": ["missing", "present"]} if any(records) else {}
    out = {}
    for key in sorted({k for r in records for k in r}):
        values = {json.dumps(r.get(key), sort_keys=True, default=str) for r in records}
        if len(values) > 1:
            out[key] = [json.loads(v) if isinstance(json.loads(v), str) else v for v in sorted(values)]
    return out


def beyond_training_seed(records: Sequence[dict | None]) -> list[str]:
    """The fields of :func:`provenance_differences` that the training seed does not explain: every field but
    ``seed``, and ``base_model`` too unless each record's base model was built from its own seed (the tiny
    model's random init differs with the seed by design).

    >>> tiny = lambda seed, **kw: {"seed": seed, "base_model": {"id": "tiny", "seed": seed, "hash": f"h{seed}"}, **kw}
    >>> beyond_training_seed([tiny(0), tiny(1)])
    []
    >>> beyond_training_seed([tiny(0, commit="a"), tiny(1, commit="b")])
    ['commit']
    >>> beyond_training_seed([{"seed": 0, "base_model": {"id": "x"}}, {"seed": 1, "base_model": {"id": "y"}}])
    ['base_model']
    """
    diff = provenance_differences(records)
    seeded = "seed" in diff and all(r and (r.get("base_model") or {}).get("seed") == r.get("seed") for r in records)
    return [k for k in diff if k != "seed" and not (k == "base_model" and seeded)]


def describe(record: dict | None) -> str:
    """One line: profile, model, data, judge, extractor, generator, seed, commit.

    >>> describe({"profile": "smoke", "base_model": {"id": "tiny", "hash": "ab12"}, "data": {"dataset": "synthetic",
    ...           "generator_version": 1, "seed": 0, "splits": {"train": 40, "test": 8}},
    ...           "judge": "rule-minilm (stand-in)", "extractor": "parse_response", "generator": "local", "seed": 0,
    ...           "commit": "0123456789abcdef"})
    'profile smoke; model tiny (ab12); data synthetic v1 seed 0 (train 40, test 8); judge rule-minilm (stand-in); \
extractor parse_response; generator local; seed 0; commit 0123456789'
    """
    if not record:
        return "no provenance recorded"
    model = record.get("base_model") or {}
    model_text = (
        f"{model.get('id') or model.get('path')} ({model.get('revision') or model.get('hash') or 'revision unknown'})"
    )
    data = record.get("data") or {}
    source = (
        f"synthetic v{data.get('generator_version')} seed {data.get('seed')}"
        if data.get("dataset") == "synthetic"
        else f"{data.get('dataset')} at {data.get('path')}"
    )
    sizes = ", ".join(f"{k} {v}" for k, v in (data.get("splits") or {}).items())
    return (
        f"profile {record.get('profile')}; model {model_text}; data {source}"
        + (f" ({sizes})" if sizes else "")
        + f"; judge {record.get('judge')}; extractor {record.get('extractor')}; generator {record.get('generator')}"
        f"; seed {record.get('seed')}; commit {(record.get('commit') or 'unknown')[:10]}"
    )


def collect(results_dir: str | Path) -> dict[str, dict]:
    """Every provenance record under ``results_dir`` (``**/metrics.json``, ``**/provenance.json``):
    ``{id: {"record": ..., "files": [relative paths]}}``; results without one are listed under ``""``."""
    root = Path(results_dir)
    found: dict[str, dict] = {}
    for path in sorted(root.rglob("metrics.json")):
        record = json.loads(path.read_text()).get("provenance")
        entry = found.setdefault(provenance_id(record), {"record": record, "files": []})
        entry["files"].append(str(path.relative_to(root)))
    return found
