"""``detect``: is this speech real or a deepfake? (SQ-LLM's DSD task). Answer: one word, ``real`` or ``fake``.

:func:`parse_detection` reads the first ``real``/``fake`` word of an answer (any case, after a
``<think>`` block, inside ``<answer>`` tags), or ``None`` (invalid) when it has neither; it never raises.

The **score** is P(real) from the model's next-token log-probabilities where that word starts
(:func:`real_probability`): a 2-way softmax over the log-probs of the ``real`` and ``fake`` tokens, each
summed over its case and leading-space variants (``real``, ``Real``, ``▁REAL``, ``Ġreal`` ...) with
log-sum-exp. An answer with neither word has no score.

>>> (parse_detection("<think>breathy, natural</think><answer>Real</answer>"), parse_detection("FAKE."),
...  parse_detection("unsure"))
('real', 'fake', None)
>>> round(real_probability({"real": -0.5, " Real": -1.0, "fake": -2.0, "the": -0.1}), 3)  # (e^-.5 + e^-1) / (.. + e^-2)
0.878
>>> real_probability({"yes": -0.1}) is None
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from sqa.schema.labels import as_text
from sqa.tasks.detect_metrics import detection_figures
from sqa.tasks.task import Task

DETECT_PROMPT = (
    "Determine whether this speech is real or a deepfake. Real: naturally produced by a human. "
    "Fake: generated or synthesized by a machine. Answer with one word: real or fake."
)
WORDS: tuple[str, str] = ("real", "fake")
MAX_CHARS = 50_000
_THINK = re.compile(r"<\s*think\s*>.*?(?:<\s*/\s*think\s*>|$)", re.I | re.S)
_WORD = re.compile(r"\b(real|fake)\b", re.I)
_PIECE_PREFIX = "\u2581\u0120 \t\n"  # SentencePiece ▁, byte-level BPE Ġ, plain whitespace


def parse_detection(text: object) -> str | None:
    """``"real"``, ``"fake"`` or ``None``: the first of the two words after any ``<think>`` block (an
    unterminated one, a generation cut off while thinking, hides the rest: no answer)."""
    s = _THINK.sub(" ", as_text(text)[:MAX_CHARS])
    m = _WORD.search(s)
    return m.group(1).lower() if m else None


def word_start(text: object) -> int | None:
    """Where the word :func:`parse_detection` reads starts in ``text`` (``None`` when it reads none).

    >>> word_start("<think>is it real?</think> Fake"), word_start("unsure")
    (27, None)
    """
    s = as_text(text)[:MAX_CHARS]
    hidden = [m.span() for m in _THINK.finditer(s)]
    for m in _WORD.finditer(s):
        if not any(a <= m.start() < b for a, b in hidden):
            return m.start()
    return None


def token_word(token: str) -> str | None:
    """``"real"``/``"fake"`` when a vocabulary token is one of the words (case, leading space marks ignored)."""
    word = str(token).lstrip(_PIECE_PREFIX).strip().lower()
    return word if word in WORDS else None


def _logsumexp(xs: list[float]) -> float:
    top = max(xs)
    return top + math.log(sum(math.exp(x - top) for x in xs))


def real_probability(logprobs: Mapping[str, float]) -> float | None:
    """P(real) from one position's ``{token: log-prob}`` (the top-k a generator returns); ``None`` when
    neither word is among them. A word missing from the top-k counts as probability 0."""
    by_word: dict[str, list[float]] = {w: [] for w in WORDS}
    try:
        items = list(logprobs.items())
    except AttributeError:
        return None
    for token, lp in items:
        word = token_word(token)
        if word is not None and lp is not None and not math.isnan(float(lp)):
            by_word[word].append(float(lp))
    if not by_word["real"] and not by_word["fake"]:
        return None
    if not by_word["fake"]:
        return 1.0
    if not by_word["real"]:
        return 0.0
    real, fake = _logsumexp(by_word["real"]), _logsumexp(by_word["fake"])
    return 1.0 / (1.0 + math.exp(fake - real))


def answer_score(tokens: Sequence[str], top_logprobs: Sequence[Mapping[str, float]]) -> float | None:
    """P(real) at the position where the answer's first ``real``/``fake`` word starts.

    ``tokens`` are the generated tokens and ``top_logprobs`` the per-position ``{token: log-prob}`` maps
    (as vLLM's and transformers' generators give them). The word's position is the first token that is the
    whole word; ``None`` when no token is.

    >>> answer_score(["<answer>", "Fake", "</answer>"], [{"<answer>": 0.0}, {"Fake": -0.2, "Real": -1.8}, {}])
    0.16798161486607552
    """
    for token, lps in zip(tokens, top_logprobs):
        if token_word(token) is not None:
            return real_probability(lps)
    return None


def evaluate_detections(
    predictions: Sequence, references: Sequence[str], scores: Sequence[float | None] | None = None
) -> dict:
    """:func:`sqa.tasks.detect_metrics.detection_figures` of answers (texts or parsed words) against labels.
    Without ``scores`` the answer's word gives a hard score (1 for real, 0 for fake)."""
    words = [p if p in (*WORDS, None) else parse_detection(p) for p in predictions]
    if scores is None:
        scores = [None if w is None else float(w == "real") for w in words]
    return detection_figures(words, scores, list(references))


DETECT = Task(
    "detect", (DETECT_PROMPT,), render=lambda label: str(label), parse=parse_detection, evaluate=evaluate_detections
)
