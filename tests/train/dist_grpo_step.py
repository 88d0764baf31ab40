"""One GRPO step on 2B prompts, run alone or under ``torchrun --nproc_per_node 2`` (gloo on CPU), for
tests/train/test_distributed.py. Usage: ``dist_grpo_step.py MODEL_DIR OUT.pt [lora_rank]``.

Each process takes its share of the same batch (sqa.configs.distributed.shard), and everything after
sampling is sqa's own step: rewards, group advantages, policy and reference log-probs, the loss, the
gradient all-reduce, clipping and AdamW. Sampling is replaced by completions drawn from a generator
seeded by each prompt's number of real tokens, so the one-process and two-process runs score the same
completions (real sampling draws differ with the batch split, as they would between any two runs).
"""

import sys

import numpy as np
import torch

import sqa.train.grpo as grpo
from sqa.configs import distributed
from sqa.train.grpo import GRPOConfig, grpo_step
from sqa.train.grpo_setup import setup_policy
from sqa.train.logprobs import completion_mask_from_ids


def per_prompt_completions(
    model, processor, inputs, prompt_embeds, group_size, max_new_tokens, temperature, decode_cache="dynamic"
):
    eos = processor.tokenizer.convert_tokens_to_ids("<|im_end|>")
    rows = []
    for n_real in inputs["attention_mask"].sum(1).tolist():
        g = torch.Generator().manual_seed(int(n_real))
        ids = torch.randint(4, len(processor.tokenizer), (group_size, max_new_tokens), generator=g)
        ids[torch.arange(group_size), torch.randint(2, max_new_tokens, (group_size,), generator=g)] = eos
        rows.append(ids)
    ids = torch.cat(rows)
    return ids, completion_mask_from_ids(ids, [eos])


def length_reward(prompts, completions, **columns):
    """Depends on each completion (so advantages differ from 0)."""
    return [float(len(c) % 7) for c in completions]


def main(model_dir: str, out: str, lora_rank: int = 8) -> None:
    distributed.init()
    grpo.sample_completions = per_prompt_completions
    cfg = GRPOConfig(
        init=model_dir,
        out_dir="unused",
        group_size=3,
        batch_size=4,
        lr=1e-3,
        beta=0.04,
        max_new_tokens=10,
        lora_rank=lora_rank,
        lora_alpha=2 * lora_rank,
        dtype="float32",
    )
    torch.manual_seed(0)
    policy = setup_policy(cfg)
    with torch.no_grad():  # LoRA B starts at zero: perturb it (same on every process) so the KL term acts
        for name, p in policy.model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    before = {n: p.detach().clone() for n, p in policy.model.named_parameters() if p.requires_grad}
    rng = np.random.default_rng(0)
    batch = [
        {"audio": (0.2 * rng.standard_normal(int(16000 * s))).astype(np.float32), "reference": f"clip {i}"}
        for i, s in enumerate((0.9, 1.3, 1.8, 2.4))
    ]  # distinct lengths: distinct completions
    log = grpo_step(
        policy.model,
        policy.ref_model,
        policy.processor,
        policy.optimizer,
        distributed.shard(batch),
        cfg,
        [length_reward],
        [1.0],
    )
    log = distributed.mean_over_processes(log)
    from sqa.evaluation.generator import LocalGenerator  # evaluation: clips sharded, answers gathered

    answers = LocalGenerator(policy.model, policy.processor, batch_size=2).generate(
        [b["audio"] for b in batch] + [batch[0]["audio"]], ["Rate it."] * 5, max_new_tokens=6
    )
    if distributed.is_main():
        weights = {n: p.detach().clone() for n, p in policy.model.named_parameters() if p.requires_grad}
        moved = max(float((weights[n] - before[n]).abs().max()) for n in weights)
        torch.save(
            {
                "answers": answers,
                "loss": log["loss"],
                "kl": log["kl"],
                "reward_std": log["reward_std"],
                "moved": moved,
                "weights": weights,
                "world_size": distributed.world_size(),
            },
            out,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:]))
