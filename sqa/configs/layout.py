"""Where runs and results go: the one place that writes the folder rules of ``runs/`` and ``results/``.

Both trees have the same shape under the profile's folder (``runs/<p>`` or ``results/<p>``):

* the default backbone (:data:`DEFAULT_BACKBONE`, AF3, the paper's) at the top, any other backbone in a
  subfolder of its name (``<p>/qwen2_audio``);
* training seed 0 (the default run) there, seed ``k`` in ``seed<k>`` below it.

>>> from pathlib import Path
>>> profile_dir(Path("results"), "tiny", backbone="qwen2_audio", seed=2).as_posix()
'results/tiny/qwen2_audio/seed2'
>>> profile_dir(Path("runs"), "tiny", backbone=None, seed=0).as_posix()
'runs/tiny'

Only the standard library: the Makefile and ``python -m sqa systems`` read it before the environment exists.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_BACKBONE = "af3"
"""The paper's backbone (Audio Flamingo 3): what a profile without ``backbone:`` trains, whose runs and results
sit at the top of ``runs/<p>`` and ``results/<p>``, and whose records omit the backbone name."""


def is_default_backbone(backbone: str | None) -> bool:
    """Whether ``backbone`` (a registry name, or None for the profile's default) is :data:`DEFAULT_BACKBONE`.

    >>> is_default_backbone(None), is_default_backbone("af3"), is_default_backbone("qwen2_audio")
    (True, True, False)
    """
    return backbone in (None, DEFAULT_BACKBONE)


def backbone_name(backbone: str | None) -> str:
    """The registry name of ``backbone`` (None: :data:`DEFAULT_BACKBONE`), as records and tables name it.

    >>> backbone_name(None), backbone_name("qwen2_audio")
    ('af3', 'qwen2_audio')
    """
    return backbone or DEFAULT_BACKBONE


def backbone_dir(base: Path, backbone: str | None) -> Path:
    """``base`` for the default backbone, ``base/<backbone>`` for another one."""
    return base if is_default_backbone(backbone) else base / backbone


def seed_dir(base: Path, seed: int) -> Path:
    """``base`` for training seed 0 (the default run), ``base/seed<k>`` for seed ``k``.

    >>> seed_dir(Path("results/tiny"), 0).as_posix(), seed_dir(Path("results/tiny"), 3).as_posix()
    ('results/tiny', 'results/tiny/seed3')
    """
    return base if int(seed) == 0 else base / f"seed{int(seed)}"


def profile_dir(root: Path, profile: str, backbone: str | None = None, seed: int = 0) -> Path:
    """``root/<profile>[/<backbone>][/seed<k>]``: a profile's folder of runs (``root`` = ``runs``) or results."""
    return seed_dir(backbone_dir(Path(root) / profile, backbone), seed)
