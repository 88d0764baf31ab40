"""GRPO rollouts sampled by a vLLM server (``rollouts: http://HOST:PORT/v1#NAME`` in the profile, ``--rollouts``).

The server serves the merged warm-up model (``python -m sqa serve warmup``: its served name carries the
fingerprint of ``cfg.init``, and another base is refused). Each step:

1. **push**: the policy's current LoRA (language model only; the audio path is frozen in GRPO and lives in the
   served base) is written in vLLM's tensor naming (:mod:`sqa.train.vllm_adapter`) and loaded under a new
   name; the previous version is unloaded once the new one is in. Under ``accelerate launch`` the main process
   writes and loads it, the others read its name after a barrier;
2. **sample**: one request per prompt with ``n=G`` completions from the plain temperature-scaled distribution
   (the profile's ``grpo_temperature`` and ``max_new_tokens``), stopping at the end-of-turn token, which is
   kept as the last token (as in local rollouts, :func:`sqa.train.logprobs.completion_mask_from_ids`). The
   token ids vLLM sampled are what the log-prob passes score (never re-tokenised text), and vLLM's own
   log-probs of them (after temperature: the server runs ``--logprobs-mode processed_logprobs``) are kept;
3. :func:`drift` compares them with the policy's (and the reference's) log-probs: the mean
   |logp_vllm - logp_policy| goes to the reward curve, and :func:`check_adapter_applied` stops the run when
   vLLM's log-probs are closer to the reference's than to the policy's once the policy has moved (an adapter
   that vLLM "added successfully" but does not apply).
"""

from __future__ import annotations

import logging
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from sqa.configs import distributed
from sqa.configs.layout import is_default_backbone
from sqa.llm import vllm_client
from sqa.llm.audio_endpoint import EndpointUnavailable, is_endpoint_spec, split_spec
from sqa.model.tiny import TINY_HOP_LENGTH, TINY_WINDOW_SECONDS
from sqa.train.logprobs import completion_mask_from_ids
from sqa.train.vllm_adapter import base_fingerprint, check_served_base, write_vllm_adapter

log = logging.getLogger(__name__)

MOVED = 1e-3
"""Mean |logp_policy - logp_ref| per token from which the policy counts as moved (the adapter check applies)."""
VLLM_NAMING = True
"""Write the pushed adapter in vLLM's naming (False: PEFT's, which vLLM silently ignores; the tests' fault)."""


def rollouts_problem(cfg, problem: str | None = None, who: str | None = None) -> str | None:
    """Why ``cfg`` cannot take its rollouts from vLLM (None: it can, or its rollouts are local); ``problem``: what
    vLLM cannot serve about its model, when known without ``cfg.init``."""
    from sqa.llm.vllm_server import model_problem

    if cfg.rollouts in (None, "", "local"):
        return None
    if not is_endpoint_spec(cfg.rollouts):
        return f"rollouts: {cfg.rollouts!r} is neither 'local' nor a vLLM generator spec http://HOST:PORT/v1#NAME"
    why = []
    problem = problem or (model_problem(cfg.init) if cfg.init else None)
    if problem:
        why.append(f"vLLM cannot serve its model ({problem})")
    if not cfg.lora_rank:
        why.append(
            "it fine-tunes every weight (lora_rank 0), and vLLM rollouts push the policy's LoRA adapter each step"
        )
    if cfg.audio_mode != "audio":
        why.append(f"audio_mode {cfg.audio_mode!r}: vLLM rollouts always send the audio")
    who = who or f"GRPO from {cfg.init}"
    return f"{who} cannot take its GRPO rollouts from vLLM: {'; '.join(why)}; keep rollouts: local" if why else None


def profile_rollouts_problem(profile) -> str | None:
    """:func:`rollouts_problem` from the profile alone, before any stage is trained (None: it can, or local).

    >>> from sqa.configs.profiles import get_profile
    >>> print(profile_rollouts_problem(get_profile("tiny", rollouts="http://127.0.0.1:8000/v1#warmup@0")))
    profile tiny cannot take its GRPO rollouts from vLLM: vLLM cannot serve its model (AF3 with an audio \
window of 400 mel frames (8 s at hop 320); vLLM serves AF3 only with its own 30 s window at a 10 ms hop (3000 \
frames: window_seconds 30, hop_length 160, the paper_smoke shape)); it fine-tunes every weight (lora_rank 0), \
and vLLM rollouts push the policy's LoRA adapter each step; keep rollouts: local
    >>> profile_rollouts_problem(get_profile("paper_smoke", rollouts="http://127.0.0.1:8000/v1#warmup@0"))
    """
    from types import SimpleNamespace

    from sqa.llm.vllm_server import servable_problem

    if profile.rollouts in (None, "", "local"):
        return None
    problem = None
    if profile.model == "tiny" and is_default_backbone(getattr(profile, "backbone", None)):
        opts = profile.tiny_model or {}
        problem = servable_problem(
            {"model_type": "audioflamingo3"},
            {
                "chunk_length": opts.get("window_seconds", TINY_WINDOW_SECONDS),
                "hop_length": opts.get("hop_length", TINY_HOP_LENGTH),
                "sampling_rate": 16000,
            },
        )
    cfg = SimpleNamespace(rollouts=profile.rollouts, init=None, lora_rank=profile.lora_rank, audio_mode="audio")
    return rollouts_problem(cfg, problem, f"profile {profile.name}")


class VLLMRollouts:
    """The rollouts of one GRPO run through the server of ``cfg.rollouts`` (see the module docstring)."""

    def __init__(self, cfg, out_dir: str | Path):
        problem = rollouts_problem(cfg)
        if problem:
            raise ValueError(problem)
        self.base_url, self.base_name = split_spec(cfg.rollouts)
        check_served_base(self.base_name, base_fingerprint(cfg.init))
        served = vllm_client.served_models(self.base_url)
        if self.base_name not in served:
            raise ValueError(f"vLLM server {self.base_url} does not serve {self.base_name!r} (it serves {served})")
        self.dir = Path(out_dir) / "vllm_adapter"
        self.current: str | None = None
        self.step = 0
        self.seed = int(cfg.seed)

    def push(self, model, step: int) -> str:
        """Load the policy's current LoRA under a new name, unload the previous one; returns the new name."""
        path = self.dir / f"step-{step}"
        if distributed.is_main():
            if path.exists():
                shutil.rmtree(path)
            write_vllm_adapter(model, path, vllm_naming=VLLM_NAMING)
            name = f"{self.base_name}+s{step}-{uuid.uuid4().hex[:8]}"
            vllm_client.load_adapter(self.base_url, name, str(path))
            (path / "served_name.txt").write_text(name)
            if self.current is not None and self.current != name:
                vllm_client.unload_adapter(self.base_url, self.current)
            for old in self.dir.glob("step-*"):
                if old != path:
                    shutil.rmtree(old, ignore_errors=True)
        distributed.barrier()
        self.current, self.step = (path / "served_name.txt").read_text().strip(), step
        return self.current

    def sample(
        self, audios, prompt: str, group: int, temperature: float, max_new_tokens: int, eos: int, pad: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(ids [B*G, T], mask [B*G, T], vllm_logp [B*G, T])``: G completions of each prompt, grouped
        consecutively, rows padded with ``pad`` after their end-of-turn token (log-prob 0 there)."""

        def one(i_audio):
            i, audio = i_audio
            seed = (self.seed * 1_000_003 + self.step * 1009 + distributed.rank() * 101 + i) % 2**31
            return vllm_client.sample(
                self.base_url,
                self.current or self.base_name,
                prompt,
                audio,
                group,
                temperature,
                max_new_tokens,
                [eos],
                seed=seed,
            )

        with ThreadPoolExecutor(max_workers=max(1, len(audios))) as pool:
            groups = list(pool.map(one, enumerate(audios)))
        rows = [s for g in groups for s in g]
        for s in rows:
            if eos in s.token_ids:  # the end-of-turn token closes the completion, nothing after it
                cut = s.token_ids.index(eos) + 1
                s.token_ids, s.logprobs = s.token_ids[:cut], s.logprobs[:cut]
        width = max(1, max(len(s.token_ids) for s in rows))
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        lps = torch.zeros((len(rows), width), dtype=torch.float32)
        for r, s in enumerate(rows):
            ids[r, : len(s.token_ids)] = torch.tensor(s.token_ids, dtype=torch.long)
            lps[r, : len(s.logprobs)] = torch.tensor(s.logprobs[:width], dtype=torch.float32)
        mask = completion_mask_from_ids(ids, [eos])
        for r, s in enumerate(rows):  # padding after a completion that ran to max_new_tokens
            mask[r, len(s.token_ids) :] = 0
        return ids, mask, lps

    def close(self) -> None:
        if self.current is not None and distributed.is_main():
            try:
                vllm_client.unload_adapter(self.base_url, self.current)
            except Exception as exc:  # the server may be gone already; nothing to free then
                log.info("could not unload %s: %s", self.current, exc)
        self.current = None


def _mean_abs(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> float:
    m = mask.to(a.dtype)
    return float(((a - b).abs() * m).sum() / m.sum().clamp(min=1))


def drift(vllm_logp: torch.Tensor, logp: torch.Tensor, ref_logp: torch.Tensor | None, mask: torch.Tensor) -> dict:
    """Mean per-token |logp_vllm - logp_policy| (and against the reference, and policy vs reference)."""
    logp = logp.detach().float().cpu()
    mask = mask.cpu()
    out = {"logp_drift": _mean_abs(vllm_logp, logp, mask)}
    if ref_logp is not None:
        ref = ref_logp.detach().float().cpu()
        out["logp_drift_ref"] = _mean_abs(vllm_logp, ref, mask)
        out["policy_vs_ref"] = _mean_abs(logp, ref, mask)
    return out


def check_adapter_applied(d: dict, base_url: str, adapter: str | None) -> None:
    """A one-line error when vLLM's log-probs are closer to the reference's than to the moved policy's."""
    if "logp_drift_ref" not in d or d["policy_vs_ref"] < MOVED:
        return
    if d["logp_drift_ref"] < d["logp_drift"]:
        raise EndpointUnavailable(
            f"vLLM server {base_url} does not apply the policy's adapter {adapter!r}: its log-probs are closer to "
            f"the reference's (mean |diff| {d['logp_drift_ref']:.4f}) than to the policy's ({d['logp_drift']:.4f}), "
            f"with the policy {d['policy_vs_ref']:.4f} from the reference; are the adapter's tensor names the "
            "checkpoint's (language_model.model.layers...)?"
        )
