"""One configuration: the profile (``sqa/configs/<name>.yaml``) is the only place a setting is written.

The stage configs (:class:`~sqa.train.SFTConfig`, :class:`~sqa.train.GRPOConfig`) are built from it and
every field is traced to its profile source; a stage setting the profile does not have is listed here
(``STAGE_ONLY``) and may not be a second copy of a profile field. A key no profile has is a one-line error
naming its file, and the benchmarks read ``paper.yaml`` instead of copying it.
"""

from __future__ import annotations

import dataclasses
import importlib
import shutil

import pytest
import yaml

from sqa.configs import profiles
from sqa.configs.profiles import CONFIG_DIR, PROFILE_SOURCE, Profile, get_profile, list_profiles
from sqa.train import GRPOConfig, SFTConfig

STAGE_ONLY = {
    SFTConfig: {"out_dir", "warmup", "weight_decay", "grad_accum", "scheduler", "logging_steps", "progress"},
    GRPOConfig: {"init", "out_dir", "rewards", "reward_weights", "audio_mode"},
}
"""The settings of each trainer that no profile holds (the run's inputs and the trainer's own knobs)."""
PROFILE_FIELDS = {f.name: f for f in dataclasses.fields(Profile)}


def sentinel_profile() -> Profile:
    """A profile whose every field holds its own name: a stage field shows where its value came from."""
    return Profile(**{name: f"<{name}>" for name in PROFILE_FIELDS if name != "extra"}, extra={})


def profile_default(name: str):
    f = PROFILE_FIELDS[name]
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def built_configs(monkeypatch):
    """Each stage config as ``from_profile`` builds it from :func:`sentinel_profile`, with the stage it is for."""
    monkeypatch.delenv("SQA_JUDGE", raising=False)
    p = sentinel_profile()
    return [
        (SFTConfig, "calib", SFTConfig.from_profile(p, "calib", "out")),
        (SFTConfig, "sft", SFTConfig.from_profile(p, "sft", "out")),
        (GRPOConfig, None, GRPOConfig.from_profile(p, "init", "out", ["llm_judge"])),
    ]


def test_every_stage_field_comes_from_the_profile_or_is_the_stages_own(monkeypatch):
    for cls, stage, cfg in built_configs(monkeypatch):
        for f in dataclasses.fields(cls):
            source = f.metadata.get(PROFILE_SOURCE)
            if source is None:
                assert f.name in STAGE_ONLY[cls], f"{cls.__name__}.{f.name} has no profile source and is not listed"
                continue
            source = source.format(stage=stage)
            assert getattr(cfg, f.name) == f"<{source}>", f"{cls.__name__}.{f.name} is not the profile's {source}"
        assert STAGE_ONLY[cls] <= {f.name for f in dataclasses.fields(cls)}


def test_each_default_is_written_once():
    """A stage field's default is its profile field's (no second literal), and a stage's own setting is no
    copy of a profile field (``max_new_tokens`` in the profile and again in GRPOConfig was two defaults)."""
    for cls, _own in STAGE_ONLY.items():
        for f in dataclasses.fields(cls):
            source = f.metadata.get(PROFILE_SOURCE)
            if source is None:
                copies = {f.name, f"grpo_{f.name}", f"calib_{f.name}", f"sft_{f.name}"} & set(PROFILE_FIELDS)
                assert not copies, f"{cls.__name__}.{f.name} repeats the profile's {sorted(copies)}"
            elif "{stage}" in source:
                assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            else:
                default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
                assert default == profile_default(source), f"{cls.__name__}.{f.name}: a default of its own"


def test_derived_profiles_restate_nothing_of_their_base():
    for name in list_profiles():
        values = yaml.safe_load((CONFIG_DIR / f"{name}.yaml").read_text()) or {}
        if "base" not in values:
            continue
        base = get_profile(values.pop("base"))
        same = sorted(k for k, v in values.items() if getattr(base, k) == v)
        assert not same, f"{name}.yaml restates its base's {same}"


def test_overrides_reach_the_stage_configs_and_unknown_names_are_errors(tmp_path):
    p = get_profile("smoke")
    cfg = GRPOConfig.from_profile(p, "w", tmp_path, "acc_sem", steps=None, max_new_tokens=7)
    assert (cfg.steps, cfg.max_new_tokens, cfg.rewards, cfg.lr) == (p.grpo_steps, 7, ["acc_sem"], p.grpo_lr)
    with pytest.raises(ValueError, match="GRPOConfig.from_profile: unknown setting 'max_new_token' of GRPOConfig"):
        GRPOConfig.from_profile(p, "w", tmp_path, "acc_sem", max_new_token=7)
    with pytest.raises(ValueError, match="profile 'smoke' extra.sft, overrides.*unknown setting 'warmpu'"):
        SFTConfig.from_profile(dataclasses.replace(p, extra={"sft": {"warmpu": 0}}), "sft", tmp_path)


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """A copy of ``sqa/configs`` the profile loader reads instead (the real loader, other files)."""
    shutil.copytree(CONFIG_DIR, tmp_path, dirs_exist_ok=True)
    monkeypatch.setattr(profiles, "CONFIG_DIR", tmp_path)
    return tmp_path


def test_unknown_yaml_key_is_a_one_line_error_naming_it_and_its_file(config_dir):
    (config_dir / "base.yaml").write_text("dataset: synthetic\ngrpo_stepz: 3\n")
    (config_dir / "child.yaml").write_text("base: base\nn_train: 4\n")
    for name in ("base", "child"):  # a derived profile names the file that has the key: its base
        with pytest.raises(ValueError) as err:
            get_profile(name)
        message = str(err.value)
        assert "\n" not in message and "'grpo_stepz'" in message
        assert message.startswith(f"{config_dir / 'base.yaml'}: unknown profile field")
    with pytest.raises(ValueError, match=r"get_profile\('smoke'\): unknown profile field\(s\) \['n_trian'\]"):
        get_profile("smoke", n_trian=3)


@pytest.fixture
def edited_paper(config_dir):
    """paper.yaml with other step counts, batch sizes and LoRA; the benchmark modules reloaded to read it."""
    from benchmarks import gpu_check, projection

    path = config_dir / "paper.yaml"
    edits = {
        "calib_steps": 20000,
        "grpo_steps": 400,
        "grpo_batch_size": 2,
        "max_new_tokens": 256,
        "lora_rank": 32,
        "lora_alpha": 16,
        "calib_lr": 3.0e-5,
        "calib_batch_size": 4,
    }
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), **edits}))
    try:
        yield edits, importlib.reload(projection), importlib.reload(gpu_check)
    finally:
        profiles.CONFIG_DIR = CONFIG_DIR
        importlib.reload(projection)
        importlib.reload(gpu_check)


def test_benchmarks_read_paper_yaml(edited_paper):
    edits, projection, gpu_check = edited_paper
    setup = projection.Setup()
    assert (setup.calib_steps, setup.grpo_steps, setup.grpo_batch, setup.max_new_tokens) == (
        edits["calib_steps"],
        edits["grpo_steps"],
        edits["grpo_batch_size"],
        edits["max_new_tokens"],
    )
    assert (setup.sft_steps, setup.warmup_steps, setup.eval_batch) == (10000, 1325, 16)  # the rest as before
    assert (
        gpu_check.LORA_RANK,
        gpu_check.LORA_ALPHA,
        gpu_check.CALIB_LR,
        gpu_check.FULL.calib_batch,
        gpu_check.FULL.grpo_batch,
    ) == (32, 16, 3.0e-5, 4, 2)
