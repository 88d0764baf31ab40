"""Data directories: the real QualiSpeech at ``data_dir`` (checked), or the synthetic corpus generated
once under ``runs/<profile>/data`` (re-generated only when its settings change). A profile's corpus is
chosen in :mod:`sqa.data.corpora`."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .synthetic.corpus import GENERATOR_VERSION, make_synthetic_corpus


def resolve_data_dir(data_dir: str | os.PathLike) -> Path:
    """A data directory as an absolute path: as given, or, when relative and absent from the working directory, relative to
    the repository root (papermill runs notebooks with ``cwd = notebooks/`` while ``make`` passes paths
    relative to the root)."""
    path = Path(data_dir).expanduser()
    if not path.is_absolute() and not path.exists():
        from sqa.profiles import repo_root

        path = repo_root() / path
    return path.resolve()


def prepare_data(
    data_dir: str | os.PathLike | None, out_dir: str | os.PathLike, n_train: int, n_test: int,
    seed: int = 0, n_val: int = 0, progress: bool = True,
) -> Path:
    """Return ``data_dir`` when given (checked to exist); otherwise make sure ``out_dir`` holds the
    synthetic corpus for these sizes and seed (reusing it when ``corpus.json`` matches) and return it.

    Typical use with a profile (``sqa.profiles.get_profile``)::

        data = prepare_data(p.data_dir, p.shared_dir / "data", p.n_train, p.n_test, p.data_seed)
    """
    if data_dir is not None:
        root = Path(data_dir)
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: data directory not found (expected the QualiSpeech layout)")
        return root
    root = Path(out_dir)
    wanted = {"generator_version": GENERATOR_VERSION, "seed": int(seed),
              "sizes": {"train": int(n_train), "val": int(n_val), "test": int(n_test)}}
    manifest = root / "corpus.json"
    if manifest.is_file():
        have = json.loads(manifest.read_text())
        if all(have.get(k) == v for k, v in wanted.items()):
            return root
    return make_synthetic_corpus(root, n_train, n_test, seed=seed, n_val=n_val, progress=progress)
