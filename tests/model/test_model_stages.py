"""sqa.model.stages: a LoRA stage stores its trained weights only and reloads, alone or chained, to the model
it was in memory -- at the paper's numerics (bf16, LoRA r=64 alpha 128, trainable encoder, AF3's 30 s
window at a 10 ms hop) on a small AF3, and in float32."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf
import torch
from safetensors import safe_open

from sqa.model import generate_texts, load_model, merge_and_save, prompt_batch, save_stage, stage_chain
from sqa.model.stages import STAGE_RECORD, adapter_bytes, dir_bytes, load_stage_weights

SIZES = {
    "text": {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
    },
    "audio": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2},
}
PAPER_LORA = dict(lora_rank=64, lora_alpha=128)
DTYPES = ["float32", "bfloat16"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A small AF3 with AF3's own window: 30 s at a 10 ms hop (3000 mel frames, 750 audio tokens)."""
    from sqa.model import build_tiny_model

    return build_tiny_model(
        tmp_path_factory.mktemp("runs") / "base", seed=0, window_seconds=30, hop_length=160, sizes=SIZES
    )


@pytest.fixture(scope="module")
def clip():
    rng = np.random.default_rng(0)
    return (0.1 * rng.standard_normal(16000 * 2)).astype(np.float32)


def _trained(path, dtype, seed, train_audio_encoder=True):
    """``load_model`` as a stage does (float32 master weights under bf16), then a stand-in for training:
    every trainable weight moved."""
    from sqa.model.precision import float32_master_weights

    model, processor = load_model(path, train_audio_encoder=train_audio_encoder, dtype=dtype, **PAPER_LORA)
    float32_master_weights(model)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn(p.shape, generator=gen).to(p.dtype))
    return model.eval(), processor


def _outputs(model, processor, clip):
    """Logits of one prompt and the greedy answer (bf16 runs under CPU autocast, as training does)."""
    from sqa.model.precision import autocast, to_model

    batch = to_model(prompt_batch(processor, [clip], ["Rate the noise."]), model)
    with torch.no_grad(), autocast(model):
        logits = model(**batch).logits.float()
    with torch.no_grad():
        text = generate_texts(model, processor, [clip], ["Rate the noise."], max_new_tokens=8)[0]
    return logits, text


def _close(a, b, dtype):
    tol = 1e-4 if dtype == "float32" else 0.05 * float(b.abs().max())  # bf16: merged vs unmerged LoRA
    return float((a - b).abs().max()) <= tol


@pytest.mark.parametrize("dtype", DTYPES)
def test_lora_stage_holds_the_trained_weights_only(base, tmp_path, dtype):
    model, processor = _trained(base, dtype, seed=1)
    written = save_stage(model, processor, tmp_path / "calibration", parent=base)
    out = tmp_path / "calibration"
    assert written == dir_bytes(out) and not (out / "model.safetensors").exists()
    assert json.loads((out / STAGE_RECORD).read_text())["layout"] == "adapter"
    with safe_open(str(out / "adapter_model.safetensors"), "pt") as f:
        keys = list(f.keys())
        dtypes = {k: f.get_slice(k).get_dtype() for k in keys}
    base_lm = [k for k in keys if "language_model" in k and "lora_" not in k]
    assert not base_lm  # no frozen LLM weight: no second copy of the base
    assert any("audio_tower" in k for k in keys) and any("multi_modal_projector" in k for k in keys)
    assert {dtypes[k] for k in keys if "lora_" not in k} == {"F32" if dtype == "float32" else "BF16"}
    # the file is the trained tensors and a header, nothing else
    tensors = (out / "adapter_model.safetensors").stat().st_size
    assert adapter_bytes(model) <= tensors <= adapter_bytes(model) + 64_000
    assert written - tensors < 200_000  # config, processor, tokenizer, record


@pytest.mark.parametrize("dtype", DTYPES)
def test_reload_gives_the_in_memory_model(base, tmp_path, clip, dtype):
    model, processor = _trained(base, dtype, seed=2)
    logits, text = _outputs(model, processor, clip)
    save_stage(model, processor, tmp_path / "stage", parent=base)
    reloaded, processor2 = load_model(tmp_path / "stage", lora_rank=None, dtype=dtype)
    logits2, text2 = _outputs(reloaded.eval(), processor2, clip)
    assert text2 == text and _close(logits2, logits, dtype)
    # bit for bit what the merged layout (a full copy) gave before
    merged, _ = load_model(merge_and_save(model, processor, tmp_path / "merged"), lora_rank=None, dtype=dtype)
    a, b = reloaded.state_dict(), merged.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    base_model, _ = load_model(base, lora_rank=None, dtype=dtype)
    assert not _close(_outputs(base_model.eval(), processor, clip)[0], logits, dtype)  # the update is there


@pytest.mark.parametrize("dtype", DTYPES)
def test_two_chained_lora_stages_reload(base, tmp_path, clip, dtype):
    """Calibration (LoRA + encoder) -> SFT (new LoRA, encoder frozen) saved as two adapters."""
    calib, processor = _trained(base, dtype, seed=3)
    save_stage(calib, processor, tmp_path / "calibration" / "model", parent=base)
    sft, processor = _trained(tmp_path / "calibration" / "model", dtype, seed=4, train_audio_encoder=False)
    logits, text = _outputs(sft, processor, clip)
    save_stage(sft, processor, tmp_path / "sft" / "model", parent=tmp_path / "calibration" / "model")
    root, adapters = stage_chain(tmp_path / "sft" / "model")
    assert root == str(base) and adapters == [tmp_path / "calibration" / "model", tmp_path / "sft" / "model"]
    with safe_open(str(tmp_path / "sft" / "model" / "adapter_model.safetensors"), "pt") as f:
        assert not [k for k in f.keys() if "audio_tower" in k]  # the frozen encoder lives in the calibration stage
    reloaded, _ = load_model(tmp_path / "sft" / "model", lora_rank=None, dtype=dtype)
    logits2, text2 = _outputs(reloaded.eval(), processor, clip)
    assert text2 == text and _close(logits2, logits, dtype)
    encoder = {k: v for k, v in sft.get_base_model().state_dict().items() if "audio_tower" in k and "lora" not in k}
    calibrated = {k.replace(".original_module", ""): v for k, v in encoder.items() if "modules_to_save" not in k}
    got = {k: v for k, v in reloaded.state_dict().items() if "audio_tower" in k}
    assert got.keys() == calibrated.keys() and all(torch.equal(got[k], calibrated[k]) for k in got)


def test_a_moved_runs_dir_still_loads_and_a_retrained_parent_is_refused(base, tmp_path, clip):
    runs = tmp_path / "runs"
    shutil.copytree(base, runs / "base")
    calib, processor = _trained(runs / "base", "float32", seed=5)
    save_stage(calib, processor, runs / "calibration", parent=runs / "base")
    sft, processor = _trained(runs / "calibration", "float32", seed=6, train_audio_encoder=False)
    logits, _ = _outputs(sft, processor, clip)
    save_stage(sft, processor, runs / "sft", parent=runs / "calibration")
    moved = tmp_path / "elsewhere"
    shutil.move(runs, moved)
    reloaded, _ = load_model(moved / "sft", lora_rank=None)
    assert _close(_outputs(reloaded.eval(), processor, clip)[0], logits, "float32")
    save_stage(calib, processor, moved / "calibration", parent=moved / "base")  # calibration trained again
    with pytest.raises(ValueError, match=r"sft: its parent .*calibration was retrained after it"):
        load_model(moved / "sft", lora_rank=None)
    shutil.rmtree(moved / "calibration")
    with pytest.raises(FileNotFoundError, match="is gone"):
        load_model(moved / "sft", lora_rank=None)


def test_full_fine_tuning_saves_a_plain_model_dir(base, tmp_path, clip):
    model, processor = load_model(base, lora_rank=0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01)
    logits, _ = _outputs(model.eval(), processor, clip)
    written = save_stage(model, processor, tmp_path / "full", parent=base)
    assert json.loads((tmp_path / "full" / STAGE_RECORD).read_text())["layout"] == "full"
    assert written >= (tmp_path / "full" / "model.safetensors").stat().st_size > 0.9 * dir_bytes(base) - 200_000
    reloaded, _ = load_model(tmp_path / "full", lora_rank=None)
    assert _close(_outputs(reloaded.eval(), processor, clip)[0], logits, "float32")


def test_assess_reads_an_adapter_stage_dir(base, tmp_path, clip):
    from sqa.cli import main

    model, processor = _trained(base, "float32", seed=7)
    save_stage(model, processor, tmp_path / "stage", parent=base)
    sf.write(tmp_path / "a.wav", clip, 16000)
    assert (
        main(
            [
                "assess",
                str(tmp_path / "a.wav"),
                "--model",
                str(tmp_path / "stage"),
                "--max-new-tokens",
                "4",
                "--format",
                "json",
            ]
        )
        == 0
    )


def test_export_writes_the_chain_as_one_merged_model(base, tmp_path, clip):
    from sqa.cli import main

    model, processor = _trained(base, "bfloat16", seed=8)
    save_stage(model, processor, tmp_path / "stage", parent=base)
    assert main(["export", str(tmp_path / "stage"), str(tmp_path / "merged")]) == 0
    assert (tmp_path / "merged" / "model.safetensors").exists() and not (tmp_path / "merged" / STAGE_RECORD).exists()
    a = load_model(tmp_path / "stage", lora_rank=None, dtype="bfloat16")[0].state_dict()
    with safe_open(str(tmp_path / "merged" / "model.safetensors"), "pt") as f:
        assert {f.get_slice(k).get_dtype() for k in f.keys()} == {"BF16"}  # the dtype the stage trained in
    b = load_stage_weights(tmp_path / "merged", dtype="auto").state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)  # stored in bf16, equal bit for bit
    assert main(["export", str(tmp_path / "nope"), str(tmp_path / "x")]) == 2


def test_paper_size_stage_is_a_small_part_of_the_base():
    """The real-size AF3 (Whisper-large encoder + Qwen2.5-7B) on the meta device: what each layout writes."""
    from transformers import AudioFlamingo3Config, Qwen2Config

    from benchmarks.flops import AF3_TEXT, meta_model
    from sqa.model import configure_trainable

    config = AudioFlamingo3Config(text_config=Qwen2Config(**AF3_TEXT, tie_word_embeddings=False))
    model = meta_model(config).to(torch.bfloat16)
    full = sum(p.numel() * p.element_size() for p in model.parameters())
    calibration = adapter_bytes(configure_trainable(model, train_audio_encoder=True, **PAPER_LORA))
    assert 16.0e9 < full < 17.0e9 and calibration < 0.13 * full
