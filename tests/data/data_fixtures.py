"""Helpers for tests/data: a QualiSpeech-layout folder built from the real column layout."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from sqa.data.qualispeech import COLUMNS

EXTERNAL = Path(os.environ.get("SQA_EXTERNAL", Path(__file__).resolve().parents[3] / "shared/external"))
REAL_ROWS = EXTERNAL / "qualispeech_hf_viewer/qualispeech_train_viewer_excerpt_rows.csv"

# Used only when the shared excerpt is absent: two real rows (HF tsinghua-ee/QualiSpeech, MIT), descriptions cut.
FALLBACK_ROWS = [
    [
        "sys01tts-0000000.wav",
        2,
        5,
        5,
        5,
        5,
        5,
        5,
        "A woman's voice with a rising and falling tone that sounds convincing.",
        "Not noticeable",
        "Not distorted",
        "Very smooth",
        "The speech sample exhibits exceptional quality across all evaluated aspects.",
    ],
    [
        "sys02tts-0000040.wav",
        2,
        1,
        5,
        4,
        3,
        4,
        2,
        "A middle-aged man's deep voice with a mechanical tone",
        "Not noticeable",
        "There is pitch distortion with mechanical sound and intermittent electric current quality in the audio "
        "from 0-3.6s",
        "3-3.6s",
        "The speech sample presents a generally favorable background noise level.",
    ],
    [
        "sys04tts-0000021.wav",
        4,
        5,
        4,
        5,
        5,
        5,
        3,
        "A middle-aged woman's voice with a gentle tone that is relaxing",
        "There is sound similar to wind in the audio from 0-1.7s",
        "Not distorted",
        "Very smooth",
        "A gentle tone.",
    ],
]


def real_rows() -> pd.DataFrame:
    """The real excerpt rows (all columns, extra ones included) as strings."""
    if REAL_ROWS.is_file():
        return pd.read_csv(REAL_ROWS, dtype=str, keep_default_na=False)
    return pd.DataFrame(FALLBACK_ROWS, columns=list(COLUMNS)).astype(str)


def write_tone(path: Path, seconds: float = 0.6, sr: int = 16000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * sr)) / sr
    sf.write(path, 0.3 * np.sin(2 * np.pi * 200 * t), sr, subtype="PCM_16")


def make_layout(root: Path, frame: pd.DataFrame, split: str = "train") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    frame.to_csv(root / f"{split}.csv", index=False)
    for clip_id in frame["id"]:
        write_tone(root / "wav" / split / clip_id)
    return root
