"""``python -m sqa assess --task compare A.wav B.wav`` / ``--task suggest FILE...`` / ``--task detect FILE...``.

The judge's other tasks (:mod:`sqa.tasks`) through a trained multi-task model (``runs/<profile>/tasks/model``,
``python -m sqa train tasks``). One :class:`TaskResult` per comparison (two files) or per file:

* **compare** -- the verdict per dimension (``A``, ``B``, ``tie`` or ``null``) and the reason;
* **suggest** -- the fixes of the taxonomy (:data:`sqa.tasks.suggest.FIXES`) read from the answer, and its text;
* **detect** -- ``real`` / ``fake`` (``null``: the answer has neither) and ``p_real``, P(real) where the word
  starts (a local model only; ``null`` through an endpoint).

A served model (vLLM's AF3) takes one audio per prompt, so ``--task compare`` with ``--model URL#NAME`` is a
one-line error; suggest and detect work through it. Bad files are one-line errors, as for ``assess``, and the
options and exit statuses are ``assess``'s (:func:`sqa.cli.assess.run_cli` calls :func:`print_task_results`).

>>> r = TaskResult("compare", ["a.wav", "b.wav"], answer={"verdicts": {"noise": "A"}, "reason": "A is cleaner."})
>>> print(format_task_text(r))
a.wav vs b.wav
  Noise                     A
  Reason: A is cleaner.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqa.data.audio import AudioError
from sqa.evaluation.generator import as_generator
from sqa.evaluation.tasks import detect_audio
from sqa.inference.assess import DEFAULT_MAX_NEW_TOKENS, AssessSetupError, load_assessor
from sqa.inference.inputs import _one_line, expand_paths, min_audio_samples, read_clip
from sqa.model.multi_audio import check_served, generate_task_texts
from sqa.schema import SCORE_LABELS
from sqa.tasks import get_task
from sqa.tasks.compare import parse_comparison
from sqa.tasks.detect import parse_detection
from sqa.tasks.suggest import parse_suggestion


@dataclass
class TaskResult:
    """The outcome of one comparison or one file: the parsed answer, the raw text, or the error."""

    task: str
    files: list[str]
    status: str = "ok"
    answer: dict | None = None
    raw: str = ""
    error: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "files": list(self.files),
            "status": self.status,
            "flags": list(self.flags),
            "answer": self.answer,
            "raw": self.raw,
            "error": self.error,
        }


def parsed_answer(task: str, raw: str, p_real: float | None = None) -> dict:
    """The JSON form of a task's answer (module doc).

    >>> parsed_answer("detect", "Fake", 0.2)
    {'word': 'fake', 'p_real': 0.2}
    >>> parsed_answer("suggest", "Reduce the background hum.")["fixes"]
    ['denoise']
    """
    if task == "compare":
        c = parse_comparison(raw)
        return {"verdicts": dict(c.verdicts), "reason": c.reason}
    if task == "suggest":
        s = parse_suggestion(raw)
        return {"fixes": list(s.fixes), "text": s.text}
    return {"word": parse_detection(raw), "p_real": None if p_real is None else round(float(p_real), 6)}


def format_task_text(r: TaskResult) -> str:
    """A readable block per result (module doc)."""
    if not r.ok:
        return f"error: {r.error}"
    head = " vs ".join(r.files) + (" [" + ", ".join(r.flags) + "]" if r.flags else "")
    a, lines = r.answer or {}, [head]
    if r.task == "compare":
        lines += [f"  {SCORE_LABELS[d]:<26}{v}" for d, v in a.get("verdicts", {}).items() if v is not None]
        if a.get("reason"):
            lines.append(f"  Reason: {a['reason']}")
    elif r.task == "suggest":
        lines.append("  Fixes: " + (", ".join(a.get("fixes", [])) or "none"))
        lines.append(f"  Text: {a.get('text', '')}")
    else:
        p = a.get("p_real")
        lines.append(f"  Answer: {a.get('word') or 'invalid'}" + ("" if p is None else f"  (P(real) = {p:.3f})"))
    if not any(v for v in a.values() if v):
        lines.append("  (nothing could be read from the answer) Raw answer: " + (" ".join(r.raw.split()) or "(empty)"))
    return "\n".join(lines)


def _clips(paths: Sequence[str], sr: int, max_s: float, min_n: int, task: str) -> list[tuple[str, object, str]]:
    """``(file, clip or None, error)`` per file (compare: exactly the two files given, no directories)."""
    if task == "compare":
        if len(paths) != 2:
            raise AssessSetupError(f"--task compare takes two audio files (A.wav B.wav), got {len(paths)}")
        entries = [(str(p), None if os.path.isfile(p) else "file not found") for p in paths]
    else:
        entries = expand_paths(paths)
    out = []
    for file, problem in entries:
        try:
            if problem:
                raise AudioError(file, problem)
            out.append((file, read_clip(file, sr=sr, max_seconds=max_s, min_samples=min_n), ""))
        except AudioError as err:
            out.append((file, None, _one_line(err)))
        except Exception as err:  # one odd file must not stop the rest
            out.append((file, None, f"{file}: cannot read ({type(err).__name__}: {_one_line(err)})"))
    return out


def iter_task(
    task: str,
    paths: Sequence[str],
    model,
    adapter=None,
    batch_size: int = 8,
    device: str = "cpu",
    max_new_tokens: int | None = None,
    dtype: str = "auto",
) -> Iterator[TaskResult]:
    """The results of ``task`` (compare, suggest, detect) for ``paths`` with a multi-task model (module doc)."""
    from sqa.llm.audio_endpoint import ENDPOINT_SAMPLING_RATE, EndpointUnavailable, is_endpoint_spec

    spec = get_task(task)
    limit = max_new_tokens or DEFAULT_MAX_NEW_TOKENS
    if is_endpoint_spec(model):
        try:
            check_served(task, model, spec.n_audios)
            generator = as_generator(model)
        except ValueError as err:
            raise AssessSetupError(str(err)) from None
        net = processor = None
        sr, max_s, min_n = ENDPOINT_SAMPLING_RATE, 600.0, min_audio_samples(160)
    else:
        from sqa.model.backbones import backbone_of

        net, processor = load_assessor(model, adapter, device, dtype)
        fe = processor.feature_extractor
        sr, max_s, min_n = (
            fe.sampling_rate,
            backbone_of(processor).max_audio_seconds(processor),
            min_audio_samples(fe.hop_length),
        )
    clips = _clips(paths, sr, max_s, min_n, task)
    if task == "compare":
        bad = [e for _, c, e in clips if c is None]
        if bad:
            yield TaskResult(task, [f for f, _, _ in clips], status="error", error="; ".join(bad))
            return
        groups = [[f for f, _, _ in clips]]
        rows = [[c.audio for _, c, _ in clips]]
        flags = [[fl for _, c, _ in clips for fl in c.flags]]
    else:
        for f, c, e in clips:
            if c is None:
                yield TaskResult(task, [f], status="error", error=e)
        good = [(f, c) for f, c, _ in clips if c is not None]
        groups, rows, flags = [[f] for f, _ in good], [[c.audio] for _, c in good], [list(c.flags) for _, c in good]
    if not rows:
        return
    p_real: list[float | None] = [None] * len(rows)
    try:
        if net is None:
            texts = generator.generate([r[0] for r in rows], [spec.prompt] * len(rows), max_new_tokens=limit)
        elif task == "detect":
            texts, p_real = detect_audio(net, processor, [r[0] for r in rows], limit, batch_size)
        else:
            texts = generate_task_texts(
                net,
                processor,
                rows,
                [spec.prompt] * len(rows),
                max_new_tokens=limit,
                batch_size=batch_size,
                sampling_rate=sr,
            )
    except EndpointUnavailable as err:
        raise AssessSetupError(str(err)) from None
    for files, raw, p, fl in zip(groups, texts, p_real, flags, strict=True):
        yield TaskResult(task, files, answer=parsed_answer(task, raw, p), raw=raw, flags=fl)


def print_task_results(args) -> int:
    """``assess --task compare|suggest|detect``: print the results of :func:`iter_task` (one JSON line or a
    readable block each, errors on stderr) and return how many failed. Setup problems raise
    :class:`~sqa.inference.assess.AssessSetupError`; :func:`sqa.cli.assess.run_cli` turns both into the exit
    status, as for ``assess``."""
    failed = 0
    for r in iter_task(
        args.task,
        args.paths,
        args.model,
        adapter=args.adapter,
        batch_size=args.batch_size,
        device=args.device,
        max_new_tokens=args.max_new_tokens,
        dtype=args.dtype,
    ):
        if not r.ok:
            failed += 1
            print(f"error: {r.error}", file=sys.stderr, flush=True)
        if args.format == "json":
            print(json.dumps(r.to_dict()), flush=True)
        elif r.ok:
            print(format_task_text(r) + "\n", flush=True)
    return failed
