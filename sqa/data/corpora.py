"""Corpora: where a profile's examples come from, chosen by its ``dataset:`` field (one registry call each).

A corpus is a :class:`~sqa.data.recipe.Corpus` object built by its own module (its ``CORPUS``), owning its
prepare, load, check and provenance record; this module only names them. :func:`load_examples` is what the
stages call (calibration, the GRPO rows, evaluation); :func:`prepare_profile_data` only makes sure the files
are there (``python -m sqa prepare``); :func:`data_problem` says why a profile has no usable data source
(``sqa.configs.sources`` and the preflight ask it, and never a corpus's name).

Adding a corpus: write a module with its ``prepare`` and ``load`` (``load`` returns
:class:`~sqa.data.Example` objects, so nothing downstream changes) and its ``CORPUS = Corpus(...)``, then
register it with one call, :func:`register_corpus` (below for the corpora of ``sqa``). A profile then says
``dataset: <name>`` (with ``data_dir`` when the corpus reads one).

>>> list(CORPORA)
['qualispeech', 'synthetic', 'speecheval']
>>> from sqa.configs.profiles import get_profile
>>> corpus_name(get_profile("smoke")), corpus_name(get_profile("smoke", data_dir="/qs"))
('synthetic', 'qualispeech')
>>> corpus_name(get_profile("smoke", dataset="speecheval", data_dir="/se"))
'speecheval'
"""

from __future__ import annotations

from pathlib import Path

from sqa.configs.errors import ProfileInputError
from sqa.data import qualispeech, speecheval
from sqa.data.example import Example
from sqa.data.recipe import Corpus
from sqa.data.synthetic import recipe as synthetic

CORPORA: dict[str, Corpus] = {}
"""Registered corpora by name, in registration order (:func:`register_corpus`)."""
DATA_DIR_CORPUS = "qualispeech"
"""What a ``data_dir`` holds when the profile's ``dataset:`` names no corpus that reads one."""


def register_corpus(corpus: Corpus) -> Corpus:
    """Make ``corpus`` a ``dataset:`` a profile may name (a second corpus of the same name is an error)."""
    if corpus.name in CORPORA and CORPORA[corpus.name] is not corpus:
        raise ValueError(f"a corpus named {corpus.name!r} is registered already ({CORPORA[corpus.name]})")
    CORPORA[corpus.name] = corpus
    return corpus


register_corpus(qualispeech.CORPUS)
register_corpus(synthetic.CORPUS)
register_corpus(speecheval.CORPUS)


def _field(profile, name: str) -> str | None:
    value = getattr(profile, name, None)
    return None if value is None or str(value).strip() in ("", "none", "null") else str(value).strip()


def corpus_name(profile) -> str | None:
    """The profile's ``dataset:``; with a ``data_dir``, that corpus when it reads one, else :data:`DATA_DIR_CORPUS`."""
    name = _field(profile, "dataset")
    if _field(profile, "data_dir"):
        return name if name in CORPORA and CORPORA[name].needs_data_dir else DATA_DIR_CORPUS
    return name


def data_dir_label(profile) -> str:
    """The layout a ``data_dir`` of this profile should hold ("QualiSpeech"), for messages."""
    corpus = CORPORA.get(corpus_name(profile) or "")
    return (corpus if corpus is not None and corpus.needs_data_dir else CORPORA[DATA_DIR_CORPUS]).label


def data_problem(profile) -> str | None:
    """Why the profile has no data source, or None."""
    name = corpus_name(profile)
    if name is None:
        return (
            f"no data source (set DATA_DIR / --data-dir to a {CORPORA[DATA_DIR_CORPUS].label} folder, or "
            f"`dataset: synthetic` in sqa/configs/{profile.name}.yaml)"
        )
    if name not in CORPORA:
        return f"unknown dataset {name!r} in profile {profile.name} (known: {', '.join(CORPORA)})"
    corpus = CORPORA[name]
    if corpus.needs_data_dir and not _field(profile, "data_dir"):
        return (
            f"DATA_DIR is not set (profile {profile.name} reads {corpus.label} from data_dir; run "
            f"`make reproduce PROFILE={profile.name} DATA_DIR=/path/to/{corpus.label}` or pass --data-dir)"
        )
    return None


def corpus_of(profile) -> Corpus:
    """The profile's corpus; a profile with no usable data source raises
    :class:`sqa.configs.errors.ProfileInputError`."""
    problem = data_problem(profile)
    if problem:
        raise ProfileInputError(f"profile {profile.name} cannot run: {problem}")
    return CORPORA[corpus_name(profile)]


def prepare_profile_data(profile, progress: bool = True) -> Path:
    """The data directory of a :class:`sqa.configs.profiles.Profile`: its ``data_dir`` (checked), or the
    generated corpus (e.g. the synthetic one of ``n_train``/``n_test``/``data_seed`` under
    ``runs/<profile>/data``). Raises :class:`sqa.configs.errors.ProfileInputError` naming ``DATA_DIR`` when it
    has neither (never a silent fall-back to the synthetic corpus)."""
    return corpus_of(profile).prepare(profile, progress)


def load_examples(profile, split: str, progress: bool = False) -> list[Example]:
    """The examples of ``split`` of the profile's corpus (prepared first when it is generated)."""
    corpus = corpus_of(profile)
    return corpus.load(corpus.prepare(profile, progress), split)
