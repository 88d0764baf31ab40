"""The three new tasks on the test split: the multi-task model and the derived baselines, with intervals.

:func:`evaluate_tasks` answers every test item with the multi-task model (:mod:`sqa.train.sft_tasks`) and
computes the derived baselines of one single-task system (:mod:`sqa.tasks.derived`), then writes
``results/<profile>[/seed<k>]/tasks/``:

* ``metrics.json`` -- every figure (``system, task, metric, value, ci_low, ci_high, n``), the item counts, the
  models' fingerprints and the seconds the evaluation took;
* ``figures.csv`` -- the same figures as a table;
* ``predictions/<system>_<task>.csv`` -- one row per item: its id, the answer, the parsed verdicts / fixes /
  word and score, the gold.

The figures: **compare** -- 3-way and non-tie accuracy per dimension and their mean over the
:func:`sqa.tasks.items.pair_count` fixed-seed pairs (intervals over pairs); **suggest** -- coverage
precision / recall / F1, exact match, ROUGE-L and MiniLM (the model's own text only; intervals over clips);
**detect** -- EER (%), minDCF, accuracy over the spoof set's trials (intervals over trials), the invalid
count in ``n``. The model's detection score is P(real) where its answer's word starts
(:func:`detection_answers`); the derived baseline's is :func:`sqa.tasks.derived.detection_score` and its
word ``real`` when that score is at least 0.5 (naturalness 3 or more).

A ``metrics.json`` whose fingerprints and item counts match is returned as is (``refresh`` redoes it).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sqa.configs.systems import slug
from sqa.data import Example, load_audio
from sqa.evaluation.generator import as_generator
from sqa.evaluation.scores import predict_scores
from sqa.metrics.bootstrap import N_BOOT, SEED
from sqa.model import load_model
from sqa.model.multi_audio import generate_task_texts, word_logprobs
from sqa.schema import DIMENSIONS, Assessment, parse_response
from sqa.schema.prompts import REASONING_PROMPT
from sqa.tasks.compare import VERDICT_TEXT, parse_comparison
from sqa.tasks.compare_metrics import comparison_figures
from sqa.tasks.derived import derived_comparisons, derived_suggestions, detection_score
from sqa.tasks.detect import DETECT_PROMPT, WORDS, parse_detection, real_probability, word_start
from sqa.tasks.detect_metrics import detection_table
from sqa.tasks.items import compare_items, detect_items, pair_count, suggest_items, suggestion_gold
from sqa.tasks.suggest import parse_suggestion, render_suggestion
from sqa.tasks.suggest_metrics import suggestion_figures

logger = logging.getLogger(__name__)
MODEL_SYSTEM = "Multi-task SFT"
"""The row name of the multi-task model."""
WORD_VARIANTS: tuple[str, ...] = ("real", "Real", "fake", "Fake")
"""The spellings of the detection words scored where the answer's word starts (case variants summed)."""
FIGURE_COLUMNS = ["system", "task", "metric", "value", "ci_low", "ci_high", "n"]


def derived_name(system: str) -> str:
    """The row name of a system's derived baseline.

    >>> derived_name("Calibration-only")
    'Derived from Calibration-only'
    """
    return f"Derived from {system}"


def _rows(items: Sequence[dict], sr: int) -> list[list]:
    return [[load_audio(p, sr=sr) for p in it["audio_paths"]] for it in items]


def model_answers(model, processor, items: Sequence[dict], max_new_tokens: int, batch_size: int) -> list[str]:
    """The multi-task model's greedy answers to task items (:func:`sqa.model.multi_audio.generate_task_texts`)."""
    sr = processor.feature_extractor.sampling_rate
    return generate_task_texts(
        model,
        processor,
        _rows(items, sr),
        [it["prompt"] for it in items],
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
        sampling_rate=sr,
    )


def detection_answers(
    model, processor, items: Sequence[dict], max_new_tokens: int = 8, batch_size: int = 8
) -> pd.DataFrame:
    """``id, label, answer, word, score`` per detection trial: the greedy answer, its word
    (:func:`sqa.tasks.detect.parse_detection`, ``None``: invalid) and P(real) at the position where that word
    starts, a 2-way softmax over the log-probabilities of the spellings :data:`WORD_VARIANTS`
    (:func:`sqa.tasks.detect.real_probability`), each scored whole after the answer's text before the word."""
    sr = processor.feature_extractor.sampling_rate
    answers, scores = detect_audio(
        model,
        processor,
        [a for r in _rows(items, sr) for a in r],
        max_new_tokens,
        batch_size,
        [it["prompt"] for it in items],
    )
    return pd.DataFrame(
        {
            "id": [it["id"] for it in items],
            "label": [it["answer"] for it in items],
            "answer": answers,
            "word": [parse_detection(a) for a in answers],
            "score": scores,
        }
    )


def detect_audio(
    model,
    processor,
    audios: Sequence,
    max_new_tokens: int = 8,
    batch_size: int = 8,
    prompts: Sequence[str] | None = None,
) -> tuple[list[str], list[float | None]]:
    """The greedy detection answers to one clip each and P(real) where their word starts (:func:`detection_answers`)."""
    sr = processor.feature_extractor.sampling_rate
    rows = [[a] for a in audios]
    prompts = list(prompts) if prompts is not None else [DETECT_PROMPT] * len(rows)
    answers = generate_task_texts(
        model, processor, rows, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size, sampling_rate=sr
    )
    starts = [word_start(a) for a in answers]
    valid = [k for k, s in enumerate(starts) if s is not None]
    logprobs = word_logprobs(
        model,
        processor,
        [rows[k] for k in valid],
        [prompts[k] for k in valid],
        [answers[k][: starts[k]] for k in valid],
        WORD_VARIANTS,
        batch_size=batch_size,
        sampling_rate=sr,
    )
    scores: list[float | None] = [None] * len(rows)
    for k, lps in zip(valid, logprobs, strict=True):
        scores[k] = real_probability(lps)
    return answers, scores


def _table(system: str, task: str, table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out.insert(0, "task", task)
    out.insert(0, "system", system)
    return out[FIGURE_COLUMNS]


def _verdict_columns(comparisons, prefix: str) -> dict:
    return {f"{prefix}_{d}": [c.verdicts[d] for c in comparisons] for d in DIMENSIONS}


def model_figures(
    model,
    processor,
    examples: Sequence[Example],
    trials: Sequence[dict],
    max_new_tokens: int,
    batch_size: int = 8,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The multi-task model's figures on the three new tasks and its per-item predictions."""
    pairs = compare_items(examples, pair_count(len(examples)))
    answers = model_answers(model, processor, pairs, max_new_tokens, batch_size)
    preds, golds = [parse_comparison(a) for a in answers], [parse_comparison(it["answer"]) for it in pairs]
    compare = comparison_figures(preds, golds, n_boot=n_boot, seed=seed)
    compare_rows = pd.DataFrame(
        {
            "id": [it["id"] for it in pairs],
            "answer": answers,
            **_verdict_columns(preds, "pred"),
            **_verdict_columns(golds, "gold"),
        }
    )
    clips = suggest_items(examples)
    texts = model_answers(model, processor, clips, max_new_tokens, batch_size)
    sugg, gold_s = [parse_suggestion(t) for t in texts], [suggestion_gold(ex) for ex in examples]
    suggest = suggestion_figures(sugg, gold_s, n_boot=n_boot, seed=seed, text=True)
    suggest_rows = pd.DataFrame(
        {
            "id": [ex.id for ex in examples],
            "answer": texts,
            "fixes": [";".join(s.fixes) for s in sugg],
            "gold_fixes": [";".join(g.fixes) for g in gold_s],
            "gold": [render_suggestion(g) for g in gold_s],
        }
    )
    detect_rows = detection_answers(model, processor, detect_items(trials), batch_size=batch_size)
    detect = _detect_table(detect_rows, n_boot, seed)
    table = pd.concat(
        [
            _table(MODEL_SYSTEM, "compare", compare),
            _table(MODEL_SYSTEM, "suggest", suggest),
            _table(MODEL_SYSTEM, "detect", detect),
        ],
        ignore_index=True,
    )
    return table, {"compare": compare_rows, "suggest": suggest_rows, "detect": detect_rows}


def _detect_table(rows: pd.DataFrame, n_boot: int, seed: int) -> pd.DataFrame:
    words = [w if isinstance(w, str) else None for w in rows["word"]]
    scores = [None if (s is None or pd.isna(s)) else float(s) for s in rows["score"]]
    table = detection_table(words, scores, list(rows["label"]), n_boot=n_boot, seed=seed)
    invalid = sum(w is None or s is None for w, s in zip(words, scores, strict=True))
    extra = pd.DataFrame(
        [
            {
                "metric": "n_invalid",
                "value": float(invalid),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "n": len(words),
            }
        ]
    )
    return pd.concat([table, extra], ignore_index=True)


def derived_detection(
    model, processor, trials: Sequence[dict], calibration_prompts: bool, max_new_tokens: int = 160, batch_size: int = 8
) -> pd.DataFrame:
    """``id, label, answer, word, score`` of the derived detection baseline: the system's naturalness of
    each trial clip (its calibration prompt when ``calibration_prompts``, else its full answer parsed),
    :func:`sqa.tasks.derived.detection_score` and the word ``real`` for a score of 0.5 or more."""
    examples = [Example(t["id"], Path(t["audio"]), Assessment()) for t in trials]
    if calibration_prompts:
        frame = predict_scores(model, processor, examples, dimensions=("naturalness",), batch_size=batch_size)
        answers = [str(a) for a in frame["answer"]]
        assessments = [Assessment(scores={"naturalness": None if pd.isna(v) else int(v)}) for v in frame["pred"]]
    else:
        generator = as_generator(model, processor, batch_size)
        audios = [load_audio(e.audio_path, sr=generator.sampling_rate) for e in examples]
        answers = generator.generate(audios, [REASONING_PROMPT] * len(audios), max_new_tokens=max_new_tokens)
        assessments = [parse_response(a) for a in answers]
    scores = [detection_score(a) for a in assessments]
    words = [None if s is None else WORDS[0] if s >= 0.5 else WORDS[1] for s in scores]
    return pd.DataFrame(
        {
            "id": [t["id"] for t in trials],
            "label": [t["label"] for t in trials],
            "answer": answers,
            "word": words,
            "score": scores,
        }
    )


def derived_figures(
    system: str,
    system_dir: str | Path,
    model,
    processor,
    examples: Sequence[Example],
    trials: Sequence[dict],
    calibration_prompts: bool,
    max_new_tokens: int = 160,
    batch_size: int = 8,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The derived baselines of ``system`` (its evaluated folder ``system_dir`` and its model) on the three
    tasks, with the same pairs, gold fixes and trials as :func:`model_figures`."""
    name = derived_name(system)
    pairs, preds, golds = derived_comparisons(system_dir, n_pairs=pair_count(len(examples)))
    compare = comparison_figures(preds, golds, n_boot=n_boot, seed=seed)
    compare_rows = pd.DataFrame(
        {
            "id": [f"{a}|{b}" for a, b in pairs],
            "answer": ["\n".join(f"{d}: {VERDICT_TEXT[v]}" for d, v in p.verdicts.items() if v) for p in preds],
            **_verdict_columns(preds, "pred"),
            **_verdict_columns(golds, "gold"),
        }
    )
    ids, sugg, gold_s = derived_suggestions(system_dir, {ex.id: suggestion_gold(ex).fixes for ex in examples})
    suggest = suggestion_figures(sugg, gold_s, n_boot=n_boot, seed=seed, text=False)
    suggest_rows = pd.DataFrame(
        {
            "id": ids,
            "answer": [render_suggestion(s) for s in sugg],
            "fixes": [";".join(s.fixes) for s in sugg],
            "gold_fixes": [";".join(g.fixes) for g in gold_s],
            "gold": [render_suggestion(g) for g in gold_s],
        }
    )
    detect_rows = derived_detection(model, processor, trials, calibration_prompts, max_new_tokens, batch_size)
    detect = _detect_table(detect_rows, n_boot, seed)
    table = pd.concat(
        [_table(name, "compare", compare), _table(name, "suggest", suggest), _table(name, "detect", detect)],
        ignore_index=True,
    )
    return table, {"compare": compare_rows, "suggest": suggest_rows, "detect": detect_rows}


def evaluate_tasks(
    model_dir: str | Path,
    examples: Sequence[Example],
    trials: Sequence[dict],
    base_system: str,
    base_dir: str | Path,
    base_model_dir: str | Path,
    base_calibration_prompts: bool,
    out_dir: str | Path,
    fingerprints: tuple[str, str],
    max_new_tokens: int = 160,
    batch_size: int = 8,
    dtype: str = "float32",
    device: str = "cpu",
    n_boot: int = N_BOOT,
    seed: int = SEED,
    refresh: bool = False,
    extra: dict | None = None,
) -> dict:
    """Evaluate the multi-task model at ``model_dir`` and the derived baselines of ``base_system`` (evaluated
    in ``base_dir``, its model at ``base_model_dir``) and write ``out_dir`` (module doc); returns
    ``metrics.json``'s content. ``fingerprints``: what produced the two models (the cache key)."""
    out = Path(out_dir)
    key = {
        "model_fingerprint": fingerprints[0],
        "base_system": base_system,
        "base_fingerprint": fingerprints[1],
        "n_clips": len(examples),
        "n_trials": len(trials),
        "n_pairs": pair_count(len(examples)),
        "n_boot": n_boot,
    }
    cached = out / "metrics.json"
    if cached.is_file() and not refresh:
        old = json.loads(cached.read_text())
        if all(old.get(k) == v for k, v in key.items()):
            return old
    t0 = time.perf_counter()
    model, processor = load_model(model_dir, lora_rank=None, dtype=dtype, device=device)
    model.eval()
    table, predictions = model_figures(model, processor, examples, trials, max_new_tokens, batch_size, n_boot, seed)
    t1 = time.perf_counter()
    base, base_processor = load_model(base_model_dir, lora_rank=None, dtype=dtype, device=device)
    base.eval()
    d_table, d_predictions = derived_figures(
        base_system,
        base_dir,
        base,
        base_processor,
        examples,
        trials,
        base_calibration_prompts,
        max_new_tokens,
        batch_size,
        n_boot,
        seed,
    )
    t2 = time.perf_counter()
    figures = pd.concat([table, d_table], ignore_index=True)
    (out / "predictions").mkdir(parents=True, exist_ok=True)
    for system, preds in ((MODEL_SYSTEM, predictions), (derived_name(base_system), d_predictions)):
        for task, frame in preds.items():
            frame.to_csv(out / "predictions" / f"{slug(system)}_{task}.csv", index=False)
    figures.to_csv(out / "figures.csv", index=False)
    record = {
        **key,
        "systems": [MODEL_SYSTEM, derived_name(base_system)],
        "model_dir": str(model_dir),
        "seconds": {"model": round(t1 - t0, 1), "derived": round(t2 - t1, 1)},
        **(extra or {}),
        "figures": json.loads(figures.to_json(orient="records")),
    }
    cached.write_text(json.dumps(record, indent=1, allow_nan=True) + "\n")
    logger.info("%s: %d figures of %s", cached, len(figures), ", ".join(record["systems"]))
    return json.loads(cached.read_text())


def figures_frame(metrics: dict) -> pd.DataFrame:
    """The figures of a ``metrics.json`` as a table (``system, task, metric, value, ci_low, ci_high, n``)."""
    return pd.DataFrame(metrics["figures"], columns=FIGURE_COLUMNS)


def item_counts(metrics: dict) -> dict[str, int]:
    """How many clips, pairs and trials a ``metrics.json`` was computed on.

    >>> item_counts({"n_clips": 3, "n_pairs": 1, "n_trials": 6, "n_boot": 1000})
    {'n_clips': 3, 'n_pairs': 1, 'n_trials': 6}
    """
    return {k: metrics[k] for k in ("n_clips", "n_pairs", "n_trials")}


def comparison_metrics(figures: pd.DataFrame, nontie: bool = False) -> list[str]:
    """The comparison accuracies of a figures table, per dimension then their mean (``overall``), in table order:
    the 3-way ones (``<dim>_acc``) or, with ``nontie``, those on the non-tie pairs (``<dim>_acc_nontie``).

    >>> t = pd.DataFrame({"task": ["compare"] * 4 + ["detect"], "metric": ["noise_acc", "noise_acc_nontie",
    ...                   "overall_acc", "overall_acc_nontie", "accuracy"]})
    >>> comparison_metrics(t), comparison_metrics(t, nontie=True)
    (['noise_acc', 'overall_acc'], ['noise_acc_nontie', 'overall_acc_nontie'])
    """
    suffix = "_acc_nontie" if nontie else "_acc"
    metrics = figures.loc[figures["task"] == "compare", "metric"]
    return [m for m in dict.fromkeys(metrics) if m.endswith(suffix)]
