"""One annotated clip: where its audio lives and what the listeners said about it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqa.schema import Assessment, render


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

    def columns(self) -> dict:
        """The reward columns of this example (TRL's ``**columns``): the rendered reference answer, the audio
        path, the id and the voice description ("" when the corpus has none).

        >>> sorted(Example("a.wav", "a.wav", Assessment(scores={"noise": 2}), voice="a calm voice").columns())
        ['audio_path', 'id', 'reference', 'voice']
        """

        return {
            "reference": render(self.assessment),
            "audio_path": str(self.audio_path),
            "id": self.id,
            "voice": self.voice,
        }
