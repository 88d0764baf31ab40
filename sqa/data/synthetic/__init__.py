"""Synthetic corpus in the QualiSpeech layout with exact ground truth (numpy/scipy only).

:mod:`.speech` makes speech-like audio, :mod:`.degrade` applies controlled degradations,
:mod:`.rules` turns degradations into the seven scores, :mod:`.templates` writes the texts,
:mod:`.corpus` puts it together on disk.
"""

from sqa.data.synthetic.corpus import make_synthetic_corpus, read_ground_truth
from sqa.data.synthetic.rules import scores_from_ground_truth

__all__ = ["make_synthetic_corpus", "read_ground_truth", "scores_from_ground_truth"]
