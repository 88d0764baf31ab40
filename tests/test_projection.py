"""The README's projected wall-time table is benchmarks.projection's output (docs match code)."""

from pathlib import Path

from benchmarks.projection import MEASURED, Setup, markdown, project

ROOT = Path(__file__).resolve().parents[1]


def test_readme_table_is_the_computed_projection():
    assert markdown() in (ROOT / "README.md").read_text()


def test_projection_follows_its_inputs():
    base = {r.stage: r.hours for r in project()}
    faster = {r.stage: r.hours for r in project(Setup(measured={**MEASURED, "decode_ms_per_token_lora": 31.5}))}
    evaluation = "Evaluation (12 systems)"
    assert abs(faster[evaluation]["1 GPU"] - base[evaluation]["1 GPU"] / 2) < 1e-9
    assert faster["Calibration (2 runs)"] == base["Calibration (2 runs)"]
    assert base["GRPO (6 runs)"]["8 GPUs, accelerate"] == base["GRPO (6 runs)"]["1 GPU"] / 4
