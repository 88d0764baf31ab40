"""``parse_intervals``: every phrasing of a time range the brief names, and what must not be read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqa.schema import parse_intervals
from sqa.schema.intervals import find_intervals


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0-4.8s", [(0, 4.8)]),
        ("3 - 3.6 s", [(3, 3.6)]),
        ("2.1–2.9s", [(2.1, 2.9)]),
        ("2.1—2.9s", [(2.1, 2.9)]),
        ("2.1−2.9 s", [(2.1, 2.9)]),
        ("2.1~2.9s", [(2.1, 2.9)]),
        ("0-1.7 seconds", [(0, 1.7)]),
        ("a bell from 0 to 4.8 seconds", [(0, 4.8)]),
        ("from 1s to 2s", [(1, 2)]),
        ("from 1.5s to 1.7s", [(1.5, 1.7)]),
        ("from 1.5 s to 1.7", [(1.5, 1.7)]),
        ("between 0.5 and 1 seconds", [(0.5, 1)]),
        ("between 0.5s and 1s", [(0.5, 1)]),
        ("Between 3 and 3.6 Seconds.", [(3, 3.6)]),
        ("at 2.3-2.6 sec", [(2.3, 2.6)]),
        ("2.3 secs to 2.6 secs", [(2.3, 2.6)]),
        ("from 0-1.7s and 2.1-2.5s", [(0, 1.7), (2.1, 2.5)]),
        ("particularly between 1 to 2 seconds and 3 to 4 seconds", [(1, 2), (3, 4)]),
        ("0.5-1.7s, 2-3s", [(0.5, 1.7), (2, 3)]),
        ("200-450 ms", [(0.2, 0.45)]),
        ("from 500ms to 1.5s", [(0.5, 1.5)]),
        ("between 200 and 450 milliseconds", [(0.2, 0.45)]),
        ("from .5 to 1 s", [(0.5, 1)]),
        ("from 2 to 1 seconds", [(1, 2)]),
        ("there is sound similar to wind in the audio from 0-1.7s", [(0, 1.7)]),
        ("cheer noise 0-1s.", [(0, 1)]),
        ("3-3.6s", [(3, 3.6)]),
        ("from 2.1-2.5s and again from 0-1.7s, then 2.1 - 2.5 s", [(0, 1.7), (2.1, 2.5)]),
    ],
)
def test_reads_time_ranges(text: str, expected: list) -> None:
    assert parse_intervals(text) == [(float(a), float(b)) for a, b in expected]


@pytest.mark.parametrize(
    "text",
    [
        "noise 4/5",
        "MOS 3.5",
        "rated on a 1-5 scale",
        "a score of 4-5",
        "recorded 2023-10-05",
        "from 0 to 4.8",  # unit-less on its own: documented rule, not read
        "between 3 and 4 stars",
        "3 - 5 sentences",
        "speaker p232_001-2s",
        "at 1.7s and 2.1",  # 'and' joins a range only after 'between'
        "version 1.2.3-4",
        "Overall MOS: 3.93",
        "",
    ],
)
def test_ignores_numbers_that_are_not_time_ranges(text: str) -> None:
    assert parse_intervals(text) == []


def test_unitless_range_shares_the_unit_of_the_next_range_in_a_list() -> None:
    assert parse_intervals("from 0 to 1.7 and 2.1 to 2.5 seconds") == [(0.0, 1.7), (2.1, 2.5)]
    assert parse_intervals("0-1, 2-3 ms") == [(0.0, 0.001), (0.002, 0.003)]
    assert parse_intervals("a 1-5 scale. Noise from 2 to 3 s") == [(2.0, 3.0)]


def test_find_intervals_gives_positions_in_reading_order() -> None:
    text = "hum from 2 to 3 s, click at 0.1-0.2s"
    spans = find_intervals(text)
    assert [s.interval for s in spans] == [(2.0, 3.0), (0.1, 0.2)]
    assert text[spans[0].begin : spans[0].end] == "from 2 to 3 s"


@pytest.mark.parametrize("junk", [None, b"0-1s", 3.5, ["0-1s"], "\x00" * 10, "-" * 5000 + "1s"])
def test_never_raises_on_junk(junk) -> None:
    assert parse_intervals(junk) == []


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.sampled_from(
                ["0", "1.5", "-", "–", " to ", " and ", "between ", "from ", "s", " sec", "ms", ", ", ".", " "]
            ),
            max_size=20,
        ).map("".join),
    )
)
def test_fuzz_returns_sorted_ordered_pairs(text: str) -> None:
    out = parse_intervals(text)
    assert out == sorted(set(out))
    assert all(0 <= a <= b for a, b in out)
