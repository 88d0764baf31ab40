"""Score evaluation of a calibrated model: one greedy answer per (test clip, dimension), parsed, correlated.

For every test clip and every dimension the model gets ``calibration_prompt(dim)``; the first number of
its answer, rounded half up into 1..5, is the prediction (:func:`sqa.schema.parse_score`). Per dimension
the Pearson correlation with the reference scores is :func:`sqa.metrics.pcc` (pairs with an unparsable
answer drop out);
``avg_pcc`` averages every dimension except speed (paper Table 1, footnote 2), ``mos_pcc`` is overall.

>>> import pandas as pd
>>> df = pd.DataFrame({"id": ["a", "b", "c"] * 2, "dimension": ["noise"] * 3 + ["overall"] * 3,
...                    "true": [1, 3, 5, 2, 3, 4], "pred": [2, 3, 4, 2, None, 5]})
>>> m = score_metrics(df)
>>> m["pcc"]["noise"], m["mos_pcc"], m["avg_pcc"], m["parse_rate"]
(1.0, 1.0, 1.0, 0.833)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sqa.metrics import AVG_DIMENSIONS, pcc
from sqa.schema import DIMENSIONS, parse_score
from sqa.schema.prompts import calibration_prompt


def _none(x):
    return None if x is None or pd.isna(x) else int(x)


def score_metrics(predictions: pd.DataFrame) -> dict:
    """``{"pcc": {dim: r}, "avg_pcc", "mos_pcc", "n_test", "parse_rate"}`` from a predictions table.

    ``predictions`` has columns ``id``, ``dimension``, ``true``, ``pred`` (None/NaN = unparsable).
    """
    per_dim = {}
    for dim in [d for d in DIMENSIONS if d in set(predictions["dimension"])]:
        rows = predictions[predictions["dimension"] == dim]
        per_dim[dim] = round(pcc([_none(x) for x in rows["pred"]], [_none(x) for x in rows["true"]]), 4)
    avg = [v for d, v in per_dim.items() if d in AVG_DIMENSIONS and not math.isnan(v)]
    return {
        "pcc": per_dim,
        "avg_pcc": round(float(np.mean(avg)), 4) if avg else float("nan"),
        "mos_pcc": per_dim.get("overall", float("nan")),
        "n_test": int(predictions["id"].nunique()),
        "parse_rate": round(float(predictions["pred"].notna().mean()), 3) if len(predictions) else float("nan"),
    }


def predict_scores(
    model,
    processor,
    examples: Sequence,
    dimensions: Sequence[str] = DIMENSIONS,
    batch_size: int = 16,
    max_new_tokens: int = 4,
    progress: bool = False,
    decode_cache: str = "dynamic",
) -> pd.DataFrame:
    """Greedy answers of ``model`` to every calibration prompt for every example, one row each.

    Columns: ``id``, ``dimension``, ``true`` (reference score or None), ``pred`` (parsed), ``answer`` (raw),
    ``generator`` (which model wrote it). ``model``: a loaded model with its ``processor``, or a served one
    (``"http://HOST:PORT/v1#NAME"``, ``processor=None``).
    """
    from sqa.data import load_audio
    from sqa.evaluation.generator import as_generator

    generator = as_generator(model, processor, batch_size, decode_cache)
    audios = [load_audio(ex.audio_path, sr=getattr(generator, "sampling_rate", 16000)) for ex in examples]
    rows = [(i, d) for i in range(len(examples)) for d in dimensions]
    answers = generator.generate(
        [audios[i] for i, _ in rows],
        [calibration_prompt(d) for _, d in rows],
        max_new_tokens=max_new_tokens,
        progress=progress,
    )
    return pd.DataFrame(
        {
            "id": [examples[i].id for i, _ in rows],
            "dimension": [d for _, d in rows],
            "true": pd.array([examples[i].assessment.scores.get(d) for i, d in rows], dtype="Int64"),
            "pred": pd.array([parse_score(a) for a in answers], dtype="Int64"),
            "answer": answers,
            "generator": generator.label,
        }
    )


def _nan_to_none(x):
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


@dataclass
class ScoreReport:
    """Metrics plus the predictions table they came from (scores here, full answers in ``answers.py``)."""

    metrics: dict
    predictions: pd.DataFrame

    def save(self, out_dir: str | Path, extra: dict | None = None) -> Path:
        """Write ``metrics.json`` (metrics + ``extra``; NaN written as null) and ``predictions.csv``; return
        ``out_dir``."""
        import json

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        data = _nan_to_none({**self.metrics, **(extra or {})})
        (out / "metrics.json").write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
        self.predictions.to_csv(out / "predictions.csv", index=False)
        return out


def evaluate_scores(
    model,
    processor,
    examples: Sequence,
    dimensions: Sequence[str] = DIMENSIONS,
    batch_size: int = 16,
    progress: bool = False,
    decode_cache: str = "dynamic",
) -> ScoreReport:
    """Predict every dimension of every example and compute the PCC table."""
    df = predict_scores(
        model, processor, examples, dimensions, batch_size=batch_size, progress=progress, decode_cache=decode_cache
    )
    return ScoreReport({**score_metrics(df), "generator": str(df["generator"].iloc[0]) if len(df) else None}, df)
