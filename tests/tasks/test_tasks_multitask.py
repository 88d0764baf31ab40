"""The multi-task model: batches of two clips in one prompt, one training step on the four tasks, its
answers and detection scores, its evaluation table, and ``assess --task``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from sqa.cli import main
from sqa.cli.assess_tasks import iter_task
from sqa.configs.profiles import get_profile
from sqa.data import load_audio, load_qualispeech, make_synthetic_corpus
from sqa.data.spoof import detection_trials, make_spoof_set
from sqa.evaluation.tasks import detection_answers, model_figures
from sqa.inference.assess import AssessSetupError
from sqa.model import build_batch, load_model
from sqa.model.batching import IGNORE_INDEX, end_of_turn_id
from sqa.model.multi_audio import task_batch, word_logprobs
from sqa.tasks.compare import COMPARE_PROMPT
from sqa.tasks.items import detect_items, task_items
from sqa.train import train_info
from sqa.train.sft_tasks import TaskCollator, TaskItems, sft_tasks, training_items


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_synthetic_corpus(tmp_path_factory.mktemp("corpus"), n_train=4, n_test=3, seed=1, progress=False)


@pytest.fixture(scope="module")
def loaded(small_model):
    model, processor = load_model(small_model, lora_rank=None)
    return model.eval(), processor


def _clips(corpus, split="test"):
    return [load_audio(ex.audio_path, sr=16000) for ex in load_qualispeech(corpus, split)]


def test_a_pair_row_carries_both_clips_and_labels_only_the_answer(corpus, loaded):
    model, processor = loaded
    a, b, c = _clips(corpus)
    batch = task_batch(processor, [[a, b], [c]], [COMPARE_PROMPT, "Rate it."], ["Noise (A vs B): A is better", "4"])
    alone = [task_batch(processor, [[x]], ["Rate it."], ["4"]) for x in (a, b)]
    audio_id = processor.tokenizer.convert_tokens_to_ids("<sound>")
    n_audio = (batch["input_ids"] == audio_id).sum(-1).tolist()
    assert n_audio[0] == sum(int((x["input_ids"] == audio_id).sum()) for x in alone)  # both clips' frames, in row 0
    assert batch["input_features"].shape[0] == 3  # one window per clip, in row order
    labelled = batch["labels"][0][batch["labels"][0] != IGNORE_INDEX].tolist()
    assert labelled[-1] == end_of_turn_id(processor)
    assert processor.tokenizer.decode(labelled[:-1]) == "Noise (A vs B): A is better"
    batch.pop("num_audio_tokens", None)
    assert torch.isfinite(model(**batch).loss)


def test_one_clip_rows_are_the_single_task_batches(corpus, loaded):
    _, processor = loaded
    a, _, c = _clips(corpus)
    ours = task_batch(processor, [[a], [c]], ["Rate it.", "Rate the noise."], ["4", "2"])
    theirs = build_batch(processor, [a, c], ["Rate it.", "Rate the noise."], ["4", "2"])
    assert {k for k in theirs if isinstance(theirs[k], torch.Tensor)} <= set(ours)
    for k, v in theirs.items():
        if isinstance(v, torch.Tensor):
            assert torch.equal(ours[k], v), k


def test_a_prompt_with_the_wrong_number_of_slots_is_one_line(corpus, loaded):
    _, processor = loaded
    a, b, _ = _clips(corpus)
    with pytest.raises(ValueError, match="2 <audio> slot"):
        task_batch(processor, [[a, b, a]], [COMPARE_PROMPT])


def test_word_logprobs_of_a_one_token_word_are_the_next_token_logprobs(corpus, loaded):
    model, processor = loaded
    a, b, _ = _clips(corpus)
    digit = "4"  # digits are single tokens of the tiny tokenizer
    (got,) = word_logprobs(model, processor, [[a, b]], [COMPARE_PROMPT], [""], [digit])
    batch = task_batch(processor, [[a, b]], [COMPARE_PROMPT])
    batch.pop("num_audio_tokens", None)
    with torch.no_grad():
        logits = model(**batch).logits[0, -1]
    want = float(torch.log_softmax(logits.float(), -1)[processor.tokenizer.convert_tokens_to_ids(digit)])
    assert got[digit] == pytest.approx(want, abs=1e-4)


def test_items_of_the_four_tasks(corpus):
    make_spoof_set(corpus, "train", n_clips=2)
    trials = detection_trials(corpus, "train")
    assert [t["label"] for t in trials] == ["real", "fake"] * 2  # only the first 2 clips
    items = task_items(load_qualispeech(corpus, "train"), trials)
    by_task = {t: [it for it in items if it["task"] == t] for t in ("assess", "compare", "suggest", "detect")}
    assert [len(v) for v in by_task.values()] == [4, 3, 4, 4]
    assert all(len(it["audio_paths"]) == 2 and it["prompt"] == COMPARE_PROMPT for it in by_task["compare"])
    rows = TaskItems(by_task["compare"][:1] + by_task["detect"][:1])
    assert [len(r["audios"]) for r in rows] == [2, 1]


def test_one_training_step_of_the_multi_task_model(corpus, small_model, tmp_path):
    profile = get_profile("smoke", data_dir=str(corpus))
    items = training_items(profile)
    assert {it["task"] for it in items} == {"assess", "compare", "suggest", "detect"}
    batch = TaskCollator(load_model(small_model, lora_rank=None)[1])(list(TaskItems(items[:2] + items[4:6])))
    assert batch["labels"].shape == batch["input_ids"].shape
    out = sft_tasks(
        profile, init=small_model, out_dir=tmp_path / "tasks", steps=1, batch_size=4, lora_rank=4, progress=False
    )
    info = train_info(out)
    assert info["global_step"] == 1 and info["settings"]["n_items"] == len(items)
    assert (out / "adapter_model.safetensors").exists()


def test_detection_answers_score_valid_answers_only(corpus, loaded):
    model, processor = loaded
    make_spoof_set(corpus, "test")
    rows = detection_answers(model, processor, detect_items(detection_trials(corpus, "test")), max_new_tokens=4)
    assert list(rows["label"]) == ["real", "fake"] * 3
    for word, score in zip(rows["word"], rows["score"], strict=True):
        assert (score is None or math.isnan(score)) if word is None else 0.0 <= score <= 1.0


def test_the_model_figures_cover_the_three_tasks_with_intervals(corpus, loaded):
    model, processor = loaded
    make_spoof_set(corpus, "test")
    examples = load_qualispeech(corpus, "test")
    table, preds = model_figures(
        model, processor, examples, detection_trials(corpus, "test"), max_new_tokens=4, n_boot=20
    )
    assert set(table.task) == {"compare", "suggest", "detect"}
    assert {
        "overall_acc",
        "overall_acc_nontie",
        "coverage_precision",
        "coverage_recall",
        "rouge_l",
        "minilm",
        "eer",
        "min_dcf",
        "accuracy",
        "n_invalid",
    } <= set(table.metric)
    assert {"ci_low", "ci_high"} <= set(table.columns)
    assert len(preds["compare"]) == 1 and len(preds["suggest"]) == 3 and len(preds["detect"]) == 6
    n_invalid = table.set_index("metric").loc["n_invalid", "value"]
    assert n_invalid == sum(w is None or not isinstance(w, str) for w in preds["detect"]["word"])


def test_assess_task_compare_suggest_detect(corpus, small_model):
    files = [str(ex.audio_path) for ex in load_qualispeech(corpus, "test")]
    (pair,) = iter_task("compare", files[:2], small_model, max_new_tokens=4)
    assert pair.ok and pair.files == files[:2] and set(pair.answer["verdicts"]) >= {"noise", "overall"}
    suggestions = list(iter_task("suggest", [files[0], "missing.wav"], small_model, max_new_tokens=4))
    assert [r.ok for r in suggestions] == [False, True] and "missing.wav" in suggestions[0].error
    (det,) = iter_task("detect", files[:1], small_model, max_new_tokens=4)
    assert det.answer["p_real"] is None or 0 <= det.answer["p_real"] <= 1
    with pytest.raises(AssessSetupError, match="two audio files"):
        list(iter_task("compare", files[:1], small_model))


def test_assess_task_cli_json_and_a_served_pair_model(corpus, small_model, capsys):
    files = [str(ex.audio_path) for ex in load_qualispeech(corpus, "test")]
    assert (
        main(
            [
                "assess",
                "--model",
                str(small_model),
                "--task",
                "compare",
                *files[:2],
                "--format",
                "json",
                "--max-new-tokens",
                "4",
            ]
        )
        == 0
    )
    line = json.loads(capsys.readouterr().out.strip())
    assert line["task"] == "compare" and line["status"] == "ok" and line["files"] == files[:2]
    assert main(["assess", "--model", "http://127.0.0.1:9/v1#af3", "--task", "compare", *files[:2]]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "one audio per prompt" in err


def test_a_junk_model_answer_never_breaks_the_task_answers():
    from sqa.cli.assess_tasks import parsed_answer

    for task in ("compare", "suggest", "detect"):
        for junk in ("", "\x00\ufffd", "A" * 100_000, "<think>", "Noise (A vs B): maybe"):
            assert isinstance(parsed_answer(task, junk), dict)
    assert np.isclose(parsed_answer("detect", "real", 0.25)["p_real"], 0.25)


def test_the_report_section_shows_the_headline_figures_with_intervals(tmp_path):
    from sqa.analysis.report import tasks_section

    assert "not run" in tasks_section(tmp_path)
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "figures.csv").write_text(
        "system,task,metric,value,ci_low,ci_high,n\n"
        "Multi-task SFT,compare,overall_acc,0.5,0.4,0.6,300\nMulti-task SFT,compare,noise_acc,0.9,0.8,1.0,300\n"
        "Multi-task SFT,detect,n_invalid,3,,,300\nMulti-task SFT,detect,eer,12.5,10.0,15.25,300\n"
    )
    html = tasks_section(tmp_path)
    assert "0.500 [0.400, 0.600]" in html and "noise_acc" not in html
    assert ">invalid answers<" in html and ">3<" in html and "12.5 [10.0, 15.2]" in html and "EER (%)" in html
    assert ">300<" in html  # the items column


def test_assess_task_option_parses_and_rejects_other_tasks(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["assess", "--model", "m", "--task", "translate", "a.wav"])
    assert exit_info.value.code == 2 and "invalid choice: 'translate'" in capsys.readouterr().err
    from sqa.cli.assess import TASK_CHOICES

    assert TASK_CHOICES == ("assess", "compare", "suggest", "detect")
