"""The session's real vLLM server (``support.ServeProcess``: ``python -m sqa serve`` on the paper_smoke warm-up in
float32) and what the tests share; skipped without ``make vllm``, failed under CI."""

from __future__ import annotations

import time

import pytest

from .support import Served, ServeProcess, require_vllm, vllm_alive


@pytest.fixture(scope="package")  # torn down when tests/serving is done, not at the end of make test
def served(tmp_path_factory):
    require_vllm()
    from sqa.configs.profiles import Profile, get_profile
    from sqa.data import load_examples
    from sqa.pipeline.stages import warmup_stage

    root = tmp_path_factory.mktemp("vllm")
    times = {}
    with pytest.MonkeyPatch.context() as mp:  # only while the stages are trained: the runs go under tmp
        mp.setattr(Profile, "shared_dir", property(lambda self: root / "runs" / self.name))
        profile = get_profile("paper_smoke", dtype="float32")
        t0 = time.perf_counter()
        warmup = warmup_stage(profile)
        times["stages"] = time.perf_counter() - t0
        train, test = load_examples(profile, "train"), load_examples(profile, "test")
    t0 = time.perf_counter()
    server = ServeProcess(str(warmup), root)  # merges the adapter stage (sqa export), starts vLLM, prints the spec
    times["start"] = time.perf_counter() - t0
    s = Served(profile, str(warmup), server, train, test, times)
    yield s
    pid = s.server.vllm_pid
    code = s.server.stop()
    print("vLLM test fixture seconds:", {k: round(v, 1) for k, v in s.times.items()})
    assert code == 0 and not vllm_alive(pid), f"sqa serve exit {code}, vLLM alive: {vllm_alive(pid)}"


@pytest.fixture(scope="package")  # torn down when tests/serving is done, not at the end of make test
def warm_model(served):
    """The warm-up model loaded locally in float32 (what the server serves), eval mode."""
    from sqa.model import load_model

    model, processor = load_model(served.warmup, lora_rank=0, dtype="float32")
    return model.eval(), processor


@pytest.fixture(scope="package")  # torn down when tests/serving is done, not at the end of make test
def clips(served):
    from sqa.data import load_audio

    return [load_audio(ex.audio_path) for ex in served.train + served.test]
