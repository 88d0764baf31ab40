"""How the seven scores follow from the degradations: documented, monotone, learnable rules.

Each rule maps physical degradation parameters (the ones written to ``ground_truth.jsonl``) to a
1..5 score, and never gives a better score for a worse degradation: lower SNR, larger noise
coverage, stronger or longer distortion, longer pauses, more dropouts, a larger speed deviation or
a flat pitch contour can only lower (or keep) a score. The composite scores (listening effort,
naturalness, overall) are monotone functions of the per-artifact scores, so they inherit this.

=================  =======================================================================
dimension          rule
=================  =======================================================================
noise              5 if no noise; else level = SNR + 6 (1 - coverage) dB:
                   >= 24 -> 4, >= 15 -> 3, >= 7 -> 2, else 1 (SNR over active speech)
distortion         5 if none; else e = severity (0.5 + 0.5 coverage):
                   < 0.2 -> 4, < 0.4 -> 3, < 0.6 -> 2, else 1 (severity: ``distortion_severity``)
speed              QualiSpeech convention 1 = very slow, 3 = normal, 5 = very fast, from the
                   time-stretch rate r: < 0.75 -> 1, < 0.9 -> 2, <= 1.12 -> 3, <= 1.3 -> 4, else 5
continuity         level = 1.5 x total pause seconds + 0.5 x dropouts: 0 -> 5,
                   < 0.8 -> 4, < 1.6 -> 3, < 2.4 -> 2, else 1
listening effort   5 - round(penalty) with penalty = soft-max of the deficits
                   0.8 (5 - noise), 0.7 (5 - distortion), 0.4 (5 - continuity), 0.5 |speed - 3|
naturalness        5 - round(penalty) with penalty = soft-max of 0.7 (5 - distortion),
                   0.5 (5 - continuity), 0.7 |speed - 3|, 0.2 (5 - noise), 1.5 if flat pitch
overall            round(weighted mean) of noise .25, distortion .2, continuity .15,
                   listening effort .2, naturalness .2, capped at (worst of them + 1.5)
=================  =======================================================================

``soft-max(terms) = max + 0.25 (sum - max)``: the worst problem dominates, the others add a little.
Rounding is half-up. All scores are clipped to 1..5.

>>> noise_score(None, 0.0), noise_score(28.0, 0.5), noise_score(3.0, 1.0)
(5, 4, 1)
>>> speed_score(0.7), speed_score(1.0), speed_score(1.5)
(1, 3, 5)
"""

from __future__ import annotations

import math

from sqa.data.synthetic.degrade import distortion_severity


def _round(x: float) -> int:
    """Half-up rounding (Python's ``round`` rounds half to even)."""
    return int(math.floor(x + 0.5))


def _clip(score: int) -> int:
    return max(1, min(5, score))


def soft_max(terms: list[float]) -> float:
    """``max + 0.25 (sum - max)``, monotone non-decreasing in every term.

    >>> soft_max([2.0, 1.0, 0.0])
    2.25
    """
    top = max(terms)
    return round(top + 0.25 * (sum(terms) - top), 10)


def noise_score(snr_db: float | None, coverage: float) -> int:
    """Background noise score from the SNR (dB over active speech) and the fraction of the clip covered."""
    if snr_db is None or coverage <= 0:
        return 5
    level = snr_db + 6.0 * (1.0 - min(coverage, 1.0))
    return 4 if level >= 24 else 3 if level >= 15 else 2 if level >= 7 else 1


def distortion_score(severity: float | None, coverage: float) -> int:
    """Distortion score from the severity (0..1, see :func:`distortion_severity`) and coverage."""
    if severity is None or coverage <= 0:
        return 5
    e = severity * (0.5 + 0.5 * min(coverage, 1.0))
    return 4 if e < 0.2 else 3 if e < 0.4 else 2 if e < 0.6 else 1


def speed_score(rate: float) -> int:
    """Speed score from the time-stretch rate (>1 faster): 1 = very slow, 3 = normal, 5 = very fast."""
    return 1 if rate < 0.75 else 2 if rate < 0.9 else 3 if rate <= 1.12 else 4 if rate <= 1.3 else 5


def continuity_score(pause_seconds: float, n_dropouts: int) -> int:
    """Continuity score from the total inserted pause time (s) and the number of dropouts."""
    level = 1.5 * pause_seconds + 0.5 * n_dropouts
    if level <= 0:
        return 5
    return 4 if level < 0.8 else 3 if level < 1.6 else 2 if level < 2.4 else 1


def listening_effort_score(noise: int, distortion: int, continuity: int, speed: int) -> int:
    """Listening effort (5 = no effort) from the other scores: noise and distortion dominate."""
    terms = [0.8 * (5 - noise), 0.7 * (5 - distortion), 0.4 * (5 - continuity), 0.5 * abs(speed - 3)]
    return _clip(5 - _round(soft_max(terms)))


def naturalness_score(noise: int, distortion: int, continuity: int, speed: int, flat_pitch: bool) -> int:
    """Naturalness from the other scores plus a flat (mechanical) pitch contour."""
    terms = [
        0.7 * (5 - distortion),
        0.5 * (5 - continuity),
        0.7 * abs(speed - 3),
        0.2 * (5 - noise),
        1.5 * bool(flat_pitch),
    ]
    return _clip(5 - _round(soft_max(terms)))


def overall_score(noise: int, distortion: int, continuity: int, listening_effort: int, naturalness: int) -> int:
    """Overall quality: weighted mean of the other scores, at most 1.5 above the worst of them."""
    parts = [noise, distortion, continuity, listening_effort, naturalness]
    mean = sum(w * s for w, s in zip((0.25, 0.2, 0.15, 0.2, 0.2), parts))
    return _clip(_round(min(mean, min(parts) + 1.5)))


def _total(intervals) -> float:
    return float(sum(end - start for start, end in intervals))


def scores_from_ground_truth(gt: dict) -> dict[str, int]:
    """All seven scores of one clip from its ``ground_truth.jsonl`` record.

    >>> gt = {"duration": 4.0, "rate": 1.0, "pauses": [[1.0, 1.5]], "dropouts": [], "voice": {"flat": False},
    ...       "noise": {"kind": "wind", "snr_db": 12.0, "intervals": [[0.0, 2.0]]}, "distortion": None}
    >>> scores_from_ground_truth(gt)
    {'noise': 3, 'distortion': 5, 'speed': 3, 'continuity': 4, 'listening_effort': 3, 'naturalness': 4, 'overall': 4}
    """
    duration = float(gt["duration"])
    noise, dist = gt.get("noise"), gt.get("distortion")
    s_noise = noise_score(noise["snr_db"], _total(noise["intervals"]) / duration) if noise else 5
    s_dist = (
        distortion_score(distortion_severity(dist["kind"], dist["param"]), _total(dist["intervals"]) / duration)
        if dist
        else 5
    )
    s_speed = speed_score(float(gt["rate"]))
    s_cont = continuity_score(_total(gt.get("pauses", [])), len(gt.get("dropouts", [])))
    s_effort = listening_effort_score(s_noise, s_dist, s_cont, s_speed)
    s_nat = naturalness_score(s_noise, s_dist, s_cont, s_speed, bool(gt["voice"]["flat"]))
    return {
        "noise": s_noise,
        "distortion": s_dist,
        "speed": s_speed,
        "continuity": s_cont,
        "listening_effort": s_effort,
        "naturalness": s_nat,
        "overall": overall_score(s_noise, s_dist, s_cont, s_effort, s_nat),
    }
