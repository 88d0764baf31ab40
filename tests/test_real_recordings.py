"""Real recordings (Debian's alsa-utils speech, espeak-ng) degraded by sox: DNSMOS, the detectors, assess.

The recordings and their variants are built once per session (``tests/real_audio.py``). Locally these
tests skip with the reason when alsa-utils, sox or espeak-ng are missing; under CI (``CI=true``) they fail.
What they measured is logged (``pytest -o log_cli=true --log-cli-level=INFO``).
"""

from __future__ import annotations

import json
import logging

import pytest
from real_audio import BAD, CLIP_SPAN, DROPOUT_SPAN, SNRS_DB, build_variants, require_real_audio

log = logging.getLogger(__name__)
GOOD = (
    "clean",
    "noise_20db",
    "noise_10db",
    "noise_0db",
    "clipped",
    "dropout",
    "resampled_8k",
    "mp3",
    "flac",
    "ogg",
    "stereo",
    "espeak",
)


@pytest.fixture(scope="session")
def variants(tmp_path_factory):
    require_real_audio()
    return build_variants(tmp_path_factory.mktemp("real_audio"))


def _load(path):
    from sqa.rewards.detectors import load_audio

    return load_audio(str(path))


def test_dnsmos_bak_falls_as_the_snr_falls_on_the_real_recording(variants):
    from sqa.evaluation.baselines import dnsmos

    names = ["clean"] + [f"noise_{s}db" for s in SNRS_DB]
    scores = {n: dnsmos(*_load(variants[n])) for n in names}
    bak = [scores[n]["bak_mos"] for n in names]
    log.info(
        "DNSMOS BAK clean / %s dB SNR: %s; OVRL: %s",
        " / ".join(map(str, SNRS_DB)),
        bak,
        [scores[n]["ovrl_mos"] for n in names],
    )
    assert all(a > b for a, b in zip(bak, bak[1:])), dict(zip(names, bak))


def test_the_detectors_find_the_inserted_clipping_and_dropout_on_real_speech(variants):
    from sqa.evaluation.baselines import detector_artifacts
    from sqa.metrics.iou import interval_iou, overlap_length
    from sqa.rewards.detectors import detect_clipping, detect_dropouts

    y, sr = _load(variants["clipped"])
    clipping = detect_clipping(y, sr)
    row = detector_artifacts(y, sr)
    y, sr = _load(variants["dropout"])
    dropouts = detect_dropouts(y, sr)
    pauses = detector_artifacts(y, sr)["unnatural_pause"]
    iou = {
        "clipping": interval_iou(clipping, [CLIP_SPAN]),
        "row distortion": interval_iou(row["distortion"], [CLIP_SPAN]),
        "dropout": interval_iou(dropouts, [DROPOUT_SPAN]),
        "row pauses": interval_iou(pauses, [DROPOUT_SPAN]),
    }
    log.info(
        "detector IoU with the inserted spans: %s (clipping %s, dropout %s, row pauses %s)",
        {k: round(v, 2) for k, v in iou.items()},
        clipping,
        dropouts,
        pauses,
    )
    assert iou["clipping"] >= 0.5 and iou["row distortion"] >= 0.5, iou
    assert iou["dropout"] >= 0.5, iou
    covered = overlap_length(pauses, [DROPOUT_SPAN]) / (DROPOUT_SPAN[1] - DROPOUT_SPAN[0])
    assert covered >= 0.9, (pauses, covered)  # the row counts the dropout as an unnatural pause


def test_the_detectors_find_no_noise_clipping_or_dropout_on_the_clean_recording(variants):
    from sqa.evaluation.baselines import detector_artifacts
    from sqa.rewards.detectors import detect_dropouts

    for name in ("clean", "flac", "resampled_8k"):
        y, sr = _load(variants[name])
        found = detector_artifacts(y, sr)
        assert found["noise"] == [] and found["distortion"] == [] and detect_dropouts(y, sr) == [], (name, found)


@pytest.mark.xfail(
    strict=True,
    reason="the pause detector (gaps of >= 0.3 s at the noise floor) also marks the "
    "speaker's own word gaps of 0.3 s in 'Front ... center', 'Side ... left', "
    "'Side ... right'; the synthetic corpus calls such gaps unnatural, so no "
    "threshold on length alone tells the two apart",
)
def test_the_row_finds_no_pause_on_the_clean_recording(variants):
    from sqa.evaluation.baselines import detector_artifacts

    y, sr = _load(variants["clean"])
    found = detector_artifacts(y, sr)["unnatural_pause"]
    log.info("pauses found on the clean recording: %s", found)
    assert found == []


def _run_assess(args, capsys):
    from sqa.cli import main

    code = main(["assess", *args, "--format", "json", "--no-progress"])
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return code, lines, err


def _check_every_variant(variants, tmp_dir, code, lines, err):
    files = [str(variants[k]) for k in GOOD] + [str(tmp_dir / b) for b in BAD]
    assert [r["file"] for r in lines] == files
    ok = {r["file"] for r in lines if r["status"] == "ok"}
    assert ok == {str(variants[k]) for k in GOOD}, [r["error"] for r in lines if r["status"] != "ok"]
    errors = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(errors) == len(BAD) and all(any(b in ln for ln in errors) for b in BAD), err
    assert "Traceback" not in err and code == 1


def test_assess_dnsmos_handles_every_variant(variants, capsys):
    tmp_dir = variants["clean"].parent
    code, lines, err = _run_assess(
        [*(str(variants[k]) for k in GOOD), *(str(tmp_dir / b) for b in BAD), "--model", "dnsmos"], capsys
    )
    _check_every_variant(variants, tmp_dir, code, lines, err)
    for r in lines:
        if r["status"] == "ok":
            a = r["assessment"]
            assert a["scores"]["speed"] is None and "speed" in r["not_predicted"]
            assert all(1 <= a["scores"][d] <= 5 for d in ("noise", "distortion", "overall"))
            assert set(a["artifacts"]) == {"noise", "distortion", "unnatural_pause"}
    by = {r["file"]: r for r in lines}
    clipped = by[str(variants["clipped"])]["assessment"]["artifacts"]["distortion"]
    assert clipped["present"] and by[str(variants["stereo"])]["duration_s"] == by[str(variants["clean"])]["duration_s"]
    log.info("assess --model dnsmos: %s", {k: json.loads(by[str(variants[k])]["raw"])["dnsmos_p835"] for k in GOOD})


def test_a_folder_named_dnsmos_is_a_model_path_not_the_reserved_name(tmp_path, monkeypatch, capsys):
    from sqa.cli import main

    (tmp_path / "dnsmos").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["assess", "x.wav", "--model", "./dnsmos"]) == 2
    assert "./dnsmos: not a model directory" in capsys.readouterr().err


@pytest.fixture(scope="module")
def smoke_stage(tmp_path_factory):
    """A trained smoke stage (Calibration, one step) in a temp runs/ folder."""
    from sqa.configs.profiles import Profile, get_profile
    from sqa.pipeline.stages import calibration_stage

    root = tmp_path_factory.mktemp("smoke_stage")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Profile, "shared_dir", property(lambda self: root / "runs" / self.name))
        mp.delenv("SQA_JUDGE", raising=False)
        return calibration_stage(get_profile("smoke", calib_steps=1, n_train=4, n_test=2))


def test_assess_with_a_trained_stage_handles_every_variant(variants, smoke_stage, capsys):
    tmp_dir = variants["clean"].parent
    code, lines, err = _run_assess(
        [
            *(str(variants[k]) for k in GOOD),
            *(str(tmp_dir / b) for b in BAD),
            "--model",
            str(smoke_stage),
            "--max-new-tokens",
            "8",
        ],
        capsys,
    )
    _check_every_variant(variants, tmp_dir, code, lines, err)
