"""`tgan-music embed-audio` end to end: what Magenta's nsynth_save_embeddings writes, from any format."""
import os
import subprocess

import numpy as np

from tgan_music.cli import main


def test_embed_audio_matches_magenta(nsynth_fixture, nsynth_prefix, tmp_path):
    out = tmp_path / "clip1.npy"
    assert main(["embed-audio", os.path.join(nsynth_fixture, "clip1.wav"), "--checkpoint", nsynth_prefix,
                 "--out", str(out)]) == 0
    ours, ref = np.load(out), np.load(os.path.join(nsynth_fixture, "clip1_embeddings.npy"))
    assert ours.dtype == np.float32 and ours.shape == ref.shape == (39, 16)
    assert np.abs(ours - ref).max() / np.abs(ref).max() <= 1e-4


def test_embed_audio_resamples_any_rate_and_channels(tmp_path):
    wav = tmp_path / "tone.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=1.5",
                    "-ac", "2", str(wav)], check=True)
    out = tmp_path / "tone.npy"
    assert main(["embed-audio", str(wav), "--encoder", "librosa", "--out", str(out)]) == 0
    frames = np.load(out)
    assert frames.shape == (int(1.5 * 16000) // 512, 16)
    assert np.argmax(frames[10, 4:]) == 4  # chroma: 330 Hz is an E


def test_unreadable_audio_exits_with_one_line(tmp_path, capsys):
    bad = tmp_path / "song.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    assert main(["embed-audio", str(bad), "--encoder", "librosa", "--out", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err.strip()
    assert str(bad) in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.npy").exists()
