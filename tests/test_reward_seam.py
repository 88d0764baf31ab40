"""The reward seam, run as a system: a reward written outside ``sqa`` (a module in a temporary folder) takes one
call, ``sqa.pipeline.stages.register_reward_system``, and is then trained by one real GRPO step, evaluated as a row of
Tables 1 and 3, scheduled by ``make reproduce`` and coloured in the figures, with nothing in ``sqa`` patched.

It runs the smoke profile in a fresh process whose working folder is a checkout of its own (a ``pyproject.toml``
beside an ``sqa`` folder: where ``runs/`` and ``results/`` go), so nothing is written under the repo and the
registration does not leak into the other tests' registries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TOY_REWARD = '''
"""A toy reward: 1.0 for an answer that names a noise score, else 0.0; counts its calls in a file."""
from pathlib import Path

CALLS = Path(__file__).with_name("calls.txt")


def toy_reward(prompts, completions, **columns):
    with CALLS.open("a") as f:
        f.write(f"{len(completions)}\\n")
    return [1.0 if "Noise:" in (c if isinstance(c, str) else str(c)) else 0.0 for c in completions]
'''

RUN = """
import csv, json, sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
import toy_reward

from sqa.pipeline import stages, system_results
from sqa.data import make_synthetic_corpus
from sqa.analysis.plots import PALETTE, system_color
from sqa.configs.profiles import get_profile
from sqa.configs.systems import SYSTEMS, grpo_runs

stages.register_reward_system("toy", [toy_reward.toy_reward], "Toy reward GRPO")  # the one registration

corpus = make_synthetic_corpus(Path("corpus"), n_train=4, n_test=2, seed=0, progress=False)
profile = get_profile("smoke", data_dir=str(corpus.resolve()), calib_steps=1, sft_steps=1, grpo_steps=1)
metrics = system_results.evaluate_system(profile, "toy_reward_grpo", results="results")
curve = list(csv.DictReader((profile.run_dir / "grpo_toy" / "reward_curve.csv").open()))
rows = system_results.cached_rows(profile, results="results")
print(json.dumps({
    "run_dir": str(profile.run_dir.resolve()), "system": metrics["system"], "n": metrics["n"],
    "metrics_file": (Path("results") / "smoke" / "systems" / "toy_reward_grpo" / "metrics.json").exists(),
    "steps": [r["step"] for r in curve], "calls": toy_reward.CALLS.read_text().split(),
    "rows": [r["system"] for r in rows], "order": [s.name for s in SYSTEMS], "make": grpo_runs(),
    "colour": system_color("Toy reward GRPO"), "palette": sorted(PALETTE.values()),
}))
"""


def test_a_reward_written_outside_sqa_runs_as_a_system_after_one_registration(tmp_path):
    checkout = tmp_path / "project"
    (checkout / "sqa").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'project'\n")
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "toy_reward.py").write_text(TOY_REWARD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path / "toy")],
        env=env,
        capture_output=True,
        text=True,
        cwd=checkout,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(seen["run_dir"]) == (checkout / "runs" / "smoke").resolve()  # nothing under the repo's runs/
    assert seen["system"] == "Toy reward GRPO" and seen["n"] == 2 and seen["metrics_file"]
    assert seen["steps"] == ["1"] and sum(map(int, seen["calls"])) >= 2  # one GRPO step scored its group
    assert "Toy reward GRPO" in seen["rows"]  # a row of the tables
    assert seen["order"].index("Toy reward GRPO") == seen["order"].index("Signal reward GRPO") + 1  # its group
    assert seen["make"][-1] == "toy"  # a notebook-03 run of make reproduce (no judge: after the judge's runs)
    assert seen["colour"] not in seen["palette"]  # a colour of its own, not one of the paper's systems
