"""Assess your own audio with a trained model: :func:`assess` (``sqa.assess``) and model loading.

One result per input file (:class:`AssessmentResult`), in input order. A file that cannot be used
gives a result with ``status="error"`` and a one-line message naming the file; the rest of the batch
goes on. Reading the audio (directories, odd files, truncation) is :mod:`sqa.inference.inputs`; the
``python -m sqa assess`` command and its output formats are :mod:`sqa.cli.assess` (their public names
are re-exported here, the command-line ones lazily, as that module imports this one).

>>> r = AssessmentResult(file="a.wav", status="error", error="a.wav: file not found")
>>> r.to_dict()["status"], r.ok
('error', False)
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sqa.data.audio import AudioError
from sqa.inference.inputs import AUDIO_EXTENSIONS, Clip, _one_line, expand_paths, min_audio_samples, read_clip
from sqa.schema import Assessment, parse_response
from sqa.schema.parse import is_empty
from sqa.schema.prompts import REASONING_PROMPT

__all__ = [
    "AssessSetupError",
    "AssessmentResult",
    "DEFAULT_MAX_NEW_TOKENS",
    "load_assessor",
    "iter_assess",
    "assess",
    "AUDIO_EXTENSIONS",
    "Clip",
    "expand_paths",
    "min_audio_samples",
    "read_clip",
]

DEFAULT_MAX_NEW_TOKENS = 512
"""Answer length cap when none is given (a full rendered answer of AF3 is about 150-300 tokens)."""
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
    not_predicted: list[str] = field(default_factory=list)  # --model dnsmos: fields it does not predict

    @property
    def ok(self) -> bool:
        """True when the file was assessed."""
        return self.status == "ok"

    def to_dict(self) -> dict:
        """The JSON line of ``--format json`` (``assessment`` is ``Assessment.to_dict()`` or None)."""
        out = {
            "file": self.file,
            "status": self.status,
            "flags": list(self.flags),
            "assessment": None if self.assessment is None else self.assessment.to_dict(),
            "parsed": self.parsed,
            "raw": self.raw,
            "error": self.error,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
        }
        if self.not_predicted:  # the fields left null because the model does not predict them
            out["not_predicted"] = list(self.not_predicted)
        return out


# ---- model -------------------------------------------------------------------------------


def _cached_on_hub(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except Exception:
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


def load_assessor(
    model: str | os.PathLike, adapter: str | os.PathLike | None = None, device: str = "cpu", dtype: str = "auto"
):
    """``(model, processor)`` in eval mode for inference, or :class:`AssessSetupError` in one line.

    ``model``: a trained checkpoint dir (or a cached hub id); ``adapter``: a PEFT adapter dir merged
    into it; ``dtype``: ``auto`` = bfloat16 on CUDA, float32 on CPU.
    """
    import torch

    from sqa.model import load_model

    source = _model_source(model)
    if adapter is not None and not (Path(adapter) / "adapter_config.json").is_file():
        raise AssessSetupError(f"{adapter}: not a PEFT adapter directory (no adapter_config.json)")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise AssessSetupError(f"device {device!r} requested but CUDA is not available (use --device cpu)")
    if dtype == "auto":
        dtype = "bfloat16" if str(device).startswith("cuda") else "float32"
    try:
        net, processor = load_model(source, lora_rank=0, adapter=adapter, dtype=dtype, device=device)
    except Exception as err:
        raise AssessSetupError(f"{model}: cannot load the model ({type(err).__name__}: {_one_line(err)})") from None
    net.eval().requires_grad_(False)
    return net, processor


def _generate(generator, audios: Sequence[np.ndarray], prompt: str, max_new_tokens: int) -> list[str]:
    """Greedy answers for one batch: one ``generate`` call of a local model, or concurrent endpoint requests."""
    return generator.generate(list(audios), [prompt] * len(audios), max_new_tokens=max_new_tokens)


# ---- assessment --------------------------------------------------------------------------


def _error(file: str, message: str) -> AssessmentResult:
    return AssessmentResult(file=file, status="error", error=message)


def _result(file: str, clip: Clip, raw: str) -> AssessmentResult:
    a = parse_response(raw)
    return AssessmentResult(
        file=file,
        flags=list(clip.flags),
        assessment=a,
        parsed=not is_empty(a, structured_only=True),
        raw=raw,
        duration_s=clip.duration_s,
    )


def _native_rate(path: str) -> int | None:
    try:
        import soundfile as sf

        return int(sf.info(path).samplerate) or None
    except Exception:
        return None


SIGNAL_NOT_PREDICTED = ("speed", "continuity", "listening_effort", "naturalness", "description")
"""What ``--model dnsmos`` does not predict (null in the assessment, listed in ``not_predicted``)."""
SIGNAL_MAX_SECONDS = 600.0
"""The longest audio ``--model dnsmos`` reads (the rest is cut off and flagged): as long as AF3 reads."""


def _signal_result(file: str) -> AssessmentResult:
    """One file assessed by DNSMOS P.835 + P.808 and the signal detectors (:mod:`sqa.evaluation.baselines`)."""
    import json

    from sqa.evaluation import baselines

    sr = _native_rate(file) or baselines.DNSMOS_SR  # the detectors read the native rate (resampling hides clipping)
    clip = read_clip(file, sr=sr, max_seconds=SIGNAL_MAX_SECONDS, min_samples=max(2, int(np.ceil(0.02 * sr)) + 1))
    values = baselines.dnsmos(clip.audio, sr)
    found = baselines.detector_assessment(clip.audio, sr)
    a = baselines.dnsmos_assessment(values)
    a = Assessment(scores=a.scores, artifacts=found.artifacts, description="")
    raw = json.dumps(
        {
            "model": "dnsmos",
            "dnsmos_p835": {k: values[k] for k in ("ovrl_mos", "sig_mos", "bak_mos")},
            "dnsmos_p808": values["p808_mos"],
            "mapping": {d: k for d, k in baselines.P835_MAP.items()},
            "artifacts": "sqa.evaluation.baselines.row_detectors (dropouts count as unnatural pauses)",
            "not_predicted": list(SIGNAL_NOT_PREDICTED),
        }
    )
    return AssessmentResult(
        file=file,
        flags=list(clip.flags),
        assessment=a,
        parsed=True,
        raw=raw,
        duration_s=clip.duration_s,
        not_predicted=list(SIGNAL_NOT_PREDICTED),
    )


def _progress_bar(n_files: int, progress: bool):
    """A terminal progress bar over ``n_files`` files (none for one file or when not asked for)."""
    if not progress or n_files <= 1:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=n_files, desc="assess", unit="file", file=sys.stderr)


def iter_assess_signal(
    paths: Iterable[str | os.PathLike] | str | os.PathLike, progress: bool = False
) -> Iterator[AssessmentResult]:
    """``--model dnsmos``: an assessment from DNSMOS and the signal detectors, no checkpoint, nothing downloaded.

    Scores: overall (OVRL), distortion (SIG) and noise (BAK) rounded to 1..5 (the exact ratings are in ``raw``);
    artifacts with intervals from the detectors; the rest null and listed in ``not_predicted``. Bad files give
    one-line errors, as with a model."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    entries = expand_paths(paths)
    bar = _progress_bar(len(entries), progress)
    try:
        for file, problem in entries:
            try:
                if problem:
                    raise AudioError(file, problem)
                yield _signal_result(file)
            except AudioError as err:
                yield _error(file, _one_line(err))
            except Exception as err:
                yield _error(file, f"{file}: cannot assess ({type(err).__name__}: {_one_line(err)})")
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def is_signal_model(model) -> bool:
    """``model`` is the reserved name ``dnsmos`` (a folder of that name is given as ``./dnsmos``).

    >>> is_signal_model("dnsmos"), is_signal_model("./dnsmos"), is_signal_model("runs/x/model")
    (True, False, False)
    """
    from sqa.evaluation.baselines import RESERVED_MODEL

    return isinstance(model, str) and model == RESERVED_MODEL


def iter_assess(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    model,
    adapter=None,
    batch_size: int = 8,
    device: str | None = None,
    max_new_tokens: int | None = None,
    prompt: str = REASONING_PROMPT,
    dtype: str = "auto",
    progress: bool = False,
) -> Iterator[AssessmentResult]:
    """Like :func:`assess`, yielding results (in input order) as each batch is done."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if is_signal_model(model):
        if adapter is not None:
            raise AssessSetupError("--adapter applies to a trained model, not to --model dnsmos")
        yield from iter_assess_signal(paths, progress=progress)
        return
    from sqa.evaluation.generator import as_generator
    from sqa.llm.audio_endpoint import ENDPOINT_SAMPLING_RATE, EndpointUnavailable, is_endpoint_spec
    from sqa.model.backbones import backbone_of, get_backbone

    if is_endpoint_spec(model):
        if adapter is not None:
            raise AssessSetupError(
                "--adapter applies to a local model; serve the adapter instead "
                "(vllm serve BASE --enable-lora --lora-modules NAME=PATH, then --model URL#NAME)"
            )
        try:
            generator = as_generator(model)
        except ValueError as err:
            raise AssessSetupError(str(err)) from None
        # the default backbone's audio limits (AF3: a 10 ms hop, 600 s at most); the server applies its model's own
        arch = get_backbone()
        sr, max_s, min_n = ENDPOINT_SAMPLING_RATE, arch.hub_max_audio_seconds, min_audio_samples(arch.hub_hop_length)
    else:
        if isinstance(model, (tuple, list)):
            if adapter is not None:
                raise ValueError(
                    "adapter= applies to a model path; merge it before passing a loaded (model, processor)"
                )
            net, processor = model
        else:
            net, processor = load_assessor(model, adapter, device or "cpu", dtype)
        generator = as_generator(net, processor, batch_size)
        fe = processor.feature_extractor
        sr, max_s = fe.sampling_rate, backbone_of(processor).max_audio_seconds(processor)
        min_n = min_audio_samples(fe.hop_length)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    entries = expand_paths(paths)
    bar = _progress_bar(len(entries), progress)
    try:
        for start in range(0, len(entries), batch_size):
            chunk = entries[start : start + batch_size]
            out: list[AssessmentResult | tuple[str, Clip]] = []
            for file, problem in chunk:
                try:
                    if problem:
                        raise AudioError(file, problem)
                    out.append((file, read_clip(file, sr=sr, max_seconds=max_s, min_samples=min_n)))
                except AudioError as err:
                    out.append(_error(file, _one_line(err)))
                except Exception as err:
                    out.append(_error(file, f"{file}: cannot read ({type(err).__name__}: {_one_line(err)})"))
            todo = [o for o in out if isinstance(o, tuple)]
            try:
                texts = (
                    _generate(generator, [c.audio for _, c in todo], prompt, max_new_tokens or DEFAULT_MAX_NEW_TOKENS)
                    if todo
                    else []
                )
            except EndpointUnavailable as err:  # no file can be assessed: exit status 2
                raise AssessSetupError(str(err)) from None
            except Exception as err:
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


def assess(
    paths,
    model,
    adapter=None,
    batch_size: int = 8,
    device: str | None = None,
    max_new_tokens: int | None = None,
    prompt: str = REASONING_PROMPT,
    dtype: str = "auto",
    progress: bool = False,
) -> list[AssessmentResult]:
    """Assess audio files (or directories of them) with a trained model; one result per file.

    ``model``: a checkpoint dir / cached hub id, or an already loaded ``(model, processor)`` pair
    (reused as is, on its own device; ``device`` then does not apply); ``"dnsmos"`` (reserved): DNSMOS and the
    signal detectors, no checkpoint (:func:`iter_assess_signal`; a folder named dnsmos is ``"./dnsmos"``).
    ``adapter``: a PEFT adapter merged into the checkpoint. ``device``: ``"cpu"`` (default) or ``"cuda"``.
    Bad files give ``status="error"`` results; an unusable model raises :class:`AssessSetupError`.
    """
    return list(
        iter_assess(
            paths,
            model,
            adapter=adapter,
            batch_size=batch_size,
            device=device,
            max_new_tokens=max_new_tokens,
            prompt=prompt,
            dtype=dtype,
            progress=progress,
        )
    )
