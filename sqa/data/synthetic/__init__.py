"""Synthetic corpus in the QualiSpeech layout with exact ground truth (numpy/scipy only).

:mod:`.speech` makes speech-like audio, :mod:`.degrade` applies controlled degradations,
:mod:`.rules` turns degradations into the seven scores, :mod:`.templates` writes the texts,
:mod:`.corpus` puts it together on disk.
"""
from .corpus import make_synthetic_corpus, read_ground_truth
from .rules import scores_from_ground_truth

__all__ = ["make_synthetic_corpus", "prepare_profile", "read_ground_truth", "scores_from_ground_truth"]


def prepare_profile(profile, progress: bool = True):
    """The profile's synthetic corpus (``n_train``/``n_test``/``data_seed``) under ``runs/<profile>/data``,
    generated once and reused while its settings match."""
    from ..prepare import prepare_data

    return prepare_data(None, profile.shared_dir / "data", profile.n_train, profile.n_test, seed=profile.data_seed,
                        progress=progress)
