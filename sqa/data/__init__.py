"""``sqa.data``: annotated clips as :class:`Example` objects.

* :func:`load_qualispeech` reads the real QualiSpeech layout (``{split}.csv`` + ``wav/{split}/{id}``);
* :func:`make_synthetic_corpus` writes the same layout, generated, with exact ground truth;
* :func:`load_audio` reads any wav/flac/ogg/mp3 as float32 mono at 16 kHz or raises :class:`AudioError`;
* :func:`load_examples` gives a profile's examples of a split from its corpus (``dataset:``, registry
  :data:`CORPORA`); :func:`prepare_profile_data` its data directory (generating the synthetic corpus if needed);
* a corpus is a :class:`Corpus` (:mod:`sqa.data.recipe`) made a ``dataset:`` by one :func:`register_corpus` call;
  :mod:`sqa.data.speecheval` reads SpeechEval's JSONL layout (``dataset: speecheval``);
* :mod:`sqa.data.summary` computes the corpus statistics notebook 01 plots.
"""

from sqa.data.audio import AudioError, audio_problems, load_audio
from sqa.data.corpora import CORPORA, load_examples, prepare_profile_data, register_corpus
from sqa.data.example import Example
from sqa.data.prepare import prepare_data
from sqa.data.qualispeech import (
    BRIEF_COLUMNS,
    COLUMNS,
    SCORE_COLUMNS,
    SPLITS,
    ExampleList,
    load_qualispeech,
    load_splits,
)
from sqa.data.recipe import Corpus, DataCheck, resolve_data_dir
from sqa.data.synthetic import make_synthetic_corpus, read_ground_truth

__all__ = [
    "AudioError",
    "audio_problems",
    "load_audio",
    "Example",
    "BRIEF_COLUMNS",
    "COLUMNS",
    "SCORE_COLUMNS",
    "SPLITS",
    "ExampleList",
    "load_qualispeech",
    "load_splits",
    "make_synthetic_corpus",
    "read_ground_truth",
    "prepare_data",
    "prepare_profile_data",
    "resolve_data_dir",
    "CORPORA",
    "load_examples",
    "Corpus",
    "DataCheck",
    "register_corpus",
]
