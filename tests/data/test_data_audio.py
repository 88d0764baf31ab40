"""sqa.data.audio: load_audio in every supported format, one clear AudioError per problem."""

import numpy as np
import pytest
import soundfile as sf

from sqa.data import AudioError, audio_problems, load_audio

SR = 16000


def tone(seconds=1.0, sr=SR, channels=1):
    t = np.arange(int(seconds * sr)) / sr
    y = 0.5 * np.sin(2 * np.pi * 220 * t)
    return np.stack([y] * channels, axis=1) if channels > 1 else y


@pytest.mark.parametrize("fmt,ext", [("WAV", "wav"), ("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_formats_load_as_float32_mono_16k(tmp_path, fmt, ext):
    path = tmp_path / f"clip.{ext}"
    sf.write(path, tone(1.0, 22050, channels=2), 22050, format=fmt)
    y = load_audio(path)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - SR) < 0.06 * SR  # mp3/ogg may pad a few frames
    assert 0.3 < np.abs(y).max() <= 1.0


def test_resampling_keeps_duration_and_sr_argument(tmp_path):
    path = tmp_path / "a.wav"
    sf.write(path, tone(2.0, 44100), 44100)
    assert len(load_audio(path)) == 2 * SR
    assert len(load_audio(path, sr=8000)) == 16000


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match=r"nope\.wav: file not found"):
        load_audio(tmp_path / "nope.wav")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match=r"empty\.wav: empty file \(0 bytes\)"):
        load_audio(tmp_path / "empty.wav")


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "clip.wav"
    path.write_text("this is not audio\n" * 20)
    with pytest.raises(AudioError) as err:
        load_audio(path)
    message = str(err.value)
    assert message.startswith(f"{path}: not a readable audio file (")
    assert "\n" not in message and err.value.path == path


def test_zero_length_audio(tmp_path):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros(0), SR)
    assert path.stat().st_size > 0  # a valid header, no samples
    with pytest.raises(AudioError, match="zero length"):
        load_audio(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_samples(tmp_path, bad):
    y = tone(0.5)
    y[100] = bad
    path = tmp_path / "bad.wav"
    sf.write(path, y, SR, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN or infinite"):
        load_audio(path)


def test_directory_is_an_error(tmp_path):
    with pytest.raises(AudioError, match="directory"):
        load_audio(tmp_path)


def test_audio_error_is_a_value_error_with_fields():
    err = AudioError("clip.wav", "not a readable audio file (Format not recognised)")
    assert isinstance(err, ValueError)
    assert str(err) == "clip.wav: not a readable audio file (Format not recognised)"
    assert err.problem.startswith("not a readable")


def test_audio_problems_flags():
    assert audio_problems(tone(1.0), SR) == []
    assert audio_problems(np.zeros(SR), SR) == ["silent"]
    assert audio_problems(1e-5 * tone(1.0), SR) == ["silent"]
    assert audio_problems(tone(0.3), SR) == ["too short"]
    assert audio_problems(tone(31.0), SR) == ["long"]
    assert audio_problems(np.zeros(100), SR) == ["silent", "too short"]
    assert audio_problems(np.zeros(0), SR) == ["silent", "too short"]
