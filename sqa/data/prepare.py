"""Data directories: the real QualiSpeech at ``data_dir`` (checked), or the synthetic corpus generated
once under ``runs/<profile>/data`` (re-generated only when its settings change). A profile's corpus is
chosen in :mod:`sqa.data.corpora`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqa.data.recipe import resolve_data_dir
from sqa.data.synthetic.corpus import GENERATOR_VERSION, make_synthetic_corpus

__all__ = ["prepare_data", "resolve_data_dir"]  # resolve_data_dir: its old home (now sqa.data.recipe)


def prepare_data(
    data_dir: str | os.PathLike | None,
    out_dir: str | os.PathLike,
    n_train: int,
    n_test: int,
    seed: int = 0,
    n_val: int = 0,
    progress: bool = True,
) -> Path:
    """Return ``data_dir`` when given (checked to exist); otherwise make sure ``out_dir`` holds the
    synthetic corpus for these sizes and seed (reusing it when ``corpus.json`` matches) and return it.

    Typical use with a profile (``sqa.configs.profiles.get_profile``)::

        data = prepare_data(p.data_dir, p.shared_dir / "data", p.n_train, p.n_test, p.data_seed)
    """
    if data_dir is not None:
        root = Path(data_dir)
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: data directory not found (expected the QualiSpeech layout)")
        return root
    root = Path(out_dir)
    wanted = {
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "sizes": {"train": int(n_train), "val": int(n_val), "test": int(n_test)},
    }
    manifest = root / "corpus.json"
    if manifest.is_file():
        have = json.loads(manifest.read_text())
        if all(have.get(k) == v for k, v in wanted.items()):
            return root
    return make_synthetic_corpus(root, n_train, n_test, seed=seed, n_val=n_val, progress=progress)
