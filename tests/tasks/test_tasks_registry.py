"""The task seam: every registered task renders a gold answer it parses back, and no parser raises on junk."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqa.schema import Artifact, Assessment, parse_response, render
from sqa.schema.prompts import REASONING_PROMPT
from sqa.tasks import TASKS, Task, get_task
from sqa.tasks.compare import Comparison
from sqa.tasks.suggest import Suggestion

GOLDS = {
    "assess": Assessment(
        scores={"noise": 2, "speed": 4, "overall": 3},
        artifacts={"noise": Artifact(True, [(0.5, 1.7)], "a low hum")},
        description="Noisy.",
    ),
    "compare": Comparison({"noise": "A", "speed": "tie", "overall": "B"}, "B is cleaner."),
    "suggest": Suggestion(("denoise", "adjust_speed")),
    "detect": "fake",
}
JUNK = st.one_of(
    st.none(),
    st.text(max_size=400),
    st.binary(max_size=200),
    st.integers(),
    st.floats(),
    st.lists(st.text(max_size=20), max_size=5),
    st.lists(
        st.sampled_from(
            [
                "Noise",
                "(A vs B)",
                ":",
                " A ",
                "B",
                " is better than ",
                "tie",
                "\n",
                "<think>",
                "</answer>",
                "real",
                "fake",
                "denoise",
                "No",
                " needed",
                ".",
            ]
        ),
        max_size=30,
    ).map("".join),
)


def test_registry_names_and_lookup():
    assert list(TASKS) == ["assess", "compare", "suggest", "detect"]
    assert all(isinstance(t, Task) and t.name == name for name, t in TASKS.items())
    assert get_task("compare").n_audios == 2 and get_task("assess").n_audios == 1
    with pytest.raises(ValueError, match="unknown task 'rank'.*assess, compare, detect, suggest"):
        get_task("rank")


def test_assess_is_todays_assessment_unchanged():
    task = get_task("assess")
    assert task.prompt == REASONING_PROMPT
    assert task.render is render and task.parse is parse_response
    gold = GOLDS["assess"]
    assert task.parse(task.render(gold)) == gold


@pytest.mark.parametrize("name", list(TASKS))
def test_gold_answers_round_trip(name):
    task = get_task(name)
    parsed = task.parse(task.render(GOLDS[name]))
    if name == "suggest":
        assert parsed.fixes == GOLDS[name].fixes
    else:
        assert parsed == GOLDS[name]


@pytest.mark.parametrize("name", list(TASKS))
@settings(max_examples=150, deadline=None)
@given(junk=JUNK)
def test_parsers_never_raise(name, junk):
    get_task(name).parse(junk)


def test_task_needs_a_prompt():
    with pytest.raises(ValueError, match="at least one prompt"):
        Task("x", (), render=str, parse=str, evaluate=lambda p, r: {})


def test_new_tasks_have_rewards_that_score_their_gold_answer_fully():
    from sqa.rewards import tasks as task_rewards
    from sqa.rewards.tasks import compare_reward

    for name in ("compare", "suggest", "detect"):
        task = get_task(name)
        gold = task.render(GOLDS[name])
        reward = getattr(task_rewards, f"{name}_reward")
        assert reward(None, [gold, None, [{"role": "assistant", "content": gold}]], reference=[gold] * 3) == [
            1.0,
            0.0,
            1.0,
        ]
    assert get_task("assess").reward is None
    with pytest.raises(ValueError, match="no 'reference' column"):
        compare_reward(None, ["x"])
    with pytest.raises(ValueError, match="2 completions vs 1 references"):
        compare_reward(None, ["x", "y"], reference=["z"])
