"""What a corpus is: one :class:`Corpus` object owning its prepare, load, check and provenance record (like a
lhotse recipe), built by its own module and registered with one call (:func:`sqa.data.corpora.register_corpus`).

Nothing outside the corpus module knows its name: the profile's ``dataset:`` picks it (:mod:`sqa.data.corpora`),
``sqa.configs.sources`` asks the registry whether it can run, ``python -m sqa check`` prints :meth:`Corpus.check`,
``sqa.pipeline.provenance`` records :meth:`Corpus.provenance_record`, and every stage reads :meth:`Corpus.load`.

A corpus either reads a folder the user names (``needs_data_dir=True``: the profile's ``data_dir``, as
QualiSpeech and SpeechEval do) or writes its files itself under ``runs/<profile>/data`` (the synthetic
corpus). Its ``check`` and ``describe`` have defaults that work from ``load`` and the folder's files, so a
new corpus needs only ``name``, ``prepare`` and ``load``:

>>> import tempfile, types
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "labels.txt").write_text("a 3\\n")
>>> toy = Corpus("toy", prepare=lambda profile, progress: root, load=lambda folder, split: [], needs_data_dir=True)
>>> profile = types.SimpleNamespace(name="p", data_dir=str(root))
>>> toy.check(profile).ok, sorted(toy.provenance_record(profile))
(False, ['dataset', 'file_sha256', 'path'])
>>> toy.check(profile).detail.endswith("train 0 clips; test 0 clips; train: no usable clips; test: no usable clips")
True
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqa.data.example import Example

CHECKED_SPLITS: tuple[str, ...] = ("train", "test")
"""The splits every stage reads (calibration, SFT and GRPO from train, evaluation from test)."""


class DataCheck(NamedTuple):
    """The preflight's ``data`` line of a corpus: whether it can run, what was found, and what to fix."""

    ok: bool
    detail: str
    fix: str = ""


def resolve_data_dir(data_dir: str | os.PathLike) -> Path:
    """A data directory as an absolute path: as given, or, when relative and absent from the working
    directory, relative to the repository root (papermill runs notebooks with ``cwd = notebooks/`` while
    ``make`` passes paths relative to the root)."""
    path = Path(data_dir).expanduser()
    if not path.is_absolute() and not path.exists():
        from sqa.configs.profiles import repo_root

        path = repo_root() / path
    return path.resolve()


def sha256_16(path: str | os.PathLike) -> str:
    """The first 16 hex digits of a file's SHA-256 (the provenance records' file hashes)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def files_record(profile, root: Path) -> dict:
    """The default provenance extras: a hash of each file at the top of the corpus folder (its label files)."""
    files = sorted(p for p in root.iterdir() if p.is_file()) if root.is_dir() else []
    return {"file_sha256": {p.name: sha256_16(p) for p in files}}


@dataclass(frozen=True)
class Corpus:
    """A corpus a profile may name as ``dataset: <name>``.

    * ``prepare(profile, progress) -> Path``: the folder of its files, generated (once) when it is generated,
      checked when it is read from ``data_dir``; raises a one-line error naming the folder when unusable;
    * ``load(folder, split) -> list[Example]``: one split (``train``, ``test``);
    * ``needs_data_dir``: it reads the profile's ``data_dir`` (``DATA_DIR`` / ``--data-dir``); otherwise its
      folder is ``runs/<profile>/data``;
    * ``title``: its name in messages ("QualiSpeech"; default ``name``);
    * ``inspect(profile, folder, shown) -> DataCheck``: what ``python -m sqa check`` prints, in seconds, writing
      nothing (``shown`` formats a path for the checklist); default: loads train and test;
    * ``describe(profile, folder) -> dict``: what provenance records of the folder as it is now, beside
      ``dataset`` and ``path``; default: a hash of each top-level file;
    * ``summarise(folder) -> list[str]``: one line per split for ``python -m sqa prepare``; default: clip counts.
    """

    name: str
    prepare: Callable[[Any, bool], Path]
    load: Callable[[Path, str], list[Example]]
    needs_data_dir: bool = False
    title: str = ""
    inspect: Callable[[Any, Path, Callable[[Path], str]], DataCheck] | None = None
    describe: Callable[[Any, Path], dict] | None = None
    summarise: Callable[[Path], list[str]] | None = None

    @property
    def label(self) -> str:
        return self.title or self.name

    def folder(self, profile) -> Path:
        """Where its files are (prepared or not): the resolved ``data_dir``, or ``runs/<profile>/data``."""
        return resolve_data_dir(profile.data_dir) if self.needs_data_dir else Path(profile.shared_dir) / "data"

    def check(self, profile, shown: Callable[[Path], str] = str) -> DataCheck:
        """Whether the profile can use this corpus here (its data source is known to be set)."""
        return (self.inspect or self._load_check)(profile, self.folder(profile), shown)

    def provenance_record(self, profile) -> dict:
        """``{"dataset", "path", ...}``: the corpus and its folder as they are now (``path`` as a ``Path``)."""
        root = self.folder(profile)
        return {"dataset": self.name, "path": root, **(self.describe or files_record)(profile, root)}

    def summary(self, root: Path) -> list[str]:
        """One line per split of the prepared folder ``root``."""
        if self.summarise is not None:
            return self.summarise(root)
        return [f"{root} {split}: {len(self.load(root, split))} clips" for split in CHECKED_SPLITS]

    def _load_check(self, profile, root: Path, shown: Callable[[Path], str]) -> DataCheck:
        fix = f"check {shown(root)} against the {self.label} layout (sqa/data/{self.name}.py)"
        if not self.needs_data_dir:
            return DataCheck(True, f"{self.label} under {shown(root)} (generated on first use if absent)")
        if not root.is_dir():
            return DataCheck(False, f"{shown(root)}: not a directory", fix)
        parts, problems = [], []
        for split in CHECKED_SPLITS:
            try:
                n = len(self.load(root, split))
            except (OSError, ValueError) as err:
                problems.append(str(err))
                continue
            parts.append(f"{split} {n} clips")
            if not n:
                problems.append(f"{split}: no usable clips")
        detail = f"{self.label} at {shown(root)}: " + "; ".join(parts + problems)
        return DataCheck(not problems, detail, fix)
