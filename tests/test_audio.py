"""tgan_music.audio.load_audio on real files: formats, rates, channels, and unreadable input."""
import subprocess

import numpy as np
import pytest
import soundfile

from tgan_music.audio import load_audio
from tgan_music.errors import UserError


def tone(seconds, rate, freq=440.0):
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_stereo_44k_wav_becomes_mono_16k(tmp_path):
    left, right = tone(1.0, 44100), np.zeros(44100, np.float32)
    path = tmp_path / "stereo.wav"
    soundfile.write(path, np.stack([left, right], axis=1), 44100, subtype="PCM_16")
    audio = load_audio(path, 16000)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - 16000) <= 1
    # Channels averaged: half the tone's amplitude; the tone is still 440 Hz after resampling.
    assert 0.22 < np.abs(audio[1000:-1000]).max() < 0.27
    spectrum = np.abs(np.fft.rfft(audio[:16000]))
    assert abs(np.argmax(spectrum) * 16000 / 16000 - 440) <= 1


def test_a_16k_mono_file_is_returned_unchanged(tmp_path):
    x = tone(0.5, 16000)
    path = tmp_path / "mono.wav"
    soundfile.write(path, x, 16000, subtype="FLOAT")
    np.testing.assert_array_equal(load_audio(path, 16000), x)


def test_formats_libsndfile_lacks_go_through_ffmpeg(tmp_path):
    wav = tmp_path / "in.wav"
    soundfile.write(wav, tone(1.0, 22050, 1000.0), 22050)
    m4a = tmp_path / "song.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ac", "2", "-c:a", "aac", str(m4a)], check=True)
    audio = load_audio(m4a, 16000)
    assert abs(len(audio) - 16000) < 1200  # AAC adds priming samples
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) * 16000 / len(audio) - 1000) < 5


@pytest.mark.parametrize("content", [b"", b"this is not audio at all\n" * 20])
def test_unreadable_audio_is_a_user_error(tmp_path, content):
    path = tmp_path / "broken.mp3"
    path.write_bytes(content)
    with pytest.raises(UserError) as e:
        load_audio(path, 16000)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_audio(tmp_path / "nope.wav")
