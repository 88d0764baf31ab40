"""What a GRPO run leaves on disk while it trains: the reward curve and resumable checkpoints.

* ``reward_curve.csv``: one row per step (written as it goes), truncated on resume to the steps the
  checkpoint had done; ``unparsed`` and ``reward_errors`` count the completions scored 0.0 as junk and
  after a reward's exception;
* ``checkpoint-N/state.pt``: the trainable parameters, the optimiser state, the step and the batch
  sampler's random state (the last two checkpoints are kept).
"""

from __future__ import annotations

import csv
from pathlib import Path

import torch

__all__ = ["RewardCurve", "latest_checkpoint", "restore_checkpoint", "save_checkpoint"]


class RewardCurve:
    """Append-only CSV of per-step logs; its header is the first row's keys.

    >>> import tempfile
    >>> curve = RewardCurve(Path(tempfile.mkdtemp()) / "reward_curve.csv")
    >>> curve.append({"step": 1, "reward": 0.5}); curve.append({"step": 2, "reward": 0.7})
    >>> curve.keep_until(1); curve.append({"step": 2, "reward": 0.6})
    >>> curve.path.read_text().split()
    ['step,reward', '1,0.5', '2,0.6']
    >>> resumed = RewardCurve(curve.path); resumed.append({"step": 3, "reward": 0.8, "reward_errors": 0})
    >>> curve.path.read_text().split()  # a column added later: the earlier rows have it empty
    ['step,reward,reward_errors', '1,0.5,', '2,0.6,', '3,0.8,0']
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fieldnames: list[str] | None = None

    def reset(self) -> None:
        """Forget a previous run's log (a run that starts from step 0)."""
        self.path.unlink(missing_ok=True)

    def keep_until(self, step: int) -> None:
        """Drop the rows of steps after ``step`` (they are redone after resuming from its checkpoint)."""
        if not self.path.exists():
            return
        with self.path.open() as f:
            kept = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
        with self.path.open("w", newline="") as f:
            if kept:
                writer = csv.DictWriter(f, fieldnames=list(kept[0]))
                writer.writeheader()
                writer.writerows(kept)

    def append(self, row: dict) -> None:
        if self.fieldnames is None:
            self.fieldnames = self._header() or list(row)
            added = [k for k in row if k not in self.fieldnames]
            if added:  # a log begun before a column existed (a resumed run): rewritten with the column, empty
                self._rewrite(self.fieldnames + added)
        with self.path.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.fieldnames)
            if f.tell() == 0:
                writer.writeheader()
            writer.writerow(row)

    def _header(self) -> list[str] | None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        with self.path.open() as f:
            return next(csv.reader(f), None)

    def _rewrite(self, fieldnames: list[str]) -> None:
        with self.path.open() as f:
            rows = list(csv.DictReader(f))
        with self.path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(rows)
        self.fieldnames = fieldnames


def save_checkpoint(model, optimizer, step, out_dir: Path, rng_state) -> Path:
    """``out_dir/checkpoint-<step>/state.pt``; older checkpoints beyond the last two are removed."""
    ckpt = out_dir / f"checkpoint-{step}"
    ckpt.mkdir(parents=True, exist_ok=True)
    trainable = {n: p.detach().cpu() for n, p in model.named_parameters() if p.requires_grad}
    torch.save(
        {"trainable": trainable, "optimizer": optimizer.state_dict(), "step": step, "rng": rng_state}, ckpt / "state.pt"
    )
    for old in sorted(out_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[:-2]:
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    return ckpt


def latest_checkpoint(out_dir: Path) -> Path | None:
    ckpts = sorted(out_dir.glob("checkpoint-*/state.pt"), key=lambda p: int(p.parent.name.split("-")[1]))
    return ckpts[-1] if ckpts else None


def restore_checkpoint(path: Path, model, optimizer, rng) -> int:
    """Load ``path`` (a ``state.pt``) into the model's trainable parameters, the optimiser and ``rng``;
    return the step it was saved at."""
    state = torch.load(path, weights_only=False)
    named = dict(model.named_parameters())
    with torch.no_grad():
        for n, t in state["trainable"].items():
            named[n].copy_(t)
    optimizer.load_state_dict(state["optimizer"])
    rng.setstate(state["rng"])
    return state["step"]
