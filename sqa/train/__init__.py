"""``sqa.train``: the post-training stages, each from the previous stage's model dir.

``calibrate`` (score SFT, paper §3.1) -> ``sft_reasoning`` (full structured answers) -> ``grpo``
(dimension-wise rewards, paper §3.2). Every stage returns the path of its model dir
(:mod:`sqa.model.stages`: trained weights only, chained to the model it started from).
"""

from sqa.train.calibrate import calibrate, calibration_items, stage_dir
from sqa.train.grpo import GRPOConfig, run_grpo
from sqa.train.sft import SFTConfig, resolve_model, run_sft, train_info
from sqa.train.sft_reasoning import reasoning_items, sft_reasoning

__all__ = [
    "GRPOConfig",
    "SFTConfig",
    "calibrate",
    "calibration_items",
    "reasoning_items",
    "resolve_model",
    "run_grpo",
    "run_sft",
    "sft_reasoning",
    "stage_dir",
    "train_info",
]
