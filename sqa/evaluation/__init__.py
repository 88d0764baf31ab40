"""``sqa.evaluation``: model-in-the-loop evaluation helpers (generation + parsing + ``sqa.metrics``)."""

from sqa.evaluation.answers import AUDIO_MODES, AnswerReport, evaluate_answers, generate_answers
from sqa.evaluation.scores import ScoreReport, evaluate_scores, predict_scores, score_metrics

__all__ = [
    "AUDIO_MODES",
    "AnswerReport",
    "evaluate_answers",
    "generate_answers",
    "ScoreReport",
    "evaluate_scores",
    "predict_scores",
    "score_metrics",
]
