"""Score evaluation: answer parsing (sqa.schema.parse_score), PCC table (avg without speed, mos = overall),
saved files."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sqa.evaluation import ScoreReport, score_metrics
from sqa.metrics import AVG_DIMENSIONS
from sqa.schema import DIMENSIONS, parse_score


@pytest.mark.parametrize(
    "text, score",
    [
        ("3", 3),
        (" 5\n", 5),
        ("Score: 1", 1),
        ("0", None),
        ("6", None),
        ("12", None),
        ("", None),
        ("four", None),
        ("2 or 4", 2),
        ("Score: 3.5", 4),
        ("4-5", None),
        ("3 seconds", None),
    ],
)
def test_parse_score(text, score):
    assert parse_score(text) == score


def _table(pred_of):
    rows = []
    for dim in DIMENSIONS:
        for i, true in enumerate([1, 2, 3, 4, 5]):
            rows.append({"id": f"c{i}", "dimension": dim, "true": true, "pred": pred_of(dim, true)})
    return pd.DataFrame(rows)


def test_avg_leaves_out_speed_and_mos_is_overall():
    perfect_but_speed = _table(lambda d, t: 6 - t if d == "speed" else t)
    m = score_metrics(perfect_but_speed)
    assert m["pcc"]["speed"] == -1.0 and m["avg_pcc"] == 1.0 and m["mos_pcc"] == m["pcc"]["overall"] == 1.0
    assert "speed" not in AVG_DIMENSIONS and len(AVG_DIMENSIONS) == 6
    assert m["n_test"] == 5 and m["parse_rate"] == 1.0


def test_unparsed_answers_drop_out_and_constant_predictions_are_nan():
    df = _table(lambda d, t: None if t == 5 else t)
    m = score_metrics(df)
    assert m["pcc"]["noise"] == 1.0 and m["parse_rate"] == pytest.approx(0.8)
    const = score_metrics(_table(lambda d, t: 3))
    assert math.isnan(const["pcc"]["noise"]) and math.isnan(const["avg_pcc"])


def test_report_saves_metrics_and_predictions(tmp_path):
    df = _table(lambda d, t: t)
    out = ScoreReport(score_metrics(df), df).save(tmp_path / "r", extra={"train_seconds": 1.5})
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_seconds"] == 1.5 and set(metrics["pcc"]) == set(DIMENSIONS)
    assert len(pd.read_csv(out / "predictions.csv")) == len(df)
    const = _table(lambda d, t: 3)
    out = ScoreReport(score_metrics(const), const).save(tmp_path / "nan")
    assert json.loads((out / "metrics.json").read_text())["avg_pcc"] is None  # strict JSON, no NaN
