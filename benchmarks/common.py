"""Shared helpers of the benchmarks: timing, machine description, synthetic clips, models to measure."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

SAMPLING_RATE = 16000

AF3_SHAPED_SIZES: dict[str, dict] = {
    "audio": dict(num_hidden_layers=4, hidden_size=96, intermediate_size=384, num_attention_heads=4),
    "text": dict(
        hidden_size=256, intermediate_size=1344, num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=2
    ),
}
"""Audio Flamingo 3's proportions at CPU scale (AF3 = Whisper-large encoder + Qwen2.5-7B):
encoder/LLM width 96/256 = 0.38 (AF3 1280/3584 = 0.36), encoder depth = LLM depth (AF3 32 vs 28 layers),
encoder/LLM parameters 0.09 (AF3 0.10), LLM FFN 5.25 x hidden (Qwen2.5: 5.29), with a 30 s window
(AF3's) padded whatever the clip length. With the tiny model's 20 ms mel hop, encoding one window costs
as much as the LLM on ~150 tokens, as in AF3 (~160, :func:`benchmarks.flops.af3_projection`)."""
AF3_SHAPED_WINDOW_SECONDS = 30

QUICK_SIZES: dict[str, dict] = {
    "text": dict(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1
    ),
    "audio": dict(hidden_size=64, intermediate_size=128),
}
"""``--quick``: the sizes of the training tests' small model (mechanics only, numbers meaningless)."""


@dataclass
class ModelSpec:
    """A model to build with :func:`sqa.model.build_tiny_model` and measure."""

    label: str
    title: str
    sizes: dict | None = None
    window_seconds: int = 8
    extra: dict = field(default_factory=dict)

    def build(self, root: Path, seed: int = 0) -> Path:
        from sqa.model import build_tiny_model

        return build_tiny_model(root / self.label, seed=seed, window_seconds=self.window_seconds, sizes=self.sizes)


def model_specs(quick: bool) -> list[ModelSpec]:
    """The tiny profile's model and the AF3-shaped one (both at ``--quick`` sizes in quick mode)."""
    tiny = ModelSpec(
        "tiny", "tiny profile model (build_tiny_model defaults, 8 s window)", sizes=QUICK_SIZES if quick else None
    )
    af3 = ModelSpec(
        "af3_shaped",
        "AF3-shaped, scaled down (30 s window, encoder/LLM ratios of AF3)",
        sizes=QUICK_SIZES if quick else AF3_SHAPED_SIZES,
        window_seconds=AF3_SHAPED_WINDOW_SECONDS,
    )
    return [tiny, af3]


def log(msg: str) -> None:
    """A progress line on stderr (the benchmarks print nothing else)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def synchronize(device: str | torch.device) -> None:
    """Wait for queued GPU work so that wall-clock timings are honest (no-op on CPU)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def timed(fn: Callable, device: str | torch.device = "cpu"):
    """``(result, seconds)`` of ``fn()``, synchronising the GPU before and after."""
    synchronize(device)
    t0 = time.perf_counter()
    out = fn()
    synchronize(device)
    return out, time.perf_counter() - t0


def median(values) -> float | None:
    """Median of the values (``None`` for none).

    >>> median([3.0, 1.0, 2.0]), median([])
    (2.0, None)
    """
    values = list(values)
    return float(statistics.median(values)) if values else None


def median_split(rows: list[dict], keys) -> dict[str, float]:
    """Per-key median over step logs (e.g. the ``t_*`` time split)."""
    return {k: round(median(r[k] for r in rows), 5) for k in keys if rows and k in rows[0]}


def clips(rng: np.random.Generator, n: int, seconds: tuple[float, float] = (2.0, 6.0)) -> list[np.ndarray]:
    """``n`` noise clips (float32, 16 kHz) with lengths uniform in ``seconds``: timing needs no speech."""
    lengths = rng.uniform(*seconds, size=n)
    return [(0.1 * rng.standard_normal(int(SAMPLING_RATE * s))).astype(np.float32) for s in lengths]


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (or ``platform.processor()``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(device: str) -> dict:
    """What the numbers were measured on."""
    info = {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    try:
        import transformers

        info["transformers"] = transformers.__version__
    except ImportError:
        pass
    if torch.device(device).type == "cuda":
        info["gpu"] = torch.cuda.get_device_name()
    return info


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"
