"""Every reward: perfect > partly wrong > junk = 0, both completion formats, counting into the run's collector,
errors counted, no judge unless named."""

import socket

import pytest
from stub_server import stub_chat_server

from sqa.llm import JudgeUnavailable, NoJudgeError
from sqa.rewards import (
    REWARDS,
    Reward,
    RewardConfigError,
    RewardStats,
    acc_sem_reward,
    accuracy_reward,
    get_rewards,
    interval_iou_reward,
    llm_judge_reward,
    make_llm_judge_reward,
    make_unified_reward,
    semantic_reward,
    unified_reward,
)
from sqa.schema import DIMENSIONS, Artifact, Assessment, render

REF_A = Assessment(
    {d: 3 for d in DIMENSIONS} | {"noise": 2, "overall": 2},
    {
        "noise": Artifact(True, [(0.5, 1.5)], "a low hum in the background"),
        "distortion": Artifact(False),
        "unnatural_pause": Artifact(True, [(2.0, 2.4)], "a long silent gap mid-sentence"),
    },
    "Noisy speech with a low hum and one long pause.",
)
REF = render(REF_A)
PARTLY = render(
    Assessment(
        {**REF_A.scores, "noise": 4, "naturalness": 5},
        {
            "noise": Artifact(True, [(1.0, 2.5)], "crackling clicks"),
            "distortion": Artifact(False),
            "unnatural_pause": Artifact(False),
        },
        "Fairly clean speech.",
    )
)
JUNK = "I am sorry, I cannot listen to audio."

RULE_ROUGE = "rule:rouge"
CASES = {
    "accuracy": accuracy_reward,
    "semantic": semantic_reward,
    "acc_sem": acc_sem_reward,
    "llm_judge": make_llm_judge_reward(RULE_ROUGE),
    "unified": make_unified_reward(RULE_ROUGE),
    "iou": interval_iou_reward,
}


def chat(text):
    return [{"role": "assistant", "content": text}]


@pytest.mark.parametrize("name", sorted(CASES))
def test_perfect_beats_partly_wrong_beats_junk(name):
    perfect, partly, junk = CASES[name](["p"] * 3, [REF, PARTLY, JUNK], reference=[REF] * 3)
    assert perfect > partly > junk == 0.0
    assert all(isinstance(x, float) for x in (perfect, partly, junk))


@pytest.mark.parametrize("name", sorted(CASES))
def test_chat_format_completions_score_like_strings(name):
    as_str = CASES[name](None, [REF, PARTLY], reference=[REF] * 2)
    as_chat = CASES[name](None, [chat(REF), chat(PARTLY)], reference=[REF] * 2)
    assert as_chat == pytest.approx(as_str)


def test_expected_values():
    assert accuracy_reward(None, [REF, PARTLY], reference=[REF, REF]) == [7.0, 5.0]
    assert semantic_reward(None, [REF], reference=[REF])[0] == pytest.approx(2.0, abs=1e-4)  # two present artifacts
    assert acc_sem_reward(None, [REF], reference=[REF])[0] == pytest.approx(9.0, abs=1e-4)
    assert interval_iou_reward(None, [PARTLY], reference=[REF]) == [pytest.approx((0.5 / 2.0 + 0.0) / 2)]
    assert CASES["llm_judge"](None, [REF], reference=[REF]) == [7.0]
    assert CASES["unified"](None, [REF], reference=[REF]) == [1.0]


def test_reference_may_be_an_assessment_and_none_reference_dims_are_skipped():
    ref = Assessment({"noise": 2})
    assert accuracy_reward(None, ["Noise: 2\nSpeed: 1"], reference=[ref]) == [1.0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_junk_of_any_type_scores_zero_and_is_counted(name):
    run, own_before = RewardStats(), CASES[name].stats.snapshot()
    reward = CASES[name].with_stats(run)
    junk = [None, 42, "", "   ", [{"role": "assistant", "content": None}], {"content": JUNK}, [JUNK]]
    assert reward(None, junk, reference=[REF] * len(junk)) == [0.0] * len(junk)
    snap = run.snapshot()[name]
    assert snap["calls"] == len(junk) and snap["unparsed"] == len(junk) and snap["unparsed_rate"] == 1.0
    assert run.calls[name] == len(junk) and run.unparsed[name] == len(junk)
    assert CASES[name].stats.snapshot() == own_before  # the reward it was made from counted nothing of this run


def test_stats_reset_and_unparsed_since():
    run = RewardStats()
    before = run.snapshot()
    accuracy_reward.with_stats(run)(None, [REF, JUNK, JUNK], reference=[REF] * 3)
    assert run.unparsed_since(before) == 2 and run.errors_since(before) == 0
    run.reset()
    assert run.snapshot() == {}


def test_one_collector_per_run_shared_by_its_rewards():
    runs = [RewardStats(), RewardStats()]
    for run, n in zip(runs, (1, 3)):
        for fn in get_rewards(["acc_sem", "iou", "llm_judge"], judge=RULE_ROUGE, stats=run):
            fn(None, [JUNK] * n, reference=[REF] * n)
    assert [r.snapshot()["iou"]["unparsed"] for r in runs] == [1, 3]
    assert set(runs[0].snapshot()) == {"acc_sem", "iou", "llm_judge"}


def test_missing_reference_column_is_a_configuration_error():
    with pytest.raises(RewardConfigError, match="no 'reference' column"):
        accuracy_reward(None, [REF])
    with pytest.raises(RewardConfigError, match="2 'reference' values for 1 completions"):
        accuracy_reward(None, [REF], reference=[REF, REF])


class Exploding(Reward):
    """A reward with a bug: it raises on every batch."""

    name = "exploding"

    def score(self, prompts, completions, columns):
        raise RuntimeError("embedding exploded")


def test_unexpected_error_scores_zero_warns_and_is_counted():
    run = RewardStats()
    before = run.snapshot()
    with pytest.warns(RuntimeWarning, match="embedding exploded"):
        assert Exploding(stats=run)(None, [REF, JUNK], reference=[REF] * 2) == [0.0, 0.0]
    assert run["exploding"].errors == 2 and run.errors_since(before) == 2


def test_judge_rewards_need_a_judge_named():
    for reward in (llm_judge_reward, unified_reward):  # the registry's: no judge, no stand-in
        with pytest.raises(NoJudgeError, match=r"no judge given; build it with one, e\.g\. get_rewards"):
            reward(None, [REF], reference=[REF])
    with pytest.raises(NoJudgeError, match="reward 'llm_judge' asks a judge; pass judge="):
        get_rewards(["acc_sem", "llm_judge"])
    assert get_rewards(["llm_judge"], judge="rule:rouge")[0](None, [REF], reference=[REF]) == [7.0]


def _closed_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.mark.parametrize("factory", [make_llm_judge_reward, make_unified_reward])
def test_dead_judge_raises_at_first_use_naming_url(factory, monkeypatch):
    monkeypatch.setattr("sqa.llm.openai_backend.time.sleep", lambda s: None)  # skip the retry back-off
    url = _closed_url()
    reward = factory(f"{url}#Qwen3-8B")  # building it does not connect
    with pytest.raises(JudgeUnavailable, match=url):
        reward(None, [REF], reference=[REF])


def test_llm_judge_reward_over_http_sums_normalised_dimension_ratings():
    with stub_chat_server(lambda payload: "Score: 8") as (url, seen):
        reward = make_llm_judge_reward(f"{url}#Qwen3-8B")
        out = reward(None, [REF, JUNK, "Noise: 2"], reference=[REF] * 3)
    assert out == [pytest.approx(7 * 0.8), 0.0, pytest.approx(0.8)]
    assert len(seen) == 7 + 1  # one prompt per dimension, none for junk or unstated dimensions


def test_unified_reward_over_http_uses_sq_llm_weights():
    with stub_chat_server(lambda payload: "Helpfulness: 10\nRelevance: 10\nAccuracy: 5\nLevel of detail: 0") as (
        url,
        seen,
    ):
        out = make_unified_reward(f"{url}#Qwen3-8B")(None, [REF, JUNK], reference=[REF] * 2)
        raw = make_unified_reward(f"{url}#Qwen3-8B", normalise=False)(None, [REF], reference=[REF])
    assert out == [pytest.approx((1 + 1 + 2 * 0.5) / 4.5), 0.0]
    assert raw == [pytest.approx(3.0)]
    assert len(seen) == 2


def test_registry_and_get_rewards():
    assert set(REWARDS) >= {"acc_sem", "llm_judge", "unified", "iou", "signal"}
    assert get_rewards("acc_sem") == REWARDS["acc_sem"]  # no collector asked: the registry's own rewards
    assert [f.__name__ for f in get_rewards("acc_sem,iou")] == ["acc_sem_reward", "interval_iou_reward"]
    assert [f.__name__ for f in get_rewards(["llm_judge", "unified"], judge=RULE_ROUGE)] == [
        "llm_judge_reward",
        "unified_reward",
    ]
    with pytest.raises(KeyError, match="unknown reward"):
        get_rewards(["acc_sem", "bleu"])
