"""pcc, detection_f1, interval_iou, rouge_l on hand-checked and random cases."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr

from sqa.metrics import detection_f1, interval_iou, merge_intervals, pcc, rouge_l


# ---------------------------------------------------------------- pcc
def test_pcc_equals_scipy_on_random_scores():
    rng = np.random.default_rng(0)
    ref = rng.integers(1, 6, 50).tolist()
    pred = [min(5, max(1, r + int(rng.integers(-1, 2)))) for r in ref]
    assert pcc(pred, ref) == pytest.approx(pearsonr(pred, ref).statistic, abs=1e-12)


def test_pcc_drops_none_and_nan_pairs():
    pred = [1, None, 3, 4, float("nan"), 2]
    ref = [2, 5, None, 3, 1, 1]
    kept_p, kept_r = [1, 4, 2], [2, 3, 1]
    assert pcc(pred, ref) == pytest.approx(pearsonr(kept_p, kept_r).statistic)


@pytest.mark.parametrize(
    "pred,ref", [([], []), ([1], [2]), ([1, None], [2, 3]), ([3, 3, 3], [1, 2, 3]), ([1, 2, 3], [4, 4, 4])]
)
def test_pcc_undefined_is_nan(pred, ref):
    assert math.isnan(pcc(pred, ref))


def test_pcc_length_mismatch_raises():
    with pytest.raises(ValueError, match="2 predictions vs 3 references"):
        pcc([1, 2], [1, 2, 3])


# ---------------------------------------------------------------- detection_f1
def test_detection_f1_hand_cases():
    # TP=2, FP=1, FN=1 -> 4 / 6
    assert detection_f1([True, True, True, False, False], [True, True, False, True, False]) == pytest.approx(2 / 3)
    assert detection_f1([True, False], [True, False]) == 1.0
    assert detection_f1([False, True], [True, False]) == 0.0


def test_detection_f1_none_prediction_is_absent_and_none_reference_skipped():
    assert detection_f1([None, True], [True, True]) == pytest.approx(2 / 3)
    assert detection_f1([True, True], [True, None]) == 1.0  # the FP on the unannotated clip is not counted


def test_detection_f1_no_positives_is_nan():
    assert math.isnan(detection_f1([False, None], [False, False]))
    assert math.isnan(detection_f1([], []))


# ---------------------------------------------------------------- interval_iou
def test_interval_iou_partial_overlap():
    assert interval_iou([(0, 2)], [(1, 3)]) == pytest.approx(1 / 3)


def test_interval_iou_merges_overlapping_intervals_on_each_side():
    # pred merges to (0, 2) (length 2, not 2.5); ref (1, 3) -> overlap 1, union 3
    assert interval_iou([(0, 1.5), (0.5, 2)], [(1, 3)]) == pytest.approx(1 / 3)
    assert interval_iou([(0, 1), (0.5, 2)], [(0, 2)]) == 1.0


def test_interval_iou_multiple_disjoint_intervals():
    # overlap: (1,2) + (5,6) = 2; union: 4 + 4 - 2 = 6
    assert interval_iou([(0, 2), (4, 6)], [(1, 3), (5, 7)]) == pytest.approx(1 / 3)


def test_interval_iou_empty_cases():
    assert interval_iou([], []) == 1.0
    assert interval_iou(None, None) == 1.0
    assert interval_iou([(0, 1)], []) == 0.0
    assert interval_iou([], [(0, 1)]) == 0.0
    assert interval_iou([(0, 1)], [(2, 3)]) == 0.0


def test_interval_iou_zero_length_intervals():
    assert interval_iou([(1, 1)], [(1, 1)]) == 1.0
    assert interval_iou([(1, 1)], [(2, 2)]) == 0.0


def test_merge_intervals_orders_and_touches():
    assert merge_intervals([(2, 1), (1, 1.5), (3, 4)]) == [(1.0, 2.0), (3.0, 4.0)]


spans = st.lists(st.tuples(st.floats(0, 20), st.floats(0, 20)), max_size=5)


@settings(max_examples=60, deadline=None)
@given(spans, spans)
def test_interval_iou_properties(a, b):
    v = interval_iou(a, b)
    assert 0.0 <= v <= 1.0 + 1e-12
    assert v == pytest.approx(interval_iou(b, a))
    if any(y != x for x, y in a):
        assert interval_iou(a, a) == pytest.approx(1.0)


# ---------------------------------------------------------------- rouge_l
def test_rouge_l_identical_and_disjoint():
    assert rouge_l("slight hum in the background", "slight hum in the background") == 1.0
    assert rouge_l("crackling distortion", "natural clean voice") == 0.0


def test_rouge_l_partial_and_empty():
    assert 0.0 < rouge_l("a hum in the background", "a low hum") < 1.0
    assert rouge_l("", "anything") == 0.0
    assert rouge_l("anything", "") == 0.0
