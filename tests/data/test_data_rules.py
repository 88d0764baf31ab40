"""sqa.data.synthetic.rules: every rule is monotone in the degradation and reaches the whole 1..5 scale."""

from hypothesis import given
from hypothesis import strategies as st

from sqa.data.synthetic import rules
from sqa.data.synthetic.degrade import DISTORTION_KINDS, distortion_severity

snr = st.floats(-10, 40, allow_nan=False)
frac = st.floats(0.01, 1.0, allow_nan=False)
unit = st.floats(0.0, 1.0, allow_nan=False)
score = st.integers(1, 5)


@given(snr, snr, frac, frac)
def test_worse_noise_never_scores_better(s1, s2, c1, c2):
    lo_snr, hi_snr = sorted((s1, s2))
    small, large = sorted((c1, c2))
    assert rules.noise_score(lo_snr, small) <= rules.noise_score(hi_snr, small)
    assert rules.noise_score(hi_snr, large) <= rules.noise_score(hi_snr, small)
    assert rules.noise_score(hi_snr, large) <= rules.noise_score(None, 0.0) == 5


@given(unit, unit, frac, frac)
def test_worse_distortion_never_scores_better(v1, v2, c1, c2):
    mild, strong = sorted((v1, v2))
    small, large = sorted((c1, c2))
    assert rules.distortion_score(strong, small) <= rules.distortion_score(mild, small)
    assert rules.distortion_score(mild, large) <= rules.distortion_score(mild, small) <= 5


@given(st.sampled_from(DISTORTION_KINDS), st.floats(0, 1), st.floats(0, 1))
def test_severity_is_monotone_in_the_physical_parameter(kind, u1, u2):
    lo, hi = {"clipping": (6, 30), "quantisation": (2, 7), "bandlimit": (250, 3000)}[kind]
    p1, p2 = sorted((lo + u1 * (hi - lo), lo + u2 * (hi - lo)))
    s1, s2 = distortion_severity(kind, p1), distortion_severity(kind, p2)
    # more dB of clipping is worse; more bits or a higher cut-off is milder
    assert (s1 <= s2) if kind == "clipping" else (s1 >= s2)


@given(st.floats(0.3, 2.0), st.floats(0.3, 2.0))
def test_speed_score_increases_with_rate(r1, r2):
    slow, fast = sorted((r1, r2))
    assert rules.speed_score(slow) <= rules.speed_score(fast)


@given(st.floats(0, 3), st.floats(0, 3), st.integers(0, 5), st.integers(0, 5))
def test_more_pauses_or_dropouts_never_improve_continuity(p1, p2, d1, d2):
    (p_lo, p_hi), (d_lo, d_hi) = sorted((p1, p2)), sorted((d1, d2))
    assert rules.continuity_score(p_hi, d_lo) <= rules.continuity_score(p_lo, d_lo)
    assert rules.continuity_score(p_lo, d_hi) <= rules.continuity_score(p_lo, d_lo)


@given(score, score, score, score, st.integers(0, 3), st.integers(0, 4), st.booleans())
def test_composites_are_monotone_in_every_input(n, d, c, s, which, drop, flat):
    args = [n, d, c, s]
    worse = list(args)
    if which < 3:
        worse[which] = max(1, worse[which] - drop)
    else:  # speed: further from normal (3) is worse
        worse[3] = min(5, s + drop) if s >= 3 else max(1, s - drop)
    assert rules.listening_effort_score(*worse) <= rules.listening_effort_score(*args)
    assert rules.naturalness_score(*worse, flat) <= rules.naturalness_score(*args, flat)
    assert rules.naturalness_score(*args, True) <= rules.naturalness_score(*args, False)


@given(st.lists(score, min_size=5, max_size=5), st.integers(0, 4), st.integers(1, 4))
def test_overall_is_monotone(parts, which, drop):
    worse = list(parts)
    worse[which] = max(1, worse[which] - drop)
    assert rules.overall_score(*worse) <= rules.overall_score(*parts)


def test_every_rule_spans_the_scale():
    full = set(range(1, 6))
    assert {rules.noise_score(x, 1.0) for x in range(0, 31)} | {5} == full
    assert {rules.distortion_score(x / 10, 1.0) for x in range(1, 11)} | {5} == full
    assert {rules.speed_score(r / 100) for r in range(60, 161)} == full
    assert {rules.continuity_score(p / 10, 0) for p in range(0, 30)} == full
    grid = [(n, d, c, s) for n in range(1, 6) for d in range(1, 6) for c in range(1, 6) for s in range(1, 6)]
    assert {rules.listening_effort_score(*g) for g in grid} == full
    assert {rules.naturalness_score(*g, False) for g in grid} == full
    assert {rules.overall_score(a, a, a, a, a) for a in range(1, 6)} == full
