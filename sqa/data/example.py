"""One annotated clip: where its audio lives and what the listeners said about it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqa.schema import Assessment


@dataclass
class Example:
    """An annotated clip of QualiSpeech (or of the synthetic corpus, which uses the same layout).

    ``id`` is the dataset's own id (in QualiSpeech the wav file name, e.g. ``sys01tts-0000000.wav``),
    ``audio_path`` the file on disk, ``assessment`` the annotation as the one typed object the rest of
    ``sqa`` speaks, and ``voice`` the free-text ``Feeling of voice`` column ("A woman's voice with ...").
    """

    id: str
    audio_path: Path
    assessment: Assessment
    voice: str = ""

    def __post_init__(self) -> None:
        self.audio_path = Path(self.audio_path)
