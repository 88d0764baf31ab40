"""evaluate_answers: the judge of the description correlation and the extractor are explicit, resolved once."""

from pathlib import Path

import pytest

from sqa.data.example import Example
from sqa.evaluation import evaluate_answers
from sqa.llm import NoJudgeError
from sqa.schema import Artifact, Assessment, render

REF = Assessment({"noise": 2, "overall": 3}, {"noise": Artifact(True, [(0.5, 1.5)], "a low hum")}, "Noisy speech.")
EXAMPLES = [Example(f"clip{i}", Path(f"/nowhere/clip{i}.wav"), REF) for i in range(3)]


class Answers:
    """A generator (sqa.evaluation.generator's interface) writing fixed answers."""

    label = "fixed"

    def __init__(self, texts):
        self.texts = texts

    def generate(self, audios, prompts, max_new_tokens=None, progress=False):
        return self.texts[: len(prompts)]


def test_parse_response_and_minilm_are_the_named_defaults():
    texts = [render(REF), "Noise: 4", "junk"]
    report = evaluate_answers(Answers(texts), None, EXAMPLES, audio_mode="withheld", corr_backend="rule:rouge")
    m = report.metrics
    assert m["extractor"] == "parse_response" and m["corr_backend"] == "rule-rouge" and m["generator"] == "fixed"
    assert m["parse_failure_rate"] == pytest.approx(1 / 3)


def test_no_judge_and_a_rule_extractor_are_errors_before_generating():
    never = Answers(None)  # generate() would fail: the errors come first
    with pytest.raises(NoJudgeError, match="corr_backend=None; pass 'minilm'"):
        evaluate_answers(never, None, EXAMPLES, audio_mode="withheld", corr_backend=None)
    with pytest.raises(ValueError, match="'rule' cannot rewrite answers"):
        evaluate_answers(never, None, EXAMPLES, audio_mode="withheld", extractor="rule")
