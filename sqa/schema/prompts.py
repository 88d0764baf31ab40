"""Prompts: one calibration prompt per dimension stating the 1..5 criteria (paper §3.1),
and the reasoning prompt asking for the full structured answer (``sqa.schema.render``).

>>> "1" in calibration_prompt("noise") and "5" in calibration_prompt("noise")
True
>>> calibration_answer(4)
'4'
"""

from __future__ import annotations

from sqa.schema import DIMENSIONS

CRITERIA: dict[str, tuple[str, str, str, str, str]] = {
    "noise": (
        "very loud background noise that masks the speech",
        "clearly audible, disturbing background noise",
        "noticeable background noise",
        "slight background noise",
        "no noticeable background noise",
    ),
    "distortion": (
        "severe distortion over most of the speech",
        "strong distortion such as clipping or heavy band-limiting",
        "noticeable distortion in parts of the speech",
        "slight distortion",
        "not distorted",
    ),
    "speed": (
        "very slow",
        "slightly slow",
        "normal speaking speed",
        "slightly fast",
        "very fast",
    ),
    "continuity": (
        "many breaks, dropouts or long unnatural pauses",
        "several breaks or unnatural pauses",
        "some breaks or pauses",
        "mostly smooth with a minor break",
        "very smooth, no breaks",
    ),
    "listening_effort": (
        "speech cannot be understood even with effort",
        "considerable effort needed",
        "moderate effort needed",
        "little effort needed",
        "no effort needed",
    ),
    "naturalness": (
        "very unnatural, machine-like",
        "unnatural",
        "somewhat natural",
        "fairly natural",
        "completely natural, like a human speaker",
    ),
    "overall": ("bad", "poor", "fair", "good", "excellent"),
}
DIMENSION_NAMES: dict[str, str] = {
    "noise": "background noise",
    "distortion": "distortion",
    "speed": "speaking speed",
    "continuity": "continuity",
    "listening_effort": "listening effort",
    "naturalness": "naturalness",
    "overall": "overall quality",
}
assert set(CRITERIA) == set(DIMENSIONS) == set(DIMENSION_NAMES)


def calibration_prompt(dimension: str) -> str:
    """The calibration question for one dimension, with the criterion of every score."""
    if dimension not in CRITERIA:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {DIMENSIONS}")
    scale = "; ".join(f"{i} = {text}" for i, text in enumerate(CRITERIA[dimension], start=1))
    return (
        f"Rate the {DIMENSION_NAMES[dimension]} of this speech on a scale from 1 to 5 ({scale}). "
        "Answer with the score only."
    )


def calibration_answer(score: int) -> str:
    """The calibration target: the score alone."""
    return str(int(score))


REASONING_PROMPT = (
    "Assess the quality of this speech. Give a score from 1 to 5 for noise, distortion, speed, continuity, "
    "listening effort, naturalness and overall quality; say for noise, distortion and unnatural pauses whether "
    "they are present, when (in seconds) and what they sound like; then describe the overall quality."
)


def all_prompts() -> list[str]:
    """Every prompt the model is ever given (used to train the tiny model's tokenizer)."""
    return [calibration_prompt(d) for d in DIMENSIONS] + [REASONING_PROMPT]
