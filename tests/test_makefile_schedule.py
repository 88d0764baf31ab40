"""The Makefile's schedule of `make reproduce`: every system of Tables 1/3 is evaluated by a target that runs
beside the others (a GRPO notebook, or a stage target with --evaluate), none is left for notebook 04 to train."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sqa.configs import systems

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _database() -> str:
    """make's variables and rules for the tiny profile, read without running anything (-p -n of `help`)."""
    return subprocess.run(
        ["make", "-pn", "-C", str(ROOT), "help", "PROFILE=tiny"], capture_output=True, text=True, check=True
    ).stdout


def _variables(db: str, prefix: str) -> dict[str, str]:
    return dict(re.findall(rf"^({prefix}\S*) :?= (.*)$", db, flags=re.M))


def test_every_system_is_evaluated_by_a_parallel_target():
    db = _database()
    evaluated = {
        systems.get_system(s).name for v in _variables(db, "EVALUATE_").values() for s in v.split()
    }  # KeyError: a typo
    runs = _variables(db, "GRPO_RUNS")["GRPO_RUNS"].split()
    assert runs == [
        "unified",
        "llm_judge",
        "acc_sem",
        "iou",
        "signal",
    ]  # from sqa.configs.systems, the judge's runs first
    evaluated |= {systems.system_for_rewards(r).name for r in runs}
    assert evaluated == {s.name for s in systems.SYSTEMS}


def test_grpo_runs_start_from_the_warmup_stage_not_from_another_run():
    db = _database()
    rule = re.search(r"^results/tiny/grpo_%/metrics\.json: (.*)$", db, flags=re.M)
    assert rule and "runs/tiny/.stage_warmup" in rule.group(1)
    assert not re.search(
        r"^results/tiny/grpo_(llm_judge|unified|iou|signal)/metrics\.json: .*grpo_acc_sem", db, flags=re.M
    )
    stages = _variables(db, "ABLATION_STAGES")["ABLATION_STAGES"].split()
    assert set(_variables(db, "EVALUATE_")) == {f"EVALUATE_{s}" for s in stages}


def test_the_ablation_sfts_queue_behind_the_frozen_calibration_not_beside_the_warmup():
    """With two slots, the frozen calibration and the two ablation SFTs share one, one after the other;
    nothing else is ready when the calibration ends, so the warm-up (the critical path) starts at once."""
    db = _database()

    def order_only(target: str) -> str:
        rule = re.search(rf"^{re.escape(target)}: [^|\n]*\|(.*)$", db, flags=re.M)
        return rule.group(1) if rule else ""

    assert "results/tiny/calibration_frozen/metrics.json" in order_only("runs/tiny/.stage_sft_from_base")
    assert "runs/tiny/.stage_sft_from_base" in order_only("runs/tiny/.stage_sft_from_calibration_frozen")
