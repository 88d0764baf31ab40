"""``python -m sqa serve MODEL_OR_STAGE --profile P [--port N]``: a real vLLM server for a model or a trained stage.

``MODEL_OR_STAGE`` is a stage of the profile (``warmup``, ``grpo_llm_judge``, ...: built, or found cached,
like ``python -m sqa train``), a stage or model dir, or a hub id. An adapter stage is merged first
(``python -m sqa export``, cached beside the stage as ``served_<dtype>/``: vLLM refuses trained
``modules_to_save``). The served name is ``LABEL@FINGERPRINT`` (the stage's training record hashed), which
GRPO's vLLM rollouts check against the model they start from. The server starts with LoRA enabled
(``sqa.llm.vllm_server``), ``/health`` is waited for at most ``--startup-timeout`` seconds, then the generator
spec ``http://127.0.0.1:PORT/v1#NAME`` is printed on stdout; Ctrl-C (or SIGTERM) stops the server.
What vLLM cannot serve (an AF3 with another window than 30 s, a start-up error) is one line, exit 2.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)


def _stage_dir(profile, model_or_stage: str) -> Path | str:
    path = Path(model_or_stage)
    if path.exists():
        return path
    if "/" in model_or_stage:  # a hub id: vLLM loads it
        return model_or_stage
    from sqa.pipeline.stages import build_stage

    return build_stage(profile, model_or_stage)


def _label(source: Path | str) -> str:
    if isinstance(source, str):
        return source
    source = source.resolve()
    return source.parent.name if source.name == "model" else source.name


def served_model(profile, model_or_stage: str, dtype: str) -> tuple[str, str]:
    """``(dir or hub id to serve, served name)`` of ``model_or_stage`` (merged first when it is an adapter stage)."""
    from sqa.model.stages import export_merged, read_stage_record
    from sqa.train.vllm_adapter import base_fingerprint, served_base_name

    source = _stage_dir(profile, model_or_stage)
    if isinstance(source, str):
        return source, source
    fingerprint = base_fingerprint(source)
    name = served_base_name(_label(source), fingerprint)
    if (read_stage_record(source) or {}).get("layout") != "adapter":
        return str(source), name
    merged = source.parent / f"served_{dtype}"
    record = {"stage": str(source.resolve()), "fingerprint": fingerprint, "dtype": dtype}
    stamp = merged / "sqa_export.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != record:
        log.info("merging %s into %s (%s) for vLLM", source, merged, dtype)
        export_merged(source, merged, dtype=dtype)
        stamp.write_text(json.dumps(record, indent=1))
    return str(merged), name


def start_server(profile, model_or_stage: str, port: int | None = None, dtype: str | None = None, **kwargs):
    """A started :class:`sqa.llm.vllm_server.VLLMServer` for ``model_or_stage`` (stop it with ``.stop()``)."""
    from sqa.llm.vllm_server import VLLMServer

    dtype = dtype or ("float32" if profile.device == "cpu" else profile.dtype)
    model, name = served_model(profile, model_or_stage, dtype)
    return VLLMServer(model, name, port=port, dtype=dtype, **kwargs).start()


def _serve(args) -> int:
    from sqa.configs.profiles import get_profile
    from sqa.llm.errors import JudgeUnavailable

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    profile = get_profile(args.profile, data_dir=args.data_dir)
    extra = tuple(a for v in args.vllm_arg for a in v.split())
    if args.gpu_memory_utilization is not None:
        extra += ("--gpu-memory-utilization", str(args.gpu_memory_utilization))
    try:
        server = start_server(
            profile,
            args.model,
            port=args.port,
            dtype=args.dtype,
            startup_timeout=args.startup_timeout,
            max_model_len=args.max_model_len,
            max_lora_rank=max(64, int(profile.lora_rank or 0)),
            extra_args=extra,
        )
    except (JudgeUnavailable, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    print(server.spec, flush=True)
    try:
        while server.proc.poll() is None:
            time.sleep(1)
        print(
            f"error: vLLM server {server.base_url} exited (code {server.proc.returncode}; log: {server.log_path})",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def add_serve_parser(sub) -> None:
    p = sub.add_parser(
        "serve", help="serve a model or trained stage with vLLM (LoRA enabled); prints the generator spec"
    )
    p.add_argument(
        "model",
        metavar="MODEL_OR_STAGE",
        help="a stage of the profile (warmup, grpo_acc_sem, ...), a stage or model dir, or a hub id",
    )
    p.add_argument("--profile", default="tiny")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--port", type=int, default=None, help="default: a free port")
    p.add_argument(
        "--dtype",
        default=None,
        choices=["float32", "bfloat16", "float16"],
        help="default: float32 on a CPU profile (exact parity), the profile's dtype on a GPU",
    )
    p.add_argument("--startup-timeout", type=float, default=600.0, help="seconds to wait for /health (default 600)")
    p.add_argument("--max-model-len", type=int, default=4096)
    p.add_argument(
        "--gpu-memory-utilization",
        type=float,
        default=None,
        help="share of the GPU vLLM takes (e.g. 0.3 beside training on the same GPU)",
    )
    p.add_argument("--vllm-arg", action="append", default=[], help="more vLLM server arguments, e.g. '--max-loras 4'")
    p.set_defaults(func=_serve)
