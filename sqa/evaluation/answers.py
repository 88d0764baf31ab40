"""Full-answer evaluation (paper Tables 1 and 3): generate with the reasoning prompt, parse, score.

``audio_mode`` makes Omni-R1's diagnostic explicit: ``"audio"`` is the normal evaluation;
``"withheld"`` DROPS the audio (a text-only prompt with no ``<sound>`` placeholders, not zeroed
audio, so not even the clip's length leaks through the number of audio tokens). The gap between
the two rows is how much of a system's score needs the audio.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sqa.evaluation.scores import ScoreReport
from sqa.llm import PARSE_RESPONSE, NoJudgeError, get_extractor, get_judge
from sqa.metrics import evaluate
from sqa.metrics.clips import clip_table, with_clip_columns
from sqa.schema import render
from sqa.schema.prompts import REASONING_PROMPT

AUDIO_MODES = ("audio", "withheld")


AnswerReport = ScoreReport
"""Metrics of :func:`sqa.metrics.evaluate` plus the per-clip generations they came from (same shape as
the calibration's :class:`~sqa.evaluation.scores.ScoreReport`: ``save`` writes metrics.json + predictions.csv)."""


def generate_answers(
    model,
    processor,
    examples: Sequence,
    audio_mode: str = "audio",
    batch_size: int = 16,
    max_new_tokens: int = 160,
    progress: bool = False,
    decode_cache: str = "dynamic",
) -> list[str]:
    """Greedy answers to :data:`REASONING_PROMPT` for every example (with or without its audio).

    ``model``: a loaded model (with ``processor``), an endpoint ``http://HOST:PORT/v1#NAME`` (``processor``
    None) or a generator; see :func:`sqa.evaluation.generator.as_generator`.
    """
    from sqa.data import load_audio
    from sqa.evaluation.generator import as_generator

    if audio_mode not in AUDIO_MODES:
        raise ValueError(f"audio_mode must be one of {AUDIO_MODES}, got {audio_mode!r}")
    generator = as_generator(model, processor, batch_size, decode_cache)
    audios = [load_audio(ex.audio_path) if audio_mode == "audio" else None for ex in examples]
    return generator.generate(
        audios, [REASONING_PROMPT] * len(audios), max_new_tokens=max_new_tokens, progress=progress
    )


def evaluate_answers(
    model,
    processor,
    examples: Sequence,
    audio_mode: str = "audio",
    batch_size: int = 16,
    max_new_tokens: int = 160,
    corr_backend="minilm",
    extractor=PARSE_RESPONSE,
    progress: bool = False,
    decode_cache: str = "dynamic",
) -> AnswerReport:
    """Every Table 1 and Table 3 column for ``model``'s full answers on ``examples``.

    ``model``: a loaded model with its ``processor``, or a served one (``"http://HOST:PORT/v1#NAME"``,
    ``processor=None``). ``metrics["generator"]`` and the ``generator`` column of the predictions say which.

    ``corr_backend``: what measures the description correlation: ``"minilm"`` (MiniLM similarity) or a judge
    (a spec such as ``"http://host:8000/v1#Qwen3-8B"``, ``"rule:rouge"``, or a judge object); None is an error.
    ``extractor``: ``"parse_response"`` (the trained format's parser), or a chat model spec that pulls scores,
    intervals and brief descriptions out of free-form answers first (the paper used GPT-4o;
    :func:`sqa.llm.get_extractor`). Both are passed explicitly; nothing is read from the environment
    (``sqa.configs.sources`` resolves a profile's). The parse-failure rate is reported either way.
    """
    from sqa.evaluation.generator import as_generator

    if corr_backend is None:
        raise NoJudgeError(
            "sqa.evaluation.evaluate_answers: corr_backend=None; pass 'minilm' (MiniLM similarity) "
            "or a judge spec / object for the description correlation"
        )
    extract = get_extractor(extractor)  # resolved once, before anything is generated
    judge = None if corr_backend == "minilm" else get_judge(corr_backend)
    generator = as_generator(model, processor, batch_size, decode_cache)
    texts = generate_answers(generator, None, examples, audio_mode, batch_size, max_new_tokens, progress)
    preds = [extract(t) for t in texts]
    refs = [ex.assessment for ex in examples]
    metrics = evaluate(preds, refs, texts=texts, corr_backend=judge)
    metrics["audio_mode"] = audio_mode
    metrics["extractor"] = str(extractor)
    metrics["generator"] = generator.label
    df = pd.DataFrame(
        {
            "id": [ex.id for ex in examples],
            "answer": texts,
            "reference": [render(r) for r in refs],
            "generator": generator.label,
        }
    )
    # what each clip contributes to every column (bootstrap intervals resample these; sqa.metrics.clips)
    clips = clip_table(preds, refs, texts=texts, corr_backend=judge)
    return AnswerReport(metrics, with_clip_columns(df, clips))
