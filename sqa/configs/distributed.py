"""Several processes (``accelerate launch --num_processes N -m sqa train STAGE``): who does what.

Calibration and SFT run through transformers' ``Trainer``, which is data parallel under ``accelerate
launch`` by itself; sqa keeps their global batch (per-process batch = profile batch / N) and writes the
model from the main process only. GRPO is data parallel here: every process draws the same B prompts,
takes its contiguous share of B / N prompts (:func:`shard`; a group of G completions never splits),
samples and scores its own completions, and :func:`average_gradients` averages the gradients before one
identical optimiser step on every process. GRPO's loss is a mean over sequences, so the mean of equal
shares is the one-process loss: 2 processes on 2B prompts take the same step as 1 process on 2B prompts
(tests/train/test_distributed.py). Evaluation splits clips the same way and gathers the answers.

Outside a launch (``WORLD_SIZE`` unset or 1) every function is the one-process identity.

>>> world_size(), rank(), is_main()
(1, 0, True)
>>> shard(list("abcd"), rank=1, world=2)
['c', 'd']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import contextmanager

import torch


def launched() -> bool:
    """True inside a multi-process launch (``accelerate launch`` / ``torchrun`` set ``WORLD_SIZE``)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init() -> None:
    """Join the process group of a launch (gloo on CPU, nccl on CUDA) through accelerate; no-op alone."""
    if launched() and not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        from accelerate import PartialState

        PartialState()


def world_size() -> int:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_world_size()
    return 1


def rank() -> int:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank()
    return 0


def is_main() -> bool:
    return rank() == 0


def barrier() -> None:
    if world_size() > 1:
        torch.distributed.barrier()


@contextmanager
def main_first():
    """The main process runs the block first (e.g. writes a cache), the others after it."""
    if not is_main():
        barrier()
    yield
    if is_main():
        barrier()


def local_device(device: str) -> str:
    """``cuda`` -> this process's GPU (``cuda:LOCAL_RANK``) in a launch; anything else as is."""
    if launched() and str(device) == "cuda":
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


def per_process(n: int, what: str, world: int | None = None) -> int:
    """``n / world``, or a one-line error when ``n`` does not split evenly.

    >>> per_process(8, "batch", world=2)
    4
    """
    world = world_size() if world is None else world
    if n % world:
        raise ValueError(f"{what} {n} does not split over {world} processes; choose a multiple of {world}")
    return n // world


def shard(items: Sequence, rank: int | None = None, world: int | None = None, even: bool = True) -> list:
    """This process's contiguous share of ``items``; ``even``: ``len(items)`` must be a multiple of the
    world size (training batches), else the first ``len % world`` processes take one more (evaluation).

    >>> [shard(list(range(5)), r, 2, even=False) for r in (0, 1)]
    [[0, 1, 2], [3, 4]]
    """
    rank, world = (globals()["rank"]() if rank is None else rank), (world_size() if world is None else world)
    if even:
        per_process(len(items), "batch of", world)
    base, extra = divmod(len(items), world)
    start = rank * base + min(rank, extra)
    return list(items[start : start + base + (rank < extra)])


def average_gradients(model) -> None:
    """Average the trainable parameters' gradients over the processes (one all-reduce per tensor)."""
    world = world_size()
    if world == 1:
        return
    for p in model.parameters():
        if p.requires_grad:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            torch.distributed.all_reduce(p.grad, op=torch.distributed.ReduceOp.SUM)
            p.grad.div_(world)


def mean_over_processes(values: dict, sums: Sequence[str] = ()) -> dict:
    """Each number of ``values`` averaged over the processes (equal shares), those named in ``sums`` summed."""
    if world_size() == 1:
        return values
    keys = [k for k, v in values.items() if isinstance(v, (int, float))]
    t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64)
    torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.SUM)
    return {**values, **{k: v if k in sums else v / world_size() for k, v in zip(keys, t.tolist())}}


def gather(items: list) -> list:
    """Every process's ``items`` concatenated in rank order (the same list on every process)."""
    if world_size() == 1:
        return list(items)
    parts: list = [None] * world_size()
    torch.distributed.all_gather_object(parts, list(items))
    return [x for part in parts for x in part]
