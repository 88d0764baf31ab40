"""sqa.inference.assess: reading the user's audio (every bad input), batching, results, text output.

The tiny AF3 (random weights) is built once per session; its answers are junk, which must still give
valid results. Tests that need a parsed answer replace the generation step with a rendered one.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

import sqa
from sqa.cli.assess import format_json, format_text
from sqa.data import AudioError
from sqa.inference import assess as assess_audio
from sqa.inference.assess import (
    AssessmentResult,
    AssessSetupError,
    assess,
    expand_paths,
    load_assessor,
    min_audio_samples,
    read_clip,
)
from sqa.schema import Artifact, Assessment, render

SR = 16000
TINY_MAX_S = 64  # the tiny processor's max_audio_len
_CACHE: dict = {}


# ---- shared fixtures (also imported by tests/test_cli.py) -----------------------------------


def tiny_checkpoint(tmp_path_factory):
    """The tiny AF3 (seed 0) in a temp dir, built once per session."""
    if "dir" not in _CACHE:
        from sqa.model import build_tiny_model

        _CACHE["dir"] = build_tiny_model(tmp_path_factory.mktemp("assess_tiny") / "m", seed=0)
    return _CACHE["dir"]


def tone(seconds: float, sr: int = SR, channels: int = 1, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(round(seconds * sr))) / sr
    y = amp * np.sin(2 * np.pi * 220 * t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    return np.stack([y, 0.5 * y], axis=1) if channels == 2 else y


def write_inputs(d) -> dict:
    """One file per case, in ``d``: name -> path (the 20-minute file is 38 MB of int16)."""
    d.mkdir(parents=True, exist_ok=True)
    paths = {
        k: d / f
        for k, f in [
            ("good", "good_stereo_44k.wav"),
            ("silent", "silent.flac"),
            ("short", "short_0.1s.wav"),
            ("blip", "blip_10ms.wav"),
            ("long", "long_20min.wav"),
            ("nan", "nan.wav"),
            ("inf", "inf.wav"),
            ("empty", "empty.wav"),
            ("text", "text.wav"),
            ("zero", "zero.wav"),
        ]
    }
    sf.write(paths["good"], tone(2.5, 44100, channels=2), 44100)
    sf.write(paths["silent"], np.zeros(SR), SR)
    sf.write(paths["short"], tone(0.1), SR)
    sf.write(paths["blip"], tone(0.01), SR)
    long = np.zeros(20 * 60 * SR, dtype=np.int16)
    long[: 70 * SR] = (10000 * tone(70)).astype(np.int16)
    sf.write(paths["long"], long, SR, subtype="PCM_16")
    for key, bad in (("nan", np.nan), ("inf", np.inf)):
        y = tone(0.5)
        y[100] = bad
        sf.write(paths[key], y, SR, subtype="FLOAT")
    paths["empty"].write_bytes(b"")
    paths["text"].write_text("this is not audio\n" * 20)
    sf.write(paths["zero"], np.zeros(0), SR)
    return paths


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory)


@pytest.fixture(scope="session")
def loaded(tiny_dir):
    """The tiny model loaded once: ``(model, processor)``, reused as ``sqa.assess(model=pair)``."""
    return load_assessor(tiny_dir)


def shared_inputs(tmp_path_factory) -> dict:
    """:func:`write_inputs` once per session."""
    if "inputs" not in _CACHE:
        _CACHE["inputs"] = write_inputs(tmp_path_factory.mktemp("assess_inputs"))
    return _CACHE["inputs"]


@pytest.fixture(scope="session")
def inputs(tmp_path_factory):
    return shared_inputs(tmp_path_factory)


# ---- inputs ------------------------------------------------------------------------------


def test_expand_paths_recurses_sorted_and_filters_extensions(tmp_path):
    (tmp_path / "b" / "deep").mkdir(parents=True)
    for name in ("b/deep/z.OGG", "b/a.flac", "c.wav", "notes.txt", "b/x.mp3"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "empty_dir").mkdir()
    got = expand_paths([tmp_path, tmp_path / "c.wav", tmp_path / "missing.wav"])
    names = [str(p).replace(str(tmp_path) + "/", "") for p, _ in got]
    assert names == ["b/a.flac", "b/deep/z.OGG", "b/x.mp3", "c.wav", "missing.wav"]
    assert all(problem is None for _, problem in got)
    assert expand_paths([tmp_path / "empty_dir"]) == [
        (str(tmp_path / "empty_dir"), "no audio files (.wav, .flac, .mp3, .ogg) in this directory")
    ]


def test_min_audio_samples_matches_the_processor(loaded):
    from sqa.model import prompt_batch

    _, processor = loaded
    n = min_audio_samples(processor.feature_extractor.hop_length)
    counts = [
        int(
            (
                prompt_batch(processor, [np.full(k, 0.1, np.float32)], ["x"])["input_ids"] == processor.audio_token_id
            ).sum()
        )
        for k in (n - 1, n)
    ]
    assert counts == [0, 1]


@pytest.mark.parametrize(
    "case,message",
    [
        ("missing", "missing.wav: file not found"),
        ("empty", "empty.wav: empty file (0 bytes)"),
        ("text", "text.wav: not a readable audio file (Format not recognised)"),
        ("nan", "nan.wav: contains NaN or infinite samples"),
        ("inf", "inf.wav: contains NaN or infinite samples"),
        ("zero", "zero.wav: contains no audio samples (zero length)"),
        ("blip", "blip_10ms.wav: too short to assess (10 ms; the model needs at least 41 ms)"),
    ],
)
def test_read_clip_rejects_bad_files_with_one_line(inputs, tmp_path, case, message):
    path = tmp_path / "missing.wav" if case == "missing" else inputs[case]
    with pytest.raises(AudioError) as err:
        read_clip(path, max_seconds=TINY_MAX_S, min_samples=min_audio_samples(320))
    assert str(err.value) == f"{path.parent}/{message}"


def test_read_clip_flags_silent_and_short_and_resamples_stereo(inputs):
    silent, short, good = (
        read_clip(inputs[k], max_seconds=TINY_MAX_S, min_samples=641) for k in ("silent", "short", "good")
    )
    assert silent.flags == ["silent"] and short.flags == ["too short"] and good.flags == []
    assert good.audio.ndim == 1 and good.audio.dtype == np.float32 and len(good.audio) == int(2.5 * SR)
    assert good.duration_s == pytest.approx(2.5) and short.duration_s == pytest.approx(0.1)


def test_read_clip_reads_only_the_head_of_a_20_minute_file(inputs):
    tracemalloc.start()
    try:
        clip = read_clip(inputs["long"], max_seconds=TINY_MAX_S)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert clip.flags == ["truncated to 64 s"]
    assert len(clip.audio) == TINY_MAX_S * SR and clip.duration_s == pytest.approx(1200.0)
    assert np.abs(clip.audio).max() > 0.1  # the tone of the first 70 s, not zeros
    assert peak < 40e6  # 64 s in float64 twice (audio_problems) ~ 20 MB; the whole file as float32: 77 MB


# ---- assess ------------------------------------------------------------------------------


def test_assess_a_mixed_batch_with_random_weights(loaded, inputs, tmp_path):
    files = [
        inputs["good"],
        tmp_path / "missing.wav",
        inputs["silent"],
        inputs["text"],
        inputs["short"],
        inputs["long"],
        inputs["blip"],
    ]
    results = sqa.assess(files, model=loaded, batch_size=8, max_new_tokens=8)
    assert [r.file for r in results] == [str(f) for f in files]
    assert [r.status for r in results] == ["ok", "error", "ok", "error", "ok", "ok", "error"]
    assert [r.flags for r in results if r.ok] == [[], ["silent"], ["too short"], ["truncated to 64 s"]]
    assert results[1].error == f"{tmp_path}/missing.wav: file not found"
    assert results[3].error.startswith(f"{inputs['text']}: not a readable audio file")
    for r in results:
        line = json.loads(format_json(r))
        assert set(line) >= {"file", "status", "flags", "assessment", "parsed", "raw"}
        if r.ok:  # junk text from random weights: a valid (maybe empty) Assessment, never a crash
            assert isinstance(r.raw, str) and isinstance(r.parsed, bool)
            assert Assessment.from_dict(line["assessment"]) == r.assessment
        else:
            assert line["assessment"] is None and "\n" not in r.error


def test_assess_from_a_path_with_a_peft_adapter(tiny_dir, inputs, tmp_path):
    from peft import LoraConfig, get_peft_model

    from sqa.model import LM_LORA_REGEX, load_model

    base, _ = load_model(tiny_dir, lora_rank=0)
    peft_model = get_peft_model(base, LoraConfig(r=2, target_modules=LM_LORA_REGEX, init_lora_weights=False))
    peft_model.save_pretrained(tmp_path / "adapter")
    (r,) = assess(inputs["good"], model=str(tiny_dir), adapter=tmp_path / "adapter", max_new_tokens=4)
    assert r.ok and r.duration_s == pytest.approx(2.5)
    with pytest.raises(AssessSetupError, match=r"not a PEFT adapter directory \(no adapter_config.json\)"):
        assess(inputs["good"], model=tiny_dir, adapter=tmp_path)


def test_model_errors_are_one_clear_line(tmp_path):
    with pytest.raises(AssessSetupError, match=rf"^{tmp_path}/nope: no such model directory$"):
        load_assessor(tmp_path / "nope")
    with pytest.raises(AssessSetupError, match=r"^runs/nope: no such model directory \(nor a hub id in the local"):
        load_assessor("runs/nope")
    with pytest.raises(AssessSetupError, match=r"not a model directory \(no config.json\)"):
        load_assessor(tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    with pytest.raises(AssessSetupError, match=r"broken: cannot load the model \(") as err:
        load_assessor(tmp_path / "broken")
    assert "\n" not in str(err.value)


def test_cuda_requested_without_cuda_is_a_setup_error(tiny_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(AssessSetupError, match="'cuda' requested but CUDA is not available"):
        load_assessor(tiny_dir, device="cuda")


def _fake_generate(generator, audios, prompt, max_new_tokens):
    """A rendered answer whose noise score and interval encode each clip's length: checks the mapping."""
    out = []
    for a in audios:
        seconds = len(a) / SR
        art = Artifact(True, [(0.0, round(seconds, 2))], "hum")
        out.append(
            render(
                Assessment(
                    scores={"noise": min(5, 1 + int(seconds)), "overall": 3},
                    artifacts={"noise": art},
                    description="Clear speech.",
                )
            )
        )
    return out


def test_answers_go_to_their_files_across_batches(loaded, tmp_path, monkeypatch):
    monkeypatch.setattr(assess_audio, "_generate", _fake_generate)
    files = []
    for i, seconds in enumerate([3.2, 0.6, 2.1, 4.5, 1.3]):
        files.append(tmp_path / f"{i}.wav")
        sf.write(files[-1], tone(seconds), SR)
    files.insert(2, tmp_path / "missing.wav")
    results = assess(files, model=loaded, batch_size=2)
    assert [r.status for r in results] == ["ok", "ok", "error", "ok", "ok", "ok"]
    ok = [r for r in results if r.ok]
    assert [r.assessment.scores["noise"] for r in ok] == [4, 1, 3, 5, 2]
    assert [r.assessment.artifacts["noise"].intervals[0][1] for r in ok] == [3.2, 0.6, 2.1, 4.5, 1.3]
    assert all(r.parsed for r in ok)


def test_a_failed_batch_is_reported_and_the_next_one_runs(loaded, inputs, monkeypatch):
    calls = []

    def flaky(generator, audios, prompt, max_new_tokens):
        calls.append(len(audios))
        if len(calls) == 1:
            raise RuntimeError("CUDA out of memory.\nTried to allocate 2 GiB")
        return ["Noise: 3"] * len(audios)

    monkeypatch.setattr(assess_audio, "_generate", flaky)
    first, second = assess([inputs["good"], inputs["short"]], model=loaded, batch_size=1)
    assert (
        first.error
        == f"{inputs['good']}: assessment failed (RuntimeError: CUDA out of memory. Tried to allocate 2 GiB)"
    )
    assert second.ok and second.assessment.scores["noise"] == 3 and second.parsed


def test_adapter_with_a_loaded_pair_and_bad_batch_size_are_errors(loaded, inputs):
    with pytest.raises(ValueError, match="adapter= applies to a model path"):
        assess(inputs["good"], model=loaded, adapter="x")
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        assess(inputs["good"], model=loaded, batch_size=0)


# ---- output ------------------------------------------------------------------------------


def test_format_text_shows_scores_artifacts_flags_and_description():
    a = Assessment(
        scores={"noise": 2, "overall": 3},
        artifacts={"noise": Artifact(True, [(0.5, 1.7), (2, 3)], "a low hum"), "distortion": Artifact(False, [], "")},
        description="Noisy but clear.",
    )
    text = format_text(AssessmentResult("x.wav", flags=["silent"], assessment=a, parsed=True, duration_s=3.25))
    lines = text.splitlines()
    assert lines[0] == "x.wav (3.2 s) [silent]"
    assert lines[1].split() == ["Noise", "2"] and lines[7].split() == ["Overall", "quality", "3"]
    assert lines[2].split() == ["Distortion", "-"]
    assert lines[8].split() == ["Noise", "artifact", "yes", "0.5-1.7s,", "2-3s", "a", "low", "hum"]
    assert lines[9].split() == ["Distortion", "artifact", "no"]
    assert lines[-1] == "  Description: Noisy but clear."


def test_format_text_of_unparsed_and_failed_results():
    empty = AssessmentResult("y.wav", assessment=Assessment(), parsed=False, raw="\x00 zz\nzz", duration_s=1.0)
    assert (
        format_text(empty).splitlines()[-1]
        == "  (no score or artifact could be read from the answer) Raw answer: \x00 zz zz"
    )
    failed = AssessmentResult("z.wav", status="error", error="z.wav: file not found")
    assert format_text(failed) == "error: z.wav: file not found"
    assert json.loads(format_json(failed))["error"] == "z.wav: file not found"
