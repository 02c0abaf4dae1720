import numpy as np
import pytest

from tgan_music.video import frame_grid, probe, to_uint8_frames, write_mp4


def test_write_mp4_with_audio_in_sync(tmp_path):
    fps, sr = 12, 16000
    frames = np.zeros((36, 48, 64, 3), np.uint8)
    frames[12] = 255  # a white flash at t = 1 s
    audio = np.zeros(3 * sr, np.float32)
    out = write_mp4(str(tmp_path / "a.mp4"), frames, fps, audio, sr, scale=2)
    info = probe(out)
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    a = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert v["codec_name"] == "h264" and a["codec_name"] == "aac"
    assert (int(v["width"]), int(v["height"])) == (128, 96)
    assert v["r_frame_rate"] == "12/1"
    assert float(v["duration"]) == pytest.approx(3.0, abs=1 / fps)
    assert float(a["duration"]) == pytest.approx(3.0, abs=0.05)
    assert float(v.get("start_time", 0)) == pytest.approx(0.0, abs=1e-3)


def test_write_mp4_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "keep.mp4"
    path.write_bytes(b"old")
    with pytest.raises(ValueError):
        write_mp4(str(path), np.zeros((2, 8, 8), np.uint8), 12)
    assert path.read_bytes() == b"old"


def test_frame_grid_and_uint8():
    videos = np.full((3, 2, 4, 5, 3), 7, np.uint8)
    grid = frame_grid(videos, columns=2, pad=1)
    assert grid.shape == (2, 2 * 5 + 1, 2 * 6 + 1, 3)
    assert grid[0, 1, 1, 0] == 7 and grid[0, 0, 0, 0] == 0
    x = np.linspace(-1, 1, 3 * 2 * 2 * 2, dtype=np.float32).reshape(3, 2, 2, 2)
    u = to_uint8_frames(x)
    assert u.shape == (2, 2, 2, 3) and u.dtype == np.uint8
    assert u.min() == 0 and u.max() == 255
