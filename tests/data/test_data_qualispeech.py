"""sqa.data.load_qualispeech on real rows in the dataset's own layout."""

import pandas as pd
import pytest
from data_fixtures import make_layout, real_rows, write_tone

from sqa.data import COLUMNS, Example, load_qualispeech
from sqa.schema import ARTIFACTS, DIMENSIONS, Assessment


def by_id(examples):
    return {e.id: e for e in examples}


def test_real_rows_map_to_assessments(real_layout):
    examples = load_qualispeech(real_layout, "train")
    assert len(examples) == len(real_rows()) and examples.n_skipped == 0
    assert all(isinstance(e, Example) and isinstance(e.assessment, Assessment) for e in examples)
    clean, distorted, windy = (
        by_id(examples)[i] for i in ("sys01tts-0000000.wav", "sys02tts-0000040.wav", "sys04tts-0000021.wav")
    )
    # Speed, Naturalness, Background noise, Distortion, Listening effort, Continuity, Overall quality = 2,1,5,4,3,4,2
    assert distorted.assessment.scores == {
        "noise": 5,
        "distortion": 4,
        "speed": 2,
        "continuity": 4,
        "listening_effort": 3,
        "naturalness": 1,
        "overall": 2,
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


def test_bad_scores_become_none(tmp_path, recwarn):
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


# ---- strict and loud: every bad row counted per reason, refused with strict=True -------------------
def _bad_scores_layout(tmp_path):
    """Five copies of a real row under new ids: one clean, one each with a score of 7, 'n/a', 2.5 and empty cells."""
    frame = pd.concat([real_rows().head(1)] * 5, ignore_index=True)
    ids = [f"clip{i}.wav" for i in range(5)]
    frame["id"] = ids
    frame.loc[1, "Overall quality"] = "7"
    frame.loc[2, "Speed"] = "n/a"
    frame.loc[3, "Naturalness"] = "2.5"
    frame.loc[4, "Distortion"] = ""
    frame.loc[4, "Continuity"] = ""  # two empty cells in one row: counted once
    return make_layout(tmp_path / "qs", frame), ids


def test_bad_scores_are_counted_per_reason_and_warned(tmp_path):
    root, ids = _bad_scores_layout(tmp_path)
    with pytest.warns(UserWarning) as caught:
        examples = load_qualispeech(root, "train")
    assert len(examples) == 5  # rows with a bad score are kept, the score is None
    report = examples.report
    assert report.counts == {"missing_score": 1, "non_numeric_score": 1, "fractional_score": 1, "out_of_range_score": 1}
    assert report.rows == {
        "out_of_range_score": [ids[1]],
        "non_numeric_score": [ids[2]],
        "fractional_score": [ids[3]],
        "missing_score": [ids[4]],
    }
    (message,) = [str(w.message) for w in caught]
    assert str(root / "train.csv") in message and "\n" not in message
    assert "out_of_range_score 1" in message and "'7'" in message and "'n/a'" in message and "'2.5'" in message
    assert by_id(examples)[ids[1]].assessment.scores["overall"] is None


def test_strict_refuses_bad_scores_in_one_line(tmp_path):
    root, ids = _bad_scores_layout(tmp_path)
    with pytest.raises(ValueError) as err:
        load_qualispeech(root, "train", strict=True)
    message = str(err.value)
    assert str(root / "train.csv") in message and "\n" not in message and "strict" in message
    assert all(
        r in message for r in ("missing_score 1", "non_numeric_score 1", "fractional_score 1", "out_of_range_score 1")
    )


def test_duplicate_ids_load_once_and_are_reported(tmp_path):
    frame = real_rows().head(3)
    doubled = pd.concat([frame, frame.iloc[[1]], frame.iloc[[1]]], ignore_index=True)
    doubled.loc[3, "Speed"] = "1"  # a conflicting copy: the first row wins
    root = make_layout(tmp_path / "qs", doubled)
    with pytest.warns(UserWarning, match="duplicate_id 2"):
        examples = load_qualispeech(root, "train")
    assert [e.id for e in examples] == list(frame["id"])
    assert examples.report.rows == {"duplicate_id": [frame["id"].iloc[1]] * 2}
    assert examples.report.n_rows == 5 and examples.report.n_loaded == 3
    assert by_id(examples)[frame["id"].iloc[1]].assessment.scores["speed"] == int(frame["Speed"].iloc[1])
    with pytest.raises(ValueError, match="duplicate_id 2"):
        load_qualispeech(root, "train", strict=True)


def test_header_only_csv_says_so(tmp_path):
    root = tmp_path / "qs"
    root.mkdir()
    (root / "test.csv").write_text(",".join(f'"{c}"' if " " in c else c for c in COLUMNS) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="header only, no rows"):
        examples = load_qualispeech(root, "test")
    assert len(examples) == 0 and examples.report.counts == {"empty_split": 1}
    with pytest.raises(ValueError, match=r"test\.csv: header only, no rows .*strict"):
        load_qualispeech(root, "test", strict=True)


def test_non_utf8_csv_is_one_line_naming_the_file(tmp_path):
    root = make_layout(tmp_path / "qs", real_rows().head(2))
    (root / "train.csv").write_bytes(bytes(range(256)) * 8)  # binary junk
    with pytest.raises(ValueError) as err:
        load_qualispeech(root, "train")
    message = str(err.value)
    assert message.startswith(str(root / "train.csv")) and "not a UTF-8" in message and "\n" not in message


def test_latin1_csv_is_refused_and_bom_is_accepted(tmp_path):
    frame = real_rows().head(2).copy()
    frame.loc[0, "Feeling of voice"] = "A voice from Zürich"
    root = make_layout(tmp_path / "qs", frame)
    frame.to_csv(root / "train.csv", index=False, encoding="latin-1")
    with pytest.raises(ValueError, match="not a UTF-8 text CSV.*0xfc"):
        load_qualispeech(root, "train")
    frame.to_csv(root / "train.csv", index=False, encoding="utf-8-sig")  # Excel's UTF-8 with a BOM
    examples = load_qualispeech(root, "train", strict=True)
    assert examples[0].voice == "A voice from Zürich" and examples.report.ok


def test_empty_file_is_one_line_naming_the_file(tmp_path):
    root = tmp_path / "qs"
    root.mkdir()
    (root / "train.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"train\.csv: empty file"):
        load_qualispeech(root, "train")


def test_real_rows_pass_strict_without_warning(real_layout, recwarn):
    """The rule accepts real QualiSpeech rows as they are: whole-number scores 1..5 in every score column."""
    examples = load_qualispeech(real_layout, "train", strict=True)
    assert examples.report.ok and examples.report.n_loaded == len(real_rows()) == len(examples)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    assert all(v in {1, 2, 3, 4, 5} for e in examples for v in e.assessment.scores.values())
