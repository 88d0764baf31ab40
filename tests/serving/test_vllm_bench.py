"""``make bench``'s local-vs-vLLM parts run end to end against the session's server (no timing asserts)."""

from __future__ import annotations


def test_vllm_bench_parts_run_and_report_both_paths(served):
    from benchmarks import vllm_parts

    r = vllm_parts.measure(served.warmup, served.server.spec, reps=1, max_new_tokens=4)
    g, e = r["grpo_step"], r["evaluation"]
    for kind in ("local", "vllm"):
        assert g[kind]["t_step"]["median"] > 0 and e[kind]["clips_per_s"] > 0
    assert g["vllm"]["split_median_s"]["t_push"] > 0 and g["local"]["split_median_s"]["t_push"] == 0
    assert g["vllm"]["logp_drift_max"] < 1e-3  # the pushed adapter was applied in every step
    assert 0 <= e["same_answers"] <= e["config"]["clips"]  # recorded (exact parity: test_vllm_parity)
