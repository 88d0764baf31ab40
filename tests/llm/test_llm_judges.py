"""RuleJudge numbers, reply parsing, per-dimension views."""

import pytest

from sqa.llm import RuleJudge
from sqa.llm.prompts import UNIFIED_ASPECTS, dimension_messages, parse_rating, parse_ratings
from sqa.llm.views import dimension_text
from sqa.schema import DIMENSIONS, Artifact, Assessment, render

REF = Assessment(
    {d: 3 for d in DIMENSIONS} | {"noise": 2},
    {
        "noise": Artifact(True, [(0.5, 1.5)], "a low hum"),
        "distortion": Artifact(False),
        "unnatural_pause": Artifact(True, [(2, 2.4)], "a long gap"),
    },
    "Noisy speech with a long pause.",
)


@pytest.fixture(scope="module")
def judge():
    return RuleJudge(similarity="rouge")


def test_rule_judge_perfect_is_ten_everywhere(judge):
    assert judge.rate_dimensions([(d, REF, REF) for d in DIMENSIONS]) == [10.0] * len(DIMENSIONS)
    assert judge.rate_unified([(render(REF), render(REF))]) == [
        {"helpfulness": 10.0, "relevance": 10.0, "accuracy": 10.0, "detail": 10.0}
    ]


def test_rule_judge_partial_and_missing(judge):
    wrong = Assessment({**REF.scores, "noise": 5}, {**REF.artifacts, "noise": Artifact(False)}, REF.description)
    off_by_one = Assessment({**REF.scores, "noise": 3}, REF.artifacts, REF.description)
    r_wrong, r_close, r_missing = judge.rate_dimensions(
        [("noise", REF, wrong), ("noise", REF, off_by_one), ("noise", REF, Assessment())]
    )
    assert r_missing == 0.0 < r_wrong < r_close < 10.0
    assert r_close == pytest.approx(10 * (0.75 + 1.0) / 2)
    assert r_wrong == pytest.approx(10 * (0.25 + 0.0) / 2)


def test_rule_judge_skips_dimensions_the_reference_lacks(judge):
    assert judge.rate_dimensions([("speed", Assessment({"noise": 2}), REF)]) == [None]


def test_rule_judge_unified_orders_answers(judge):
    partial = render(Assessment({"noise": 4, "overall": 3}, {"noise": Artifact(True, [(0, 1)], "hum")}, "Noisy."))
    good, part, junk = judge.rate_unified([(render(REF), render(REF)), (render(REF), partial), (render(REF), "")])
    weight = lambda r: r["helpfulness"] + r["relevance"] + 2 * r["accuracy"] + 0.5 * r["detail"]
    assert weight(good) > weight(part) > weight(junk) == 0.0
    assert all(0.0 <= v <= 10.0 for v in part.values())


def test_rule_judge_minilm_descriptions():
    j = RuleJudge()
    same, related, empty = j.rate_descriptions([("a low hum", "a low hum"), ("a low hum", "humming noise"), ("x", "")])
    assert same == pytest.approx(10.0, abs=1e-4) and 5.0 < related < 10.0 and empty == 0.0
    assert j.label == "rule-minilm"
    with pytest.raises(ValueError, match="similarity"):
        RuleJudge(similarity="bleu")


@pytest.mark.parametrize(
    "reply,expected",
    [
        ("Score: 7", 7.0),
        ("**Score**: 9/10", 9.0),
        ("<think>maybe 2</think> Score = 4", 4.0),
        ("6", 6.0),
        ("Score: 15", 10.0),
        ("Score: -3", 0.0),
        ("", None),
        ("no rating", None),
    ],
)
def test_parse_rating(reply, expected):
    assert parse_rating(reply) == expected


def test_parse_ratings_partial():
    out = parse_ratings("Helpfulness: 7\nAccuracy: 3", UNIFIED_ASPECTS)
    assert out == {"helpfulness": 7.0, "relevance": None, "accuracy": 3.0, "detail": None}


def test_dimension_prompt_shows_only_that_dimension():
    text = dimension_text(REF, "continuity")
    assert text == "Continuity: 3\nUnnatural pause artifact: yes, 2-2.4s; a long gap"
    assert "Description: Noisy speech" in dimension_text(REF, "overall")
    user = dimension_messages("continuity", text, "")[-1]["content"]
    assert "Continuity" in user and "(nothing)" in user and "a low hum" not in user
    with pytest.raises(ValueError, match="unknown dimension"):
        dimension_text(REF, "loudness")
