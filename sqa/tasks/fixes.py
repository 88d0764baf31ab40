"""Ground-truth fixes: from what degraded a synthetic clip (exact), or from an assessment (a mapping).

**Synthetic corpus** (:func:`fixes_from_ground_truth`, a ``{split}_ground_truth.jsonl`` record of
:mod:`sqa.data.synthetic.corpus`): each degradation the generator applied has its fix.

=========================================== ======================
what the generator did                      fix
=========================================== ======================
added noise (any kind)                      denoise
clipping / band-limit / quantisation        declip / restore_bandwidth / reduce_distortion
inserted unnatural pauses                   remove_pauses
dropouts inside vowels                      fill_dropouts
a time-stretch off the normal speed score 3 adjust_speed
a flat ("mechanical") pitch contour         add_expressiveness
overall score 1                             rerecord
=========================================== ======================

**An assessment** (:func:`fixes_from_assessment`; QualiSpeech annotations, or a system's predicted
assessment for the derived baseline), read from its artifacts and scores:

* noise artifact present -> ``denoise`` (artifact not given: noise score below 5);
* distortion artifact present -> by its description: clipping, crackling, overdriven, harsh ->
  ``declip``; muffled, band-limited, telephone-like, low-pass, dull -> ``restore_bandwidth``; anything
  else (QualiSpeech's "pitch distortion with mechanical sound", "electric current", "grainy") ->
  ``reduce_distortion`` (artifact not given: distortion score below 5 -> ``reduce_distortion``);
* unnatural pause present -> ``remove_pauses``; continuity below 5 with no pause -> ``fill_dropouts``
  (with a pause, a lower continuity is put down to it: dropouts beside pauses are not recovered);
* speed score not 3 -> ``adjust_speed``; a description (or the ``Feeling of voice`` text, ``voice``)
  saying mechanical tone, monotonous, flat tone or robotic -> ``add_expressiveness``; overall score 1 ->
  ``rerecord``.

On the synthetic corpus the two agree except where the assessment cannot tell (dropouts beside pauses,
a flat voice the description leaves out).

>>> from sqa.schema import Artifact, Assessment
>>> a = Assessment(scores={"speed": 2, "continuity": 4, "overall": 3},
...                artifacts={"noise": Artifact(True, [(0, 1)], "a hum"), "distortion": Artifact(True, [], "muffled"),
...                           "unnatural_pause": Artifact(False)})
>>> fixes_from_assessment(a)
('denoise', 'restore_bandwidth', 'fill_dropouts', 'adjust_speed')
>>> gt = {"noise": {"kind": "hum"}, "distortion": {"kind": "clipping"}, "pauses": [[1.0, 1.5]], "dropouts": [],
...       "voice": {"flat": True}, "scores": {"speed": 3, "overall": 2}}
>>> fixes_from_ground_truth(gt)
('denoise', 'declip', 'remove_pauses', 'add_expressiveness')
"""

from __future__ import annotations

import re

from sqa.schema import Assessment
from sqa.tasks.suggest import FIXES

DISTORTION_FIX = {"clipping": "declip", "bandlimit": "restore_bandwidth", "quantisation": "reduce_distortion"}
"""Synthetic distortion kind -> fix."""
_CLIP = re.compile(r"clip|crackl|overdriv|harsh|saturat", re.I)
_MUFFLED = re.compile(r"muffl|band[\s-]?limit|telephone|low[\s-]?pass|dull|narrow", re.I)
_FLAT = re.compile(r"mechanical tone|monoton|flat(?:,)? (?:\w+ )?(?:tone|voice|pitch|delivery)|robotic", re.I)


def _ordered(fixes: set[str]) -> tuple[str, ...]:
    return tuple(f for f in FIXES if f in fixes)


def distortion_fix(description: str) -> str:
    """The fix of a distortion from its brief description (module doc)."""
    text = description or ""
    return "declip" if _CLIP.search(text) else "restore_bandwidth" if _MUFFLED.search(text) else "reduce_distortion"


def _speed(gt: dict) -> int:
    score = (gt.get("scores") or {}).get("speed")
    if score is None:
        raise ValueError(
            f"ground-truth record {gt.get('id', '?')!r} has no scores.speed (not a "
            "<split>_ground_truth.jsonl record of the synthetic corpus?)"
        )
    return int(score)


def fixes_from_ground_truth(gt: dict) -> tuple[str, ...]:
    """The fixes of a synthetic clip from its ground-truth record (module doc; its ``scores`` give the speed)."""
    fixes: set[str] = set()
    if gt.get("noise"):
        fixes.add("denoise")
    if gt.get("distortion"):
        fixes.add(DISTORTION_FIX[gt["distortion"]["kind"]])
    if gt.get("pauses"):
        fixes.add("remove_pauses")
    if gt.get("dropouts"):
        fixes.add("fill_dropouts")
    if _speed(gt) != 3:
        fixes.add("adjust_speed")
    if (gt.get("voice") or {}).get("flat"):
        fixes.add("add_expressiveness")
    if (gt.get("scores") or {}).get("overall") == 1:
        fixes.add("rerecord")
    return _ordered(fixes)


def fixes_from_assessment(a: Assessment, voice: str = "") -> tuple[str, ...]:
    """The fixes an assessment implies (module doc): the QualiSpeech-style mapping."""
    s, arts = a.scores, a.artifacts
    fixes: set[str] = set()
    noise, dist, pause = arts["noise"], arts["distortion"], arts["unnatural_pause"]
    if noise.present if noise is not None else (s["noise"] or 5) < 5:
        fixes.add("denoise")
    if dist is not None and dist.present:
        fixes.add(distortion_fix(dist.description))
    elif dist is None and (s["distortion"] or 5) < 5:
        fixes.add("reduce_distortion")
    pause_present = pause is not None and pause.present
    if pause_present:
        fixes.add("remove_pauses")
    elif (s["continuity"] or 5) < 5:
        fixes.add("fill_dropouts")
    if s["speed"] is not None and s["speed"] != 3:
        fixes.add("adjust_speed")
    if _FLAT.search(f"{a.description or ''} {voice or ''}"):
        fixes.add("add_expressiveness")
    if s["overall"] == 1:
        fixes.add("rerecord")
    return _ordered(fixes)
