"""Served greedy answers equal local ones, for the base and through a LoRA adapter pushed at run time; an adapter
left in PEFT's tensor naming is caught by the adapter-applied check; evaluation through the server scores
like local evaluation. All against the real vLLM server of ``conftest.served``."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from .support import MAX_TOKENS

log = logging.getLogger(__name__)


def _local_greedy(model, processor, clips):
    from sqa.model import generate_texts
    from sqa.schema.prompts import REASONING_PROMPT

    return [
        t.strip()
        for t in generate_texts(model, processor, clips, [REASONING_PROMPT] * len(clips), max_new_tokens=MAX_TOKENS)
    ]


def _served_greedy(spec, clips):
    from sqa.llm.audio_endpoint import AudioChatEndpoint
    from sqa.schema.prompts import REASONING_PROMPT

    return [
        t.strip()
        for t in AudioChatEndpoint.from_spec(spec).generate(
            clips, [REASONING_PROMPT] * len(clips), max_new_tokens=MAX_TOKENS
        )
    ]


@pytest.fixture(scope="module")
def lora_policy(served):
    """The warm-up with a LoRA whose B ~ N(0, 0.5): its greedy answers differ from the base's."""
    from sqa.model import load_model

    torch.manual_seed(0)
    model, processor = load_model(
        served.warmup,
        lora_rank=served.profile.lora_rank,
        lora_alpha=served.profile.lora_alpha,
        train_audio_encoder=False,
        dtype="float32",
    )
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0.0, 0.5)
    return model.eval(), processor


def test_served_greedy_equals_local_greedy(served, warm_model, clips):
    local = _local_greedy(*warm_model, clips)
    remote = _served_greedy(served.server.spec, clips)
    same = sum(a == b for a, b in zip(local, remote))
    log.warning("base parity: %d of %d clips identical at %d tokens", same, len(clips), MAX_TOKENS)
    assert len(clips) >= 8 and same == len(clips), list(zip(local, remote))
    assert all(local)  # non-empty answers: the comparison says something


def test_served_adapter_equals_local_peft_model(served, lora_policy, warm_model, clips, tmp_path):
    from sqa.llm import vllm_client
    from sqa.train.vllm_adapter import write_vllm_adapter

    model, processor = lora_policy
    local, base = _local_greedy(model, processor, clips), _local_greedy(*warm_model, clips)
    assert sum(a != b for a, b in zip(local, base)) >= len(clips) // 2  # the adapter changes the answers
    url = served.server.base_url + "/v1"
    vllm_client.load_adapter(url, "parity", str(write_vllm_adapter(model, tmp_path / "mapped")))
    try:
        remote = _served_greedy(f"{url}#parity", clips)
    finally:
        vllm_client.unload_adapter(url, "parity")
    same = sum(a == b for a, b in zip(local, remote))
    log.warning("adapter parity: %d of %d clips identical", same, len(clips))
    assert same == len(clips), list(zip(local, remote))


def test_unmapped_adapter_is_caught_by_the_adapter_applied_check(served, lora_policy, clips, tmp_path):
    """PEFT's naming: vLLM says it loaded the adapter and serves the base; the check says so in one line."""
    from sqa.llm import vllm_client
    from sqa.llm.audio_endpoint import EndpointUnavailable
    from sqa.model.batching import end_of_turn_id, prompt_inputs
    from sqa.schema.prompts import REASONING_PROMPT
    from sqa.train.grpo_setup import reference_model
    from sqa.train.logprobs import sequence_logprobs
    from sqa.train.vllm_adapter import write_vllm_adapter
    from sqa.train.vllm_rollouts import check_adapter_applied, drift

    model, processor = lora_policy
    url = served.server.base_url + "/v1"
    eot = end_of_turn_id(processor)
    for naming, caught in ((True, False), (False, True)):
        name = f"naming-{naming}"
        vllm_client.load_adapter(url, name, str(write_vllm_adapter(model, tmp_path / name, vllm_naming=naming)))
        try:
            (s,) = vllm_client.sample(url, name, REASONING_PROMPT, clips[0], 1, 1.0, MAX_TOKENS, [eot], seed=0)
        finally:
            vllm_client.unload_adapter(url, name)
        ids = torch.tensor([s.token_ids])
        mask = torch.ones_like(ids)
        inputs = prompt_inputs(processor, [clips[0]], REASONING_PROMPT)
        with torch.no_grad():
            logp = sequence_logprobs(model, inputs, ids, mask)
            with reference_model(model, None) as ref:
                ref_logp = sequence_logprobs(ref, inputs, ids, mask)
        d = drift(torch.tensor([s.logprobs]), logp, ref_logp, mask)
        log.warning("vllm_naming=%s: %s", naming, d)
        if caught:
            with pytest.raises(EndpointUnavailable, match="does not apply the policy's adapter") as exc:
                check_adapter_applied(d, url, name)
            assert "\n" not in str(exc.value) and url in str(exc.value)
        else:
            check_adapter_applied(d, url, name)
            assert d["logp_drift"] < 1e-3  # vLLM's log-probs are the policy's


def test_vllm_logprobs_of_sampled_tokens_equal_the_policy_ones(served, warm_model, clips):
    """Temperature handled alike: vLLM's processed log-probs at T = local log_softmax(logits / T)."""
    from sqa.llm import vllm_client
    from sqa.model.batching import end_of_turn_id, prompt_inputs
    from sqa.schema.prompts import REASONING_PROMPT
    from sqa.train.logprobs import completion_mask_from_ids, sequence_logprobs

    model, processor = warm_model
    eot = end_of_turn_id(processor)
    for temperature in (1.0, 0.7):
        rows = vllm_client.sample(
            served.server.base_url + "/v1",
            served.server.name,
            REASONING_PROMPT,
            clips[1],
            4,
            temperature,
            MAX_TOKENS,
            [eot],
            seed=1,
        )
        width = max(len(r.token_ids) for r in rows)
        ids = torch.tensor([r.token_ids + [eot] * (width - len(r.token_ids)) for r in rows])
        mask = completion_mask_from_ids(ids, [eot])
        inputs = prompt_inputs(processor, [clips[1]] * 4, REASONING_PROMPT)
        with torch.no_grad():
            logp = sequence_logprobs(model, inputs, ids, mask, temperature=temperature)
        for r, row in enumerate(rows):
            assert len(row.logprobs) == len(row.token_ids)
            np.testing.assert_allclose(logp[r, : len(row.logprobs)].numpy(), row.logprobs, atol=1e-4)


def test_evaluation_through_the_server_scores_like_local(served, warm_model):
    from sqa.evaluation.answers import evaluate_answers

    kw = dict(max_new_tokens=MAX_TOKENS, corr_backend="rule:rouge")
    local = evaluate_answers(*warm_model, served.test, **kw)
    remote = evaluate_answers(served.server.spec, None, served.test, **kw)
    assert remote.metrics["generator"] == served.server.spec
    assert [a.strip() for a in local.predictions["answer"]] == [a.strip() for a in remote.predictions["answer"]]
    numeric = {k: v for k, v in local.metrics.items() if isinstance(v, float) and not np.isnan(v)}
    assert numeric and {k: remote.metrics[k] for k in numeric} == pytest.approx(numeric)


def test_assess_through_the_server_answers_like_local(served, warm_model):
    """``python -m sqa assess --model URL#NAME FILE...``: the same answers as the local model, and a bad file
    is one counted line here too."""
    from pathlib import Path

    from sqa.cli import main as sqa_main
    from sqa.inference.assess import iter_assess

    files = [str(ex.audio_path) for ex in served.test]
    local = list(iter_assess(files, model=warm_model, max_new_tokens=MAX_TOKENS))
    remote = list(iter_assess(files, model=served.server.spec, max_new_tokens=MAX_TOKENS))
    assert all(r.error is None for r in remote), [r.error for r in remote]
    assert [r.raw.strip() for r in local] == [r.raw.strip() for r in remote]
    bad = Path(served.warmup).parent / "not_audio.wav"
    bad.write_text("not audio")
    assert (
        sqa_main(
            [
                "assess",
                "--model",
                served.server.spec,
                "--max-new-tokens",
                str(MAX_TOKENS),
                "--no-progress",
                files[0],
                str(bad),
            ]
        )
        == 1
    )
