"""The paper profile's numerics on CPU: ``paper_smoke`` (= ``paper.yaml`` on a tiny AF3 with AF3's 30 s
window at a 10 ms hop) through calibration -> SFT warm-up -> GRPO -> evaluation -> assess, in bf16.

One run of the stages (the module fixture) with probes on what the paper's settings must guarantee
(:mod:`sqa.model.precision`): every trained parameter and optimiser state float32 while the frozen
weights stay bf16; forward passes under bf16 autocast with bf16 features; the encoder really learning
at lr 1.5e-5 (and not in bf16 storage); GRPO's shared encoding equal to the naive path within bf16
tolerance; a saved stage reloading in bf16 with the same greedy answer.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pytest
import torch
from transformers import TrainerCallback

import sqa.model
import sqa.train.grpo
from benchmarks.calibration_step import calibration_batch, encoder_update_fraction, trained_encoder
from benchmarks.grpo_step import loss_difference
from sqa.configs.profiles import Profile, get_profile
from sqa.model import generate_texts, load_model
from sqa.model.precision import float32_master_weights, trainable_dtypes, unwrap
from sqa.schema.prompts import REASONING_PROMPT

PROFILE = "paper_smoke"
NUMERICS = (
    "dtype",
    "lora_rank",
    "lora_alpha",
    "train_audio_encoder",
    "reasoning_train_audio_encoder",
    "gradient_checkpointing",
    "calib_lr",
    "sft_lr",
    "grpo_lr",
    "grpo_kl_beta",
    "grpo_group_size",
)
BF16_LOSS_TOL = 2e-2
"""|loss_sqa - loss_naive| in bf16: the KL term sees log-probs computed in another order (float32: 1e-4)."""
BF16_LOGPROB_TOL = 0.1
"""Next-token log-probs of a reloaded bf16 stage (LoRA merged into bf16 weights) against the trained
model in memory (float32 LoRA beside the bf16 base): bf16 rounding only."""
BF16_REL_GRAD_TOL = 0.1
"""||g_sqa - g_naive|| / ||g_naive|| in bf16 (float32: ~1e-6); a missing audio path or a wrong
position gives O(1)."""


def _dtypes(tensors) -> set[str]:
    return {str(t.dtype).removeprefix("torch.") for t in tensors}


def _optimizer_dtypes(optimizer) -> set[str]:
    return _dtypes(
        v
        for state in optimizer.state.values()
        for v in state.values()
        if torch.is_tensor(v) and v.is_floating_point() and v.ndim > 0
    )


class _Watch:
    """Forward hooks: the dtype the features enter the encoder with, and the LM head's output dtype."""

    def __init__(self, model):
        base = unwrap(model)
        self.seen: dict[str, set[str]] = {"features": set(), "logits": set()}
        self.handles = [
            base.model.audio_tower.conv1.register_forward_pre_hook(
                lambda m, args: self.seen["features"].add(str(args[0].dtype).removeprefix("torch."))
            ),
            base.lm_head.register_forward_hook(
                lambda m, args, out: self.seen["logits"].add(str(out.dtype).removeprefix("torch."))
            ),
        ]

    def close(self) -> dict[str, set[str]]:
        for h in self.handles:
            h.remove()
        return self.seen


def _fingerprints(tensors) -> list[tuple]:
    """``(dtype, shape, sum)`` of each tensor, sorted: compares the saved LoRA with the trained one."""
    return sorted((str(t.dtype), tuple(t.shape), float(t.detach().double().sum())) for t in tensors)


def _next_token_logprobs(model, processor, audio) -> torch.Tensor:
    """Log-probs of the first answer token for the reasoning prompt (under the model's autocast)."""
    from sqa.model import prompt_batch
    from sqa.model.precision import autocast, to_model

    inputs = to_model(prompt_batch(processor, [audio], [REASONING_PROMPT]), model)
    inputs.pop("num_audio_tokens", None)
    with torch.no_grad(), autocast(model):
        return model(**inputs).logits[:, -1].float().log_softmax(-1)


class _CalibrationProbe(TrainerCallback):
    """What the Trainer path (calibration) trains in and how far the encoder's master weights move."""

    def __init__(self, record: dict):
        self.record = record

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.record["trainable"] = trainable_dtypes(model)
        self.record["frozen"] = _dtypes(p for p in model.parameters() if not p.requires_grad)
        self.before = {n: p.detach().clone() for n, p in trained_encoder(model).items()}
        self.watch = _Watch(model)

    def on_step_end(self, args, state, control, optimizer=None, **kwargs):
        self.record.setdefault("optimizer", set()).update(_optimizer_dtypes(optimizer))

    def on_train_end(self, args, state, control, model=None, **kwargs):
        from benchmarks.calibration_step import changed_fraction

        self.record["encoder_changed"] = changed_fraction(self.before, trained_encoder(model))
        self.record["master_dtypes"] = _dtypes(self.before.values())
        self.record["steps"] = state.global_step
        self.record["seen"] = self.watch.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The paper_smoke stages once, with probes; returns what they recorded."""
    import sqa
    from sqa.data import load_audio, load_examples
    from sqa.pipeline.stages import grpo_stage
    from sqa.pipeline.system_results import evaluate_system
    from sqa.train import calibrate, resolve_model

    root = tmp_path_factory.mktemp("paper_smoke")
    rec: dict = {"calibration": {}, "grpo": {}, "times": {}}
    t_all = time.perf_counter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Profile, "shared_dir", property(lambda self: root / "runs" / self.name))
        profile = get_profile(PROFILE)
        rec["profile"] = profile
        rec["base_dir"] = resolve_model(profile)  # the tiny AF3 with the 30 s window and 10 ms hop

        t0 = time.perf_counter()
        rec["calibration_dir"] = calibrate(profile, callbacks=[_CalibrationProbe(rec["calibration"])])
        rec["times"]["calibration"] = time.perf_counter() - t0

        real_step, real_save = sqa.train.grpo.grpo_step, sqa.model.save_stage
        test_audio = []

        def probed_step(model, ref_model, processor, optimizer, batch, cfg, *args):
            g = rec["grpo"]
            watch = _Watch(model)
            out = real_step(model, ref_model, processor, optimizer, batch, cfg, *args)
            g["seen"] = watch.close()
            g["trainable"], g["optimizer"] = trainable_dtypes(model), _optimizer_dtypes(optimizer)
            g["frozen"] = _dtypes(p for p in model.parameters() if not p.requires_grad)
            g["loss_check"] = loss_difference(model, ref_model, processor, batch, cfg)
            return out

        def probed_save(model, processor, out_dir, parent):
            written = real_save(model, processor, out_dir, parent)
            rec["mixed_logprobs"] = _next_token_logprobs(model, processor, test_audio[0])  # fp32 LoRA, bf16 base
            rec["lora"] = _fingerprints(p for n, p in model.named_parameters() if "lora_" in n)
            merged = copy.deepcopy(model).merge_and_unload()  # what loading the stage rebuilds
            rec["saved_dtypes"] = _dtypes(merged.parameters())
            rec["saved_answer"] = generate_texts(
                merged, processor, test_audio, [REASONING_PROMPT], max_new_tokens=profile.max_new_tokens
            )
            return written

        mp.setattr(sqa.train.grpo, "grpo_step", probed_step)
        mp.setattr(sqa.train.grpo, "save_stage", probed_save)  # the GRPO stage's save (bound there)
        test = load_examples(profile, "test")
        test_audio.append(load_audio(test[0].audio_path))
        t0 = time.perf_counter()
        rec["grpo_dir"] = grpo_stage(profile, "iou", progress=False)  # builds the SFT warm-up first
        rec["times"]["sft_and_grpo"] = time.perf_counter() - t0
        mp.setattr(sqa.train.grpo, "save_stage", real_save)

        t0 = time.perf_counter()
        rec["metrics"] = evaluate_system(
            profile, "IoU reward GRPO", results=root / "results", corr_backend="rule:rouge"
        )
        rec["times"]["evaluation"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        rec["assessed"] = sqa.assess(
            [test[0].audio_path], model=str(rec["grpo_dir"]), dtype="bfloat16", max_new_tokens=profile.max_new_tokens
        )
        rec["times"]["assess"] = time.perf_counter() - t0
        rec["test_audio"] = test_audio[0]
    rec["times"]["total"] = time.perf_counter() - t_all
    print("paper_smoke stage seconds:", {k: round(v, 1) for k, v in rec["times"].items()})
    return rec


def test_paper_smoke_is_the_paper_profile_at_cpu_scale():
    paper, smoke = get_profile("paper"), get_profile(PROFILE)
    assert {k: getattr(smoke, k) for k in NUMERICS} == {k: getattr(paper, k) for k in NUMERICS}
    assert (smoke.dtype, smoke.lora_rank, smoke.lora_alpha, smoke.calib_lr) == ("bfloat16", 64, 128, 1.5e-5)
    assert smoke.tiny_model["window_seconds"] == 30 and smoke.tiny_model["hop_length"] == 160


def test_af3_window_3000_mel_frames_750_audio_tokens(run):
    from transformers import AutoProcessor

    from sqa.model import prompt_batch

    processor = AutoProcessor.from_pretrained(run["base_dir"])
    full_window = np.zeros(30 * 16000, dtype=np.float32)
    batch = prompt_batch(processor, [full_window, run["test_audio"]], [REASONING_PROMPT] * 2)
    assert batch["input_features"].shape[-1] == 3000  # every window padded to 30 s of 10 ms frames
    audio_token = processor.tokenizer.convert_tokens_to_ids(sqa.model.AUDIO_TOKEN)
    assert int((batch["input_ids"][0] == audio_token).sum()) == 750  # the processor counts the real frames only


def test_calibration_trains_float32_master_weights_under_bf16_autocast(run):
    c = run["calibration"]
    assert c["steps"] == run["profile"].calib_steps == 3
    assert set(c["trainable"]) == {"float32"} and c["trainable"]["float32"] > 0  # LoRA, projector, encoder
    assert c["frozen"] == {"bfloat16"}  # the base stays in the profile's dtype
    assert c["optimizer"] == {"float32"}  # AdamW's moments follow the master weights
    assert c["seen"]["features"] == {"bfloat16"}  # the collator casts the audio features
    assert c["seen"]["logits"] == {"bfloat16"}  # the forward ran under bf16 autocast
    assert c["master_dtypes"] == {"float32"}
    assert c["encoder_changed"] >= 0.99, f"3 steps at lr 1.5e-5 moved only {c['encoder_changed']:.1%}"


def test_bf16_storage_would_not_train_the_encoder(run):
    """The counterfactual the master weights fix: the same 3 AdamW steps on bf16-stored weights."""
    profile = run["profile"]
    fractions = {}
    for master in (False, True):
        torch.manual_seed(0)
        model, processor = load_model(
            run["base_dir"],
            lora_rank=profile.lora_rank,
            lora_alpha=profile.lora_alpha,
            train_audio_encoder=True,
            dtype=profile.dtype,
        )
        if master:
            float32_master_weights(model)
        model.train()
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=profile.calib_lr)
        batch = calibration_batch(processor, np.random.default_rng(0), 1, "cpu", torch.bfloat16)
        fractions[master] = encoder_update_fraction(model, optimizer, batch, steps=3)
    print(
        "encoder weights changed after 3 steps at lr 1.5e-5: bf16 storage",
        fractions[False],
        "float32 master weights",
        fractions[True],
    )
    assert fractions[True] >= 0.99
    assert fractions[False] < 0.5


def test_grpo_step_in_bf16_matches_the_naive_path(run):
    g = run["grpo"]
    assert set(g["trainable"]) == {"float32"} and g["optimizer"] == {"float32"}
    assert "bfloat16" in g["frozen"]
    assert g["seen"]["features"] == {"bfloat16"} and g["seen"]["logits"] == {"bfloat16"}
    lc = g["loss_check"]
    print(
        "GRPO bf16 shared vs naive:",
        {k: lc[k] for k in ("max_abs_loss_diff", "rel_grad_diff", "max_abs_logprob_diff", "grad_norm")},
    )
    assert lc["grad_norm"] > 0
    assert lc["max_abs_loss_diff"] <= BF16_LOSS_TOL
    assert lc["rel_grad_diff"] <= BF16_REL_GRAD_TOL


def test_saved_stage_reloads_in_bf16_with_the_same_greedy_answer(run):
    """The GRPO stage (an adapter chained to the warm-up, chained to Calibration) reloads in bf16, answers
    as the trained model merged in memory, and within bf16 rounding of the unmerged float32-LoRA model."""
    from safetensors.torch import load_file

    assert run["saved_dtypes"] == {"bfloat16"}
    saved = load_file(str(run["grpo_dir"] / "adapter_model.safetensors"))
    assert _fingerprints(v for k, v in saved.items() if "lora_" in k) == run["lora"]  # float32, as trained
    model, processor = load_model(run["grpo_dir"], lora_rank=0, dtype=run["profile"].dtype)
    model.eval()
    assert _dtypes(model.parameters()) == {"bfloat16"}
    again = generate_texts(
        model, processor, [run["test_audio"]], [REASONING_PROMPT], max_new_tokens=run["profile"].max_new_tokens
    )
    assert again == run["saved_answer"] and again[0]
    diff = (_next_token_logprobs(model, processor, run["test_audio"]) - run["mixed_logprobs"]).abs().max()
    print("next-token log-prob diff, reloaded bf16 stage vs the in-memory float32-LoRA model:", float(diff))
    assert float(diff) < BF16_LOGPROB_TOL


def test_evaluation_and_assess_run_in_bf16(run):
    m = run["metrics"]
    assert "parse_failure_rate" in m and m["model_fingerprint"]
    (result,) = run["assessed"]
    assert result.status == "ok" and result.raw
    assert run["times"]["total"] < 300  # the whole paper-numerics run stays a smoke test
