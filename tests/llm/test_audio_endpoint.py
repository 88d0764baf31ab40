"""Generation through an OpenAI-compatible audio chat endpoint, against a local stub server that decodes the
WAV it receives and answers from it (RMS -> noise score, duration -> interval): a test fails if the audio
does not arrive, arrives resampled or in the wrong order.
"""

from __future__ import annotations

import base64
import io
import time

import numpy as np
import pytest
import soundfile as sf
from stub_server import closed_port_url, stub_chat_server

from sqa.data import Example
from sqa.llm import audio_endpoint
from sqa.llm.audio_endpoint import AudioChatEndpoint, EndpointUnavailable
from sqa.schema import Artifact, Assessment, render

SR = 16000


def clip(seconds: float, amp: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sqrt(2) * np.sin(2 * np.pi * 200 * t)).astype(np.float32)  # RMS = amp


def listen(payload) -> str:
    """The stub model: decode the request's WAV and describe it (no audio: an answer without scores)."""
    parts = payload["messages"][-1]["content"]
    audio = [p["input_audio"] for p in parts if p["type"] == "input_audio"]
    if not audio:
        return "I cannot hear anything."
    assert audio[0]["format"] == "wav"
    y, sr = sf.read(io.BytesIO(base64.b64decode(audio[0]["data"])), dtype="float32")
    assert sr == SR and y.ndim == 1
    rms, seconds = float(np.sqrt(np.mean(y**2))), len(y) / sr
    noise = 1 + min(4, int(rms * 10))  # 0.05 -> 1, 0.15 -> 2, 0.25 -> 3 ...
    return render(
        Assessment(
            scores={"noise": noise, "overall": 3},
            artifacts={"noise": Artifact(True, [(0.0, round(seconds, 2))], "hum")},
            description=f"{parts[0]['text'][:10]} {seconds:.2f} s",
        )
    )


CASES = [(1.5, 0.05), (0.75, 0.25), (2.25, 0.15), (1.0, 0.35)]  # (seconds, RMS)


@pytest.fixture
def wavs(tmp_path):
    paths = []
    for i, (seconds, amp) in enumerate(CASES):
        paths.append(tmp_path / f"{i}.wav")
        sf.write(paths[-1], clip(seconds, amp), SR)
    return paths


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(audio_endpoint, "BACKOFF_S", 0.01)
    monkeypatch.setattr(audio_endpoint, "RETRIES", 2)


def test_generate_sends_prompt_then_wav_and_answers_in_order():
    audios = [clip(s, a) for s, a in CASES]
    with stub_chat_server(listen) as (url, seen):
        texts = AudioChatEndpoint.from_spec(f"{url}#af3").generate(audios, ["Rate it."] * 4, max_new_tokens=77)
    assert [f"Noise: {1 + int(a * 10)}" in t for t, (_, a) in zip(texts, CASES)] == [True] * 4
    assert [f"{s:.2f} s" in t for t, (s, _) in zip(texts, CASES)] == [True] * 4
    p = seen[0]["payload"]
    assert p["model"] == "af3" and p["max_tokens"] == 77 and p["temperature"] == 0.0
    assert [c["type"] for c in p["messages"][0]["content"]] == ["text", "input_audio"]


def test_assess_with_an_endpoint_maps_answers_to_files(wavs):
    from sqa import assess

    with stub_chat_server(listen) as (url, seen):
        results = assess(wavs, model=f"{url}#af3", batch_size=3)
    assert [r.status for r in results] == ["ok"] * 4 and all(r.parsed for r in results)
    assert [r.assessment.scores["noise"] for r in results] == [1 + int(a * 10) for _, a in CASES]
    assert [r.assessment.artifacts["noise"].intervals[0][1] for r in results] == [s for s, _ in CASES]
    assert seen[0]["payload"]["max_tokens"] == 512  # assess's default answer cap


def test_evaluation_through_an_endpoint_records_the_generator(wavs):
    from sqa.evaluation import evaluate_answers, predict_scores

    examples = [Example(f"c{i}", p, Assessment(scores={"noise": 1 + i, "overall": 3})) for i, p in enumerate(wavs)]
    with stub_chat_server(listen) as (url, seen):
        spec = f"{url}#served-af3"
        report = evaluate_answers(spec, None, examples, max_new_tokens=40)
        withheld = evaluate_answers(spec, None, examples, audio_mode="withheld", max_new_tokens=40)
        scores = predict_scores(spec, None, examples, dimensions=["noise"], max_new_tokens=4)
    assert report.metrics["generator"] == spec and set(report.predictions["generator"]) == {spec}
    assert list(report.predictions["answer"].str.contains("Noise: ")) == [True] * 4
    assert list(withheld.predictions["answer"]) == ["I cannot hear anything."] * 4
    assert set(scores["generator"]) == {spec} and list(scores["pred"]) == [1 + int(a * 10) for _, a in CASES]
    assert all(r["payload"]["max_tokens"] in (40, 4) for r in seen)


def test_many_requests_in_flight():
    with stub_chat_server(listen, delay=0.2) as (url, seen):
        t0 = time.perf_counter()
        texts = AudioChatEndpoint.from_spec(f"{url}#m", max_workers=8).generate(
            [clip(0.5, 0.05)] * 16, ["Rate it."] * 16, max_new_tokens=8
        )
        wall = time.perf_counter() - t0
    assert len(texts) == 16 and len(seen) == 16
    assert max(r["in_flight"] for r in seen) >= 4
    assert wall < 16 * 0.2 / 3  # serial requests would take 3.2 s


def test_429_and_503_are_retried_then_answered(fast_retries):
    busy = {0: 429, 1: 503}  # two busy answers, within RETRIES=2
    with stub_chat_server(listen, status=lambda n: busy.get(n, 200)) as (url, seen):
        texts = AudioChatEndpoint.from_spec(f"{url}#m", max_workers=1).generate(
            [clip(1.0, 0.25)], ["Rate it."], max_new_tokens=8
        )
    assert len(seen) == 3 and "Noise: 3" in texts[0]


def test_busy_for_ever_is_a_one_line_error(fast_retries):
    with stub_chat_server(listen, status=503) as (url, seen):
        with pytest.raises(EndpointUnavailable, match=r"HTTP 503 after 3 tries") as info:
            AudioChatEndpoint.from_spec(f"{url}#m").answer("Rate it.", clip(1.0, 0.1), 8)
    assert len(seen) == 3 and url in str(info.value) and "\n" not in str(info.value)


TEXT_ONLY_400 = (
    b'{"object": "error", "message": "qwen3 is not a multimodal model", "type": "BadRequestError", "code": 400}'
)


@pytest.mark.parametrize("case", ["refused", "non_audio_400", "unknown_model_404"])
def test_assess_cli_exits_2_with_one_line_naming_the_url(case, wavs, fast_retries, capsys):
    from sqa.cli import main

    if case == "refused":
        url = closed_port_url()
        code = main(["assess", str(wavs[0]), "--model", f"{url}#af3", "--format", "json"])
    else:
        status, body = (400, TEXT_ONLY_400) if case == "non_audio_400" else (404, b'{"message": "no model af3"}')
        with stub_chat_server(listen, status=status, error_body=body) as (url, seen):
            code = main(["assess", *map(str, wavs), "--model", f"{url}#af3", "--format", "json"])
        assert 1 <= len(seen) <= 4  # no retries of a client error; the batch's other requests are dropped
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{url}/chat/completions" in lines[0], err
    assert {"refused": "unreachable", "non_audio_400": "not a multimodal model", "unknown_model_404": "HTTP 404"}[
        case
    ] in lines[0]


def test_spec_without_a_served_name_and_adapter_are_setup_errors(wavs, capsys):
    from sqa.cli import main

    assert main(["assess", str(wavs[0]), "--model", "http://127.0.0.1:9/v1"]) == 2
    assert "names no served model" in capsys.readouterr().err
    assert main(["assess", str(wavs[0]), "--model", "http://127.0.0.1:9/v1#m", "--adapter", "a"]) == 2
    assert "--lora-modules" in capsys.readouterr().err


def test_zero_shot_row_of_a_served_audio_llm(tmp_path):
    """sqa.pipeline.system_results.evaluate_served: a served model gets a Table 1/3 row without training anything."""
    from sqa.configs.profiles import get_profile
    from sqa.data import make_synthetic_corpus
    from sqa.pipeline.system_results import evaluate_served

    corpus = make_synthetic_corpus(tmp_path / "corpus", n_train=2, n_test=3, seed=0, progress=False)
    profile = get_profile("smoke", data_dir=str(corpus))
    with stub_chat_server(listen) as (url, seen):
        (row,) = evaluate_served(profile, {"Stub audio LLM (zero-shot)": f"{url}#stub"}, results=tmp_path / "res")
    assert row["system"] == "Stub audio LLM (zero-shot)" and row["group"] == "zero-shot (served)"
    assert row["generator"] == f"{url}#stub" and row["n"] == 3 and len(seen) == 3
    assert (tmp_path / "res" / "smoke" / "systems" / "stub_audio_llm_zero_shot" / "predictions.csv").exists()
