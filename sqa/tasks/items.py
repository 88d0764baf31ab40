"""The items of the four tasks, for training the multi-task model and for evaluating it.

An item is ``{"task", "id", "audio_paths", "prompt", "answer"}``: the clips of one prompt (two for a
comparison), the task's default prompt and the rendered gold answer. The examples are anything with ``id``,
``audio_path``, ``assessment`` (and optionally ``voice``), e.g. :class:`sqa.data.Example`; this module imports
nothing of :mod:`sqa.data` (the tasks sit below it, docs/design.md *Layers*).

* **assess** -- every clip, :data:`sqa.schema.prompts.REASONING_PROMPT`, the rendered assessment (the SFT
  stage's items);
* **compare** -- :func:`pair_count` fixed-seed pairs of the split's clips (:func:`sqa.tasks.pairs.sample_pairs`),
  the gold :func:`sqa.tasks.compare.comparison` of their reference assessments;
* **suggest** -- every clip, the fixes its reference assessment implies (:func:`suggestion_gold`);
* **detect** -- every trial of the split's spoof set (bona fide and spoofed twin), ``real`` / ``fake``.

>>> from types import SimpleNamespace
>>> from sqa.schema import Assessment
>>> exs = [SimpleNamespace(id=f"c{i}", audio_path=f"c{i}.wav", assessment=Assessment(scores={"noise": i + 1}))
...        for i in range(4)]
>>> items = compare_items(exs, n_pairs=3)
>>> len(items), items[0]["audio_paths"], items[0]["answer"].splitlines()[0]
(3, ['c2.wav', 'c3.wav'], 'Noise (A vs B): B is better than A')
>>> suggest_items(exs)[0]["answer"]
'Reduce the background noise with noise suppression.'
>>> pair_count(8), pair_count(150), pair_count(600, cap=600)
(14, 300, 600)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqa.schema import render
from sqa.schema.prompts import REASONING_PROMPT
from sqa.tasks.compare import COMPARE_PROMPT, comparison, render_comparison
from sqa.tasks.detect import DETECT_PROMPT
from sqa.tasks.fixes import fixes_from_assessment
from sqa.tasks.pairs import N_PAIRS, SEED, sample_pairs
from sqa.tasks.suggest import SUGGEST_PROMPT, Suggestion, render_suggestion


def pair_count(n_clips: int, cap: int = N_PAIRS) -> int:
    """How many pairs a split of ``n_clips`` gives: ``cap`` (300), or a quarter of all pairs when fewer."""
    return max(1, min(int(cap), n_clips * (n_clips - 1) // 4))


def assess_items(examples: Sequence) -> list[dict]:
    """One assessment item per clip (the items of the single-task SFT stage)."""
    return [
        {
            "task": "assess",
            "id": ex.id,
            "audio_paths": [str(ex.audio_path)],
            "prompt": REASONING_PROMPT,
            "answer": render(ex.assessment),
        }
        for ex in examples
    ]


def pairs_of(examples: Sequence, n_pairs: int | None = None, seed: int = SEED) -> list[tuple]:
    """The fixed-seed pairs of ``examples`` as ``(example_a, example_b)``."""
    by_id = {ex.id: ex for ex in examples}
    n = pair_count(len(by_id)) if n_pairs is None else n_pairs
    return [(by_id[a], by_id[b]) for a, b in sample_pairs(list(by_id), n_pairs=n, seed=seed)]


def compare_items(examples: Sequence, n_pairs: int | None = None, seed: int = SEED) -> list[dict]:
    """One comparison item per pair of :func:`pairs_of` (id ``a|b``)."""
    return [
        {
            "task": "compare",
            "id": f"{a.id}|{b.id}",
            "audio_paths": [str(a.audio_path), str(b.audio_path)],
            "prompt": COMPARE_PROMPT,
            "answer": render_comparison(comparison(a.assessment, b.assessment)),
        }
        for a, b in pairs_of(examples, n_pairs, seed)
    ]


def suggestion_gold(example) -> Suggestion:
    """The gold suggestion of a clip: the fixes its reference assessment (and voice text) implies."""
    return Suggestion(fixes_from_assessment(example.assessment, getattr(example, "voice", "")))


def suggest_items(examples: Sequence) -> list[dict]:
    """One suggestion item per clip."""
    return [
        {
            "task": "suggest",
            "id": ex.id,
            "audio_paths": [str(ex.audio_path)],
            "prompt": SUGGEST_PROMPT,
            "answer": render_suggestion(suggestion_gold(ex)),
        }
        for ex in examples
    ]


def detect_items(trials: Sequence[dict]) -> list[dict]:
    """One detection item per trial of a spoof set (:func:`sqa.data.spoof.detection_trials`)."""
    return [
        {
            "task": "detect",
            "id": t["id"],
            "audio_paths": [str(t["audio"])],
            "prompt": DETECT_PROMPT,
            "answer": t["label"],
        }
        for t in trials
    ]


def task_items(examples: Sequence, trials: Sequence[dict], n_pairs: int | None = None, seed: int = SEED) -> list[dict]:
    """Every item of the four tasks (the multi-task model's training set), task by task."""
    return [
        *assess_items(examples),
        *compare_items(examples, n_pairs, seed),
        *suggest_items(examples),
        *detect_items(trials),
    ]
