"""The judge-backend seam: a new backend is one module plus one register_judge_backend call.

The toy backend is written as a module in a temporary folder, imported, registered with one call; nothing
in sqa is monkeypatched. Its spec then goes through the real code paths: the typed parser, the provenance
label, the preflight's judge check, the llm_judge and unified rewards of a GRPO config built from a profile,
and the Table 3 description correlation of evaluate_answers.
"""

import importlib
import sys
import textwrap

import pytest

from sqa.llm import register_judge_backend
from sqa.llm.spec import JUDGE_BACKENDS, parse_judge_spec

TOY = '''
"""A toy judge backend: a chat model that answers every judge prompt with the score in its spec."""
from sqa.llm.spec import JudgeKind, Readiness


class ToyChat:
    def __init__(self, score):
        self.score = score
        self.name = f"toy{score}"
        self.seen = []

    def chat(self, messages, max_tokens=None):
        self.seen.append(messages)
        return (f"Helpfulness: {self.score}\\nRelevance: {self.score}\\nAccuracy: {self.score}\\n"
                f"Level of detail: {self.score}\\nScore: {self.score}")


BUILT = []


def build(spec):
    BUILT.append(ToyChat(int(spec.target)))
    return BUILT[-1]


KIND = JudgeKind("toy", ("toy:",), build=build, label=lambda spec: f"toy judge {spec.target}",
                 check=lambda spec: Readiness(True, " (always ready)"), example="toy:<0..10>")
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    (tmp_path / "toy_judge.py").write_text(textwrap.dedent(TOY))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("toy_judge")
    register_judge_backend(module.KIND)  # the one registry line
    yield module
    del JUDGE_BACKENDS["toy"]
    sys.modules.pop("toy_judge", None)


def test_a_toy_judge_backend_runs_through_the_real_code_paths(toy, monkeypatch):
    from sqa.configs.profiles import get_profile
    from sqa.configs.sources import judge_spec
    from sqa.llm.labels import corr_backend, is_stand_in, judge_label
    from sqa.pipeline.preflight import check_judge
    from sqa.rewards import RewardStats
    from sqa.schema import Artifact, Assessment, render
    from sqa.train.grpo import GRPOConfig, _reward_functions

    spec = parse_judge_spec("toy:8")
    assert (spec.kind is toy.KIND, spec.target, spec.label) == (True, "8", "toy judge 8")

    monkeypatch.delenv("SQA_JUDGE", raising=False)
    profile = get_profile("smoke", judge="toy:8")
    assert judge_label(judge_spec(profile)) == "toy judge 8" and not is_stand_in("toy:8")
    assert corr_backend(profile) == "toy:8"
    check = check_judge(profile)
    assert check.ok and check.detail == "toy judge 8 (always ready)"

    ref = render(Assessment({"noise": 2, "overall": 3}, {"noise": Artifact(True, [(0.5, 1.5)], "a hum")}, "Noisy."))
    cfg = GRPOConfig.from_profile(profile, "init", "out", ["llm_judge", "unified"])
    assert cfg.judge == "toy:8"
    run = RewardStats()
    llm_judge, unified = _reward_functions(cfg, run)[0]
    assert toy.BUILT == []  # building the rewards contacted nothing
    assert llm_judge(None, [ref, "junk"], reference=[ref] * 2) == [pytest.approx(2 * 0.8), 0.0]  # noise, overall
    assert unified(None, [ref], reference=[ref]) == [pytest.approx(0.8)]
    assert len(toy.BUILT) == 2 and len(toy.BUILT[0].seen) == 2 and run.calls == {"llm_judge": 2, "unified": 1}


def test_a_toy_judge_measures_the_description_correlation(toy):
    from pathlib import Path

    from sqa.data.example import Example
    from sqa.evaluation import evaluate_answers
    from sqa.schema import Artifact, Assessment, render

    ref = Assessment({"noise": 2, "overall": 3}, {"noise": Artifact(True, [(0.5, 1.5)], "a low hum")}, "Noisy.")

    class Answers:
        label = "fixed"

        def generate(self, audios, prompts, max_new_tokens=None, progress=False):
            return [render(ref)] * len(prompts)

    examples = [Example(f"c{i}", Path(f"/nowhere/c{i}.wav"), ref) for i in range(2)]
    m = evaluate_answers(Answers(), None, examples, audio_mode="withheld", corr_backend="toy:6").metrics
    assert m["corr_backend"] == "llm:toy6" and m["longform_corr"] == pytest.approx(0.6)
    assert m["noise_corr"] == pytest.approx(0.6)
    assert len(toy.BUILT) == 1 and toy.BUILT[0].seen  # one judge, built once, asked for real


def test_an_unknown_spec_names_every_registered_form(toy):
    with pytest.raises(ValueError, match=r"unknown judge spec 'toy8'; expected 'rule', .*'toy:<0..10>'"):
        parse_judge_spec("toy8")
