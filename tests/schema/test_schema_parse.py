"""``parse_response`` on looser text than ``render()`` writes: labels, markdown, JSON, prose, junk."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqa.schema import Artifact, Assessment, parse_response, render
from sqa.schema.parse import MAX_CHARS, is_empty, parse_score


def scores(text) -> dict:
    return {k: v for k, v in parse_response(text).scores.items() if v is not None}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Overall: 4", {"overall": 4}),
        ("Overall quality: 2", {"overall": 2}),
        ("MOS: 3.5", {"overall": 4}),  # round half up
        ("MOS: 3.49", {"overall": 3}),
        ("mos = 4.5", {"overall": 5}),
        ("noise 4/5", {"noise": 4}),
        ("Noise score - 4", {"noise": 4}),
        ("Noise score: 4 out of 5", {"noise": 4}),
        ("- **Noise**: 4", {"noise": 4}),
        ("* **Noise:** 4", {"noise": 4}),
        ("1. Noise: 4\n2. Speed: 2", {"noise": 4, "speed": 2}),
        ("### Naturalness: 3", {"naturalness": 3}),
        ("listening_effort: 3", {"listening_effort": 3}),
        ("Listening Effort: 3", {"listening_effort": 3}),
        ("LISTENING EFFORT (1-5): 3", {"listening_effort": 3}),
        ("Background noise: 2\nSpeaking speed: 4\nContinuity: 5", {"noise": 2, "speed": 4, "continuity": 5}),
        ("The overall quality is good, with a MOS of 4.0.", {"overall": 4}),
        ("The Mean Opinion Score is 4.5, indicating excellence.", {"overall": 5}),
        (
            "noise:5 reverberation:5 bandwidth:5 clipping:5 discontinuity:5 loudness:3.\nOverall MOS: 3.93",
            {"noise": 5, "overall": 4},
        ),
        ("Noise: 4\nNoise: 2", {"noise": 4}),  # the first statement wins
        ("4.5", {"overall": 5}),  # a lone score opening the answer is the overall score
        ("\n3.5/5 (Fair)\n\nThe speech has a somewhat natural quality.", {"overall": 4}),
        ("**2** (poor).\nNoise: 1", {"overall": 2, "noise": 1}),
    ],
)
def test_reads_loose_scores(text: str, expected: dict) -> None:
    assert scores(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Noise: 0",
        "Noise: 6",
        "Noise: 7/10",
        "Noise: -1",
        "Noise: 4-5",
        "Noise: nan",
        "MOS: 0.5",
        "Overall: 5.6",
        "Speed: 3 seconds",
        "noise from 0.5 to 1.5 seconds",
        "Overall, the quality is 4 times better",
        "Some text first.\n4.5",
        "4.5 seconds of audio",
        "6/5 (great)",
    ],
)
def test_scores_outside_1_to_5_or_not_scores_are_none(text: str) -> None:
    assert scores(text) == {}


def test_reads_salmonn_json_with_escaped_keys_and_out_of_range_values() -> None:
    text = (
        '{\n"sentence\\_type": "sentence",\n"sentence": "buzzing",\n"overall\\_quality": 4.5,\n'
        '"confidence\\_level": "very\\_high",\n"listening\\_effort": 0,\n"naturalness": 4.0,\n'
        '"intelligibility": 4.0,\n"background\\_noise": 0,\n"distortion": 0,\n"quality\\_score": 4.5\n}'
    )
    a = parse_response(text)
    assert scores(text) == {"overall": 5, "naturalness": 4}
    assert a.artifacts == {"noise": None, "distortion": None, "unnatural_pause": None} and a.description == ""


def test_reads_to_dict_json_in_a_code_fence() -> None:
    a = Assessment({"noise": 3}, {"noise": Artifact(True, [(1, 2)], "hum"), "distortion": Artifact(False)}, "ok")
    import json

    assert parse_response("```json\n" + json.dumps(a.to_dict()) + "\n```") == a
    assert parse_response(a.to_dict()) == a


def test_reads_broken_json_line_by_line() -> None:
    assert scores('{"overall quality": 3, "background noise": 2,') == {"overall": 3, "noise": 2}


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Noise artifact: yes, 0.5-1.7s; a hum", Artifact(True, [(0.5, 1.7)], "a hum")),
        ("noise artifact: Present, 0.5 - 1.7 s; a hum", Artifact(True, [(0.5, 1.7)], "a hum")),
        ("Noise artifact: yes, from 0.5 to 1.7 seconds", Artifact(True, [(0.5, 1.7)], "")),
        ("**Noise artifact**: no", Artifact(False)),
        ("Noise artifact: No noise", Artifact(False, [], "No noise")),
        (
            "Noise Description: There is sound similar to wind in the audio from 0-1.7s",
            Artifact(True, [(0, 1.7)], "There is sound similar to wind in the audio from 0-1.7s"),
        ),
        ("Noise: none", Artifact(False)),
        ("Noise: yes, 1-2s", Artifact(True, [(1, 2)], "")),
        ("Noise: Not noticeable", Artifact(False, [], "Not noticeable")),
    ],
)
def test_reads_loose_noise_artifact_lines(line: str, expected: Artifact) -> None:
    assert parse_response(line).artifacts["noise"] == expected


def test_reads_qualispeech_column_labels() -> None:
    a = parse_response("Distortion description: not distorted\nUnnatural pause: 3-3.6s\nUnnatural pauses: no")
    assert a.artifacts["distortion"] == Artifact(False, [], "not distorted")
    assert a.artifacts["unnatural_pause"] == Artifact(True, [(3, 3.6)], "3-3.6s")


def test_reads_artifacts_from_prose() -> None:
    a = parse_response("There is background noise from 0.5 to 1.5 seconds.")
    assert a.artifacts["noise"] == Artifact(True, [(0.5, 1.5)], "There is background noise from 0.5 to 1.5 seconds.")
    assert a.artifacts["distortion"] is None and a.description == "There is background noise from 0.5 to 1.5 seconds."


def test_reads_artifact_states_from_a_salmonn_style_paragraph() -> None:
    text = (
        "The audio has a moderate level of background noise, specifically a buzzing sound present from 0 to 1.7 "
        "seconds, which is somewhat noticeable. There is no distortion, and the speech flows very smoothly. "
        "From 2s to 2.4s, there is a slight crackling distortion. The naturalness is lacking, as it sounds fairly "
        "unnatural, particularly between 3 and 3.6 seconds. Overall, the quality is fair, with a MOS of 3.0."
    )
    a = parse_response(text)
    assert a.artifacts["noise"].intervals == [(0.0, 1.7)]
    assert a.artifacts["distortion"].present and a.artifacts["distortion"].intervals == [(2.0, 2.4)]
    assert a.artifacts["unnatural_pause"].intervals == [(3.0, 3.6)]
    assert a.scores["overall"] == 3 and a.description == text


@pytest.mark.parametrize(
    "text, absent",
    [
        (
            "The audio quality is excellent with no background noise, distortion, or artifacts present.",
            {"noise", "distortion"},
        ),
        ("The speech is very smooth and flows seamlessly without any breaks or stutters.", {"unnatural_pause"}),
        ("The background noise is completely absent. The audio is free from distortion.", {"noise", "distortion"}),
    ],
)
def test_reads_negated_artifacts_from_prose(text: str, absent: set) -> None:
    arts = parse_response(text).artifacts
    assert {n for n, a in arts.items() if a is not None and not a.present} == absent
    assert all(a is None or not a.present for a in arts.values())


def test_prose_with_an_affirmed_artifact_is_present_without_intervals() -> None:
    assert parse_response("The audio has a faint background hum.").artifacts["noise"] == Artifact(
        True, [], "The audio has a faint background hum."
    )


def test_description_takes_the_rest_of_the_text_and_is_not_read_for_fields() -> None:
    a = parse_response("noise: 3\ndescription: Hissy.\nOverall: 2\nMore text")
    assert a.scores["noise"] == 3 and a.scores["overall"] is None
    assert a.description == "Hissy.\nOverall: 2\nMore text"


def test_think_and_answer_tags_are_dropped() -> None:
    a = parse_response("<think>The noise is 1/5 I think</think>\n<answer>Noise: 4\nDescription: ok</answer>")
    assert a.scores["noise"] == 4 and a.description == "ok"


def test_bytes_and_non_text() -> None:
    assert parse_response(b"Noise: 3").scores["noise"] == 3
    assert parse_response(None) == Assessment() and parse_response(float("nan")) == Assessment()
    a = Assessment({"speed": 2})
    assert parse_response(a) is a


def test_is_empty_counts_parse_failures() -> None:
    assert is_empty(parse_response("")) and is_empty(parse_response("\n\n"))
    assert not is_empty(parse_response("lorem ipsum"))
    assert is_empty(parse_response("lorem ipsum"), structured_only=True)
    assert not is_empty(parse_response("Speed: 2"), structured_only=True)
    assert not is_empty(parse_response("Noise artifact: no"), structured_only=True)


def test_parse_score() -> None:
    assert [parse_score(t) for t in ["4", "4.5", "Score: 3.4", "2/5.", "7/10", "none", None, "0-1s then 2"]] == [
        4,
        5,
        3,
        2,
        None,
        None,
        None,
        None,
    ]


JUNK_PIECES = [
    "Noise",
    "noise artifact",
    "Description",
    "Overall",
    "MOS",
    ":",
    ": ",
    " - ",
    "=",
    "yes",
    "no",
    ", ",
    "; ",
    "0.5-1.7s",
    "from 1 to 2 seconds",
    "between",
    " and ",
    "4",
    "4.5",
    "/5",
    "\n",
    "{",
    "}",
    "[",
    "]",
    '"',
    "\\_",
    "**",
    "- ",
    "<think>",
    "</think>",
    "```",
    "\u2028",
    "\r",
    "nan",
    "-1e309",
    "\x00",
]


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.binary(),
        st.lists(st.sampled_from(JUNK_PIECES), max_size=30).map("".join),
        st.recursive(
            st.none() | st.booleans() | st.floats() | st.text(max_size=5),
            lambda c: (
                st.lists(c, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["noise", "scores", "artifacts", "present", "intervals", "description", "overall"]),
                    c,
                    max_size=3,
                )
            ),
            max_leaves=10,
        ),
    )
)
def test_never_raises_and_what_it_reads_is_stable(junk) -> None:
    a = parse_response(junk)
    assert isinstance(a, Assessment)
    assert all(v is None or 1 <= v <= 5 for v in a.scores.values())
    assert parse_response(render(a)) == a


@pytest.mark.parametrize("piece", ["a" * 80 + ": ", " ", "*", "-", "0-1s, ", "Noise: 4\n", "no noise, " * 3, "{["])
def test_huge_inputs_are_fast(piece: str) -> None:
    text = piece * (2 * MAX_CHARS // len(piece))
    start = time.perf_counter()
    assert isinstance(parse_response(text), Assessment)
    assert time.perf_counter() - start < 5.0


def test_json_nested_scores_and_artifact_strings() -> None:
    a = parse_response(
        '{"noise": {"score": 4, "reason": "hum"}, "artifacts": {"noise": "Not noticeable",'
        ' "unnatural_pause": "3-3.6s"}, "distortion": true, "speed": "2/5"}'
    )
    assert scores_of(a) == {"noise": 4, "speed": 2}
    assert a.artifacts == {
        "noise": Artifact(False, [], "Not noticeable"),
        "distortion": Artifact(True),
        "unnatural_pause": Artifact(True, [(3, 3.6)], "3-3.6s"),
    }


def test_text_in_braces_that_is_not_json_is_read_as_prose() -> None:
    a = parse_response("{sounds of running water and background noise from 0-2.5s}")
    assert a.artifacts["noise"].intervals == [(0.0, 2.5)] and a.description.startswith("{sounds")


def scores_of(a: Assessment) -> dict:
    return {k: v for k, v in a.scores.items() if v is not None}
