"""The arithmetic of GRPO, as small pure functions (paper eq. 2 and 3).

>>> import torch
>>> group_advantages(torch.tensor([1.0, 0.0, 2.0, 2.0]), group_size=2).round(decimals=3)
tensor([ 0.7070, -0.7070,  0.0000,  0.0000])
>>> kl_k3(torch.zeros(1, 3), torch.zeros(1, 3))
tensor([[0., 0., 0.]])
"""

from __future__ import annotations

import torch


def group_advantages(rewards: torch.Tensor, group_size: int, eps: float = 1e-4) -> torch.Tensor:
    """Paper eq. 2: ``(R_i - mean_group) / std_group`` for consecutive groups of ``group_size``.

    A group whose rewards are all equal gets advantage 0 (no signal, no division by zero).
    The standard deviation is the sample one (``unbiased=True``), as in TRL's GRPOTrainer.
    """
    if rewards.numel() % group_size:
        raise ValueError(f"{rewards.numel()} rewards do not split into groups of {group_size}")
    grouped = rewards.view(-1, group_size).float()
    mean = grouped.mean(dim=1, keepdim=True)
    std = grouped.std(dim=1, keepdim=True) if group_size > 1 else torch.zeros_like(mean)
    return ((grouped - mean) / (std + eps)).view(-1)


def kl_k3(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    """Per-token KL(p_ref || p_theta) estimate of Schulman's k3 (the GRPO paper's choice):
    ``exp(ref - logp) - (ref - logp) - 1`` (>= 0, exactly 0 where the two agree)."""
    delta = ref_logp - logp
    return torch.exp(delta) - delta - 1.0


def grpo_loss(
    logp: torch.Tensor,
    ref_logp: torch.Tensor | None,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    beta: float,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Paper eq. 3 with one policy update per generation (pi_old = pi_theta, so the ratio is 1 in value
    and ``exp(logp - logp.detach())`` carries the gradient of ``log p * A``).

    Token losses are averaged per sequence, then over sequences (the original GRPO normalisation).

    >>> import torch
    >>> lp = torch.log(torch.full((2, 3), 0.5))
    >>> loss, stats = grpo_loss(lp, lp, torch.tensor([1.0, -1.0]), torch.ones(2, 3), beta=0.1)
    >>> round(loss.item(), 6), stats["kl"]
    (0.0, 0.0)
    """
    mask = mask.to(logp.dtype)
    ratio = torch.exp(logp - logp.detach())
    per_token = -ratio * advantages.unsqueeze(1)
    kl = torch.zeros_like(logp)
    if ref_logp is not None and beta:
        kl = kl_k3(logp, ref_logp)
        per_token = per_token + beta * kl
    lengths = mask.sum(dim=1).clamp(min=1.0)
    loss = ((per_token * mask).sum(dim=1) / lengths).mean()
    mean_kl = ((kl * mask).sum(dim=1) / lengths).mean()
    return loss, {"kl": float(mean_kl.detach()), "loss": float(loss.detach())}
