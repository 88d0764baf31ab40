"""``sqa.train``: the post-training stages, each from the previous stage's merged model dir.

``calibrate`` (score SFT, paper §3.1) -> ``sft_reasoning`` (full structured answers) -> ``grpo``
(dimension-wise rewards, paper §3.2). Every stage returns the path of its merged model dir.
"""
from .calibrate import calibrate, calibration_items, stage_dir
from .sft import SFTConfig, resolve_model, run_sft, train_info
from .sft_reasoning import reasoning_items, sft_reasoning


from . import grpo  # a callable module: ``sqa.train.grpo(cfg)`` runs GRPO, ``sqa.train.grpo.sequence_logprobs``
from .grpo import GRPOConfig

__all__ = ["GRPOConfig", "SFTConfig", "grpo", "calibrate", "calibration_items", "reasoning_items", "resolve_model", "run_sft",
           "sft_reasoning", "stage_dir", "train_info"]
