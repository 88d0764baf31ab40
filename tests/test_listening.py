"""The report's listening section (sqa.analysis.listening): clips by a fixed rule, embedded audio that decodes to the
clip, spectrograms, the reference beside the answers; and the whole report with it passes check_report."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest
import soundfile as sf

from sqa.analysis.listening import MAIN_SYSTEMS, choose_clips, listening_section
from sqa.analysis.report import check_report
from sqa.configs.profiles import Profile, get_profile
from sqa.schema import ARTIFACTS, render


@pytest.fixture()
def smoke_results(tmp_path, monkeypatch):
    """results/smoke with the main systems' answers (each the reference: a perfect system) and the detector row."""
    from sqa.configs.systems import get_system
    from sqa.data import load_examples
    from sqa.pipeline.system_results import evaluate_system

    monkeypatch.setattr(Profile, "shared_dir", property(lambda self: tmp_path / "runs" / self.name))
    profile = get_profile("smoke")
    test = load_examples(profile, "test")
    res = tmp_path / "results" / "smoke"
    for name in MAIN_SYSTEMS:
        d = res / "systems" / get_system(name).slug
        d.mkdir(parents=True)
        pd.DataFrame({"id": [e.id for e in test], "answer": [render(e.assessment) for e in test]}).to_csv(
            d / "predictions.csv", index=False
        )
    evaluate_system(profile, "Signal detectors (no model)", results=tmp_path / "results")
    return res, test


def test_the_listening_section_embeds_each_chosen_clip_and_the_answers(smoke_results):
    res, test = smoke_results
    chosen = choose_clips([(e.id, e.assessment) for e in test])
    kinds = [k for k, _ in chosen]
    has_clean = any(not any(a is not None and a.present for a in e.assessment.artifacts.values()) for e in test)
    assert (kinds[-1] == "clean") == has_clean and set(kinds) - {"clean"} <= set(ARTIFACTS) and len(kinds) >= 2
    assert len({c for _, c in chosen}) == len(chosen)
    page = listening_section(res)
    audios = re.findall(r'<audio controls preload="metadata" src="data:audio/ogg;base64,([^"]+)"', page)
    assert len(audios) == len(chosen) == len(re.findall(r'src="data:image/jpeg;base64,', page))
    by_id = {e.id: e for e in test}
    for (_, cid), data in zip(chosen, audios):
        y, sr = sf.read(io.BytesIO(base64.b64decode(data)))
        want = sf.info(by_id[cid].audio_path).duration
        assert abs(len(y) / sr - want) < 0.05, (cid, len(y) / sr, want)  # the clip itself, whole
        assert cid in page
    assert len(page) / len(chosen) < 100_000  # the budget of a clip in the report
    assert page.count("<td>reference</td>") == len(chosen)
    assert page.count(f"<td>{MAIN_SYSTEMS[0]}</td>") == len(chosen)
    assert "Signal detectors (no model)" in page and "n/a (not predicted)" in page


def test_without_test_clips_the_section_says_so(tmp_path):
    assert "No test clips" in listening_section(tmp_path / "no_such_profile")


def test_check_report_refuses_audio_that_is_not_embedded(tmp_path):
    page = tmp_path / "r.html"
    page.write_text('<html><body><audio controls src="clip.ogg"></audio></body></html>')
    assert check_report(page) == ["audio not embedded"]
    page.write_text('<html><body><audio controls src="data:audio/ogg;base64,AAAA"></audio></body></html>')
    assert check_report(page) == []
