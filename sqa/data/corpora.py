"""Corpora: where a profile's examples come from, chosen by its ``dataset:`` field (one registry line each).

A corpus is two functions: ``prepare(profile, progress) -> Path`` (the folder of its files, generated
if it is generated) and ``load(root, split) -> list[Example]``. :func:`load_examples` is what the stages
call (calibration, the GRPO rows, evaluation); :func:`prepare_profile_data` only makes sure the files are
there (``python -m sqa prepare``).

Adding a corpus: write ``sqa/data/<name>.py`` with its ``prepare`` and ``load`` (``load`` returns
:class:`~sqa.data.Example` objects, so nothing downstream changes), add one line to :data:`CORPORA`, and
add the name to ``sqa.sources.DATASETS`` so that profiles may say ``dataset: <name>``.

>>> sorted(CORPORA)
['qualispeech', 'synthetic']
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from . import qualispeech, synthetic
from .example import Example


class Corpus(NamedTuple):
    prepare: Callable[..., Path]  # (profile, progress) -> the folder holding the corpus
    load: Callable[[Path, str], list[Example]]  # (folder, split) -> examples


CORPORA: dict[str, Corpus] = {
    "qualispeech": Corpus(qualispeech.prepare_profile, qualispeech.load_qualispeech),
    "synthetic": Corpus(synthetic.prepare_profile, qualispeech.load_qualispeech),  # written in QualiSpeech's layout
}


def corpus_of(profile) -> Corpus:
    """The profile's corpus; a profile with no usable data source raises ``sqa.sources.ProfileInputError``."""
    from sqa.sources import dataset, require_data

    require_data(profile)
    name = dataset(profile)
    if name not in CORPORA:
        raise ValueError(f"profile {profile.name}: dataset {name!r} has no loader (registered: {', '.join(sorted(CORPORA))})")
    return CORPORA[name]


def prepare_profile_data(profile, progress: bool = True) -> Path:
    """The data directory of a :class:`sqa.profiles.Profile`: its ``data_dir`` (QualiSpeech layout), or
    the synthetic corpus of ``n_train``/``n_test``/``data_seed`` under ``runs/<profile>/data`` when it says
    ``dataset: synthetic``. Raises :class:`sqa.sources.ProfileInputError` naming ``DATA_DIR`` when it has neither
    (never a silent fall-back to the synthetic corpus)."""
    return corpus_of(profile).prepare(profile, progress)


def load_examples(profile, split: str, progress: bool = False) -> list[Example]:
    """The examples of ``split`` of the profile's corpus (prepared first when it is generated)."""
    corpus = corpus_of(profile)
    return corpus.load(corpus.prepare(profile, progress), split)
