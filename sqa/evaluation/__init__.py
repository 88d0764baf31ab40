"""``sqa.evaluation``: model-in-the-loop evaluation helpers (generation + parsing + ``sqa.metrics``)."""
from .answers import AUDIO_MODES, AnswerReport, evaluate_answers, generate_answers
from .scores import AVG_DIMENSIONS, ScoreReport, evaluate_scores, parse_score, predict_scores, score_metrics

__all__ = ["AUDIO_MODES", "AnswerReport", "evaluate_answers", "generate_answers", "AVG_DIMENSIONS", "ScoreReport", "evaluate_scores", "parse_score", "predict_scores", "score_metrics"]
