"""``python -m sqa assess``: the subcommand, its text/JSON output and exit status.

Exit status: 0 when every file was assessed, 1 when at least one file was rejected (the others are
still assessed and printed), 2 when nothing can run (model or adapter not found, CUDA missing, bad
option values). Errors are one line on stderr, never a traceback (``SQA_DEBUG=1`` shows one for an
unexpected failure). The assessment itself is :func:`sqa.inference.assess.iter_assess`.

>>> print(format_json(AssessmentResult(file="a.wav", status="error", error="a.wav: file not found")))
{"file": "a.wav", "status": "error", "flags": [], "assessment": null, "parsed": false, "raw": "", \
"error": "a.wav: file not found", "duration_s": null}
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

from sqa.inference.assess import DEFAULT_MAX_NEW_TOKENS, AssessmentResult, AssessSetupError, iter_assess
from sqa.inference.inputs import _one_line
from sqa.schema import ARTIFACT_LABELS, ARTIFACTS, DIMENSIONS, SCORE_LABELS, Assessment
from sqa.schema.render import format_intervals

__all__ = [
    "EXIT_OK",
    "EXIT_FILE_ERRORS",
    "EXIT_SETUP_ERROR",
    "format_json",
    "format_text",
    "add_assess_parser",
    "run_cli",
]

EXIT_OK, EXIT_FILE_ERRORS, EXIT_SETUP_ERROR = 0, 1, 2
TASK_CHOICES = ("assess", "compare", "suggest", "detect")
"""What ``--task`` accepts: ``assess`` (the default, :func:`sqa.inference.assess.iter_assess`) or one of the
judge's other tasks (:mod:`sqa.cli.assess_tasks`)."""


# ---- output ------------------------------------------------------------------------------


def format_json(result: AssessmentResult) -> str:
    """One JSON line (ASCII-escaped, so any terminal encoding can print it)."""
    return json.dumps(result.to_dict())


def format_text(result: AssessmentResult) -> str:
    """A readable block: header with duration and flags, scores table, artifacts, description.

    >>> from sqa.schema import Artifact
    >>> a = Assessment(scores={"noise": 2}, artifacts={"noise": Artifact(True, [(0.5, 1.7)], "hum")},
    ...                description="Noisy.")
    >>> print(format_text(AssessmentResult("x.wav", assessment=a, parsed=True,
    ...                                    duration_s=3.0)))  # doctest: +NORMALIZE_WHITESPACE
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
    unpredicted = set(result.not_predicted)
    for d in DIMENSIONS:
        score = a.scores.get(d)
        missing = "n/a (not predicted)" if d in unpredicted else "-"
        lines.append(f"  {SCORE_LABELS[d]:<{width}}{missing if score is None else score}")
    for name in ARTIFACTS:
        art = a.artifacts.get(name)
        if art is None:
            value = "-"
        else:
            value = "  ".join(
                x for x in ("yes" if art.present else "no", format_intervals(art.intervals), art.description) if x
            )
        lines.append(f"  {ARTIFACT_LABELS[name]:<{width}}{value}")
    if a.description:
        lines.append(f"  Description: {a.description}")
    elif "description" in unpredicted:
        lines.append("  Description: n/a (not predicted)")
    if unpredicted and result.raw:
        lines.append(f"  Raw: {result.raw}")
    if not result.parsed:
        raw = "" if a.description else " Raw answer: " + (" ".join(result.raw.split()) or "(empty)")
        lines.append("  (no score or artifact could be read from the answer)" + raw)
    return "\n".join(lines)


# ---- command line ------------------------------------------------------------------------


def add_assess_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``assess`` on the ``python -m sqa`` subparsers."""
    p = subparsers.add_parser(
        "assess",
        help="assess your own audio files with a trained model",
        description="Assess speech audio (wav/flac/mp3/ogg; directories are searched recursively) with a trained "
        "checkpoint. One result per file; bad files are reported on stderr (exit status 1) and the "
        "rest are still assessed.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="audio files or directories")
    p.add_argument(
        "--model",
        required=True,
        help="trained checkpoint dir (or base model dir with --adapter), a "
        "served model: http://HOST:PORT/v1#SERVED_NAME (e.g. vLLM), or "
        "dnsmos: DNSMOS + signal detectors, no checkpoint (a folder named "
        "dnsmos: ./dnsmos)",
    )
    p.add_argument("--adapter", default=None, help="PEFT adapter dir merged into --model")
    p.add_argument(
        "--format",
        choices=("json", "text"),
        default="text",
        help="json: one JSON line per file; text: a readable block per file (default)",
    )
    p.add_argument("--batch-size", type=int, default=8, help="clips per generate call (default 8)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument(
        "--dtype",
        choices=("auto", "float32", "bfloat16", "float16"),
        default="auto",
        help="model weights dtype; auto = bfloat16 on cuda, float32 on cpu",
    )
    p.add_argument(
        "--max-new-tokens",
        type=int,
        default=None,
        help=f"answer length cap in tokens (default {DEFAULT_MAX_NEW_TOKENS})",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--task",
        choices=TASK_CHOICES,
        default="assess",
        help="assess (default); compare A.wav B.wav, suggest FILE..., detect FILE...: the judge's other "
        "tasks through a multi-task model (runs/<profile>/tasks/model; sqa.cli.assess_tasks)",
    )
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


def _print_assessments(args: argparse.Namespace, show: bool) -> int:
    """Print the results of :func:`sqa.inference.assess.iter_assess` for ``args``; return how many failed."""
    from tqdm.auto import tqdm

    failed = 0
    for r in iter_assess(
        args.paths,
        args.model,
        adapter=args.adapter,
        batch_size=args.batch_size,
        device=args.device,
        max_new_tokens=args.max_new_tokens,
        dtype=args.dtype,
        progress=show,
    ):
        if not r.ok:
            failed += 1
            tqdm.write(f"error: {r.error}", file=sys.stderr)
        if args.format == "json":
            tqdm.write(format_json(r), file=sys.stdout)
        elif r.ok:
            tqdm.write(format_text(r) + "\n", file=sys.stdout)
        sys.stdout.flush()
    return failed


def run_cli(args: argparse.Namespace) -> int:
    """Run ``assess`` for parsed arguments; print results; return the exit status (see module doc).

    ``--task compare|suggest|detect`` answers the judge's other tasks instead
    (:func:`sqa.cli.assess_tasks.print_task_results`), with the same exit statuses.
    """
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # junk answers must print on any terminal
    if args.batch_size < 1 or (args.max_new_tokens is not None and args.max_new_tokens < 1):
        print("error: --batch-size and --max-new-tokens must be >= 1", file=sys.stderr)
        return EXIT_SETUP_ERROR
    show = not args.no_progress and sys.stderr.isatty()
    task = getattr(args, "task", "assess")
    try:
        with _quiet_transformers():
            if task == "assess":
                failed = _print_assessments(args, show)
            else:  # compare / suggest / detect through a multi-task model
                from sqa.cli.assess_tasks import print_task_results

                failed = print_task_results(args)
    except AssessSetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_SETUP_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("SQA_DEBUG"):
            raise
        print(
            f"error: unexpected {type(err).__name__}: {_one_line(err)} (SQA_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_SETUP_ERROR
    return EXIT_FILE_ERRORS if failed else EXIT_OK
