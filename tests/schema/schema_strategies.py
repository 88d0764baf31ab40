"""Hypothesis strategies for valid :class:`Assessment` objects (shared by the schema tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from sqa.schema import ARTIFACTS, DIMENSIONS, Artifact, Assessment

seconds = st.floats(min_value=0, max_value=60, allow_nan=False, allow_infinity=False)
one_line = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
"""Any text: ``Artifact`` folds its whitespace (newlines included) into single spaces."""
interval_like = st.builds(lambda a, b, tail: f"{a}-{b}s{tail}", seconds, seconds, st.sampled_from(["", ",", ";", " x"]))
"""Brief descriptions that look like intervals or render syntax, the known ambiguity of the format."""
brief = st.one_of(one_line, interval_like, st.sampled_from(["yes", "no", "; x", ", 1-2s", "yes, 1-2s; a", "Noise: 4"]))

artifacts = st.one_of(
    st.none(),
    st.builds(Artifact, st.just(False), st.just([]), brief),
    st.builds(Artifact, st.just(True), st.lists(st.tuples(seconds, seconds), max_size=3), brief),
)
long_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.lists(
        st.sampled_from(
            [
                "Noise: 4",
                "Noise artifact: yes, 1-2s",
                "Description: x",
                "",
                "  ",
                "from 1 to 2 s",
                '{"noise": 3}',
                "<think>",
                "```",
            ]
        ),
        max_size=5,
    ).map("\n".join),
)
assessments = st.builds(
    Assessment,
    st.fixed_dictionaries({d: st.one_of(st.none(), st.integers(1, 5)) for d in DIMENSIONS}),
    st.fixed_dictionaries({n: artifacts for n in ARTIFACTS}),
    long_text,
)
