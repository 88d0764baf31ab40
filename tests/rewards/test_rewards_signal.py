"""Signal detectors on synthetic waveforms, and the signal reward on wav files."""

import numpy as np
import pytest
import soundfile as sf

from sqa.rewards import RewardStats, signal_reward
from sqa.rewards.detectors import (
    detect_artifacts,
    detect_clipping,
    detect_dropouts,
    detect_noise,
    detect_pauses,
    load_audio,
)
from sqa.rewards.signal import signal_agreement
from sqa.schema import Artifact, Assessment

SR = 16000


def voiced(seconds, amp=0.4, f0=180.0, syllable=0.2, gap=0.06):
    """Speech-like: harmonic syllables of ``syllable`` s separated by ``gap`` s of digital silence."""
    t = np.arange(int(seconds * SR)) / SR
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    wave = amp * wave / np.max(np.abs(wave)) * (0.75 + 0.25 * np.sin(2 * np.pi * 3 * t))
    wave[(t % (syllable + gap)) >= syllable] = 0.0
    return wave


def approx_intervals(found, expected, tol=0.05):
    return len(found) == len(expected) and all(
        abs(a - c) <= tol and abs(b - d) <= tol for (a, b), (c, d) in zip(found, expected)
    )


def test_clean_signal_has_no_detections():
    y = voiced(2.0)
    assert detect_artifacts(y, SR) == {"noise": [], "distortion": [], "unnatural_pause": []}
    assert detect_dropouts(y, SR) != []  # the syllable gaps are digital zeros after sound: why dropouts are not scored


def test_pause_found_but_not_leading_or_trailing_silence():
    y = np.concatenate([np.zeros(SR // 4), voiced(1.0), 1e-4 * np.ones(SR // 2), voiced(1.0), np.zeros(SR // 4)])
    assert approx_intervals(detect_pauses(y, SR), [(1.25, 1.75)])
    assert detect_pauses(y, SR, min_gap=0.6) == []


def test_dropout_is_a_sudden_zero_run_inside_signal():
    y = voiced(2.0, gap=0.0)
    y[SR // 2 : SR // 2 + SR // 20] = 0.0  # 50 ms of digital zeros
    assert approx_intervals(detect_dropouts(y, SR), [(0.5, 0.55)], tol=0.002)
    assert detect_dropouts(np.concatenate([np.zeros(SR), voiced(1.0, gap=0.0)]), SR) == []  # leading silence


def test_clipping_region_found():
    y = voiced(3.0)
    y[SR : 2 * SR] = np.clip(4 * y[SR : 2 * SR], -1.0, 1.0)
    assert approx_intervals(detect_clipping(y, SR), [(1.0, 2.0)])
    assert detect_clipping(voiced(1.0), SR) == []


def test_noise_burst_found_by_spectral_flatness():
    rng = np.random.default_rng(0)
    y = voiced(3.0)
    start = int(1.04 * SR)  # a syllable boundary (period 0.26 s)
    y[start : 2 * SR] = 0.05 * rng.standard_normal(2 * SR - start)
    assert approx_intervals(detect_noise(y, SR), [(1.04, 2.0)])
    hum = 0.01 * np.sin(2 * np.pi * 50 * np.arange(3 * SR) / SR)  # -43 dBFS mains hum under all of it
    assert approx_intervals(detect_noise(voiced(3.0) + hum, SR), [(0.0, 3.0)])
    with_pause = np.concatenate([voiced(1.0), np.zeros(SR // 2), voiced(1.04)])
    hum = 0.01 * np.sin(2 * np.pi * 50 * np.arange(len(with_pause)) / SR)
    assert approx_intervals(detect_pauses(with_pause + hum, SR), [(0.98, 1.5)], tol=0.03)  # pause under the hum


@pytest.fixture
def gap_wav(tmp_path):
    path = tmp_path / "gap.wav"
    sf.write(path, np.concatenate([voiced(1.0), np.zeros(SR // 2), voiced(1.04)]), SR)
    return str(path)


def test_load_audio_mono_native_rate(tmp_path):
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([voiced(0.5), voiced(0.5)], axis=1), 22050)
    y, sr = load_audio(str(path))
    assert sr == 22050 and y.ndim == 1


def test_signal_reward_orders_claims(gap_wav):
    truth = "Noise artifact: no\nDistortion artifact: no\nUnnatural pause artifact: yes, 1-1.5s; a gap"
    shifted = truth.replace("1-1.5s", "1.25-2s")
    hallucinated = truth.replace("Noise artifact: no", "Noise artifact: yes, 0-2s; hiss")
    missed = "Noise artifact: no\nDistortion artifact: no\nUnnatural pause artifact: no"
    out = signal_reward(None, [truth, shifted, hallucinated, missed, "junk"], audio_path=[gap_wav] * 5)
    assert out[0] == pytest.approx(1.0, abs=0.05)
    assert out[0] > out[1] > 0.0 and out[0] > out[2] > 0.0
    assert out[3] == 0.0 and out[4] == 0.0


def test_signal_agreement_when_nothing_is_claimed_or_found():
    none_found = {"noise": [], "distortion": [], "unnatural_pause": []}
    assert signal_agreement(Assessment({}, {"noise": Artifact(False)}), none_found) == 1.0
    assert signal_agreement(Assessment({"noise": 3}), none_found) == 0.0  # states no artifact at all
    assert signal_agreement(None, none_found) == 0.0


def test_unreadable_audio_scores_zero_counted_and_warned(tmp_path):
    run = RewardStats()
    with pytest.warns(RuntimeWarning, match="cannot analyse"):
        out = signal_reward.with_stats(run)(None, ["Noise artifact: no"], audio_path=[str(tmp_path / "missing.wav")])
    assert out == [0.0] and run["signal"].errors == 1 and run.errors_since({}) == 1


def test_signal_reward_needs_audio_path_column():
    from sqa.rewards import RewardConfigError

    with pytest.raises(RewardConfigError, match="audio_path"):
        signal_reward(None, ["Noise artifact: no"], reference=["x"])


def test_make_signal_reward_with_other_detectors(gap_wav):
    from sqa.rewards import make_signal_reward

    claim = "Noise artifact: yes, 0-2.5s; hiss\nUnnatural pause artifact: yes, 0.5-0.6s; a cut"
    fake = make_signal_reward({"unnatural_pause": (lambda y, sr: [(0.5, 0.6)],)}, name="signal_fake")
    assert fake.__name__ == "signal_fake_reward"
    assert fake(None, [claim], audio_path=[gap_wav]) == [1.0]  # only the pause type is checked
    assert signal_reward(None, [claim], audio_path=[gap_wav]) == [0.0]  # no noise found, pause elsewhere
