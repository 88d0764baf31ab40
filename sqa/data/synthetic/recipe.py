"""The synthetic corpus as a :class:`~sqa.data.recipe.Corpus`: generated once under ``runs/<profile>/data`` for
the profile's ``n_train`` / ``n_test`` / ``data_seed``, written in QualiSpeech's layout (and read by its loader)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqa.data.prepare import prepare_data
from sqa.data.qualispeech import csv_record, load_qualispeech, split_summaries
from sqa.data.recipe import Corpus, DataCheck
from sqa.data.synthetic.corpus import GENERATOR_VERSION


def prepare_profile(profile, progress: bool = True) -> Path:
    """The profile's synthetic corpus (``n_train``/``n_test``/``data_seed``) under ``runs/<profile>/data``,
    generated once and reused while its settings match."""
    return prepare_data(
        None, profile.shared_dir / "data", profile.n_train, profile.n_test, seed=profile.data_seed, progress=progress
    )


def check(profile, root: Path, shown: Callable[[Path], str]) -> DataCheck:
    """Nothing to fetch: the generator's version, the profile's sizes and seed, and whether it is made yet."""
    made = (root / "corpus.json").is_file()
    return DataCheck(
        True,
        f"synthetic corpus v{GENERATOR_VERSION}, seed {profile.data_seed}: "
        f"{profile.n_train} train / {profile.n_test} test clips under {shown(root)} "
        f"({'present' if made else 'generated on first use'})",
    )


def record(profile, root: Path) -> dict:
    """The generator's version and seed from ``corpus.json`` (``not prepared`` before it is made), then the CSVs."""
    manifest = root / "corpus.json"
    if manifest.is_file():
        corpus = json.loads(manifest.read_text())
        out = {"generator_version": corpus.get("generator_version"), "seed": corpus.get("seed")}
    else:
        out = {"generator_version": None, "seed": profile.data_seed, "status": "not prepared"}
    return {**out, **csv_record(profile, root)}


CORPUS = Corpus(
    "synthetic", prepare_profile, load_qualispeech, inspect=check, describe=record, summarise=split_summaries
)
"""The generated corpus with exact ground truth (``dataset: synthetic``)."""
