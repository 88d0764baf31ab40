"""Helpers of the real-vLLM tests (conftest.py holds the fixtures): one real vLLM server for the tests of
``tests/serving`` (session-scoped), started as a user does (``python -m sqa serve``), serving the merged SFT
warm-up of the ``paper_smoke`` profile (a tiny AF3 with AF3's own 30 s window) in float32: the model GRPO
starts from. Ctrl-C at the end must stop it.

Without the vLLM venv (``make vllm``) these tests skip with the reason; under CI (``CI=true``) they fail.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest

from sqa.llm.vllm_server import vllm_python

MAX_TOKENS = 24
"""Greedy answers compared token for token (longer than the profile's 12, so a diverging answer shows)."""


def require_vllm() -> None:
    if vllm_python() is None:
        why = "vLLM is not installed (make vllm builds .venv-vllm)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why}; CI runs `make vllm` before `make test` (.ci/run)")
        pytest.skip(why)


class ServeProcess:
    """``python -m sqa serve MODEL`` in a subprocess: the spec it prints, the vLLM pid it logs, Ctrl-C to stop."""

    def __init__(self, model: str, log_dir, port: int | None = None):
        self.model, self.log_dir = model, log_dir
        self.err = log_dir / f"serve-{time.time_ns()}.err"
        cmd = [sys.executable, "-m", "sqa", "serve", model, "--profile", "paper_smoke", "--dtype", "float32"]
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen(
                cmd + (["--port", str(port)] if port else []),
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
            )
        line = self.proc.stdout.readline().strip()  # the generator spec, once /health answers
        if not line.startswith("http://"):
            self.proc.wait(timeout=60)
            pytest.fail(
                f"python -m sqa serve printed {line!r}, exit {self.proc.returncode}: {self.err.read_text()[-2000:]}"
            )
        self.spec = line
        self.base_url = line.split("/v1#")[0]
        self.name = line.split("#", 1)[1]
        found = re.findall(r"vLLM \(pid (\d+)\) serves", self.err.read_text())
        assert found, self.err.read_text()[-2000:]
        self.vllm_pid = int(found[-1])

    def kill_vllm(self) -> None:
        """The server dies (SIGKILL to vLLM's process group), as in a crash."""
        os.killpg(self.vllm_pid, signal.SIGKILL)

    def stop(self) -> int:
        """Ctrl-C to ``sqa serve``: it stops vLLM and exits 0 (or 2 when vLLM had died under it)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=90)
        self.proc.stdout.close()
        return code


def vllm_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
        return True
    except ProcessLookupError:
        return False


@dataclass
class Served:
    profile: object
    warmup: str  # the warm-up stage dir (GRPO's init)
    server: ServeProcess
    train: list
    test: list
    times: dict = field(default_factory=dict)

    def restart(self) -> ServeProcess:
        """The same model served again on another port, as after a crash."""
        self.server.stop()
        t0 = time.perf_counter()
        self.server = ServeProcess(self.warmup, self.server.log_dir)
        self.times["restart"] = time.perf_counter() - t0
        return self.server
