"""The paper's systems as named configurations, built from cached stages (notebooks 03 and 04).

Every stage returns a model directory under ``runs/<profile>/`` and is reused when it
already exists, so the ablation notebook retrains nothing that notebook 02 or 03 trained:

    base ──calibrate──► calibration ──sft──► sft_from_calibration ──GRPO(rewards)──► grpo_<rewards>
         └─calibrate(frozen)─► calibration_frozen ──sft(frozen)──► sft_from_calibration_frozen
         └──────────────sft──► sft_from_base

The audio encoder is trained where the arrow says so: in ``calibrate`` and in ``sft`` from ``base``.
SFT from a calibrated model keeps it frozen unless the profile sets ``reasoning_train_audio_encoder``
(:func:`sft_encoder_trainable`), and GRPO always does, so "learned encoder" means learned in Calibration.

The systems (``SYSTEMS``, every row of Tables 1 and 3) are declared in :mod:`sqa.configs.systems`; the folders of
runs and results follow :mod:`sqa.configs.layout`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqa.configs.profiles import Profile
from sqa.configs.systems import (
    System,
    grpo_run_name,
    register_system,
)
from sqa.rewards import REWARDS

# ---------------------------------------------------------------- stages


def _with_encoder(profile: Profile, learned: bool) -> Profile:
    return dataclasses.replace(profile, train_audio_encoder=learned)


def calibration_stage(profile: Profile, learned: bool = True) -> Path:
    """Calibration SFT (learned or frozen audio encoder)."""
    from sqa.pipeline.preflight import require_inputs
    from sqa.train import calibrate

    require_inputs(profile)
    return calibrate(_with_encoder(profile, learned))


SFT_INITS = ("base", "calibration", "calibration_frozen")
"""Where SFT on full answers can start (``runs/<profile>/sft_from_<init>``)."""


def sft_encoder_trainable(profile: Profile, init: str) -> bool:
    """Whether SFT on full answers from ``init`` trains the audio encoder.

    From ``base`` it does (the only stage that can); from ``calibration`` as the profile's
    ``reasoning_train_audio_encoder`` says (default: frozen, keeping the calibrated features);
    from ``calibration_frozen`` never (the frozen-encoder pipeline).

    >>> from sqa.configs.profiles import get_profile
    >>> p = get_profile("tiny")
    >>> [sft_encoder_trainable(p, i) for i in ("base", "calibration", "calibration_frozen")]
    [True, False, False]
    """
    if init not in SFT_INITS:
        raise ValueError(f"unknown SFT init {init!r}; expected one of {SFT_INITS}")
    return {"base": True, "calibration": profile.reasoning_train_audio_encoder, "calibration_frozen": False}[init]


def sft_stage(profile: Profile, init: str = "calibration") -> Path:
    """SFT on full answers from ``init`` in ``base``, ``calibration``, ``calibration_frozen``."""
    from sqa.pipeline.preflight import require_inputs
    from sqa.train import resolve_model, sft_reasoning

    require_inputs(profile)
    learned = sft_encoder_trainable(profile, init)
    start = {
        "base": lambda: resolve_model(profile),
        "calibration": lambda: calibration_stage(profile, True),
        "calibration_frozen": lambda: calibration_stage(profile, False),
    }[init]()
    return sft_reasoning(_with_encoder(profile, learned), init=start, out_dir=profile.run_dir / f"sft_from_{init}")


def warmup_stage(profile: Profile) -> Path:
    """The SFT warm-up before GRPO: the sft stage itself, or a shorter run of ``grpo_warmup_steps``."""
    from sqa.train import sft_reasoning

    if profile.grpo_warmup_steps is None:
        return sft_stage(profile, "calibration")
    return sft_reasoning(
        _with_encoder(profile, sft_encoder_trainable(profile, "calibration")),
        init=calibration_stage(profile, True),
        out_dir=profile.run_dir / "grpo_warmup",
        steps=profile.grpo_warmup_steps,
    )


def grpo_stage(
    profile: Profile, rewards: str | list[str] = "acc_sem", audio_mode: str = "audio", progress: bool = True
) -> Path:
    """GRPO from the warm-up with the named rewards (``audio_mode="text_only"``: Omni-R1's text-only run)."""
    from sqa.data import load_examples
    from sqa.pipeline.preflight import require_inputs
    from sqa.train.grpo import GRPOConfig, run_grpo

    require_inputs(profile, rewards)  # no data or no judge: fail now, not after the warm-up is trained
    from sqa.train.vllm_rollouts import profile_rollouts_problem

    if (problem := profile_rollouts_problem(profile)) is not None:  # e.g. the tiny profile asking for vLLM
        raise ValueError(problem)
    name = grpo_run_name(rewards, audio_mode)
    cfg = GRPOConfig.from_profile(
        profile, warmup_stage(profile), profile.run_dir / name, rewards, audio_mode=audio_mode
    )
    examples = load_examples(profile, "train")
    return run_grpo(cfg, examples=examples, progress=progress)


def tasks_stage(profile: Profile) -> Path:
    """The multi-task model (:mod:`sqa.train.sft_tasks`; its evaluation: :mod:`sqa.pipeline.tasks_run`): SFT on
    assess, compare, suggest and detect from the calibration stage, its encoder as in SFT from there."""
    from sqa.pipeline.preflight import require_inputs
    from sqa.train.sft_tasks import sft_tasks

    require_inputs(profile)
    learned = sft_encoder_trainable(profile, "calibration")
    return sft_tasks(_with_encoder(profile, learned), init=calibration_stage(profile, True))


STAGE_NAMES = (
    "calibration",
    "calibration_frozen",
    "sft_from_base",
    "sft_from_calibration",
    "sft_from_calibration_frozen",
    "warmup",
    "grpo_<rewards>",
    "grpo_<rewards>_text_only",
    "no_training",
    "tasks",
)
"""What :func:`build_stage` (and ``python -m sqa train``) accepts: the dir names under ``runs/<profile>/``."""


def build_stage(profile: Profile, name: str, progress: bool = True) -> Path:
    """Build (or find cached) the stage named like its dir under ``runs/<profile>/``; returns its model dir.

    Lets ``make -j2 reproduce`` train independent stages side by side before the notebooks that need them.
    ``warmup`` is the SFT warm-up every GRPO run starts from (:func:`warmup_stage`).

    >>> from sqa.configs.profiles import get_profile
    >>> build_stage(get_profile("smoke"), "sft_from_nowhere")
    Traceback (most recent call last):
    ...
    ValueError: unknown stage 'sft_from_nowhere'; expected one of calibration, calibration_frozen, sft_from_base, \
sft_from_calibration, sft_from_calibration_frozen, warmup, grpo_<rewards>, grpo_<rewards>_text_only, no_training, tasks
    """
    if name in ("calibration", "calibration_frozen"):
        return calibration_stage(profile, learned=name == "calibration")
    if name.startswith("sft_from_") and name.removeprefix("sft_from_") in SFT_INITS:
        return sft_stage(profile, name.removeprefix("sft_from_"))
    if name == "warmup":  # what every GRPO run starts from (sft_from_calibration unless grpo_warmup_steps is set)
        return warmup_stage(profile)
    if name == "tasks":  # the multi-task model (compare, suggest, detect beside assess)
        return tasks_stage(profile)
    if name == "no_training":  # nothing to train: the folder of the no-training systems' caches (DNSMOS)
        out = dataclasses.replace(profile, seed=0).run_dir / "no_training"
        out.mkdir(parents=True, exist_ok=True)
        return out
    if name.startswith("grpo_") and len(name) > len("grpo_"):
        audio_mode = "text_only" if name.endswith("_text_only") else "audio"
        rewards = parse_reward_names(name.removeprefix("grpo_").removesuffix("_text_only"))
        from sqa.rewards import check_reward_names

        try:
            check_reward_names(rewards)  # before the warm-up is trained, not after
        except KeyError as err:
            raise ValueError(f"stage {name!r}: {err.args[0]}") from None
        return grpo_stage(profile, rewards, audio_mode, progress=progress)
    raise ValueError(f"unknown stage {name!r}; expected one of {', '.join(STAGE_NAMES)}")


# ---------------------------------------------------------------- systems


def register_reward_system(reward: str, functions, system: str, group: str = "beyond the paper") -> System:
    """Register a reward written outside ``sqa`` and the GRPO system trained with it, in one call.

    ``functions`` is the reward's registry entry (what ``sqa.rewards.REWARDS[reward]`` holds: its functions
    with TRL's signature); ``system`` names its row of Tables 1 and 3, placed after the rows of ``group``.
    The system is then trained and evaluated like the paper's (:func:`evaluate_system`, ``python -m sqa
    train grpo_<reward>``), listed by ``python -m sqa systems`` and coloured in the figures.
    """
    if reward in REWARDS:
        raise ValueError(f"reward {reward!r} is registered already in sqa.rewards.REWARDS; pick another name")
    row = register_system(System(system, "grpo", rewards=reward, group=group))
    REWARDS[reward] = functions
    return row


def system_model(profile: Profile, system: System, progress: bool = True) -> Path:
    """The model dir of ``system`` (trained now unless its stages are cached)."""
    if system.stage == "none":
        raise ValueError(f"{system.name} needs no training and has no model dir (sqa.evaluation.baselines)")
    if system.stage == "calibration":
        return calibration_stage(profile, system.learned_encoder)
    if system.stage == "sft":
        return sft_stage(profile, system.init)
    return grpo_stage(profile, system.rewards.split("+"), system.train_audio, progress=progress)


def parse_reward_names(rewards: str | list[str]) -> list[str]:
    """``"acc_sem"``, ``"acc_sem,iou"`` or ``["acc_sem", "iou"]`` -> a list of registry names.

    >>> parse_reward_names("acc_sem, iou")
    ['acc_sem', 'iou']
    """
    if isinstance(rewards, str):
        return [r.strip() for r in rewards.replace("+", ",").split(",") if r.strip()]
    return list(rewards)
