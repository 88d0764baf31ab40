"""What the vLLM path decides without a server: what vLLM cannot serve (one line from ``sqa serve``, ``sqa check``
and ``sqa train --rollouts``), the adapter's tensor names, the run's cache key. The real server's tests are in
``tests/serving``."""

from __future__ import annotations

import json

import pytest

SPEC = "http://127.0.0.1:9/v1#grpo_warmup@0123456789"


@pytest.fixture(scope="module")
def tiny_af3(tmp_path_factory):
    """A small tiny AF3 with the tiny profile's 8 s window (what vLLM refuses)."""
    from sqa.model import build_tiny_model

    sizes = {
        "text": {
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
        },
        "audio": {"hidden_size": 64, "intermediate_size": 128},
    }
    return build_tiny_model(tmp_path_factory.mktemp("af3") / "model", seed=0, sizes=sizes)


def test_sqa_serve_refuses_an_8_s_af3_in_one_line(tiny_af3, capsys, monkeypatch):
    from sqa.cli import main

    monkeypatch.setenv("SQA_VLLM_PYTHON", "/bin/true")  # never reached: the window is checked first
    assert main(["serve", str(tiny_af3), "--profile", "smoke"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("error: vLLM cannot serve") and "30 s window" in err, err


def test_sqa_serve_without_the_vllm_venv_says_make_vllm(tmp_path, capsys, monkeypatch):
    from sqa.cli import main

    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen2_audio"}))
    monkeypatch.setenv("SQA_VLLM_PYTHON", str(tmp_path / "no-such-python"))
    assert main(["serve", str(tmp_path), "--profile", "smoke"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "make vllm" in err, err


def test_sqa_check_generator_names_what_vllm_cannot_serve(tiny_af3):
    from sqa.configs.profiles import get_profile
    from sqa.pipeline.preflight import check_generator

    c = check_generator(get_profile("smoke"), str(tiny_af3))
    assert not c.ok and "vLLM cannot serve" in c.detail and "400 mel frames" in c.detail


def test_tiny_profile_asking_for_vllm_rollouts_stops_before_training(capsys, monkeypatch):
    import sqa.pipeline.stages
    from sqa.cli import main

    monkeypatch.setattr(sqa.pipeline.stages, "warmup_stage", lambda p: pytest.fail("trained the warm-up first"))
    assert main(["train", "grpo_acc_sem", "--profile", "tiny", "--rollouts", SPEC, "--no-check"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "8 s at hop 320" in err and "lora_rank 0" in err and "keep rollouts: local" in err


def test_preflight_rollouts_line_only_when_asked():
    from sqa.configs.profiles import get_profile
    from sqa.pipeline.preflight import run_checks

    assert "rollouts" not in [c.name for c in run_checks(get_profile("smoke"), needs_judge=False)]
    (line,) = [c for c in run_checks(get_profile("tiny", rollouts=SPEC), needs_judge=False) if c.name == "rollouts"]
    assert not line.ok and "cannot take its GRPO rollouts from vLLM" in line.detail


def test_adapter_in_vllm_naming_holds_the_language_models_lora_only(tiny_af3, tmp_path):
    from safetensors.torch import load_file

    from sqa.model import load_model
    from sqa.train.vllm_adapter import write_vllm_adapter

    model, _ = load_model(tiny_af3, lora_rank=4, train_audio_encoder=False, dtype="float32")
    lm_lora = [n for n, _ in model.named_parameters() if "lora_" in n and "language_model" in n]
    for naming, prefix in (
        (True, "base_model.model.language_model.model.layers."),
        (False, "base_model.model.model.language_model.layers."),
    ):
        d = write_vllm_adapter(model, tmp_path / str(naming), vllm_naming=naming)
        keys = list(load_file(str(d / "adapter_model.safetensors")))
        assert len(keys) == len(lm_lora) and all(k.startswith(prefix) for k in keys), keys[:3]
        cfg = json.loads((d / "adapter_config.json").read_text())
        assert cfg["modules_to_save"] is None and "q_proj" in cfg["target_modules"]
    assert not any("projector" in k or "audio_tower" in k for k in keys)


def test_cache_key_records_vllm_not_the_url(tmp_path):
    from sqa.train.grpo import GRPOConfig, _settings

    local = _settings(GRPOConfig(init=str(tmp_path), out_dir=str(tmp_path / "o")))
    served = _settings(GRPOConfig(init=str(tmp_path), out_dir=str(tmp_path / "o"), rollouts=SPEC))
    other_port = _settings(
        GRPOConfig(init=str(tmp_path), out_dir=str(tmp_path / "o"), rollouts=SPEC.replace(":9/", ":8001/"))
    )
    assert "rollouts" not in local and served["rollouts"] == "vllm" and served == other_port
    assert {k: v for k, v in served.items() if k != "rollouts"} == local


def test_vllm_benchmark_without_vllm_is_skipped_with_the_reason(tmp_path, monkeypatch):
    from benchmarks import vllm_parts

    monkeypatch.setenv("SQA_VLLM_PYTHON", str(tmp_path / "no-such-python"))
    result = vllm_parts.run(tmp_path)
    assert json.loads((tmp_path / "vllm.json").read_text())["skipped"] == result["skipped"]
    assert "make vllm" in result["skipped"]
