"""The CPU profiles pin torch's kernels (sqa.configs.kernels): a process that loads one runs AVX2 kernels on one thread,
whatever the CPU offers and however many threads it was started with, and its provenance says so."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from sqa.configs.kernels import PINS, KernelPinError, pin_environment, pin_kernels
from sqa.configs.profiles import get_profile

ROOT = Path(__file__).resolve().parents[1]
X86 = platform.machine().lower() in ("x86_64", "amd64")
AVX2 = X86 and Path("/proc/cpuinfo").exists() and " avx2" in Path("/proc/cpuinfo").read_text()
needs_avx2 = pytest.mark.skipif(not AVX2, reason="the pin is AVX2 kernels: needs an x86 CPU with AVX2")

PROBE = """
import json, sys
from sqa.configs.profiles import get_profile
get_profile(sys.argv[1])
import torch
torch.ones(8).sum()  # a kernel dispatched after the profile was loaded
from sqa.configs.kernels import kernel_record
now = kernel_record()  # before anything loads the profile again
from sqa.pipeline.provenance import provenance
prov = provenance(get_profile(sys.argv[1]))["kernels"] if sys.argv[1] != "paper" else None
print(json.dumps({"now": now, "provenance": prov}))
"""


def _probe(profile: str) -> dict:
    """Load ``profile`` in a fresh process started unpinned with two threads, as a user's shell would."""
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR")}
    env.update(OMP_NUM_THREADS="2", MKL_NUM_THREADS="2")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, profile], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@needs_avx2
@pytest.mark.parametrize("profile", ["smoke", "tiny"])
def test_a_cpu_profile_runs_pinned_kernels_on_one_thread(profile):
    got = _probe(profile)
    for record in (got["now"], got["provenance"]):
        assert record["capability"] == "AVX2", record
        assert record["threads"] == 1, record
        assert record["ATEN_CPU_CAPABILITY"] == "avx2" and record["ONEDNN_MAX_CPU_ISA"] == "AVX2", record


@needs_avx2
def test_the_gpu_profile_is_not_pinned():
    got = _probe("paper")["now"]
    assert got["ATEN_CPU_CAPABILITY"] is None and got["ONEDNN_MAX_CPU_ISA"] is None
    assert got["threads"] == 2


def test_the_cpu_profiles_name_their_pin_and_the_gpu_profiles_none():
    for name in ("smoke", "tiny"):
        p = get_profile(name)
        assert (p.cpu_kernels, p.cpu_threads) == ("avx2", 1), name
    for name in ("paper", "paper_smoke"):
        assert get_profile(name).cpu_kernels is None, name


def test_an_unknown_pin_is_a_one_line_error():
    with pytest.raises(ValueError, match="unknown cpu_kernels 'avx9'.*known: avx2"):
        pin_environment("avx9")


@needs_avx2
def test_a_pin_too_late_is_refused_when_strict():
    """torch chose its kernels at the first one it ran: a pin after that cannot hold."""
    code = (
        "import torch; torch.ones(8).sum(); from sqa.configs.kernels import pin_kernels, KernelPinError\n"
        "try:\n    pin_kernels('avx2', strict=True)\nexcept KernelPinError as e:\n    print('refused:', e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in PINS["avx2"]}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    native_is_avx2 = "avx512" not in Path("/proc/cpuinfo").read_text()
    if native_is_avx2:
        assert "refused" not in out.stdout
    else:
        assert out.stdout.startswith("refused: cpu_kernels: avx2 cannot be pinned: torch already runs AVX512"), out


def test_pin_kernels_keeps_what_the_user_exported(monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert pin_kernels(None) == {}
    assert os.environ["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    assert isinstance(KernelPinError("x"), RuntimeError)
