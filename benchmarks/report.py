"""``summary.md``: the figures of ``grpo_step.json`` and ``calibration_step.json`` as tables."""

from __future__ import annotations

STEP_PARTS = (
    ("t_encode", "prompt features + encoder (sqa) / features only (naive)"),
    ("t_generate", "generation (naive: encoder x B*G inside)"),
    ("t_reward", "rewards"),
    ("t_logprobs", "reference + policy log-probs (naive: encoder x 2 B*G)"),
    ("t_backward", "backward + clip + AdamW"),
)


def _f(x, nd=3) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and (abs(x) < 10**-nd and x != 0):
        return f"{x:.1e}"
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def _grpo_table(configs: dict) -> list[str]:
    lines = [
        "| configuration | naive s | sqa s | speedup (medians) | paired median | max abs loss diff | "
        "max abs grad diff | FLOP-model speedup |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in configs.values():
        lc = c["loss_check"]
        lines.append(
            f"| {c['label']}: {c['title']} | {_f(c['naive_s'])} | {_f(c['sqa_s'])} | "
            f"**{_f(c['speedup_vs_naive'], 2)}x** | {_f(c['speedup_paired_median'], 2)}x | "
            f"{_f(c['max_abs_loss_diff'], 1)} | {_f(lc['max_abs_grad_diff'], 1)} | "
            f"{_f(c['flop_model']['speedup_sqa'], 2)}x |"
        )
    return lines


def _split_table(configs: dict) -> list[str]:
    head = "| part of the step |" + "".join(f" {c['label']} sqa | {c['label']} naive |" for c in configs.values())
    lines = [head, "|---|" + "---:|---:|" * len(configs)]
    for key, name in STEP_PARTS:
        row = f"| {name} |"
        for c in configs.values():
            row += f" {_f(c['time_split_sqa'].get(key))} | {_f(c['time_split_naive'].get(key))} |"
        lines.append(row)
    row = "| **whole step (median)** |"
    for c in configs.values():
        row += f" **{_f(c['sqa_s'])}** | **{_f(c['naive_s'])}** |"
    lines.append(row)
    return lines


def _config_lines(configs: dict) -> list[str]:
    lines = []
    for c in configs.values():
        cfg, enc, fm = c["config"], c["encoder"], c["flop_model"]
        a, t = cfg["sizes"]["audio"], cfg["sizes"]["text"]
        lines.append(
            f"* **{c['label']}**: encoder {a['num_hidden_layers']} layers x {a['hidden_size']} "
            f"({cfg['params']['audio_tower'] / 1e6:.2f} M params), LLM {t['num_hidden_layers']} layers x "
            f"{t['hidden_size']} (FFN {t['intermediate_size']}, {t['num_attention_heads']}/{t['num_key_value_heads']} "
            f"heads, vocab {t['vocab_size']}; {cfg['params']['language_model'] / 1e6:.2f} M params); "
            f"{cfg['window_seconds']} s window at hop {cfg['hop_length']} ({fm['window_frames']} mel frames); "
            f"prompt {enc['prompt_tokens_mean']:.0f} tokens of which {enc['audio_tokens_mean']:.0f} audio; "
            f"completions {_f(c['completion_len_sqa'], 1)} tokens (max_new_tokens {cfg['max_new_tokens']}); "
            f"{cfg['warmup']} warm-up + {cfg['reps']} timed repetitions. Encoding the {enc['windows_once']} windows "
            f"once: {_f(enc['encode_once_s'])} s, the {enc['windows_repeated']} repeated windows: "
            f"{_f(enc['encode_repeated_s'])} s; feature extraction {_f(enc['features_s'])} s. One window costs "
            f"{fm['encoder_window_gflop']:.3f} GFLOP = the LLM on {fm['encoder_window_in_llm_tokens']:.0f} tokens by "
            f"FLOPs, on {fm['encoder_window_in_llm_tokens_measured']:.0f} tokens by the clock (log-prob passes)."
        )
    return lines


def _projection_lines(p: dict) -> list[str]:
    lines = [
        f"Paper's AF3 (Whisper-large encoder, Qwen2.5-7B; counted on meta tensors): one 30 s window costs "
        f"{p['encoder_window_gflop'] / 1e3:.2f} TFLOP = the LLM on {p['encoder_window_in_llm_tokens']:.0f} "
        f"tokens; a {p['clip_seconds']:.0f} s clip gives a {p['prompt_tokens']:.0f}-token prompt.",
        "",
        "| completion tokens T | speedup, shared encoding only | speedup, sqa (+ shared prompt prefix) | "
        "encoder share of the naive step |",
        "|---:|---:|---:|---:|",
    ]
    for t, r in p["by_completion_tokens"].items():
        lines.append(
            f"| {t} | {r['speedup_shared_encoding']:.2f}x | {r['speedup_sqa']:.2f}x | "
            f"{r['encoder_share_of_naive'] * 100:.0f} % |"
        )
    return lines


def _calibration_lines(c: dict) -> list[str]:
    util = "mfu_bf16" if c["mfu_measured"] else "utilisation_of_fp32_matmul_peak"
    peak = c["matmul_peak"]
    lines = [
        f"Batch {c['batch_size']} ({c['tokens_per_sample']:.0f} tokens per sample), LoRA rank {c['lora_rank']}, "
        f"{c['dtype']}, {c['warmup']} warm-up + {c['reps']} timed repetitions (alternating); collating a batch "
        f"(features + tokens) takes {_f(c['collate_s'])} s, not included.",
        "",
        f"| encoder | step s | samples/s | GFLOP/step | achieved TFLOP/s | "
        f"{'MFU (bf16 peak)' if c['mfu_measured'] else 'share of fp32 matmul peak'} | trainable params |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("learned", "frozen"):
        v = c[name]
        lines.append(
            f"| {name} | {_f(v['step_s'])} | **{_f(v['samples_per_s'], 1)}** | {_f(v['step_gflop'], 2)} | "
            f"{_f(v['achieved_tflops'], 4)} | {v[util] * 100:.1f} % | {v['params_trainable'] / 1e6:.2f} M |"
        )
    lines += ["", f"Measured {peak['dtype']} matmul peak ({peak['n']}x{peak['n']}): {peak['tflops']:.3f} TFLOP/s."]
    if not c["mfu_measured"]:
        lines.append(
            "MFU against a bf16 GPU peak: **not run** (no GPU lent to this task). The code path is in "
            "`benchmarks/calibration_step.py` (bf16 weights, 8192x8192 bf16 matmul peak, CUDA-synchronised "
            "timings) and runs whenever `torch.cuda.is_available()`."
        )
    return lines


def summary(grpo: dict, calib: dict) -> str:
    """The markdown summary of one ``make bench`` run."""
    m = grpo["machine"]
    configs = grpo["configs"]
    tiny, af3 = configs["tiny"], configs.get("af3_shaped")
    tgt = grpo["target"]
    out = ["# Benchmarks (`make bench`)", ""]
    if grpo.get("quick"):
        out += ["**Quick (smoke) run: very small model, one repetition; the figures mean nothing.**", ""]
    out += [
        f"Machine: {m['cpu_model']}, {m['cpu_count']} cores (shared; 1-min load average {m['load_average_1min']} "
        f"at the start), torch {m['torch']} with {m['torch_threads']} intra-op thread(s), transformers "
        f"{m.get('transformers', '?')} (`--threads 1`: steady timings on a shared machine, the same for both "
        f"paths), device `{m['device']}`{', ' + m['gpu'] if 'gpu' in m else ''}. "
        f"Whole run: {grpo['bench_wall_s']:.0f} s.",
        "",
        "## GRPO step: audio encoded once per prompt (sqa) vs repeated per completion (naive)",
        "",
        f"G = {tiny['config']['group_size']} completions for each of {tiny['config']['batch_size']} clips "
        f"(16 rows), clips of 2-6 s, LoRA rank {tiny['config']['lora_rank']}, beta {tiny['config']['beta']}, "
        "encoder and projector frozen (as `sqa.train.grpo.run_grpo`). sqa = `sqa.train.grpo.grpo_step`; naive = "
        "`benchmarks.grpo_step.naive_step` (`repeat_inputs`, so the encoder runs B*G times in generation, in "
        "the reference pass and in the policy pass). Same model, optimiser, data and seeds; the two "
        "alternate in every repetition; medians. Loss/grad differences: both losses on the SAME sampled "
        f"completions. max_new_tokens {tiny['config']['max_new_tokens']}: the tiny profile allows 160, but "
        "a random-init model never stops early, so every completion runs to the limit, and 32 keeps "
        "`make bench` within 3 minutes on 2 shared cores; longer completions lower the speedup (AF3 table "
        "below).",
        "",
    ]
    out += _grpo_table(configs) + [""]
    verdict = "met" if all(tgt["met"].values()) else "NOT met"
    out += [
        f"Target (speedup >= {tgt['speedup_vs_naive']}x with loss diff <= {tgt['max_abs_loss_diff']:g}) on the "
        f"tiny model: **{verdict}** (speedup {tiny['speedup_vs_naive']:.2f}x, "
        f"{tiny['speedup_vs_naive'] / tgt['speedup_vs_naive'] * 100:.0f} % of the target; loss diff "
        f"{tiny['max_abs_loss_diff']:.1e})."
    ]
    if af3 is not None:
        out[-1] += (
            f" AF3-shaped: {'met' if all(tgt['met_af3_shaped'].values()) else 'NOT met'} "
            f"({af3['speedup_vs_naive']:.2f}x, loss diff {af3['max_abs_loss_diff']:.1e})."
        )
    out += ["", "### Configurations", ""] + _config_lines(configs)
    out += ["", "### Time split (median seconds per step)", ""] + _split_table(configs)
    out += ["", "### Why, and what it means for the paper's model", "", WHY, ""] + _measured_vs_model(configs)
    out += ["", "The same FLOP model for the paper's AF3:", ""]
    out += _projection_lines(grpo["af3_flop_projection"])
    out += ["", NEXT, "", "## Calibration SFT step (tiny model)", ""] + _calibration_lines(calib) + [""]
    return "\n".join(out)


def _measured_vs_model(configs: dict) -> list[str]:
    """Measured speedup vs the FLOP model, and where the sqa step's time now goes."""
    lines = []
    for c in configs.values():
        fm, split = c["flop_model"], c["time_split_sqa"]
        side = "above" if c["speedup_vs_naive"] > fm["speedup_sqa"] else "below"
        gen_share = split["t_generate"] / c["sqa_s"]
        lines.append(
            f"* {c['label']}: measured {c['speedup_vs_naive']:.2f}x, {side} the FLOP model's "
            f"{fm['speedup_sqa']:.2f}x (shared encoding alone: {fm['speedup_shared_encoding']:.2f}x). "
            f"The encoder is {fm['encoder_share_of_naive'] * 100:.0f} % of the naive step's FLOPs; "
            f"generation is {gen_share * 100:.0f} % of the sqa step."
        )
    return lines


WHY = """\
sqa saves twice per clip: the audio window is encoded once instead of 3G times (generation, reference
and policy passes), and the prompt (audio tokens + text) goes through the LLM once per prompt instead
of once per completion, its KV cache repeated for the G completions in sampling and in both log-prob
passes (`sqa.train.logprobs.prefill`; gradients flow through the shared cache, tested against a full
pass). Per clip, with e the FLOPs of one window, f the LLM FLOPs per token, P prompt and T completion
tokens (`benchmarks/flops.py`): naive = 3G e + 4G f (P + T), sqa = e + 4 f P + 4G f T. The gain is
largest when prompts are long compared with completions (AF3's 30 s window makes every clip's prompt
long). Where a measurement lands relative to the FLOP model depends on how efficiently each part runs:
token-by-token generation (one small forward per new token, dominated by per-call overhead on a CPU)
takes more time than its FLOPs, batched encoder and log-prob passes closer to theirs."""

NEXT = """\
The next bottleneck is token-by-token generation of the G*B completions (its share is in the time
split above); on a GPU decoding is memory-bound, so its share grows further. Long completions (the
paper profile allows 512 tokens) shrink both projections, as the AF3 table shows."""


def main(argv=None) -> None:
    """``python -m benchmarks.report results/bench``: rewrite ``summary.md`` from the two JSON files."""
    import argparse
    import json
    from pathlib import Path

    from .gpu_report import kept_sections

    ap = argparse.ArgumentParser(prog="python -m benchmarks.report", description=main.__doc__)
    ap.add_argument("out", nargs="?", default="results/bench")
    out = Path(ap.parse_args(argv).out)
    grpo = json.loads((out / "grpo_step.json").read_text())
    calib = json.loads((out / "calibration_step.json").read_text())
    old = (out / "summary.md").read_text() if (out / "summary.md").exists() else ""
    (out / "summary.md").write_text(kept_sections(old, summary(grpo, calib)))


if __name__ == "__main__":
    main()
