"""SpeechEval's layout (the SQ-LLM paper's corpus): JSONL records of four tasks, with their audio.

Layout read here: ``{root}/{split}.jsonl`` (``train``, ``val``, ``test``), one record per line::

    {"key": "0001", "task": "CompareEval",
     "messages": [{"role": "user", "content": "Sample A: <audio> Sample B: <audio> Compare the speech quality ..."},
                  {"role": "assistant", "content": "<think>Overall Quality (A vs B): B is better than A ...</think>
                                                     <answer>...</answer>"}],
     "audios": ["wav/a.wav", "wav/b.wav"]}

``task`` is ``SingleEval`` (assessment), ``CompareEval`` (A/B comparison), ``Suggest`` (improvement
suggestion) or ``FakeDetection``; the user message carries one ``<audio>`` placeholder per entry of
``audios`` (paths relative to ``root``, or absolute); the assistant message is the gold answer.

Each record's gold answer is read into sqa's types (:func:`read_gold`), through SpeechEval's aspect names
(:data:`sqa.tasks.aspects.SPEECHEVAL_ASPECTS`: Overall Quality -> overall, Intelligibility ->
listening_effort, Distortion -> distortion, Speech Rate -> speed; the other four are n/a):

=============  ===================================================================================
task           gold
=============  ===================================================================================
SingleEval     :class:`~sqa.schema.Assessment`: the four shared scores (``Overall Quality: 4/5``;
               Speech Rate's classes Slow, Slightly Slow, Appropriate, Slightly Fast, Fast -> 1..5),
               the ``<answer>`` text as the description
CompareEval    :class:`~sqa.tasks.compare.Comparison` (``Overall Quality (A vs B): B is better than A``)
Suggest        :class:`~sqa.tasks.suggest.Suggestion` (the fixes its text names)
FakeDetection  ``"real"`` or ``"fake"``
=============  ===================================================================================

Strict and loud, like the QualiSpeech loader: a line that is not a JSON object, a missing or mistyped
field, an unknown task, a repeated key, a placeholder count that differs from ``audios``, a gold answer
that gives nothing of its task, or a missing audio file raise one ``ValueError`` /
``FileNotFoundError`` naming ``file:line`` and the record's key.

>>> import json, tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> rec = {"key": "k1", "task": "FakeDetection", "audios": ["a.wav"],
...        "messages": [{"role": "user", "content": "<audio> Is this speech real or fake?"},
...                     {"role": "assistant", "content": "<answer>fake</answer>"}]}
>>> _ = (root / "test.jsonl").write_text(json.dumps(rec) + "\\n")
>>> [(r.key, r.gold) for r in load_speecheval(root, "test", check_audio=False)]
[('k1', 'fake')]
>>> load_speecheval(root, "test")
Traceback (most recent call last):
...
FileNotFoundError: ...test.jsonl:1: audio file ...a.wav of record 'k1' not found
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqa.data.example import Example
from sqa.data.recipe import Corpus, DataCheck, resolve_data_dir, sha256_16
from sqa.schema import Assessment, parse_score

TASK_NAMES: tuple[str, ...] = ("SingleEval", "CompareEval", "Suggest", "FakeDetection")
SQA_TASK: dict[str, str] = {
    "SingleEval": "assess",
    "CompareEval": "compare",
    "Suggest": "suggest",
    "FakeDetection": "detect",
}
"""SpeechEval task -> :data:`sqa.tasks.TASKS` name."""
SPLITS: tuple[str, ...] = ("train", "val", "test")
AUDIO_TAG = "<audio>"
SPEECH_RATE: dict[str, int] = {
    "slow": 1,
    "slightly slow": 2,
    "appropriate": 3,
    "suitable": 3,
    "normal": 3,
    "moderate": 3,
    "slightly fast": 4,
    "fast": 5,
}
"""SpeechEval's Speech Rate classes on sqa's speed scale (1 = very slow, 3 = normal, 5 = very fast)."""
_ANSWER = re.compile(r"<\s*answer\s*>(.*?)(?:<\s*/\s*answer\s*>|$)", re.I | re.S)
_RATE = re.compile(r"(?i)\b(slightly\s+slow|slightly\s+fast|slow|fast|appropriate|suitable|normal|moderate)\b")


@dataclass(frozen=True)
class SpeechEvalRecord:
    """One record: its key and task, the user prompt, the gold answer text and what it says (``gold``),
    the audio paths (resolved) and where it came from (``file:line``)."""

    key: str
    task: str
    prompt: str
    answer: str
    gold: Any
    audios: tuple[Path, ...]
    source: str

    @property
    def sqa_task(self) -> str:
        return SQA_TASK[self.task]


def answer_text(text: str) -> str:
    """The ``<answer>`` part of a gold answer (the whole text when it has none), stripped."""
    m = _ANSWER.search(text or "")
    return (m.group(1) if m else text or "").strip()


def speech_rate(value: str) -> int | None:
    """Speech Rate as a 1..5 speed score: a class name (``Slightly Fast`` -> 4) or a number.

    >>> speech_rate("Slightly Slow"), speech_rate("suitable"), speech_rate("4/5"), speech_rate("?")
    (2, 3, 4, None)
    """
    m = _RATE.search(value or "")
    if m:
        return SPEECH_RATE[" ".join(m.group(1).lower().split())]
    return parse_score(value)


def single_eval_assessment(text: str) -> Assessment:
    """A SingleEval gold answer as an :class:`~sqa.schema.Assessment` (the four shared scores, the
    ``<answer>`` text as the description).

    >>> a = single_eval_assessment("<think>Overall Quality: 1/5\\nIntelligibility: 2/5\\nDistortion: 1/5 (artifacts)\\n"
    ...                            "Speech Rate: suitable\\nDynamic Range: 2/5</think><answer>Poor.</answer>")
    >>> a.scores["overall"], a.scores["listening_effort"], a.scores["distortion"], a.scores["speed"], a.description
    (1, 2, 1, 3, 'Poor.')
    """
    from sqa.tasks.aspects import labelled_fields

    scores: dict[str, int | None] = {}
    for dim, value in labelled_fields(re.sub(r"</?\s*(?:think|answer)\s*>", "\n", text or "", flags=re.I)):
        if dim is None or scores.get(dim) is not None:
            continue
        scores[dim] = speech_rate(value) if dim == "speed" else parse_score(value)
    return Assessment(scores=scores, description=answer_text(text))


def read_gold(task: str, text: str) -> Any:
    """What a gold answer says, in sqa's types (module doc); ``ValueError`` when it says nothing of its task."""
    from sqa.tasks.compare import parse_comparison
    from sqa.tasks.detect import parse_detection
    from sqa.tasks.suggest import parse_suggestion

    if task == "SingleEval":
        gold = single_eval_assessment(text)
        if all(v is None for v in gold.scores.values()):
            raise ValueError(
                "SingleEval gold answer gives no Overall Quality / Intelligibility / Distortion / Speech Rate score"
            )
        return gold
    if task == "CompareEval":
        gold = parse_comparison(text)
        if all(v is None for v in gold.verdicts.values()):
            raise ValueError("CompareEval gold answer has no 'Overall Quality (A vs B): ...' line for a shared aspect")
        return gold
    if task == "Suggest":
        return parse_suggestion(text)
    label = parse_detection(text)
    if label is None:
        raise ValueError("FakeDetection gold answer says neither 'real' nor 'fake'")
    return label


def _field(rec: dict, name: str, kind: type, where: str) -> Any:
    if name not in rec:
        raise ValueError(f"{where}: record has no {name!r} field (fields: {', '.join(sorted(rec)) or 'none'})")
    if not isinstance(rec[name], kind) or (kind is str and not rec[name].strip()):
        raise ValueError(f"{where}: field {name!r} must be a non-empty {kind.__name__}, got {rec[name]!r:.80}")
    return rec[name]


def parse_record(line: str, loc: str, root: Path, check_audio: bool = True) -> SpeechEvalRecord:
    """One JSONL line as a record, checked (module doc); ``loc`` is ``file:line`` for the errors."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(f"{loc}: not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(rec, dict):
        raise ValueError(f"{loc}: a record must be a JSON object, got {type(rec).__name__}")
    if not isinstance(rec.get("key"), (str, int)) or isinstance(rec.get("key"), bool) or not str(rec["key"]).strip():
        raise ValueError(f"{loc}: record has no usable 'key' (a non-empty string), got {rec.get('key')!r:.80}")
    key = str(rec["key"]).strip()
    where = f"{loc} (record {key!r})"
    task = _field(rec, "task", str, where)
    if task not in TASK_NAMES:
        raise ValueError(f"{where}: unknown task {task!r} (expected one of {', '.join(TASK_NAMES)})")
    messages = _field(rec, "messages", list, where)
    if not all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in messages
    ):
        raise ValueError(f"{where}: every message must be an object with string 'role' and 'content'")
    users = [m["content"] for m in messages if m["role"] == "user"]
    golds = [m["content"] for m in messages if m["role"] == "assistant"]
    if len(users) != 1 or len(golds) != 1:
        raise ValueError(f"{where}: expected one user and one assistant message, got {len(users)} and {len(golds)}")
    audios = _field(rec, "audios", list, where)
    if not audios or not all(isinstance(a, str) and a.strip() for a in audios):
        raise ValueError(f"{where}: 'audios' must be a non-empty list of paths")
    n_tags = users[0].count(AUDIO_TAG)
    if n_tags != len(audios):
        raise ValueError(
            f"{where}: the prompt has {n_tags} {AUDIO_TAG} placeholder(s) but 'audios' lists {len(audios)}"
        )
    if task == "CompareEval" and len(audios) != 2:
        raise ValueError(f"{where}: a CompareEval record needs two audios, got {len(audios)}")
    paths = tuple(Path(a) if Path(a).is_absolute() else root / a for a in audios)
    if check_audio:
        for p in paths:
            if not p.is_file():
                raise FileNotFoundError(f"{loc}: audio file {p} of record {key!r} not found")
    try:
        gold = read_gold(task, golds[0])
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    return SpeechEvalRecord(key, task, users[0], golds[0], gold, paths, loc)


def read_jsonl(
    path: str | os.PathLike, root: str | os.PathLike | None = None, check_audio: bool = True
) -> list[SpeechEvalRecord]:
    """Every record of one SpeechEval JSONL file (audio paths relative to ``root``, default its folder)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: SpeechEval JSONL not found")
    root = Path(root) if root is not None else path.parent
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (invalid byte 0x{err.object[err.start]:02x})") from None
    records, seen = [], {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        rec = parse_record(line, f"{path}:{lineno}", root, check_audio)
        if rec.key in seen:
            raise ValueError(f"{path}:{lineno}: key {rec.key!r} repeats line {seen[rec.key]}")
        seen[rec.key] = lineno
        records.append(rec)
    if not records:
        raise ValueError(f"{path}: no records")
    return records


def load_speecheval(
    root: str | os.PathLike, split: str, task: str | None = None, check_audio: bool = True
) -> list[SpeechEvalRecord]:
    """The records of ``{root}/{split}.jsonl``, optionally those of one SpeechEval ``task`` only."""
    if task is not None and task not in TASK_NAMES:
        raise ValueError(f"unknown SpeechEval task {task!r} (expected one of {', '.join(TASK_NAMES)})")
    path = Path(root) / f"{split}.jsonl"
    if not path.is_file():
        found = sorted(p.name for p in Path(root).glob("*.jsonl")) if Path(root).is_dir() else []
        hint = f"; JSONL files in {root}: {', '.join(found)}" if found else ""
        raise FileNotFoundError(f"{path}: SpeechEval split not found{hint}")
    records = read_jsonl(path, root, check_audio)
    return [r for r in records if task is None or r.task == task]


def load_examples(root: str | os.PathLike, split: str) -> list[Example]:
    """The SingleEval records of a split as :class:`~sqa.data.Example` objects (what every stage reads of a
    profile with ``dataset: speecheval``); a split with no SingleEval record is an error naming it."""
    examples = [Example(r.key, r.audios[0], r.gold) for r in load_speecheval(root, split, task="SingleEval")]
    if not examples:
        raise ValueError(f"{Path(root) / (split + '.jsonl')}: no SingleEval record (the assessment stages read those)")
    return examples


def prepare_profile(profile, progress: bool = False) -> Path:
    """The profile's SpeechEval folder (``data_dir``), checked to hold at least one split."""
    root = resolve_data_dir(profile.data_dir)
    if not any((root / f"{s}.jsonl").is_file() for s in SPLITS):
        raise FileNotFoundError(f"{root}: no SpeechEval split ({', '.join(s + '.jsonl' for s in SPLITS)})")
    return root


def task_counts(records: list[SpeechEvalRecord]) -> str:
    """``SingleEval 3, CompareEval 1`` (the tasks present, in :data:`TASK_NAMES` order)."""
    return ", ".join(f"{t} {n}" for t in TASK_NAMES if (n := sum(r.task == t for r in records)))


def check_folder(profile, root: Path, shown=str, splits: tuple[str, ...] = ("train", "test")) -> DataCheck:
    """Every record of the train and test splits read as the stages will (audio files included), in seconds."""
    fix = f"check {root} against the SpeechEval layout: {{split}}.jsonl of records {{key, task, messages, audios}}"
    if not root.is_dir():
        return DataCheck(False, f"{root}: not a directory", fix)
    parts, problems = [], []
    for split in splits:
        try:
            records = load_speecheval(root, split)
        except (OSError, ValueError) as err:
            problems.append(str(err))
            continue
        parts.append(f"{split} {len(records)} records ({task_counts(records)})")
        if not any(r.task == "SingleEval" for r in records):
            problems.append(f"{split}: no SingleEval record (the assessment stages read those)")
    return DataCheck(not problems, f"SpeechEval at {root}: " + "; ".join(parts + problems), fix)


def jsonl_record(profile, root: Path) -> dict:
    """Provenance of the folder as it is now: records and a hash of each split JSONL."""
    files = sorted(root.glob("*.jsonl")) if root.is_dir() else []
    return {
        "splits": {
            p.stem: sum(1 for line in p.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip())
            for p in files
        },
        "jsonl_sha256": {p.stem: sha256_16(p) for p in files},
    }


def split_summaries(root: Path) -> list[str]:
    """One line per split present: its records per task."""
    return [
        f"{root / (s + '.jsonl')}: {task_counts(load_speecheval(root, s))}"
        for s in SPLITS
        if (root / f"{s}.jsonl").is_file()
    ]


CORPUS = Corpus(
    "speecheval",
    prepare_profile,
    load_examples,
    needs_data_dir=True,
    title="SpeechEval",
    inspect=check_folder,
    describe=jsonl_record,
    summarise=split_summaries,
)
"""SpeechEval's JSONL layout at the profile's ``data_dir`` (``dataset: speecheval``): the stages read its
SingleEval records; :func:`load_speecheval` gives every task's."""
