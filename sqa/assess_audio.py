"""Assess your own audio with a trained model: ``python -m sqa assess`` and :func:`sqa.assess`.

One result per input file (:class:`AssessmentResult`), in input order; directories are expanded
recursively to ``.wav``/``.flac``/``.mp3``/``.ogg`` files, sorted. A file that cannot be used gives a
result with ``status="error"`` and a one-line message naming the file; the rest of the batch goes on.

What happens to odd audio (decided here, tested in ``tests/test_assess.py``):

* missing, empty (0 bytes), undecodable (e.g. a text file named ``.wav``), zero-length, NaN/inf
  samples: **rejected** with the message of :func:`sqa.data.load_audio`;
* silent: **assessed**, flagged ``"silent"``;
* shorter than :data:`sqa.data.audio.MIN_SECONDS` (0.5 s): **assessed**, flagged ``"too short"``;
  so short that the audio encoder gives it no audio token (2 mel hops or less: 40 ms for the tiny
  model, 20 ms for AF3): **rejected** (``too short to assess``);
* longer than the processor's ``max_audio_len`` (600 s for AF3, 64 s for the tiny model):
  **assessed** on the first ``max_audio_len`` seconds, flagged ``"truncated to N s"``. Only those
  seconds are read (the duration comes from ``soundfile.info``). Anything up to that length is cut
  into the model's windows (30 s for AF3) exactly as AF3's processor does.

CLI exit status: 0 when every file was assessed, 1 when at least one file was rejected (the others
are still assessed and printed), 2 when nothing can run (model or adapter not found, CUDA missing,
bad option values). Errors are one line on stderr, never a traceback (``SQA_DEBUG=1`` shows one
for an unexpected failure).

>>> r = AssessmentResult(file="a.wav", status="error", error="a.wav: file not found")
>>> r.to_dict()["status"], r.ok
('error', False)
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from .data.audio import AudioError, audio_problems, load_audio
from .prompts import REASONING_PROMPT
from .schema import ARTIFACT_LABELS, ARTIFACTS, DIMENSIONS, SCORE_LABELS, Assessment, parse_response
from .schema.parse import is_empty
from .schema.render import format_intervals

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg")
"""File types a directory argument is expanded to (case-insensitive)."""
DEFAULT_MAX_NEW_TOKENS = 512
"""Answer length cap when none is given (a full rendered answer of AF3 is about 150-300 tokens)."""
EXIT_OK, EXIT_FILE_ERRORS, EXIT_SETUP_ERROR = 0, 1, 2
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


class AssessSetupError(RuntimeError):
    """Nothing can be assessed (model, adapter or device unusable); the message is one line."""


@dataclass
class AssessmentResult:
    """The outcome for one file: the parsed assessment and the raw answer, or the error.

    ``parsed`` is True when the answer gave at least one score or artifact (fields it did not give
    are ``None`` in ``assessment``); ``flags`` are warnings about the audio (``"silent"``,
    ``"too short"``, ``"truncated to N s"``); ``duration_s`` is the file's full duration.
    """

    file: str
    status: str = "ok"
    flags: list[str] = field(default_factory=list)
    assessment: Assessment | None = None
    parsed: bool = False
    raw: str = ""
    error: str | None = None
    duration_s: float | None = None

    @property
    def ok(self) -> bool:
        """True when the file was assessed."""
        return self.status == "ok"

    def to_dict(self) -> dict:
        """The JSON line of ``--format json`` (``assessment`` is ``Assessment.to_dict()`` or None)."""
        return {"file": self.file, "status": self.status, "flags": list(self.flags),
                "assessment": None if self.assessment is None else self.assessment.to_dict(),
                "parsed": self.parsed, "raw": self.raw, "error": self.error,
                "duration_s": None if self.duration_s is None else round(self.duration_s, 3)}


@dataclass
class Clip:
    """Audio ready for the model: float32 mono at ``sr``, possibly cut to the model's maximum."""

    audio: np.ndarray
    duration_s: float
    flags: list[str]


# ---- inputs ------------------------------------------------------------------------------

def expand_paths(paths: Iterable[str | os.PathLike]) -> list[tuple[str, str | None]]:
    """``(file, problem)`` per input: directories become their audio files (recursive, sorted).

    A directory without audio files gives one entry with a problem; other paths are kept as given
    (missing files are reported when read). Duplicates are dropped, first occurrence kept.

    >>> expand_paths(["b.wav", "a.wav", "b.wav"])
    [('b.wav', None), ('a.wav', None)]
    """
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.suffix.lower() in AUDIO_EXTENSIONS and f.is_file())
            entries = [(f, None) for f in found] or [
                (str(raw), f"no audio files ({', '.join(AUDIO_EXTENSIONS)}) in this directory")]
        else:
            entries = [(str(raw), None)]
        for entry in entries:
            if entry[0] not in seen:
                seen.add(entry[0])
                out.append(entry)
    return out


def min_audio_samples(hop_length: int) -> int:
    """Fewest samples that give the AF3 encoder one audio token: 3 mel frames (conv stride 2, then pool 2).

    The feature extractor marks ``ceil(n / hop_length)`` frames as real; the processor turns ``f`` frames
    into ``((f - 1) // 2 + 1 - 2) // 2 + 1`` tokens, which is 0 for ``f <= 2``.

    >>> min_audio_samples(160), min_audio_samples(320)
    (321, 641)
    """
    return 2 * hop_length + 1


def _read_head(path: Path, seconds: float, sr: int) -> np.ndarray:
    """The first ``seconds`` of a soundfile-readable file as float32 mono at ``sr`` (same checks as load_audio)."""
    import soundfile as sf

    with sf.SoundFile(path) as f:
        native_sr = f.samplerate
        y = f.read(frames=int(math.ceil(seconds * native_sr)), dtype="float32", always_2d=True).T
    if not np.all(np.isfinite(y)):
        raise AudioError(path, "contains NaN or infinite samples")
    y = y.mean(axis=0) if y.shape[0] > 1 else y[0]
    if native_sr != sr:
        import librosa

        y = librosa.resample(y, orig_sr=native_sr, target_sr=sr)
    return np.ascontiguousarray(y[: int(seconds * sr)], dtype=np.float32)


def read_clip(path: str | os.PathLike, sr: int = 16000, max_seconds: float = 600.0,
              min_samples: int = 1) -> Clip:
    """Load one file for assessment, or raise :class:`sqa.data.AudioError` naming it.

    Files longer than ``max_seconds`` are read only up to it (flag ``"truncated to N s"``); clips
    under ``min_samples`` samples are rejected; ``silent`` and ``too short`` are flags.
    """
    import soundfile as sf

    p = Path(path)
    try:
        info = sf.info(str(p)) if p.is_file() and p.stat().st_size else None
    except Exception:  # noqa: BLE001 - not for soundfile: load_audio decides and names the problem
        info = None
    total = None if info is None or not info.samplerate else info.frames / info.samplerate
    if total is not None and total > max_seconds and info.frames > 0:
        try:
            y = _read_head(p, max_seconds, sr)
        except AudioError:
            raise
        except Exception as err:  # noqa: BLE001 - a header soundfile reads but data it cannot
            raise AudioError(path, f"not a readable audio file ({_one_line(err)})") from None
    else:
        y = load_audio(p, sr=sr)
        total = len(y) / sr
        y = y[: int(max_seconds * sr)]
    if len(y) < min_samples:
        raise AudioError(path, f"too short to assess ({1000 * len(y) / sr:.0f} ms; the model needs at least "
                               f"{math.ceil(1000 * min_samples / sr)} ms)")
    flags = [f for f in audio_problems(y, sr) if f != "long"]  # long clips are windowed, not a problem
    if total > max_seconds:
        flags.append(f"truncated to {max_seconds:g} s")
    return Clip(audio=y, duration_s=float(total), flags=flags)


# ---- model -------------------------------------------------------------------------------

def _cached_on_hub(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except Exception:  # noqa: BLE001
        return False


def _model_source(name: str | os.PathLike) -> str:
    """A local model dir, or a hub id already in the local cache: nothing is downloaded here."""
    s = str(name)
    p = Path(s).expanduser()
    if p.exists():
        if not (p.is_dir() and (p / "config.json").exists()):
            raise AssessSetupError(f"{s}: not a model directory (no config.json)")
        return str(p)
    if _HUB_ID.fullmatch(s) and _cached_on_hub(s):
        return s
    hint = " (nor a hub id in the local Hugging Face cache)" if _HUB_ID.fullmatch(s) else ""
    raise AssessSetupError(f"{s}: no such model directory{hint}")


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def load_assessor(model: str | os.PathLike, adapter: str | os.PathLike | None = None, device: str = "cpu",
                  dtype: str = "auto"):
    """``(model, processor)`` in eval mode for inference, or :class:`AssessSetupError` in one line.

    ``model``: a trained checkpoint dir (or a cached hub id); ``adapter``: a PEFT adapter dir merged
    into it; ``dtype``: ``auto`` = bfloat16 on CUDA, float32 on CPU.
    """
    import torch

    from .model import load_model

    source = _model_source(model)
    if adapter is not None and not (Path(adapter) / "adapter_config.json").is_file():
        raise AssessSetupError(f"{adapter}: not a PEFT adapter directory (no adapter_config.json)")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise AssessSetupError(f"device {device!r} requested but CUDA is not available (use --device cpu)")
    if dtype == "auto":
        dtype = "bfloat16" if str(device).startswith("cuda") else "float32"
    try:
        net, processor = load_model(source, lora_rank=0, adapter=adapter, dtype=dtype, device=device)
    except Exception as err:  # noqa: BLE001 - any loading failure is one clear line
        raise AssessSetupError(f"{model}: cannot load the model ({type(err).__name__}: {_one_line(err)})") from None
    net.eval().requires_grad_(False)
    return net, processor


def _generate(net, processor, audios: Sequence[np.ndarray], prompt: str, max_new_tokens: int) -> list[str]:
    """Greedy answers for one batch; audio features are cast to the model's dtype (bf16 on GPU)."""
    import torch

    from .model import decode, generate_ids, prompt_batch

    batch = prompt_batch(processor, list(audios), [prompt] * len(audios), processor.feature_extractor.sampling_rate)
    param = next(net.parameters())
    batch["input_features"] = batch["input_features"].to(param.dtype)
    with torch.inference_mode():
        return decode(processor, generate_ids(net, processor, batch, max_new_tokens=max_new_tokens))


# ---- assessment --------------------------------------------------------------------------

def _error(file: str, message: str) -> AssessmentResult:
    return AssessmentResult(file=file, status="error", error=message)


def _result(file: str, clip: Clip, raw: str) -> AssessmentResult:
    a = parse_response(raw)
    return AssessmentResult(file=file, flags=list(clip.flags), assessment=a,
                            parsed=not is_empty(a, structured_only=True), raw=raw, duration_s=clip.duration_s)


def iter_assess(paths: Iterable[str | os.PathLike] | str | os.PathLike, model, adapter=None, batch_size: int = 8,
                device: str | None = None, max_new_tokens: int | None = None, prompt: str = REASONING_PROMPT,
                dtype: str = "auto", progress: bool = False) -> Iterator[AssessmentResult]:
    """Like :func:`assess`, yielding results (in input order) as each batch is done."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if isinstance(model, (tuple, list)):
        if adapter is not None:
            raise ValueError("adapter= applies to a model path; merge it before passing a loaded (model, processor)")
        net, processor = model
    else:
        net, processor = load_assessor(model, adapter, device or "cpu", dtype)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    entries = expand_paths(paths)
    fe = processor.feature_extractor
    sr, max_s = fe.sampling_rate, float(processor.max_audio_len)
    min_n = min_audio_samples(fe.hop_length)
    bar = None
    if progress and len(entries) > 1:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(entries), desc="assess", unit="file", file=sys.stderr)
    try:
        for start in range(0, len(entries), batch_size):
            chunk = entries[start: start + batch_size]
            out: list[AssessmentResult | tuple[str, Clip]] = []
            for file, problem in chunk:
                try:
                    if problem:
                        raise AudioError(file, problem)
                    out.append((file, read_clip(file, sr=sr, max_seconds=max_s, min_samples=min_n)))
                except AudioError as err:
                    out.append(_error(file, _one_line(err)))
                except Exception as err:  # noqa: BLE001 - one odd file must not stop the batch
                    out.append(_error(file, f"{file}: cannot read ({type(err).__name__}: {_one_line(err)})"))
            todo = [o for o in out if isinstance(o, tuple)]
            try:
                texts = _generate(net, processor, [c.audio for _, c in todo], prompt,
                                  max_new_tokens or DEFAULT_MAX_NEW_TOKENS) if todo else []
            except Exception as err:  # noqa: BLE001 - e.g. out of memory: report the batch, go on
                why = f"assessment failed ({type(err).__name__}: {_one_line(err)})"
                out = [_error(o[0], f"{o[0]}: {why}") if isinstance(o, tuple) else o for o in out]
                texts = []
            answers = iter(texts)
            for o in out:
                yield _result(o[0], o[1], next(answers)) if isinstance(o, tuple) else o
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()


def assess(paths, model, adapter=None, batch_size: int = 8, device: str | None = None,
           max_new_tokens: int | None = None, prompt: str = REASONING_PROMPT, dtype: str = "auto",
           progress: bool = False) -> list[AssessmentResult]:
    """Assess audio files (or directories of them) with a trained model; one result per file.

    ``model``: a checkpoint dir / cached hub id, or an already loaded ``(model, processor)`` pair
    (reused as is, on its own device; ``device`` then does not apply). ``adapter``: a PEFT adapter
    merged into the checkpoint. ``device``: ``"cpu"`` (default) or ``"cuda"``. Bad files give
    ``status="error"`` results; an unusable model raises :class:`AssessSetupError`.
    """
    return list(iter_assess(paths, model, adapter=adapter, batch_size=batch_size, device=device,
                            max_new_tokens=max_new_tokens, prompt=prompt, dtype=dtype, progress=progress))


# ---- output ------------------------------------------------------------------------------

def format_json(result: AssessmentResult) -> str:
    """One JSON line (ASCII-escaped, so any terminal encoding can print it)."""
    return json.dumps(result.to_dict())


def format_text(result: AssessmentResult) -> str:
    """A readable block: header with duration and flags, scores table, artifacts, description.

    >>> from sqa.schema import Artifact
    >>> a = Assessment(scores={"noise": 2}, artifacts={"noise": Artifact(True, [(0.5, 1.7)], "hum")},
    ...                description="Noisy.")
    >>> print(format_text(AssessmentResult("x.wav", assessment=a, parsed=True, duration_s=3.0)))  # doctest: +NORMALIZE_WHITESPACE
    x.wav (3.0 s)
      Noise                     2
      Distortion                -
      Speed                     -
      Continuity                -
      Listening effort          -
      Naturalness               -
      Overall quality           -
      Noise artifact            yes  0.5-1.7s  hum
      Distortion artifact       -
      Unnatural pause artifact  -
      Description: Noisy.
    """
    if not result.ok:
        return f"error: {result.error}"
    head = result.file + (f" ({result.duration_s:.1f} s)" if result.duration_s is not None else "")
    if result.flags:
        head += " [" + ", ".join(result.flags) + "]"
    lines = [head]
    a = result.assessment or Assessment()
    width = max(map(len, ARTIFACT_LABELS.values())) + 2
    for d in DIMENSIONS:
        score = a.scores.get(d)
        lines.append(f"  {SCORE_LABELS[d]:<{width}}{'-' if score is None else score}")
    for name in ARTIFACTS:
        art = a.artifacts.get(name)
        if art is None:
            value = "-"
        else:
            value = "  ".join(x for x in ("yes" if art.present else "no", format_intervals(art.intervals),
                                          art.description) if x)
        lines.append(f"  {ARTIFACT_LABELS[name]:<{width}}{value}")
    if a.description:
        lines.append(f"  Description: {a.description}")
    if not result.parsed:
        raw = "" if a.description else " Raw answer: " + (" ".join(result.raw.split()) or "(empty)")
        lines.append("  (no score or artifact could be read from the answer)" + raw)
    return "\n".join(lines)


# ---- command line ------------------------------------------------------------------------

def add_assess_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``assess`` on the ``python -m sqa`` subparsers."""
    p = subparsers.add_parser(
        "assess", help="assess your own audio files with a trained model",
        description="Assess speech audio (wav/flac/mp3/ogg; directories are searched recursively) with a trained "
                    "checkpoint. One result per file; bad files are reported on stderr (exit status 1) and the "
                    "rest are still assessed.")
    p.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="audio files or directories")
    p.add_argument("--model", required=True, help="trained checkpoint dir (or base model dir with --adapter)")
    p.add_argument("--adapter", default=None, help="PEFT adapter dir merged into --model")
    p.add_argument("--format", choices=("json", "text"), default="text",
                   help="json: one JSON line per file; text: a readable block per file (default)")
    p.add_argument("--batch-size", type=int, default=8, help="clips per generate call (default 8)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument("--dtype", choices=("auto", "float32", "bfloat16", "float16"), default="auto",
                   help="model weights dtype; auto = bfloat16 on cuda, float32 on cpu")
    p.add_argument("--max-new-tokens", type=int, default=None,
                   help=f"answer length cap in tokens (default {DEFAULT_MAX_NEW_TOKENS})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run_cli)
    return p


@contextlib.contextmanager
def _quiet_transformers():
    """No weight-loading bars or library warnings on stderr while assessing (state restored after)."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def run_cli(args: argparse.Namespace) -> int:
    """Run ``assess`` for parsed arguments; print results; return the exit status (see module doc)."""
    from tqdm.auto import tqdm

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # junk answers must print on any terminal
    if args.batch_size < 1 or (args.max_new_tokens is not None and args.max_new_tokens < 1):
        print("error: --batch-size and --max-new-tokens must be >= 1", file=sys.stderr)
        return EXIT_SETUP_ERROR
    show = not args.no_progress and sys.stderr.isatty()
    failed = 0
    try:
        with _quiet_transformers():
            for r in iter_assess(args.paths, args.model, adapter=args.adapter, batch_size=args.batch_size,
                                 device=args.device, max_new_tokens=args.max_new_tokens, dtype=args.dtype,
                                 progress=show):
                if not r.ok:
                    failed += 1
                    tqdm.write(f"error: {r.error}", file=sys.stderr)
                if args.format == "json":
                    tqdm.write(format_json(r), file=sys.stdout)
                elif r.ok:
                    tqdm.write(format_text(r) + "\n", file=sys.stdout)
                sys.stdout.flush()
    except AssessSetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_SETUP_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - a bug still gets one line; SQA_DEBUG=1 shows the traceback
        if os.environ.get("SQA_DEBUG"):
            raise
        print(f"error: unexpected {type(err).__name__}: {_one_line(err)} (SQA_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return EXIT_SETUP_ERROR
    return EXIT_FILE_ERRORS if failed else EXIT_OK
