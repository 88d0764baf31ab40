"""The ``gpu_check`` section of ``summary.md``: this run's figures beside the H200 figures measured earlier.

The section sits between ``<!-- gpu_check -->`` markers (``gpu_check_small`` for ``--small``), so
``make bench`` (which rewrites the rest of ``summary.md``) keeps it, and a new check replaces it.
"""

from __future__ import annotations

import re
from pathlib import Path

REFERENCE_H200 = {
    "source": "measured by hand on an H200 (random weights, bf16) before benchmarks.gpu_check existed; "
    "calibration with the encoder stored in bf16 unless marked fp32 master",
    "calibration": {
        "step_s": 0.76,
        "samples_per_s": 10.5,
        "mfu": 0.24,
        "peak_memory_gib": 26.1,
        "step_s_fp32_master": 0.72,
        "peak_memory_gib_fp32_master": 31.5,
        "encoder_changed_fp32_master": 1.0,
        "encoder_changed_bf16_storage": 0.138,
        "matmul_peak_tflops": 782,
    },
    "grpo": {
        "sqa_s": 8.95,
        "naive_s": 8.89,
        "t_generate": 7.93,
        "generation_share_sqa": 0.88,
        "max_abs_loss_diff": 7e-7,
    },
    "decode": {"ms_per_token": 63, "floor_ms_all_weights": 3.9},
}
"""Figures of an earlier session (GRPO step and decode: LoRA r=64 unmerged, sampling; decode floor:
16.9 GB of weights / 4.3 TB/s)."""


def _f(x, fmt: str = "{:.3g}") -> str:
    if x is None:
        return "-"
    return fmt.format(x) if isinstance(x, (int, float)) else str(x)


def _pct(x) -> str:
    return "-" if x is None else f"{x * 100:.1f} %"


def _rows(result: dict) -> list[tuple[str, str, str]]:
    """``(figure, this run, H200 earlier)`` rows for every part that ran."""
    ref, rows = REFERENCE_H200, []
    c = result.get("calibration", {})
    if c and "error" not in c:
        r = ref["calibration"]
        rows += [
            (
                f"calibration: s per step (batch {c['batch_size']}; H200: 8)",
                _f(c["step_s"]),
                f"{r['step_s_fp32_master']} (fp32 master), {r['step_s']} (bf16 storage)",
            ),
            ("calibration: samples/s", _f(c["samples_per_s"]), _f(r["samples_per_s"])),
            ("calibration: MFU vs measured bf16 matmul peak", _pct(c["mfu"]), _pct(r["mfu"])),
            ("bf16 matmul peak, TFLOP/s", _f(c["matmul_peak"]["tflops"]), _f(r["matmul_peak_tflops"])),
            (
                "calibration: peak memory, GiB",
                _f(c["peak_memory_gib"]),
                f"{r['peak_memory_gib_fp32_master']} (fp32 master), {r['peak_memory_gib']} (bf16 storage)",
            ),
            (
                "encoder weights changed by 3 steps at lr 1.5e-5, fp32 master",
                _pct(c["encoder_changed_fp32_master"]),
                _pct(r["encoder_changed_fp32_master"]),
            ),
            (
                "the same, encoder stored in bf16",
                _pct(c["encoder_changed_bf16_storage"]),
                _pct(r["encoder_changed_bf16_storage"]),
            ),
        ]
    g = result.get("grpo", {})
    if g and "error" not in g:
        r = ref["grpo"]
        gc = g["config"]
        rows += [
            (
                f"GRPO step (G={gc['group_size']}, batch {gc['batch_size']}, {gc['max_new_tokens']} new tokens; "
                "H200: 4, 4, 128): sqa / naive s",
                f"{_f(g['sqa_s'])} / {_f(g['naive_s'])}",
                f"{r['sqa_s']} / {r['naive_s']}",
            ),
            (
                "GRPO: generation s (share of the sqa step)",
                f"{_f(g['time_split_sqa']['t_generate'])} ({_pct(g['generation_share_sqa'])})",
                f"{r['t_generate']} ({_pct(r['generation_share_sqa'])})",
            ),
            (
                "GRPO: max abs loss diff / relative grad diff, shared vs naive",
                f"{_f(g['loss_check']['max_abs_loss_diff'])} / {_f(g['loss_check']['rel_grad_diff'])}",
                f"{r['max_abs_loss_diff']} / -",
            ),
            ("GRPO: peak memory, GiB", _f(g.get("peak_memory_gib")), "70.4 (both paths)"),
        ]
        st = g.get("static_cache")
        if st:
            rows.append(
                (
                    f"GRPO: sqa step with the static KV cache, s (target <= {st['target_s']:g} on an H200)",
                    f"{_f(st['sqa_s'])} (generation {_f(st['t_generate'])})",
                    "-",
                )
            )
    d = result.get("decode", {})
    if d and "error" not in d:
        r = ref["decode"]
        rows += [
            (
                f"decode: ms per token at batch {d['batch_size']}",
                _f(d["ms_per_token"]),
                f"{r['ms_per_token']} (inside the GRPO step)",
            ),
            (
                "decode floor: all weights / measured bandwidth, ms",
                _f(d["floor_ms_all_weights"]),
                _f(r["floor_ms_all_weights"]),
            ),
            ("decode floor: decoder weights only, ms", _f(d["floor_ms_decoder_weights"]), "-"),
            ("measured memory bandwidth, TB/s", _f(d["hbm_bytes_per_s"] / 1e12), "4.3"),
        ]
        st = d.get("static_cache")
        if st:
            rows.append(
                (
                    f"decode with the static KV cache: ms per token (target <= {st['target_ms']:g} on an H200; "
                    "greedy tokens equal the dynamic cache's)",
                    f"{_f(st['ms_per_token'])} ({'equal' if st['greedy_tokens_equal_dynamic'] else 'NOT equal'})",
                    "11.0 (LM alone)",
                )
            )
    return rows


def _pipeline_lines(p: dict) -> list[str]:
    if not p or "error" in p:
        return []
    lines = [
        f"Pipeline (`paper_smoke` stages on a {p['layers'][0]}+{p['layers'][1]}-layer AF3 of "
        f"{p['base_model_params'] / 1e6:,.1f} M parameters, {p['base_model_bytes'] / 1e6:,.1f} MB on disk):",
        "",
        "| stage | wall s | bytes written |",
        "|---|---:|---:|",
    ]
    for name, s in p["stages"].items():
        lines.append(f"| {name} | {s['wall_s']} | {s['bytes_written'] / 1e6:,.3f} MB |")
    return lines


def section(result: dict) -> str:
    """The markdown of one check (``--small`` runs are labelled so)."""
    m = result["machine"]
    title = "## GPU check (`make gpu-check`)" if not result["small"] else "## GPU check code, `--small` on a CPU"
    out = [title, ""]
    if result["small"]:
        out += [
            "**Toy sizes on a CPU (`python -m benchmarks.gpu_check --small`): checks the code; the figures "
            "say nothing about a GPU.**",
            "",
        ]
    out += [
        f"Device `{m['device']}`{', ' + m['gpu'] if 'gpu' in m else ''}, torch {m['torch']}, transformers "
        f"{m.get('transformers', '?')}; whole check {result.get('wall_s', 0):.0f} s. Model: AF3 built from its "
        "config in bf16, random init (`benchmarks/af3_build.py`).",
        "",
    ]
    rows = _rows(result)
    if rows:
        out += ["| figure | this run | H200, measured earlier |", "|---|---:|---:|"]
        out += [f"| {a} | {b} | {c} |" for a, b, c in rows] + [""]
    out += _pipeline_lines(result.get("pipeline", {}))
    errors = [f"* `{p}` failed: {result[p]['error']}" for p in result.get("parts", []) if "error" in result.get(p, {})]
    if errors:
        out += ["", "Failed parts:", ""] + errors
    out += ["", f"Earlier figures: {REFERENCE_H200['source']}."]
    return "\n".join(out).rstrip() + "\n"


def _marker(result_or_name) -> str:
    name = (
        result_or_name
        if isinstance(result_or_name, str)
        else ("gpu_check_small" if result_or_name["small"] else "gpu_check")
    )
    return name


def replace_section(text: str, name: str, body: str) -> str:
    """``text`` with the section ``name`` (between its markers) replaced by ``body``, or appended.

    >>> replace_section("# B\\n", "x", "one\\n")
    '# B\\n\\n<!-- x -->\\none\\n<!-- /x -->\\n'
    >>> replace_section(_, "x", "two\\n").count("two"), replace_section(_, "x", "two\\n").count("one")
    (1, 0)
    """
    block = f"<!-- {name} -->\n{body}<!-- /{name} -->\n"
    pattern = re.compile(rf"<!-- {re.escape(name)} -->\n.*?<!-- /{re.escape(name)} -->\n", re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text.rstrip("\n") + "\n\n" + block


def kept_sections(old: str, new: str) -> str:
    """``new`` (a freshly written ``summary.md``) with the gpu_check sections of ``old`` carried over."""
    for name in ("gpu_check", "gpu_check_small"):
        m = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->\n", old, re.S)
        if m:
            new = replace_section(new, name, m.group(1))
    return new


def write_section(path: Path, result: dict) -> None:
    """Put this check's section into ``path`` (``summary.md``), keeping everything else."""
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    path.write_text(replace_section(old, _marker(result), section(result)))
