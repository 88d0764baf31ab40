"""A reward's exceptions are scored 0.0 and counted into reward_curve.csv (``reward_errors``, the last column)."""

import csv

import pytest

import sqa.train
from sqa.rewards import REWARDS, Reward
from sqa.train import GRPOConfig


class Exploding(Reward):
    """A reward with a bug: every batch raises."""

    name = "exploding"

    def score(self, prompts, completions, columns):
        raise ZeroDivisionError("a bug in the reward")


def test_reward_errors_reach_the_reward_curve(small_model, corpus, tmp_path, monkeypatch):
    from sqa.data import load_qualispeech

    monkeypatch.setitem(REWARDS, "exploding", [Exploding()])  # a reward is one registry entry
    cfg = GRPOConfig(
        init=str(small_model),
        out_dir=str(tmp_path / "grpo"),
        rewards=["iou", "exploding"],
        steps=2,
        group_size=2,
        batch_size=2,
        max_new_tokens=4,
        lora_rank=8,
        save_every=10,
    )
    with pytest.warns(RuntimeWarning, match="a bug in the reward"):
        sqa.train.run_grpo(cfg, examples=load_qualispeech(corpus, "train"), progress=False)
    with (tmp_path / "grpo" / "reward_curve.csv").open() as f:
        header = next(csv.reader(f))
        f.seek(0)
        rows = list(csv.DictReader(f))
    assert header[-2:] == ["t_step", "reward_errors"] and "unparsed" in header
    assert [r["reward_errors"] for r in rows] == ["4", "4"]  # 2 clips x 2 completions, each step
    assert [float(r["reward_exploding_reward"]) for r in rows] == [0.0, 0.0]
    assert REWARDS["exploding"][0].stats.snapshot() == {}  # the run counted into its own collector
