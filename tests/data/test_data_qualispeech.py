"""sqa.data.load_qualispeech on real rows in the dataset's own layout."""
import pandas as pd
import pytest

from sqa.data import COLUMNS, Example, load_qualispeech
from sqa.schema import ARTIFACTS, DIMENSIONS, Assessment

from data_fixtures import make_layout, real_rows, write_tone


def by_id(examples):
    return {e.id: e for e in examples}


def test_real_rows_map_to_assessments(real_layout):
    examples = load_qualispeech(real_layout, "train")
    assert len(examples) == len(real_rows()) and examples.n_skipped == 0
    assert all(isinstance(e, Example) and isinstance(e.assessment, Assessment) for e in examples)
    clean, distorted, windy = (by_id(examples)[i] for i in ("sys01tts-0000000.wav", "sys02tts-0000040.wav", "sys04tts-0000021.wav"))
    # Speed, Naturalness, Background noise, Distortion, Listening effort, Continuity, Overall quality = 2,1,5,4,3,4,2
    assert distorted.assessment.scores == {
        "noise": 5, "distortion": 4, "speed": 2, "continuity": 4, "listening_effort": 3, "naturalness": 1, "overall": 2,
    }
    assert windy.assessment.scores["noise"] == 4 and windy.assessment.scores["speed"] == 4
    assert windy.assessment.scores["overall"] == 3
    assert [a.present for a in clean.assessment.artifacts.values()] == [False, False, False]
    arts = distorted.assessment.artifacts
    assert not arts["noise"].present
    assert arts["distortion"].present and arts["distortion"].intervals == [(0.0, 3.6)]
    assert arts["unnatural_pause"].present and arts["unnatural_pause"].intervals == [(3.0, 3.6)]
    assert windy.assessment.artifacts["noise"].intervals == [(0.0, 1.7)]
    assert "wind" in windy.assessment.artifacts["noise"].description
    assert distorted.voice == "A middle-aged man's deep voice with a mechanical tone"
    assert distorted.assessment.description.startswith("The speech sample presents")
    assert clean.audio_path == real_layout / "wav" / "train" / "sys01tts-0000000.wav" and clean.audio_path.is_file()


def test_incomplete_real_row_gives_none_not_errors(real_layout):
    examples = by_id(load_qualispeech(real_layout, "train"))
    if "sys0giga-0000102.wav" not in examples:
        pytest.skip("shared excerpt absent; fallback rows have no incomplete row")
    cut = examples["sys0giga-0000102.wav"]
    assert cut.assessment.scores["overall"] == 1
    assert all(cut.assessment.artifacts[a] is None for a in ARTIFACTS)  # empty brief cells: not annotated
    assert cut.assessment.description == ""


def test_bad_scores_become_none(tmp_path):
    frame = real_rows().head(1).copy()
    frame.loc[:, "Speed"] = "3.5"
    frame.loc[:, "Naturalness"] = ""
    frame.loc[:, "Background noise"] = "nan"
    frame.loc[:, "Distortion"] = "4.0"
    frame.loc[:, "Continuity"] = "9"
    scores = load_qualispeech(make_layout(tmp_path / "qs", frame), "train")[0].assessment.scores
    assert scores["speed"] is None and scores["naturalness"] is None and scores["noise"] is None
    assert scores["continuity"] is None and scores["distortion"] == 4


def test_missing_csv_names_the_path(tmp_path):
    make_layout(tmp_path / "qs", real_rows().head(1), split="train")
    with pytest.raises(FileNotFoundError) as err:
        load_qualispeech(tmp_path / "qs", "test")
    assert str(tmp_path / "qs" / "test.csv") in str(err.value) and "train.csv" in str(err.value)


def test_missing_columns_are_all_named(tmp_path):
    frame = real_rows().head(2).drop(columns=["Speed", "Unnatural pause"])
    root = make_layout(tmp_path / "qs", frame)
    with pytest.raises(ValueError) as err:
        load_qualispeech(root, "train")
    message = str(err.value)
    assert str(root / "train.csv") in message and "'Speed'" in message and "'Unnatural pause'" in message
    assert "'Distortion'" not in message


def test_missing_wav_is_an_error_naming_the_file(real_layout):
    missing = real_layout / "wav" / "train" / "sys02tts-0000040.wav"
    missing.unlink()
    with pytest.raises(FileNotFoundError, match="sys02tts-0000040.wav"):
        load_qualispeech(real_layout, "train")


def test_skip_missing_warns_and_counts(real_layout):
    (real_layout / "wav" / "train" / "sys02tts-0000040.wav").unlink()
    (real_layout / "wav" / "train" / "sys04tts-0000021.wav").unlink()
    with pytest.warns(UserWarning, match="skipped 2 of"):
        examples = load_qualispeech(real_layout, "train", skip_missing=True)
    assert examples.n_skipped == 2 and examples.skipped == ["sys02tts-0000040.wav", "sys04tts-0000021.wav"]
    assert len(examples) == len(real_rows()) - 2


def test_column_order_and_extra_columns_do_not_matter(tmp_path):
    frame = real_rows().head(3)
    frame = frame[list(reversed(frame.columns))].assign(extra="x")
    examples = load_qualispeech(make_layout(tmp_path / "qs", frame), "train")
    assert [e.assessment.scores["speed"] for e in examples] == [int(v) for v in real_rows().head(3)["Speed"]]


def test_id_without_extension_finds_wav(tmp_path):
    frame = real_rows().head(1)[list(COLUMNS)].copy()
    root = tmp_path / "qs"
    root.mkdir()
    frame.loc[:, "id"] = "clip0"
    frame.to_csv(root / "val.csv", index=False)
    write_tone(root / "wav" / "val" / "clip0.wav")
    (example,) = load_qualispeech(root, "val")
    assert example.id == "clip0" and example.audio_path.name == "clip0.wav"


def test_all_dimensions_present_in_order():
    assert set(pd.Index(COLUMNS)) >= {"Background noise", "Listening effort", "Overall quality"}
    assert len(DIMENSIONS) == 7
