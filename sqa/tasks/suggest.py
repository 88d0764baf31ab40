"""``suggest``: actionable fixes for one clip, in free text (SQ-LLM's SQI task), read back to a taxonomy.

The fix taxonomy (:data:`FIXES`, in this order) is small on purpose: each fix is one thing an engineer does.

===================== ==================================================================
fix                   what to do
===================== ==================================================================
denoise               suppress the background noise (hiss, hum, babble, wind)
declip                lower the recording gain and repair clipped peaks
restore_bandwidth     restore the missing high frequencies (muffled, telephone-like)
reduce_distortion     remove other distortion (grainy/quantised, glitches, artifacts)
remove_pauses         shorten or remove unnatural pauses
fill_dropouts         repair dropouts, breaks and missing segments
adjust_speed          bring the speaking rate to a normal pace
add_expressiveness    add pitch variation and expressiveness to a flat delivery
balance_volume        even out the volume (dynamic range)
rerecord              record the clip again (too damaged to repair)
===================== ==================================================================

:func:`parse_suggestion` maps free text to these fixes sentence by sentence with keyword patterns (any
case, markdown, ``<think>``/``<answer>`` tags, SpeechEval's ``Improvement Dimensions: speech rate;
noise reduction`` lists). It never raises. So that a *description* is not read as a suggestion:

* a sentence of more than :data:`SHORT_ITEM` words counts only when it asks for something (an action
  word: reduce, adjust, improve, should, ...); a short item (``noise reduction``, ``speech rate``) counts
  as it stands;
* a mention negated shortly before (``no noticeable background noise, distortion, or artifacts``) and a
  sentence saying a change is *not needed* (``No noise reduction is needed``) give nothing;
* a sentence naming clipping or muffling does not also count as generic distortion. The gold answer
  (:func:`render_suggestion`) is one sentence per fix, or :data:`NO_FIX_TEXT` for a clip with nothing to
  fix.

>>> s = parse_suggestion("Reduce the background hum. The pace is too slow; speed up slightly. "
...                      "Repair the clipping distortion.")
>>> s.fixes
('denoise', 'declip', 'adjust_speed')
>>> parse_suggestion("No specific improvements are needed.").fixes, parse_suggestion(None).fixes
((), ())
>>> parse_suggestion("1. Improvement Dimensions\\nexpressiveness;speech rate").fixes
('adjust_speed', 'add_expressiveness')
>>> print(render_suggestion(Suggestion(("denoise", "remove_pauses"))))
Reduce the background noise with noise suppression. Shorten or remove the unnatural pauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqa.schema.labels import as_text

FIX_TEXT: dict[str, str] = {
    "denoise": "Reduce the background noise with noise suppression.",
    "declip": "Lower the recording gain and repair the clipped peaks.",
    "restore_bandwidth": "Restore the missing high frequencies so the voice is no longer muffled.",
    "reduce_distortion": "Remove the digital distortion and artifacts.",
    "remove_pauses": "Shorten or remove the unnatural pauses.",
    "fill_dropouts": "Repair the dropouts and breaks in the speech.",
    "adjust_speed": "Bring the speaking rate to a normal pace.",
    "add_expressiveness": "Add pitch variation and expressiveness to the flat delivery.",
    "balance_volume": "Even out the volume across the clip.",
    "rerecord": "Record the clip again in better conditions.",
}
"""Each fix and its gold sentence (taxonomy order)."""
FIXES: tuple[str, ...] = tuple(FIX_TEXT)
NO_FIX_TEXT = "No improvement is needed."
SUGGEST_PROMPT = "Suggest specific improvements to enhance the quality of this speech."
MAX_CHARS = 50_000

_NOISE = r"(?:background\s+)?(?:noise|hiss(?:ing)?|hum(?:ming)?|buzz(?:ing)?|chatter|babble|wind|static)"
_PATTERNS: dict[str, str] = {
    "denoise": rf"\bde-?nois|\bnoise[\s-]+(?:reduction|suppression|removal|gat(?:e|ing)|cancell?ation)|"
    rf"\b(?:reduc|remov|suppress|eliminat|cut|lower|filter|clean|minimi[sz]|attenuat|get rid of)\w*"
    rf"(?:\s+up)?\s+(?:the\s+|any\s+|all\s+|of\s+)?(?:[\w-]+\s+){{0,3}}?{_NOISE}\b|"
    r"\bquieter\s+(?:room|environment|place)",
    "declip": r"\bde-?clip|\bclipp(?:ing|ed)\b|\boverdriv|\bsaturat|\bcrackl|"
    r"\b(?:lower|reduc|decreas|turn down)\w*\s+(?:the\s+)?(?:input\s+|recording\s+|microphone\s+|mic\s+)?gain",
    "restore_bandwidth": r"\bbandwidth|\bband[\s-]?limit|\bmuffl|\btelephone|\blow[\s-]?pass|\bhigh[\s-]frequenc|"
    r"\bfrequency\s+(?:balance|response|range)|\btone\s+balance|\btonal\s+balance|\bequali[sz]",
    "reduce_distortion": r"\bdistort|\bartifact|\bartefact|\bglitch|\bquanti[sz]|\bbit[\s-]?depth|\bgrain|\bgritty|"
    r"\bcodec|\bjitter",
    "remove_pauses": r"\bpauses?\b|\bsilen(?:t|ce)s?\b|\bhesitation",
    "fill_dropouts": r"\bdrop[\s-]?outs?\b|\bvoice\s+drops|\bmissing\s+(?:segment|word|syllable|part)|\bgaps?\b|"
    r"\bbreaks?\b|\binterrupt|\bstutter|\bdiscontinu|\bcontinuity|\btruncat|\bchopp",
    "adjust_speed": r"\bspeech\s+rate|\bspeaking\s+(?:rate|speed)|\bpac(?:e|ing)\b|\btempo\b|\bspeed\b|"
    r"\bslow(?:er)?\s+down|"
    r"\bspeed\s+up|\bfaster\b|\bslower\b|\btoo\s+(?:fast|slow|quick|rapid)",
    "add_expressiveness": r"\bexpressi(?:ve|on)|\bintonation|\bmonoton|\bpitch\s+(?:variation|contour|range)|\bprosod|"
    r"\bemotion|\binflection|\bflat\b|\bvocal\s+variety|\bmodulation",
    "balance_volume": r"\bdynamic\s+range|\bvolume\b|\bloudness|\blevel\s+fluctuat|\bnormali[sz]",
    "rerecord": r"\bre-?record|\bretake|\bre-take|\brecord\s+(?:it\s+|the\s+\w+\s+)?again|\bnew\s+recording",
}
assert set(_PATTERNS) == set(FIXES)
_COMPILED = {fix: re.compile(p, re.I) for fix, p in _PATTERNS.items()}
_SPECIFIC_DISTORTION = ("declip", "restore_bandwidth")
SHORT_ITEM = 4
"""Items of at most this many words (a list of aspects) need no action word."""
_ACTION = re.compile(
    r"\b(?:adjust|improve|enhance|increase\s|reduce|reducing|raise\s+(?:the|its)|lower\s+(?:the|its|your|input)|boost|"
    r"slow\s+down|speed\s+up|even\s+out|balance\b|stabili[sz]e|normali[sz]e|moderate\s+(?:the|its|your)|fine-tune|"
    r"fix|correct\b|change\s+(?:the|its|your)|modify|keep\b|make\b|optimi[sz]e|refine|smooth\s+out|level\s+out|"
    r"control\b|apply|use\b|add\b|remove|removing|repair|restore|fill\b|shorten|cut\b|trim|eliminate|minimi[sz]e|"
    r"suppress|filter\b|clean\s+up|get\s+rid|re-?record|record\b|retake|incorporate|introduce|vary\b|"
    r"strengthen|address|avoid|tighten|work\s+on|consider|should|could|try|needs?\b|bring|denoise|de-?clip|"
    r"lessen|attenuate|mitigate|recommend|suggest|ensure|encourage|speak\b|pronounce\b|articulate\b|limit\b|"
    r"prevent|replace|reprocess|resynthesi[sz]e)",
    re.I,
)
_NEGATION = re.compile(r"\b(?:no|not|without|free\s+(?:of|from)|absence\s+of|lack\s+of|never|nor)\b|n't\b", re.I)
_NEGATION_WINDOW = 50
_NOT_NEEDED = re.compile(
    r"\b(?:no|not|nothing|none|n't)\b[^.;\n]{0,60}\b(?:needed|necessary|required|to improve|to fix)\b|"
    r"^\s*(?:none|n/?a)\s*[.!]?\s*$",
    re.I,
)
_TAG = re.compile(r"</?\s*(?:think|answer)\s*>", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|[\n;]+")


@dataclass(frozen=True)
class Suggestion:
    """The fixes (taxonomy names, in :data:`FIXES` order, no repeats) and the free text they came from."""

    fixes: tuple[str, ...] = ()
    text: str = ""

    def __post_init__(self) -> None:
        unknown = [f for f in self.fixes if f not in FIXES]
        if unknown:
            raise ValueError(f"Suggestion: unknown fix(es) {unknown}; the taxonomy is {', '.join(FIXES)}")
        object.__setattr__(self, "fixes", tuple(f for f in FIXES if f in set(self.fixes)))


def _negated(sentence: str, start: int) -> bool:
    """A negation in the few words before ``start`` (within the sentence, after any "but"/"however")."""
    window = re.split(
        r"\b(?:but|however|though|although|while|whereas)\b",
        sentence[max(0, start - _NEGATION_WINDOW) : start],
        flags=re.I,
    )[-1]
    return bool(_NEGATION.search(window))


def sentence_fixes(sentence: str) -> set[str]:
    """The fixes one sentence asks for (module doc).

    >>> sorted(sentence_fixes("There is no noticeable background noise, distortion, or artifacts"))
    []
    >>> (sorted(sentence_fixes("The speaking speed is moderate, allowing for easy understanding")),
    ...  sorted(sentence_fixes("speech rate")))
    ([], ['adjust_speed'])
    """
    if _NOT_NEEDED.search(sentence):
        return set()
    if len(sentence.split()) > SHORT_ITEM and not _ACTION.search(sentence):
        return set()
    found = {
        fix
        for fix, pattern in _COMPILED.items()
        if any(not _negated(sentence, m.start()) for m in pattern.finditer(sentence))
    }
    if found & set(_SPECIFIC_DISTORTION):
        found.discard("reduce_distortion")
    return found


def parse_suggestion(text: object) -> Suggestion:
    """A :class:`Suggestion` read from free text (module doc); never raises."""
    s = _TAG.sub("\n", as_text(text)[:MAX_CHARS]).replace("*", "").replace("`", "")
    fixes: set[str] = set()
    for sentence in _SENTENCE.split(s):
        fixes |= sentence_fixes(sentence)
    return Suggestion(tuple(fixes), " ".join(s.split()))


def render_suggestion(gold: Suggestion) -> str:
    """The gold answer: the gold's own text when it has one, else one sentence per fix (:data:`FIX_TEXT`)."""
    if gold.text:
        return gold.text
    return " ".join(FIX_TEXT[f] for f in gold.fixes) if gold.fixes else NO_FIX_TEXT
