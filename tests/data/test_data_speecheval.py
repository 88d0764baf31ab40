"""The SpeechEval reader on records written in its layout: the four tasks, their gold answers in sqa's
types, and one loud file:line error per kind of bad input."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from data_fixtures import write_tone

from sqa.data.speecheval import (
    SQA_TASK,
    TASK_NAMES,
    load_examples,
    load_speecheval,
    read_jsonl,
    single_eval_assessment,
    speech_rate,
)
from sqa.tasks.compare import Comparison
from sqa.tasks.suggest import Suggestion

EXTERNAL = Path(os.environ.get("SQA_EXTERNAL", Path(__file__).resolve().parents[3] / "shared/external"))

SINGLE = (
    "<think>\nFor each dimension, give a score and a short explanation.\nOverall Quality: 1/5\n"
    "Intelligibility: 1/5\nDistortion: 1/5 (timbre and quality; artifacts)\nSpeech Rate: suitable\n"
    "Dynamic Range: 2/5\nEmotional Impact: 1/5 (Neutral)\n</think>\n<answer>\nThe speech suffers from "
    "extremely poor overall quality.\n</answer>"
)
COMPARE = (
    "<think>\nCompare the two audio samples across different quality dimensions.\n"
    "Overall Quality (A vs B): B is better than A\nIntelligibility (A vs B): A and B are equal\n"
    "Distortion (A vs B): B is better than A\nSpeech Rate (A vs B): A is better than B\n"
    "Emotional Impact (A vs B): B is better than A\n</think>\n<answer>B stands out slightly.</answer>"
)
SUGGEST = (
    "1. Improvement Dimensions\n\nexpressiveness;emotional impact;noise reduction\n\n2. Detailed Description\n\n"
    "Enhance emotional expressiveness. Reduce background noise for cleaner audio quality."
)


def record(key, task, content, gold, audios):
    return {
        "key": key,
        "task": task,
        "audios": audios,
        "messages": [{"role": "user", "content": content}, {"role": "assistant", "content": gold}],
    }


def good_records():
    return [
        record("s1", "SingleEval", "<audio> Please evaluate the speech quality.", SINGLE, ["wav/a.wav"]),
        record(
            "c1",
            "CompareEval",
            "Sample A: <audio> Sample B: <audio> Compare the speech quality of Sample A and Sample B. ...",
            COMPARE,
            ["wav/a.wav", "wav/b.wav"],
        ),
        record("g1", "Suggest", "<audio> Please suggest specific aspects for improvement.", SUGGEST, ["wav/b.wav"]),
        record(
            "f1",
            "FakeDetection",
            "Please determine whether the following speech sample is real or synthetic: <audio>",
            "<answer>Fake</answer>",
            ["wav/b.wav"],
        ),
    ]


def write_split(root: Path, records, split="test", raw_lines=()):
    root.mkdir(parents=True, exist_ok=True)
    for name in ("a.wav", "b.wav"):
        write_tone(root / "wav" / name)
    lines = [json.dumps(r) for r in records] + list(raw_lines)
    (root / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_four_tasks_and_their_gold(tmp_path):
    root = write_split(tmp_path / "se", good_records())
    recs = load_speecheval(root, "test")
    assert [r.task for r in recs] == list(TASK_NAMES)
    assert [r.sqa_task for r in recs] == ["assess", "compare", "suggest", "detect"] == list(SQA_TASK.values())
    single, comp, sugg, fake = (r.gold for r in recs)
    assert (
        single.scores["overall"],
        single.scores["listening_effort"],
        single.scores["distortion"],
        single.scores["speed"],
        single.scores["noise"],
    ) == (1, 1, 1, 3, None)
    assert single.description == "The speech suffers from extremely poor overall quality."
    assert isinstance(comp, Comparison)
    assert (
        comp.verdicts["overall"],
        comp.verdicts["listening_effort"],
        comp.verdicts["distortion"],
        comp.verdicts["speed"],
        comp.verdicts["naturalness"],
    ) == ("B", "tie", "B", "A", None)
    assert isinstance(sugg, Suggestion) and sugg.fixes == ("denoise", "add_expressiveness")
    assert fake == "fake"
    assert recs[1].audios == (root / "wav" / "a.wav", root / "wav" / "b.wav")
    assert recs[0].source == f"{root / 'test.jsonl'}:1"
    assert [r.key for r in load_speecheval(root, "test", task="CompareEval")] == ["c1"]
    [ex] = load_examples(root, "test")
    assert ex.id == "s1" and ex.audio_path == root / "wav" / "a.wav" and ex.assessment == single


def test_speech_rate_classes():
    assert [speech_rate(v) for v in ("Slow", "slightly slow", "Appropriate", "Slightly Fast", "fast", "3")] == [
        1,
        2,
        3,
        4,
        5,
        3,
    ]
    assert single_eval_assessment("Speech Rate: Slightly Fast").scores["speed"] == 4


def _with(**changes):
    rec = good_records()[1]
    rec.update(changes)
    return rec


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", r"test.jsonl:2: not valid JSON"),
        ("[1, 2]", r"test.jsonl:2: a record must be a JSON object, got list"),
        (json.dumps({"task": "Suggest"}), r"test.jsonl:2: record has no usable 'key'"),
        (json.dumps(_with(task="Rank")), r"test.jsonl:2 \(record 'c1'\): unknown task 'Rank'"),
        (json.dumps(_with(messages="hi")), r"test.jsonl:2 \(record 'c1'\): field 'messages' must be a non-empty list"),
        (
            json.dumps(_with(messages=[{"role": "user", "content": "<audio> <audio>"}])),
            r"test.jsonl:2 \(record 'c1'\): expected one user and one assistant message, got 1 and 0",
        ),
        (
            json.dumps(_with(audios=["wav/a.wav"])),
            r"test.jsonl:2 \(record 'c1'\): the prompt has 2 <audio> placeholder",
        ),
        (json.dumps(record("c2", "CompareEval", "<audio>", COMPARE, ["wav/a.wav"])), r"needs two audios, got 1"),
        (
            json.dumps(record("c3", "CompareEval", "<audio><audio>", "A is nice.", ["wav/a.wav", "wav/b.wav"])),
            r"test.jsonl:2 \(record 'c3'\): CompareEval gold answer has no",
        ),
        (
            json.dumps(record("s2", "SingleEval", "<audio>", "Lovely.", ["wav/a.wav"])),
            r"test.jsonl:2 \(record 's2'\): SingleEval gold answer gives no",
        ),
        (json.dumps(record("f2", "FakeDetection", "<audio>", "unsure", ["wav/a.wav"])), r"neither 'real' nor 'fake'"),
        (json.dumps(good_records()[0]), r"test.jsonl:2: key 's1' repeats line 1"),
    ],
)
def test_bad_records_are_one_loud_line(tmp_path, line, message):
    root = write_split(tmp_path / "se", good_records()[:1], raw_lines=[line])
    with pytest.raises(ValueError, match=message) as err:
        load_speecheval(root, "test")
    assert "\n" not in str(err.value)


def test_missing_audio_and_files(tmp_path):
    root = write_split(tmp_path / "se", [record("x", "Suggest", "<audio>", SUGGEST, ["wav/missing.wav"])])
    with pytest.raises(FileNotFoundError, match=r"test.jsonl:1: audio file .*missing.wav of record 'x' not found"):
        load_speecheval(root, "test")
    assert load_speecheval(root, "test", check_audio=False)[0].key == "x"
    with pytest.raises(
        FileNotFoundError, match=r"train.jsonl: SpeechEval split not found; JSONL files in .*: test.jsonl"
    ):
        load_speecheval(root, "train")
    (root / "val.jsonl").write_text("\n\n")
    with pytest.raises(ValueError, match=r"val.jsonl: no records"):
        load_speecheval(root, "val")
    (root / "val.jsonl").write_bytes(b"\xff\xfe{}")
    with pytest.raises(ValueError, match=r"val.jsonl: not UTF-8"):
        read_jsonl(root / "val.jsonl")
    with pytest.raises(ValueError, match="unknown SpeechEval task 'Compare'"):
        load_speecheval(root, "test", task="Compare")


def _speecheval_like(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20000]
    except OSError:
        return False
    return bool(re.search(r'"task"\s*:\s*"(?:SingleEval|CompareEval|Suggest|FakeDetection)"', head))


def test_real_speecheval_records_if_any():
    if not EXTERNAL.is_dir():
        pytest.skip(f"{EXTERNAL} not present")
    files = [p for p in sorted(EXTERNAL.rglob("*.jsonl")) if _speecheval_like(p)]
    if not files:
        pytest.skip(
            f"no SpeechEval-layout JSONL under {EXTERNAL} (its text is SALMONN generations and QualiSpeech rows)"
        )
    for path in files:
        assert read_jsonl(path, check_audio=False)


def test_dataset_speecheval_is_a_profile_corpus_read_through_the_real_path(tmp_path):
    """``dataset: speecheval`` + ``data_dir``: the data source check, the preflight line, prepare, the stages'
    ``load_examples`` (its SingleEval records) and the provenance record, on records written in the layout."""
    from sqa.configs.errors import ProfileInputError
    from sqa.configs.profiles import get_profile
    from sqa.data import load_examples as profile_examples
    from sqa.data import prepare_profile_data
    from sqa.data.corpora import corpus_name as dataset
    from sqa.data.corpora import data_problem
    from sqa.pipeline.preflight import check_data
    from sqa.pipeline.provenance import data_record

    root = write_split(tmp_path / "se", good_records())
    write_split(
        root,
        [record("s9", "SingleEval", "<audio> Please evaluate.", SINGLE, ["wav/b.wav"]), good_records()[1]],
        split="train",
    )
    profile = get_profile("smoke", dataset="speecheval", data_dir=str(root))
    assert dataset(profile) == "speecheval" and data_problem(profile) is None
    line = check_data(profile)
    assert line.ok, line.detail
    assert line.detail == (
        f"SpeechEval at {root}: train 2 records (SingleEval 1, CompareEval 1); "
        f"test 4 records (SingleEval 1, CompareEval 1, Suggest 1, FakeDetection 1)"
    )
    assert prepare_profile_data(profile, progress=False) == root
    from sqa.data.corpora import corpus_of

    assert corpus_of(profile).summary(root) == [  # what python -m sqa prepare prints
        f"{root / 'train.jsonl'}: SingleEval 1, CompareEval 1",
        f"{root / 'test.jsonl'}: SingleEval 1, CompareEval 1, Suggest 1, FakeDetection 1",
    ]
    [train], [test] = profile_examples(profile, "train"), profile_examples(profile, "test")
    assert (train.id, test.id) == ("s9", "s1") and train.audio_path == root / "wav" / "b.wav"
    assert test.assessment.scores["overall"] == 1 and test.assessment.scores["noise"] is None
    assert "extremely poor overall quality" in test.columns()["reference"]  # the answer the stages learn
    prov = data_record(profile)
    assert prov["dataset"] == "speecheval" and prov["path"] == str(root)
    assert prov["splits"] == {"test": 4, "train": 2} and set(prov["jsonl_sha256"]) == {"test", "train"}

    with pytest.raises(ProfileInputError, match="DATA_DIR is not set .*reads SpeechEval from data_dir"):
        profile_examples(get_profile("smoke", dataset="speecheval"), "test")
    (root / "train.jsonl").write_text(json.dumps(good_records()[2]) + "\n{oops\n")  # a Suggest record, then junk
    bad = check_data(profile)
    assert not bad.ok and f"{root / 'train.jsonl'}:2: not valid JSON" in bad.detail and "SpeechEval layout" in bad.fix
    with pytest.raises(ValueError, match=r"train.jsonl:2: not valid JSON"):
        profile_examples(profile, "train")
    (root / "train.jsonl").write_text(json.dumps(good_records()[2]) + "\n")
    assert "train: no SingleEval record" in check_data(profile).detail
    with pytest.raises(ValueError, match=r"train.jsonl: no SingleEval record \(the assessment stages read those\)"):
        profile_examples(profile, "train")
