"""load_model: LoRA on the language model only, projector always and encoder optionally trainable,
adapters, merge_and_save."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from sqa.model import BACKBONES, LM_LORA_REGEX, build_batch, count_parameters, load_model, merge_and_save
from sqa.model.backbones.base import LM_LINEAR_LAYERS


def _trainable(model, part: str) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if part in n and p.requires_grad)


def _size(model, part: str) -> int:
    return sum(
        p.numel()
        for n, p in model.named_parameters()
        if part in n and ".original_module." not in n and "embed_positions" not in n
    )


@pytest.mark.parametrize("backbone", ["af3", "qwen2_audio"])
@pytest.mark.parametrize("rank", [8, 0])
@pytest.mark.parametrize("train_encoder", [True, False])
def test_trainable_parts(request, backbone, rank, train_encoder):
    model_dir = request.getfixturevalue("tiny_dir" if backbone == "af3" else "small_qwen2_audio")
    model, _ = load_model(model_dir, lora_rank=rank, train_audio_encoder=train_encoder)
    assert type(model.get_base_model() if rank else model).__name__ == BACKBONES[backbone].model_class
    assert not [n for n, _ in model.named_modules() if "audio_tower" in n and "lora_" in n]
    proj = _trainable(model, "multi_modal_projector")
    assert proj == _size(model, "multi_modal_projector") > 0
    audio = _trainable(model, "audio_tower")
    assert audio == (_size(model, "audio_tower") if train_encoder else 0)
    assert _trainable(model, "embed_positions") == 0  # the encoder's fixed positions
    counts = count_parameters(model)
    if rank:
        lora = _trainable(model, "lora_")
        assert lora > 0 and counts["trainable"] == lora + proj + audio
        wrapped = {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if hasattr(m, "lora_A")}
        assert wrapped == set(LM_LINEAR_LAYERS)
        n_layers = model.get_base_model().config.text_config.num_hidden_layers
        assert sum(hasattr(m, "lora_A") for m in model.modules()) == 7 * n_layers
    else:
        assert _trainable(model, "language_model") == _size(model, "language_model")
        assert _trainable(model, "lora_") == 0


def test_regex_targets_language_model_only():
    assert re.fullmatch(LM_LORA_REGEX, "base_model.model.model.language_model.layers.11.self_attn.o_proj")
    assert not re.fullmatch(LM_LORA_REGEX, "model.audio_tower.layers.0.self_attn.k_proj")
    assert not re.fullmatch(LM_LORA_REGEX, "model.multi_modal_projector.linear_1")


def test_missing_dir_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json"):
        load_model(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        load_model(tmp_path / "nope")
    with pytest.raises(ValueError, match="unknown dtype"):
        load_model(tmp_path, dtype="float8")


def _batch(processor):
    rng = np.random.default_rng(1)
    audio = [(0.1 * rng.standard_normal(16000 * 2)).astype(np.float32)]
    return build_batch(processor, audio, ["Rate the noise."], ["4"])


def _perturb_lora(model):
    torch.manual_seed(0)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n or "modules_to_save" in n:
                p.add_(0.05 * torch.randn_like(p))


def test_merge_and_save_keeps_outputs(tiny_dir, tmp_path):
    model, processor = load_model(tiny_dir, lora_rank=8)
    _perturb_lora(model)
    model.eval()
    batch = _batch(processor)
    with torch.no_grad():
        before = model(**batch).logits
    out = merge_and_save(model, processor, tmp_path / "merged")
    assert (out / "model.safetensors").exists() and (out / "processor_config.json").exists()
    merged, _ = load_model(out, lora_rank=0)
    merged.eval()
    with torch.no_grad():
        after = merged(**batch).logits
    base, _ = load_model(tiny_dir, lora_rank=0)
    base.eval()
    with torch.no_grad():
        original = base(**batch).logits
    assert torch.allclose(before, after, atol=1e-4)
    assert not torch.allclose(original, after, atol=1e-3)  # the update really is in the saved weights


def test_adapter_is_loaded_on_top(tiny_dir, tmp_path):
    model, processor = load_model(tiny_dir, lora_rank=8)
    _perturb_lora(model)
    model.save_pretrained(tmp_path / "adapter")
    model.eval()
    batch = _batch(processor)
    with torch.no_grad():
        expected = model(**batch).logits
    loaded, _ = load_model(tiny_dir, lora_rank=4, adapter=tmp_path / "adapter")
    loaded.eval()  # new LoRA B is zero-initialised: outputs are the adapter's
    with torch.no_grad():
        got = loaded(**batch).logits
    assert torch.allclose(expected, got, atol=1e-4)
    with pytest.raises(FileNotFoundError, match="adapter_config.json"):
        load_model(tiny_dir, adapter=tmp_path)
