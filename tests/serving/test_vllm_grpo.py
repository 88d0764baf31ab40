"""GRPO with its rollouts sampled by the real vLLM server of ``conftest.served``: the policy's LoRA pushed each
step, the log-prob drift recorded, the served policy answering as the local one; and what goes wrong: an
adapter vLLM does not apply, a served base that is not the run's init, a refused adapter, a server killed in
the middle of a run (checkpoint, then resume on a server restarted on another port)."""

from __future__ import annotations

import csv
import json
import threading
import time

import pytest
import torch

from .support import MAX_TOKENS

TEST_LR = 2e-2
"""Large enough that 3 GRPO steps move the policy's greedy answers away from the base's (paper: 5e-6)."""
DRIFT_TOL = 1e-3
"""Mean |logp_vllm - logp_policy| per token in float32 (measured ~1e-6): an adapter off by one step is ~1e-1."""


def distinct_chars(prompts, completions, **_):
    """A reward with spread on a random-weight model's answers (the paper's rewards are 0 on all of them)."""
    return [len(set(c)) / 10 for c in completions]


@pytest.fixture(autouse=True)
def _test_reward(monkeypatch):
    from sqa.rewards import REWARDS

    monkeypatch.setitem(REWARDS, "distinct_chars", [distinct_chars])


def _config(served, out_dir, steps=3, **kw):
    from sqa.train.grpo import GRPOConfig

    return GRPOConfig.from_profile(
        served.profile,
        served.warmup,
        out_dir,
        ["distinct_chars"],
        steps=steps,
        lr=TEST_LR,
        rollouts=served.server.spec,
        save_every=1000,
        **kw,
    )


def _curve(out_dir):
    with open(out_dir / "reward_curve.csv") as f:
        return list(csv.DictReader(f))


def _greedy(model, processor, clips):
    from sqa.model import generate_texts
    from sqa.schema.prompts import REASONING_PROMPT

    return [
        t.strip()
        for t in generate_texts(model, processor, clips, [REASONING_PROMPT] * len(clips), max_new_tokens=MAX_TOKENS)
    ]


def test_grpo_with_vllm_rollouts(served, warm_model, clips, tmp_path):
    from peft import PeftModel

    from sqa.llm import vllm_client
    from sqa.llm.audio_endpoint import AudioChatEndpoint
    from sqa.model.stages import load_stage_weights
    from sqa.schema.prompts import REASONING_PROMPT
    from sqa.train.grpo import run_grpo
    from sqa.train.vllm_adapter import write_vllm_adapter

    out = tmp_path / "grpo"
    t0 = time.perf_counter()
    final = run_grpo(_config(served, out), examples=served.train, progress=False)
    served.times["grpo_3_steps"] = time.perf_counter() - t0
    rows = _curve(out)
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    for r in rows:  # vLLM sampled what the policy of that step would score: its adapter was applied
        assert float(r["logp_drift"]) < DRIFT_TOL, r
        assert float(r["t_push"]) > 0 and float(r["completion_len"]) > 0
    assert float(rows[-1]["policy_vs_ref"]) > 10 * DRIFT_TOL  # the policy moved, so the drift means something
    settings = json.loads((out / "config.json").read_text())
    assert settings["rollouts"] == "vllm" and served.server.base_url not in json.dumps(settings)

    # after the last step: the trained policy served through vLLM answers as the local policy, not as the base
    base = load_stage_weights(served.warmup, dtype=torch.float32)
    policy = PeftModel.from_pretrained(base, str(final)).eval()
    processor = warm_model[1]
    local, before = _greedy(policy, processor, clips), _greedy(*warm_model, clips)
    assert sum(a != b for a, b in zip(local, before)) >= 1, "the test lr did not move any greedy answer"
    url = served.server.base_url + "/v1"
    vllm_client.load_adapter(url, "grpo-final", str(write_vllm_adapter(policy, tmp_path / "final")))
    try:
        remote = [
            t.strip()
            for t in AudioChatEndpoint.from_spec(f"{url}#grpo-final").generate(
                clips, [REASONING_PROMPT] * len(clips), max_new_tokens=MAX_TOKENS
            )
        ]
    finally:
        vllm_client.unload_adapter(url, "grpo-final")
    assert remote == local
    assert vllm_client.served_models(url) == [served.server.name]  # every pushed version was unloaded


def test_unmapped_adapter_stops_grpo_with_a_checkpoint(served, tmp_path, monkeypatch):
    import sqa.train.vllm_rollouts as vr
    from sqa.llm.audio_endpoint import EndpointUnavailable
    from sqa.train.grpo import run_grpo

    monkeypatch.setattr(vr, "VLLM_NAMING", False)  # PEFT's tensor names: vLLM "adds" it and applies nothing
    out = tmp_path / "unmapped"
    with pytest.raises(EndpointUnavailable, match="does not apply the policy's adapter") as exc:
        run_grpo(_config(served, out), examples=served.train, progress=False)
    msg = str(exc.value)
    assert "\n" not in msg and served.server.base_url in msg and "checkpoint-1" in msg
    assert (out / "checkpoint-1" / "state.pt").exists()  # step 1 (policy = reference) passed, step 2 stopped


def test_served_base_other_than_the_init_is_refused(served, tmp_path):
    from sqa.train.grpo import run_grpo

    cfg = _config(served, tmp_path / "other")
    cfg.rollouts = served.server.spec.rsplit("@", 1)[0] + "@0000000000"
    with pytest.raises(ValueError, match="is not the model this GRPO run starts from"):
        run_grpo(cfg, examples=served.train, progress=False)


def test_refused_adapter_is_one_line_quoting_the_server(served, tmp_path):
    """An adapter holding a non-LoRA tensor (a trained stage's projector): vLLM's own refusal, in one line."""
    from safetensors.torch import load_file, save_file

    from sqa.llm import vllm_client
    from sqa.llm.audio_endpoint import EndpointUnavailable
    from sqa.model import load_model
    from sqa.train.vllm_adapter import write_vllm_adapter

    model, _ = load_model(served.warmup, lora_rank=8, train_audio_encoder=False, dtype="float32")
    d = write_vllm_adapter(model, tmp_path / "bad")
    state = load_file(str(d / "adapter_model.safetensors"))
    state["base_model.model.multi_modal_projector.linear_1.bias"] = torch.zeros(4)
    save_file(state, str(d / "adapter_model.safetensors"))
    url = served.server.base_url + "/v1"
    with pytest.raises(EndpointUnavailable, match="refused loading adapter 'bad'") as exc:
        vllm_client.load_adapter(url, "bad", str(d))
    assert "\n" not in str(exc.value) and "unsupported" in str(exc.value).lower(), str(exc.value)


def test_server_killed_mid_grpo_stops_then_resumes(served, tmp_path):
    """The server dies after step 1: one line naming the URL, checkpoint-1; restarted on another port, the same
    run (the URL is not in its cache key) resumes at step 2 and pushes the restored adapter before sampling."""
    from sqa.llm.audio_endpoint import EndpointUnavailable
    from sqa.train.grpo import run_grpo

    out = tmp_path / "killed"
    server = served.server

    def kill_after_step_1():
        while not (out / "reward_curve.csv").exists() or len(_curve(out)) < 1:
            time.sleep(0.05)
        server.kill_vllm()

    killer = threading.Thread(target=kill_after_step_1, daemon=True)
    killer.start()
    with pytest.raises(EndpointUnavailable) as exc:
        run_grpo(_config(served, out), examples=served.train, progress=False)
    killer.join(timeout=5)
    msg = str(exc.value)
    assert "\n" not in msg and server.base_url in msg, msg
    assert "checkpoint-1" in msg and (out / "checkpoint-1" / "state.pt").exists(), msg
    recorded = (out / "config.json").read_text()

    assert server.proc.wait(timeout=30) == 2  # sqa serve saw its server die, exits 2 by itself, says so on stderr
    assert "exited" in server.err.read_text()
    restarted = served.restart()  # a free port: another URL
    assert restarted.base_url != server.base_url
    run_grpo(_config(served, out), examples=served.train, progress=False)
    assert (out / "config.json").read_text() == recorded  # the same run, not restarted from scratch
    rows = _curve(out)
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    resumed = rows[1]  # the first step after the restart: the restored (moved) policy's adapter was pushed
    assert float(resumed["policy_vs_ref"]) > 10 * DRIFT_TOL and float(resumed["logp_drift"]) < DRIFT_TOL, resumed
