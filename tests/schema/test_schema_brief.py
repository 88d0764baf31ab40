"""``parse_brief``: one QualiSpeech brief-description cell -> Artifact."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqa.schema import Artifact, parse_brief
from sqa.schema.brief import is_negative


@pytest.mark.parametrize(
    "cell",
    [
        "Not noticeable",
        "not noticeable.",
        "Not distorted",
        "not distorted",
        "Very smooth",
        "very smooth",
        "Smooth",
        "No noise",
        "no distortion",
        "There is no distortion",
        "No obvious pauses",
        "none",
        "None",
        "no",
        "NO",
        "not obvious",
        "Undistorted",
        "no noise in the audio",
    ],
)
def test_negative_phrases_are_absent_and_keep_their_text(cell: str) -> None:
    assert parse_brief(cell) == Artifact(False, [], cell)


@pytest.mark.parametrize("cell", ["", "  ", "nan", "NaN", "null", "N/A", None, float("nan")])
def test_empty_and_nan_like_cells_are_absent_without_description(cell) -> None:
    assert parse_brief(cell) == Artifact(False)


@pytest.mark.parametrize(
    "cell, intervals",
    [
        ("3-3.6s", [(3, 3.6)]),
        ("3-3.6s, 4-4.2s", [(3, 3.6), (4, 4.2)]),
        ("There is pitch distortion with mechanical sound in the audio from 0-3.6s", [(0, 3.6)]),
        ("There is a sound of belling in the audio from 0 to 4.8 seconds", [(0, 4.8)]),
        ("There is a cheer noise 0-1s", [(0, 1)]),
        ("not noticeable except 1-2s", [(1, 2)]),  # an interval always means present
    ],
)
def test_cells_with_intervals_are_present(cell: str, intervals: list) -> None:
    art = parse_brief(cell)
    assert art.present and art.intervals == [(float(a), float(b)) for a, b in intervals] and art.description == cell


@pytest.mark.parametrize("cell", ["There is a slight hum", "Not very smooth", "stuttering", "Mostly smooth"])
def test_other_text_is_present_without_intervals(cell: str) -> None:
    assert parse_brief(cell) == Artifact(True, [], cell)


def test_is_negative() -> None:
    assert is_negative("Not noticeable") and not is_negative("not smooth") and not is_negative("There is a hum")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.binary(), st.none(), st.floats()))
def test_never_raises(cell) -> None:
    assert isinstance(parse_brief(cell), Artifact)
