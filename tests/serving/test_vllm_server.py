"""Starting a real vLLM: a server slow to answer ``/health`` is stopped after the bounded wait with a clear line;
one that refuses its arguments at start is one line from its log, not its traceback."""

from __future__ import annotations

import time

import pytest

from .support import require_vllm, vllm_alive


@pytest.fixture(autouse=True)
def _vllm():
    require_vllm()


def test_slow_start_is_a_bounded_wait(served):
    from sqa.llm.vllm_server import VLLMServer, VLLMUnavailable

    server = VLLMServer(served.warmup.rsplit("/", 1)[0] + "/served_float32", "slow", startup_timeout=3)
    t0 = time.perf_counter()
    with pytest.raises(VLLMUnavailable, match=r"did not answer /health within 3 s; stopped it") as exc:
        server.start()
    assert time.perf_counter() - t0 < 40  # 3 s, then SIGTERM (SIGKILL after 30 s)
    assert "\n" not in str(exc.value) and server.base_url in str(exc.value)
    assert not vllm_alive(server.proc.pid)


def test_refused_at_start_is_one_line(served, tmp_path):
    from sqa.llm.vllm_server import VLLMServer, VLLMUnavailable

    server = VLLMServer(
        served.warmup.rsplit("/", 1)[0] + "/served_float32", "refused", max_lora_rank=7, log_path=tmp_path / "vllm.log"
    )
    with pytest.raises(VLLMUnavailable, match="exited at start") as exc:
        server.start()
    msg = str(exc.value)
    assert "\n" not in msg and "max-lora-rank" in msg and "Traceback" not in msg, msg
