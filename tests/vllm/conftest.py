"""One real vLLM server for the tests of ``tests/vllm`` (session-scoped), serving the merged SFT warm-up of the
``paper_smoke`` profile (a tiny AF3 with AF3's own 30 s window) in float32, the model GRPO starts from.

Without the vLLM venv (``make vllm``) these tests skip with the reason; under CI (``CI=true``) they fail.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import pytest

from sqa.llm.vllm_server import VLLMServer, vllm_python

MAX_TOKENS = 24
"""Greedy answers compared token for token (longer than the profile's 12, so a diverging answer shows)."""


def require_vllm() -> None:
    if vllm_python() is None:
        why = "vLLM is not installed (make vllm builds .venv-vllm)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why}; CI runs `make vllm` before `make test` (.ci/run)")
        pytest.skip(why)


@dataclass
class Served:
    profile: object
    warmup: str  # the warm-up stage dir (GRPO's init)
    server: VLLMServer
    train: list
    test: list
    times: dict = field(default_factory=dict)

    def restart(self, port: int | None = None) -> VLLMServer:
        """The same model served again (on another port by default), as after a crash."""
        old = self.server
        old.stop()
        t0 = time.perf_counter()
        self.server = VLLMServer(old.model, old.name, port=port, dtype=old.dtype, log_path=old.log_path).start()
        self.times["restart"] = time.perf_counter() - t0
        return self.server


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    require_vllm()
    from sqa.data import load_examples
    from sqa.pipeline import warmup_stage
    from sqa.profiles import Profile, get_profile
    from sqa.serve_cli import start_server

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
        server = start_server(profile, str(warmup), log_path=root / "vllm.log")
        times["start"] = time.perf_counter() - t0
    s = Served(profile, str(warmup), server, train, test, times)
    yield s
    s.server.stop()
    print("vLLM test fixture seconds:", {k: round(v, 1) for k, v in s.times.items()})


@pytest.fixture(scope="session")
def warm_model(served):
    """The warm-up model loaded locally in float32 (what the server serves), eval mode."""
    from sqa.model import load_model

    model, processor = load_model(served.warmup, lora_rank=0, dtype="float32")
    return model.eval(), processor


@pytest.fixture(scope="session")
def clips(served):
    from sqa.data import load_audio

    return [load_audio(ex.audio_path) for ex in served.train + served.test]
