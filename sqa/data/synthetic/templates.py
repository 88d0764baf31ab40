"""QualiSpeech-like wording for the synthetic corpus: brief descriptions, voice feelings, long descriptions.

Every text states the TRUE intervals (on the corpus' 0.1 s grid) and, through fixed wording per score
level, the true scores. Phrasings vary (several per field, picked with the clip's own generator) so that
a model learns the content, not one sentence.

>>> import numpy as np
>>> from sqa.schema import parse_intervals
>>> text = noise_brief("wind", [(0.0, 1.7)], np.random.default_rng(0))
>>> parse_intervals(text)
[(0.0, 1.7)]
>>> fmt_time(2.0), fmt_time(1.7), fmt_time(0.30000000000000004)
('2', '1.7', '0.3')
"""

from __future__ import annotations

import numpy as np

Interval = tuple[float, float]

NOISE_PHRASES: dict[str, tuple[str, ...]] = {
    "white": ("a hissing sound", "static noise", "a constant hiss", "white noise"),
    "pink": ("a rushing noise", "sound similar to rain", "a steady rushing sound"),
    "hum": ("a low humming noise", "an electrical hum", "a buzzing hum"),
    "babble": ("background chatter", "the sound of people talking", "crowd babble"),
    "wind": ("sound similar to wind", "wind noise", "a blowing sound like wind"),
}
DISTORTION_PHRASES: dict[str, tuple[str, ...]] = {
    "clipping": (
        "clipping distortion with a harsh, crackling sound",
        "harsh clipping",
        "a crackling, overdriven distortion",
    ),
    "quantisation": ("a grainy digital distortion", "a gritty, quantised sound", "a rough digital distortion"),
    "bandlimit": ("a muffled, band-limited sound", "a muffled, telephone-like quality", "a dull, muffled distortion"),
}
NOISE_ABSENT = ("Not noticeable", "not noticeable", "No noise")
DISTORTION_ABSENT = ("Not distorted", "not distorted", "No distortion")
PAUSE_ABSENT = ("Very smooth", "very smooth", "Smooth")

NOISE_LEVEL = {
    1: ("very loud", "severe"),
    2: ("loud", "prominent"),
    3: ("moderate", "noticeable"),
    4: ("slight", "faint"),
}
DISTORTION_LEVEL = {
    1: ("severe", "very strong"),
    2: ("strong", "heavy"),
    3: ("moderate", "clear"),
    4: ("slight", "mild"),
}
CONTINUITY_TEXT = {
    5: (
        "The audio flows very smoothly without any breaks or stutters.",
        "The speech is very smooth, with no interruptions.",
    ),
    4: ("The speech is mostly smooth, with only minor interruptions.", "Continuity is good, with a small disruption."),
    3: ("The speech is somewhat choppy.", "Continuity is fair, with noticeable interruptions."),
    2: ("The speech is frequently interrupted.", "Continuity is poor, with clear breaks in the flow."),
    1: ("The speech is very broken and disjointed.", "Continuity is very poor, with long breaks."),
}
EFFORT_TEXT = {
    5: ("Understanding the content requires no effort.", "Listeners can follow the speech effortlessly."),
    4: ("Understanding the speech requires only slight attention.", "Listening takes a little effort."),
    3: ("Listeners need moderate effort to understand the content.", "Understanding the speech takes moderate effort."),
    2: ("Understanding the speech takes considerable effort.", "Listeners must concentrate hard to follow it."),
    1: ("The speech is very hard to understand.", "Understanding the content requires great effort."),
}
NATURALNESS_TEXT = {
    5: ("The voice sounds very natural, closely resembling human speech.", "The speech is highly natural."),
    4: ("The voice sounds fairly natural.", "Naturalness is good, close to human speech."),
    3: ("The speech sounds somewhat unnatural.", "Naturalness is fair."),
    2: ("The speech sounds quite unnatural.", "Naturalness is poor."),
    1: ("The speech sounds very unnatural and robotic.", "Naturalness is very poor."),
}
SPEED_TEXT = {
    1: ("The speaking speed is very slow.", "The speech is delivered very slowly."),
    2: ("The speaking speed is rather slow.", "The speech is somewhat slow."),
    3: ("The speaking speed is moderate.", "The speech is delivered at a normal pace."),
    4: ("The speaking speed is fairly fast.", "The speech is mostly fast."),
    5: ("The speaking speed is very fast.", "The speech is delivered very quickly."),
}
OVERALL_WORD = {1: "bad", 2: "poor", 3: "fair", 4: "good", 5: "excellent"}
OVERALL_TEXT = (
    "Overall, the speech quality is {w}.",
    "The overall quality is rated as {w}.",
    "Taken together, the overall quality is {w}.",
)


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def fmt_time(x: float) -> str:
    """A time on the 0.1 s grid as QualiSpeech writes it: ``0``, ``1.7``, ``3``."""
    return f"{round(x, 1):.1f}".removesuffix(".0")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def interval_text(intervals: list[Interval], rng: np.random.Generator, bare: bool = False) -> str:
    """The intervals as a phrase: ``from 0-1.7s``, ``from 0 to 1.7 seconds``, ``at 0.5s-1.2s`` ...;
    ``bare=True`` gives a plain list (``2.1-2.6s``, ``0-1s and 2-3s``) as in the real pause column."""
    style = int(rng.integers(4))
    if bare or style == 0:
        body = _join([f"{fmt_time(a)}-{fmt_time(b)}s" for a, b in intervals])
        return body if bare else _pick(rng, ("from ", "at ")) + body
    if style == 1:
        return _join([f"from {fmt_time(a)} to {fmt_time(b)} seconds" for a, b in intervals])
    if style == 2:
        return _join([f"between {fmt_time(a)} and {fmt_time(b)} seconds" for a, b in intervals])
    return "at " + _join([f"{fmt_time(a)}s-{fmt_time(b)}s" for a, b in intervals])


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def noise_brief(kind: str | None, intervals: list[Interval], rng: np.random.Generator) -> str:
    """The ``Noise Description`` cell: a negative phrase, or the noise and its intervals."""
    if not kind:
        return _pick(rng, NOISE_ABSENT)
    noise = _pick(rng, NOISE_PHRASES[kind])
    when = interval_text(intervals, rng)
    form = int(rng.integers(3))
    if form == 0:
        return f"There is {noise} in the audio {when}"
    if form == 1:
        return f"There is {noise} {when}"
    return f"{_cap(noise)} can be heard {when}"


def distortion_brief(kind: str | None, intervals: list[Interval], rng: np.random.Generator) -> str:
    """The ``Distortion description`` cell."""
    if not kind:
        return _pick(rng, DISTORTION_ABSENT)
    phrase = _pick(rng, DISTORTION_PHRASES[kind])
    when = interval_text(intervals, rng)
    form = int(rng.integers(2))
    return f"There is {phrase} in the audio {when}" if form == 0 else f"{_cap(phrase)} {when}"


def pause_brief(intervals: list[Interval], rng: np.random.Generator) -> str:
    """The ``Unnatural pause`` cell: a negative phrase, a bare interval list, or a sentence."""
    if not intervals:
        return _pick(rng, PAUSE_ABSENT)
    form = int(rng.integers(3))
    if form == 0:
        return interval_text(intervals, rng, bare=True)
    noun = "an unnatural pause" if len(intervals) == 1 else "unnatural pauses"
    if form == 1:
        verb = "is" if len(intervals) == 1 else "are"
        return f"There {verb} {noun} {interval_text(intervals, rng)}"
    return f"{_cap(noun.removeprefix('an '))} {interval_text(intervals, rng)}"


def voice_feeling(kind: str, age: str, f0: float, flat: bool, rng: np.random.Generator) -> str:
    """The ``Feeling of voice`` cell from the speaker's kind, age and pitch."""
    if kind == "child":
        who = "A child's voice"
    else:
        who = f"{'An' if age == 'elderly' else 'A'} {age} {kind}'s voice"
    if flat:
        tone = _pick(rng, ("with a mechanical tone", "with a flat, monotonous tone"))
    elif (kind == "man" and f0 < 110) or (kind == "woman" and f0 < 190):
        tone = _pick(rng, ("that is deep and calm", "with a deep tone that makes people feel calm"))
    elif (kind == "man" and f0 > 125) or (kind == "woman" and f0 > 230) or kind == "child":
        tone = _pick(rng, ("that is high-pitched and lively", "with a bright, lively feeling"))
    else:
        tone = _pick(rng, ("with a rising and falling tone", "with a gentle tone that is relaxing"))
    return f"{who} {tone}"


def long_description(
    scores: dict[str, int],
    noise_kind: str | None,
    noise_intervals: list[Interval],
    distortion_kind: str | None,
    distortion_intervals: list[Interval],
    pauses: list[Interval],
    n_dropouts: int,
    voice: str,
    rng: np.random.Generator,
) -> str:
    """The ``Natural language description``: one or two sentences per dimension, true scores and intervals."""
    out = []
    if noise_kind:
        level = _pick(rng, NOISE_LEVEL[scores["noise"]])
        out.append(
            f"There is {level} background noise, {_pick(rng, NOISE_PHRASES[noise_kind])}, "
            f"{interval_text(noise_intervals, rng)}."
        )
    else:
        out.append(_pick(rng, ("The background noise is not noticeable.", "There is no background noise.")))
    if distortion_kind:
        level = _pick(rng, DISTORTION_LEVEL[scores["distortion"]])
        out.append(
            f"The speech shows {level} distortion, {_pick(rng, DISTORTION_PHRASES[distortion_kind])}, "
            f"{interval_text(distortion_intervals, rng)}."
        )
    else:
        out.append(_pick(rng, ("The speech is free from distortion.", "There is no distortion.")))
    out.append(_pick(rng, CONTINUITY_TEXT[scores["continuity"]]))
    if pauses:
        noun = "is an unnatural pause" if len(pauses) == 1 else "are unnatural pauses"
        out.append(f"There {noun} {interval_text(pauses, rng)}.")
    if n_dropouts:
        out.append(f"The signal briefly drops out {'once' if n_dropouts == 1 else f'{n_dropouts} times'}.")
    out.append(_pick(rng, EFFORT_TEXT[scores["listening_effort"]]))
    out.append(_pick(rng, NATURALNESS_TEXT[scores["naturalness"]]))
    out.append(_pick(rng, SPEED_TEXT[scores["speed"]]))
    out.append(f"The voice is described as {voice[0].lower() + voice[1:]}.")
    out.append(_pick(rng, OVERALL_TEXT).format(w=OVERALL_WORD[scores["overall"]]))
    return " ".join(out)
