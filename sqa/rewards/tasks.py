"""Rewards of the new tasks, in TRL's signature ``f(prompts, completions, **columns) -> list[float]``.

Each reads the gold answer from the dataset column ``reference`` (the task's rendered gold text, or its
gold object) and the completion as TRL passes it (a string or chat messages:
:func:`sqa.rewards.common.completion_text`). A missing ``reference`` column is a configuration error
(``ValueError``); a completion is always scored, junk gets 0.0.

* :func:`compare_reward` -- share of the gold verdicts the completion gets right (0..1);
* :func:`suggest_reward` -- coverage F1 of the completion's fixes against the gold fixes (both empty: 1);
* :func:`detect_reward` -- 1 when the answer's word is the label, else 0.

>>> gold = "Noise (A vs B): A is better than B\\nOverall quality (A vs B): A and B are equal"
>>> compare_reward(None, [gold, "Noise: B is better than A. Overall quality: equal", "??"], reference=[gold] * 3)
[1.0, 0.5, 0.0]
>>> suggest_reward(None, ["Reduce the background noise.", "Speak faster."], reference=["Denoise the clip."] * 2)
[1.0, 0.0]
>>> detect_reward(None, ["Fake", [{"role": "assistant", "content": "real"}], None], reference=["fake", "fake", "real"])
[1.0, 0.0, 0.0]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqa.rewards.common import completion_text
from sqa.tasks.compare import Comparison, parse_comparison
from sqa.tasks.detect import parse_detection
from sqa.tasks.suggest import Suggestion, parse_suggestion

log = logging.getLogger(__name__)


def _text(completion: Any) -> str:

    return completion_text(completion)


def _references(name: str, completions: Sequence, columns: dict) -> list:
    if "reference" not in columns:
        raise ValueError(f"{name}: the dataset has no 'reference' column (the rendered gold answer)")
    refs = list(columns["reference"])
    if len(refs) != len(completions):
        raise ValueError(f"{name}: {len(completions)} completions vs {len(refs)} references")
    return refs


def _scored(name: str, score: Callable[[str, Any], float], completions: Sequence, columns: dict) -> list[float]:
    out = []
    for completion, ref in zip(completions, _references(name, completions, columns)):
        try:
            out.append(float(score(_text(completion), ref)))
        except Exception as err:  # a completion is scored, never raised on
            log.debug("%s: completion scored 0 (%s: %s)", name, type(err).__name__, err)
            out.append(0.0)
    return out


def _compare_score(text: str, ref: Any) -> float:
    gold = ref if isinstance(ref, Comparison) else parse_comparison(ref)
    pred = parse_comparison(text)
    known = [d for d, v in gold.verdicts.items() if v is not None]
    return sum(pred.verdicts[d] == gold.verdicts[d] for d in known) / len(known) if known else 0.0


def _suggest_score(text: str, ref: Any) -> float:
    gold = set((ref if isinstance(ref, Suggestion) else parse_suggestion(ref)).fixes)
    pred = set(parse_suggestion(text).fixes)
    if not gold and not pred:
        return 1.0
    return 2 * len(gold & pred) / (len(gold) + len(pred))


def _detect_score(text: str, ref: Any) -> float:
    label = ref if ref in ("real", "fake") else parse_detection(ref)
    word = parse_detection(text)
    return float(word is not None and word == label)


def compare_reward(prompts, completions, **columns) -> list[float]:
    """Share of the gold verdicts right (module doc)."""
    return _scored("compare_reward", _compare_score, completions, columns)


def suggest_reward(prompts, completions, **columns) -> list[float]:
    """Coverage F1 against the gold fixes (module doc)."""
    return _scored("suggest_reward", _suggest_score, completions, columns)


def detect_reward(prompts, completions, **columns) -> list[float]:
    """1 for the right word, else 0 (module doc)."""
    return _scored("detect_reward", _detect_score, completions, columns)
