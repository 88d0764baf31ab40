"""Profiles: one code path, three sets of parameters (``docs/design.md``, *Profiles*).

``smoke`` runs in seconds (unit tests, nbval), ``tiny`` is the default of ``make reproduce``
(minutes on a 2-core CPU), ``paper`` is the paper's setting on a GPU workstation with the real
QualiSpeech data and ``nvidia/audio-flamingo-3-hf``. Values live in ``sqa/configs/<name>.yaml``;
any field can be overridden by keyword (the notebooks pass their papermill parameters).

The stage configs (:class:`sqa.train.SFTConfig`, :class:`sqa.train.GRPOConfig`) are derived from the
profile: a field declared with :func:`profile_field` takes its value from the profile field it names
(:func:`stage_values`), and its default is that field's default here, so each default is written once.

>>> p = get_profile("smoke", calib_steps=3)
>>> p.name, p.calib_steps, p.model
('smoke', 3, 'tiny')
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sqa.configs.kernels import pin_kernels
from sqa.configs.layout import backbone_dir, seed_dir

CONFIG_DIR = Path(__file__).parent


@dataclass
class Profile:
    name: str
    # data: a QualiSpeech-layout directory (DATA_DIR), or `dataset: synthetic` to generate the synthetic
    # corpus under runs/<name>/data; `dataset: qualispeech` without data_dir is an error (sqa.configs.sources)
    data_dir: str | None = None
    dataset: str | None = None  # "qualispeech" | "synthetic"
    # judge of the llm_judge / unified rewards and the Table 3 description correlation ($SQA_JUDGE wins):
    # "http://host:8000/v1#<model>", "hf:<dir>", or "rule" (the stand-in, only when named); None: not chosen
    judge: str | None = None
    # extractor of free-form answers ($SQA_EXTRACTOR wins); None: sqa.schema.parse_response
    extractor: str | None = None
    n_train: int = 600
    n_test: int = 150
    data_seed: int = 0
    # model: "tiny" builds the tiny AF3 architecture under runs/<name>/tiny_model; else a hub id or local dir
    model: str = "tiny"
    # backbone (sqa.model.BACKBONES): None = AF3, the paper's. Another one ("qwen2_audio") trains under
    # runs/<name>/<backbone> (the tiny model of that architecture for model: tiny; a checkpoint is checked)
    backbone: str | None = None
    # options of sqa.model.build_tiny_model for model "tiny" (window_seconds, hop_length, sizes)
    tiny_model: dict = field(default_factory=dict)
    lora_rank: int = 64
    lora_alpha: int = 128
    train_audio_encoder: bool = True
    dtype: str = "float32"  # "bfloat16" on GPU
    device: str = "cpu"
    # CPU kernels pinned so a seed gives the same numbers on every x86 CPU (sqa.configs.kernels): "avx2" for the
    # CPU profiles, None (whatever the CPU offers) for the GPU ones; cpu_threads: torch threads (None: as set)
    cpu_kernels: str | None = None
    cpu_threads: int | None = None
    min_gpu_memory_gib: float = 0  # what `python -m sqa check` asks of the GPU when device is cuda
    gradient_checkpointing: bool = False
    # calibration SFT (paper Table 2: 10k iterations, batch 8, lr 1.5e-5)
    calib_steps: int = 600
    calib_batch_size: int = 8
    calib_lr: float = 1e-3
    # SFT on long-form answers (QualiSpeech-FT stage 2 and the GRPO warm-up)
    sft_steps: int = 300
    sft_batch_size: int = 8
    sft_lr: float = 5e-4
    # the audio encoder in SFT that starts from a calibrated model (QualiSpeech-FT stage 2, GRPO warm-up):
    # frozen by default, so the quality features Calibration put into it survive the description loss
    # (~240 answer tokens against 7 score digits); GRPO always keeps it frozen. SFT from the base model
    # (no calibration) trains it, as it is then the only stage that can.
    reasoning_train_audio_encoder: bool = False
    # GRPO (paper Table 2: 200 iterations, G=4, batch 4, lr 5e-6)
    grpo_steps: int = 200
    grpo_group_size: int = 4
    grpo_batch_size: int = 4
    grpo_lr: float = 5e-6
    grpo_kl_beta: float = 0.04
    grpo_temperature: float = 1.0
    # SFT warm-up before GRPO; None: reuse the sft_reasoning stage (QualiSpeech-FT stage 2) as the warm-up
    grpo_warmup_steps: int | None = None
    max_new_tokens: int = 160
    # KV cache of GRPO rollouts and evaluation: "dynamic" (eager) or "static" (pre-allocated, decoding step
    # compiled with torch.compile on CUDA; same greedy tokens on CPU). See README "Scaling up".
    decode_cache: str = "dynamic"
    # who samples GRPO's rollouts: "local" (this process) or a vLLM server's generator spec
    # http://HOST:PORT/v1#NAME serving the merged warm-up model (python -m sqa serve warmup; README "Scaling up")
    rollouts: str = "local"
    # evaluation
    eval_batch_size: int = 16
    seed: int = 0
    save_every: int = 200
    max_grad_norm: float = 1.0  # gradient-norm clip of every trained stage (SFT and GRPO)
    # per-stage settings of sqa.train.SFTConfig not in the profile, e.g. {calib: {warmup: 0}}
    extra: dict = field(default_factory=dict)

    @property
    def shared_dir(self) -> Path:
        """``runs/<profile>``: what every training seed shares (the generated corpus)."""
        return repo_root() / "runs" / self.name

    @property
    def run_dir(self) -> Path:
        """Where this profile's checkpoints go (ignored by git): ``runs/<profile>`` for seed 0 (the default),
        ``runs/<profile>/seed<k>`` for another training ``seed``; ``runs/<profile>/<backbone>[/seed<k>]``
        for a backbone other than AF3."""
        return seed_dir(backbone_dir(self.shared_dir, self.backbone), self.seed)


PROFILE_SOURCE = "profile"
"""Metadata key of a stage-config field declared by :func:`profile_field`: the profile field it comes from."""
_FIELDS = {f.name: f for f in dataclasses.fields(Profile)}


def profile_field(source: str):
    """A stage-config field whose value is the profile's field ``source``, with that field's default.

    ``source`` may name the stage (``"{stage}_steps"``: ``calib_steps`` or ``sft_steps``); such a field
    has no default (a caller building the config by hand passes it).

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Toy:
    ...     steps: int = profile_field("{stage}_steps")
    ...     lr: float = profile_field("grpo_lr")
    >>> Toy(steps=3), stage_values(Toy, get_profile("smoke"), stage="calib")
    (Toy(steps=3, lr=5e-06), {'steps': 4, 'lr': 5e-06})
    """
    metadata = {PROFILE_SOURCE: source}
    if "{stage}" in source:
        return field(metadata=metadata)
    if source not in _FIELDS:
        raise ValueError(f"profile_field({source!r}): Profile has no field {source!r}")
    source_field = _FIELDS[source]
    if source_field.default_factory is not dataclasses.MISSING:
        return field(default_factory=source_field.default_factory, metadata=metadata)
    return field(default=source_field.default, metadata=metadata)


def stage_values(config_cls, profile: Profile, stage: str | None = None) -> dict:
    """The values of ``config_cls``'s :func:`profile_field` fields in ``profile``, by config field name."""
    return {
        f.name: getattr(profile, f.metadata[PROFILE_SOURCE].format(stage=stage))
        for f in dataclasses.fields(config_cls)
        if PROFILE_SOURCE in f.metadata
    }


def check_settings(config_cls, settings, where: str) -> None:
    """Raise a one-line ``ValueError`` naming the first of ``settings`` that is no field of ``config_cls``."""
    known = {f.name for f in dataclasses.fields(config_cls)}
    for name in settings:
        if name not in known:
            raise ValueError(f"{where}: unknown setting {name!r} of {config_cls.__name__} (known: {sorted(known)})")


def repo_root() -> Path:
    """The checkout root (the folder holding pyproject.toml), wherever the caller runs from."""
    here = Path.cwd().resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").exists() and (p / "sqa").is_dir():
            return p
    return Path(__file__).resolve().parents[2]


SEED_ENV = "SQA_SEED"
"""Environment variable with the training seed (``make reproduce SEEDS=...`` sets it per seed run)."""


def _env_seed() -> int:
    raw = os.environ[SEED_ENV].strip()
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"${SEED_ENV}={raw!r}: expected an integer training seed") from None


def list_profiles() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def _profile_values(name: str, derived: tuple[str, ...] = ()) -> tuple[dict, Path]:
    """The fields of ``sqa/configs/<name>.yaml``, over those of the profile its ``base:`` names, if any."""
    path = CONFIG_DIR / f"{name}.yaml"
    if not path.exists():
        raise ValueError(f"unknown profile {name!r}: no {path} (known: {', '.join(list_profiles())})")
    values = yaml.safe_load(path.read_text()) or {}
    base = values.pop("base", None)
    bad = sorted(set(values) - set(_FIELDS))
    if bad:
        raise ValueError(f"{path}: unknown profile field(s) {bad} (known: {sorted(_FIELDS)})")
    if base is not None:
        if base in (name, *derived):
            raise ValueError(f"{path}: profile {name!r} derives from itself through base: {base!r}")
        values = {**_profile_values(base, (*derived, name))[0], **values}
    return values, path


def get_profile(name: str = "tiny", **overrides) -> Profile:
    """Load ``sqa/configs/<name>.yaml`` and apply keyword overrides (``None`` values are ignored).

    A profile file may start from another one with ``base: <name>`` and override some of its fields
    (``paper_smoke`` is ``paper`` at CPU scale):

    >>> p = get_profile("paper_smoke")
    >>> p.dtype, p.lora_rank, p.calib_lr, p.gradient_checkpointing, p.model, p.device
    ('bfloat16', 64, 1.5e-05, True, 'tiny', 'cpu')
    """
    values, _ = _profile_values(name)
    bad = sorted(set(overrides) - set(_FIELDS))
    if bad:
        raise ValueError(f"get_profile({name!r}): unknown profile field(s) {bad} in the overrides")
    if overrides.get("seed") is None and os.environ.get(SEED_ENV, "").strip():
        values["seed"] = _env_seed()  # `make reproduce SEEDS="0 1 2"` runs the notebooks once per seed
    values.update({k: v for k, v in overrides.items() if v is not None})
    values["name"] = name
    profile = Profile(**values)
    if profile.device == "cpu":
        pin_kernels(profile.cpu_kernels, profile.cpu_threads)
    return profile
