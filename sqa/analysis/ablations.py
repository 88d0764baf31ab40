"""Notebook 04's steps: which systems (rows of Tables 1 and 3) to evaluate, evaluating them from their cached
stages (:func:`sqa.pipeline.stages.evaluate_system`) with served and backbone rows added, the tables written, and
how much of each GRPO system's score needs the audio.

>>> [s.name for s in select_systems(["SQ-LLM", "calibration_only"])]
['SQ-LLM', 'Calibration-only']
>>> len(select_systems(None)) == len(pipeline.SYSTEMS)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from sqa.analysis import tables
from sqa.configs.profiles import Profile
from sqa.pipeline import stages as pipeline
from sqa.pipeline.stages import System

WITHHELD_SUFFIX = ", audio withheld"
"""A system evaluated with the audio dropped is named like the system it diagnoses, with this suffix."""


def select_systems(names: Sequence[str] | None = None) -> list[System]:
    """The systems named (names or slugs of :data:`sqa.pipeline.stages.SYSTEMS`); every one when ``names`` is empty."""
    return [pipeline.get_system(s) for s in names] if names else list(pipeline.SYSTEMS)


def systems_frame(selected: Sequence[System]) -> pd.DataFrame:
    """One row per system: how its model is built (stage, rewards, training audio) and evaluated."""
    return pd.DataFrame(
        [
            {
                "system": s.name,
                "group": s.group,
                "stage": s.stage,
                "rewards": s.rewards,
                "train audio": s.train_audio,
                "eval audio": s.eval_audio,
                "learned encoder": s.learned_encoder,
            }
            for s in selected
        ]
    )


def evaluate_rows(
    profile: Profile,
    selected: Sequence[System],
    served: Mapping[str, str] | None = None,
    backbones: str = "",
    results: str | Path = "results",
) -> list[dict]:
    """The metrics rows of Tables 1 and 3: every selected system (served by ``served[name]`` where given),
    then the served models that are no selected system (zero-shot rows), then QualiSpeech-FT and LLM-judge
    GRPO on each of the comma-separated ``backbones`` (:func:`sqa.pipeline.stages.backbone_rows`)."""
    served = served or {}
    rows = [
        pipeline.evaluate_system(profile, s, results=results, generator=served.get(s.name))
        for s in tqdm(selected, desc="systems")
    ]
    names = {s.name for s in selected}
    rows += pipeline.evaluate_served(profile, {n: u for n, u in served.items() if n not in names}, results=results)
    rows += pipeline.backbone_rows(profile, [b for b in backbones.split(",") if b.strip()], results=results)
    return rows


def write_tables(
    profile: Profile, rows: Sequence[dict], results: str | Path = "results"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``table1.csv`` and ``table3.csv`` under ``results/<profile>[/seed<k>]/tables``
    (:func:`sqa.analysis.tables.write_tables`), read back as written (rounded)."""
    t1_path, t3_path = tables.write_tables(rows, pipeline.results_dir(profile, results) / "tables")
    return pd.read_csv(t1_path), pd.read_csv(t3_path)


def audio_gap(table1: pd.DataFrame, selected: Sequence[System]) -> pd.DataFrame:
    """Avg PCC of each system with its audio beside the same model evaluated with the audio withheld, for
    the selected audio-withheld systems whose base system is in ``table1``.

    >>> t1 = pd.DataFrame({"system": ["SQ-LLM", "SQ-LLM, audio withheld"], "avg": [0.5, 0.1]})
    >>> audio_gap(t1, [System("SQ-LLM, audio withheld", "grpo", eval_audio="withheld")]).values.tolist()
    [['SQ-LLM', 0.5, 0.1]]
    """
    idx = table1.set_index("system")
    pairs = [(s.name, s.name.removesuffix(WITHHELD_SUFFIX)) for s in selected if s.eval_audio == "withheld"]
    return pd.DataFrame(
        [
            {"system": base, "avg_pcc with audio": idx.loc[base, "avg"], "avg_pcc audio withheld": idx.loc[w, "avg"]}
            for w, base in pairs
            if base in idx.index
        ]
    )
