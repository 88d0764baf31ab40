"""CPU kernels pinned per profile, so a training seed gives the same numbers on every x86 CPU.

PyTorch picks its vectorised CPU kernels (ATen) and oneDNN its matmul/convolution code by what the CPU
offers. On an AVX-512 CPU they sum in another order than on an AVX2 one, so the same seed, code and
package versions give other weights after a few steps, and the difference grows through the chain of
stages (measured: 185 of 1,050 calibration predictions of tiny seed 0 differed between an AVX2 and an
AVX-512 machine). Three things decide it, each checked on 100 calibration steps of the tiny profile
on an AVX-512 CPU, weights hashed (README, *Seeds across machines*):

* ``ATEN_CPU_CAPABILITY=avx2``: needed (alone it changes the weights, but not to the AVX2 ones);
* ``ONEDNN_MAX_CPU_ISA=AVX2``: needed (the linear layers' oneDNN kernels);
* ``MKL_CBWR=AVX2``: no effect (the same weights with and without it);
* the thread count: part of the pin (one thread per job, as ``make reproduce`` runs the tiny profile).

A profile names its pin (``cpu_kernels: avx2`` in ``smoke.yaml`` and ``tiny.yaml``; none for the GPU
profiles). :func:`pin_kernels` applies it to this process's environment, before torch has run a kernel:
:func:`sqa.configs.profiles.get_profile` calls it, so the CLI, the notebooks and the stage commands all run
pinned. :func:`kernel_record` is what
the provenance of every result records.

>>> sorted(pin_environment("avx2"))
['ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA']
>>> pin_environment(None)
{}
"""

from __future__ import annotations

import logging
import os
import platform
import sys

log = logging.getLogger(__name__)

PINS: dict[str, dict[str, str]] = {
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
}
"""Environment of each pin a profile can name (``cpu_kernels:``)."""


class KernelPinError(RuntimeError):
    """The profile's pin cannot hold in this process (torch already chose other kernels)."""


def pin_environment(pin: str | None) -> dict[str, str]:
    """The environment variables of ``pin`` (empty for none, or on a CPU that is not x86)."""
    if pin is None:
        return {}
    if pin not in PINS:
        raise ValueError(f"unknown cpu_kernels {pin!r} (known: {', '.join(PINS)})")
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return {}
    return dict(PINS[pin])


def pin_kernels(pin: str | None, threads: int | None = None, strict: bool = False) -> dict[str, str]:
    """Pin this process's CPU kernels (and torch's thread count) to ``pin``; return the variables set.

    Kernel variables already in the environment win (a user who exports another value gets it, and the
    provenance says so); the thread count is the profile's, whatever ``OMP_NUM_THREADS`` said. When torch
    has already dispatched a kernel under another capability the pin cannot take effect any more: a
    one-line :class:`KernelPinError` if ``strict``, else a warning (the provenance of what runs then
    records the kernels it really used).
    """
    env = pin_environment(pin)
    for key, value in env.items():
        os.environ.setdefault(key, value)
    if threads is not None:  # the pin's thread count wins over OMP_NUM_THREADS (torch reads it when it starts)
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    if "torch" not in sys.modules:  # torch not loaded yet: it reads the variables when it runs its first kernel
        return env
    import torch

    if threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    wanted = env.get("ATEN_CPU_CAPABILITY")
    got = torch.backends.cpu.get_cpu_capability()
    if wanted and os.environ["ATEN_CPU_CAPABILITY"] == wanted and got != wanted.upper():  # not a user's override
        message = (
            f"cpu_kernels: {pin} cannot be pinned: torch already runs {got} kernels in this process; "
            f"load the profile before any torch code runs, or start Python with "
            f"ATEN_CPU_CAPABILITY={env['ATEN_CPU_CAPABILITY']} ONEDNN_MAX_CPU_ISA={env['ONEDNN_MAX_CPU_ISA']}"
        )
        if strict:
            raise KernelPinError(message)
        log.warning(message)
    return env


def kernel_record() -> dict:
    """The CPU kernels this process runs: torch's capability, the pin variables and the thread count.

    >>> sorted(kernel_record())
    ['ATEN_CPU_CAPABILITY', 'MKL_CBWR', 'ONEDNN_MAX_CPU_ISA', 'capability', 'threads']
    """
    import torch

    return {
        "capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        **{k: os.environ.get(k) for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR")},
    }
