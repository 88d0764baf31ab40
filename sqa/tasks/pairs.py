"""Pairs of test clips for the comparison task, and their ground-truth preference per dimension.

:func:`sample_pairs` draws ``n_pairs`` distinct unordered pairs of clip ids with a fixed seed, each clip
in at most ``max_per_clip`` pairs, and a random A/B order per pair. The ids are sorted first, so the
pairs depend only on the set of ids and the seed.

:func:`preference` is the ground truth of one dimension: the clip with the better score is preferred,
equal scores are a ``tie``. Higher is better for every dimension except **speed**, whose scale is
1 = very slow, 3 = normal, 5 = very fast: there the clip closer to 3 is better (``|s - 3|`` smaller), as
SpeechEval's "Speech Rate" prefers the more appropriate pace.

>>> pairs = sample_pairs([f"c{i}" for i in range(10)], n_pairs=12, max_per_clip=3, seed=0)
>>> len(pairs), len(set(frozenset(p) for p in pairs)), max(sum(c in p for p in pairs) for c in "c0 c1 c2".split()) <= 3
(12, 12, True)
>>> preference(4, 2, "noise"), preference(2, 4, "noise"), preference(3, 3, "overall"), preference(5, 3, "speed")
('A', 'B', 'tie', 'B')
>>> preference(4, None, "noise") is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from sqa.schema import DIMENSIONS, Assessment

N_PAIRS = 300
SEED = 0
VERDICTS: tuple[str, ...] = ("A", "B", "tie")
NORMAL_SPEED = 3


def default_max_per_clip(n_clips: int, n_pairs: int) -> int:
    """One more than the mean number of pairs per clip (``ceil(2 n_pairs / n_clips) + 1``)."""
    return math.ceil(2 * n_pairs / max(n_clips, 1)) + 1


def sample_pairs(
    ids: Sequence[str], n_pairs: int = N_PAIRS, max_per_clip: int | None = None, seed: int = SEED
) -> list[tuple[str, str]]:
    """``n_pairs`` distinct ``(a_id, b_id)`` pairs (see the module doc); a ``ValueError`` when the ids
    cannot give that many under the bound."""
    ids = sorted(set(map(str, ids)))
    n = len(ids)
    cap = default_max_per_clip(n, n_pairs) if max_per_clip is None else int(max_per_clip)
    if n < 2 or n_pairs > min(n * (n - 1) // 2, n * cap // 2):
        raise ValueError(
            f"sample_pairs: {n} clips cannot give {n_pairs} distinct pairs with each clip in at most {cap} pairs"
        )
    rng = np.random.default_rng(seed)
    counts = np.zeros(n, dtype=int)
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[str, str]] = []
    for _ in range(200 * n_pairs + 1000):
        if len(pairs) == n_pairs:
            break
        open_ = np.flatnonzero(counts < cap)
        if len(open_) < 2:
            break
        i, j = (int(k) for k in rng.choice(open_, size=2, replace=False))
        key = (min(i, j), max(i, j))
        if key in seen:
            continue
        seen.add(key)
        counts[[i, j]] += 1
        pairs.append((ids[i], ids[j]))
    if len(pairs) < n_pairs:
        raise ValueError(
            f"sample_pairs: found only {len(pairs)} of {n_pairs} pairs among {n} clips with each clip in "
            f"at most {cap} pairs; raise max_per_clip or ask for fewer pairs"
        )
    return pairs


def goodness(score: int | float, dimension: str) -> float:
    """The value compared for a preference: the score, or ``-|score - 3|`` for speed."""
    return -abs(float(score) - NORMAL_SPEED) if dimension == "speed" else float(score)


def preference(score_a, score_b, dimension: str) -> str | None:
    """``"A"``, ``"B"`` or ``"tie"`` from the two clips' scores of ``dimension``; ``None`` when one is unknown."""
    if score_a is None or score_b is None or any(isinstance(s, float) and math.isnan(s) for s in (score_a, score_b)):
        return None
    ga, gb = goodness(score_a, dimension), goodness(score_b, dimension)
    return "A" if ga > gb else "B" if gb > ga else "tie"


def preferences(a: Assessment, b: Assessment, dimensions: Sequence[str] = DIMENSIONS) -> dict[str, str | None]:
    """:func:`preference` of every dimension for two assessments."""
    return {d: preference(a.scores[d], b.scores[d], d) for d in dimensions}


def pair_preferences(
    pairs: Sequence[tuple[str, str]], scores: Mapping[str, Mapping[str, object]], dimensions: Sequence[str] = DIMENSIONS
) -> list[dict[str, str | None]]:
    """Per pair, per dimension, :func:`preference` from ``scores[id][dim]`` (a missing score gives ``None``)."""
    return [{d: preference(scores[a].get(d), scores[b].get(d), d) for d in dimensions} for a, b in pairs]
