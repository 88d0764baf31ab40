"""The systems of Tables 1 and 3: one declaration (:data:`SYSTEMS`) everything else reads.

``SYSTEMS`` names every row of the paper's Tables 1 and 3 that applies to one backbone (the names
of ``results/reference/paper_table*.csv`` where the paper has the row), plus our IoU and signal
rewards, Omni-R1's diagnostics (audio withheld at test time; GRPO trained text-only) and the systems
without training. How each is built and evaluated is :mod:`sqa.pipeline`.

A reward run as a system is one row here (``System(name, "grpo", rewards=...)``): the GRPO runs of
``make reproduce`` (:func:`grpo_runs`, read by the Makefile through ``python -m sqa.configs.systems --grpo-runs``),
the tables and the figures' colours follow (``python -m sqa.configs.systems`` lists the rows). Outside the repo,
:func:`register_system` adds a row (:func:`sqa.pipeline.stages.register_reward_system` registers the reward with it).

>>> [s.rewards for s in SYSTEMS if s.group == "ours"]
['acc_sem', 'llm_judge']
>>> grpo_runs()
['unified', 'llm_judge', 'acc_sem', 'iou', 'signal']

Only the standard library (and :mod:`sqa.configs.sources`, which needs no more): the Makefile reads it with
whichever python it finds, before the environment is installed.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from sqa.configs.sources import rewards_need_judge


@dataclass(frozen=True)
class System:
    """One row of Tables 1 and 3: how its model is built and how it is evaluated."""

    name: str
    stage: str  # "calibration", "sft", "grpo"; "none": no training (sqa.evaluation.baselines, ``predictor``)
    init: str = "calibration"  # sft: where stage 2 starts
    rewards: str = ""  # grpo: registry name(s), "+"-joined
    train_audio: str = "audio"  # grpo: "audio" or "text_only"
    eval_audio: str = "audio"  # "audio" or "withheld"
    learned_encoder: bool = True
    calibration: bool = True
    group: str = "ours"
    predictor: str = ""  # stage "none": "dnsmos_p835", "dnsmos_p808" or "detectors" (sqa.evaluation.baselines)

    @property
    def slug(self) -> str:
        return slug(self.name)


def slug(name: str) -> str:
    """The file-name form of a row name (a system's results folder, a task's predictions file).

    >>> slug("Derived from Calibration-only"), slug("Acc+Sem dim-wise GRPO")
    ('derived_from_calibration_only', 'acc_sem_dim_wise_grpo')
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


SYSTEMS: list[System] = [
    System("QualiSpeech-FT", "sft", init="calibration_frozen", learned_encoder=False, group="baseline"),
    System("SQ-LLM", "grpo", rewards="unified", group="baseline"),
    System("Acc+Sem dim-wise GRPO", "grpo", rewards="acc_sem"),
    System("LLM-judge dim-wise GRPO", "grpo", rewards="llm_judge"),
    System("QualiSpeech-FT (learned encoder)", "sft", init="calibration", group="ablation"),
    System("QualiSpeech-FT (no calibration)", "sft", init="base", calibration=False, group="ablation"),
    System("Calibration-only", "calibration", group="ablation"),
    System("IoU reward GRPO", "grpo", rewards="iou", group="beyond the paper"),
    System("Signal reward GRPO", "grpo", rewards="signal", group="beyond the paper"),
    System(
        "Acc+Sem dim-wise GRPO, audio withheld",
        "grpo",
        rewards="acc_sem",
        eval_audio="withheld",
        group="Omni-R1 diagnostic",
    ),
    System(
        "LLM-judge dim-wise GRPO, audio withheld",
        "grpo",
        rewards="llm_judge",
        eval_audio="withheld",
        group="Omni-R1 diagnostic",
    ),
    System(
        "Acc+Sem GRPO trained text-only", "grpo", rewards="acc_sem", train_audio="text_only", group="Omni-R1 diagnostic"
    ),
    System(
        "DNSMOS P.835", "none", predictor="dnsmos_p835", learned_encoder=False, calibration=False, group="no training"
    ),
    System(
        "DNSMOS P.808", "none", predictor="dnsmos_p808", learned_encoder=False, calibration=False, group="no training"
    ),
    System(
        "Signal detectors (no model)",
        "none",
        predictor="detectors",
        learned_encoder=False,
        calibration=False,
        group="no training",
    ),
]


def get_system(name: str) -> System:
    """The system of :data:`SYSTEMS` named ``name`` (its name or its slug)."""
    for s in SYSTEMS:
        if s.name == name or s.slug == name:
            return s
    raise KeyError(f"unknown system {name!r}; known: {[s.name for s in SYSTEMS]}")


def register_system(system: System) -> System:
    """Add ``system`` to :data:`SYSTEMS` after the last system of its group (at the end for a new group).

    >>> register_system(System("SQ-LLM", "grpo", rewards="acc_sem"))
    Traceback (most recent call last):
    ...
    ValueError: system 'SQ-LLM' is registered already (slug sq_llm); pick another name
    """
    taken = [s for s in SYSTEMS if s.name == system.name or s.slug == system.slug]
    if taken:
        raise ValueError(f"system {system.name!r} is registered already (slug {taken[0].slug}); pick another name")
    last = max((i for i, s in enumerate(SYSTEMS) if s.group == system.group), default=len(SYSTEMS) - 1)
    SYSTEMS.insert(last + 1, system)
    return system


def grpo_run_name(rewards: str | list[str], audio_mode: str = "audio") -> str:
    """``grpo_acc_sem``, ``grpo_acc_sem+iou``, ``grpo_acc_sem_text_only`` ..."""
    names = [rewards] if isinstance(rewards, str) else list(rewards)
    return "grpo_" + "+".join(names) + ("" if audio_mode == "audio" else f"_{audio_mode}")


def grpo_runs() -> list[str]:
    """The rewards of every GRPO system trained and evaluated with audio (``+``-joined where several), longest
    run first: the runs asking the judge, then the others, each in table order. ``make reproduce`` runs one
    notebook 03 per entry (``GRPO_RUNS``), and ``make -j`` starts them in this order."""
    runs = list(
        dict.fromkeys(
            s.rewards for s in SYSTEMS if s.stage == "grpo" and s.train_audio == "audio" and s.eval_audio == "audio"
        )
    )
    return sorted(runs, key=lambda r: not rewards_need_judge(r.split("+")))


def system_for_rewards(rewards: str | list[str], train_audio: str = "audio") -> System:
    """The registered system trained with ``rewards`` (or an ad-hoc one for a new combination)."""
    names = [rewards] if isinstance(rewards, str) else list(rewards)
    key = "+".join(names)
    for s in SYSTEMS:
        if s.stage == "grpo" and s.rewards == key and s.train_audio == train_audio and s.eval_audio == "audio":
            return s
    return System(grpo_run_name(names, train_audio), "grpo", rewards=key, train_audio=train_audio, group="custom")


def served_system(name: str) -> System:
    """A row for an audio LLM evaluated zero-shot through its endpoint (SQ-LLM's Table 4 baselines).

    >>> served_system("Qwen2-Audio-7B-Instruct").slug
    'qwen2_audio_7b_instruct'
    """
    return System(name, "served", learned_encoder=False, calibration=False, group="zero-shot (served)")


def describe() -> list[str]:
    """One line per system (``python -m sqa.configs.systems``): name, stage, what it is built from, group."""

    def built_from(s: System) -> str:
        if s.stage == "grpo":
            return f"rewards={s.rewards} train={s.train_audio} eval={s.eval_audio}"
        return {"sft": f"init={s.init}", "none": f"predictor={s.predictor}"}.get(s.stage, "")

    return [f"{s.name}\t{s.stage}\t{built_from(s)}\t{s.group}" for s in SYSTEMS]


def main(argv: list[str] | None = None) -> int:
    """``python -m sqa.configs.systems``: the systems, one a line; ``--grpo-runs``: the Makefile's ``GRPO_RUNS``."""
    parser = argparse.ArgumentParser(prog="python -m sqa.configs.systems", description=main.__doc__)
    parser.add_argument("--grpo-runs", action="store_true", help="the GRPO runs of make reproduce, longest first")
    args = parser.parse_args(argv)
    print(" ".join(grpo_runs()) if args.grpo_runs else "\n".join(describe()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
