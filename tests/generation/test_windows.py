import numpy as np
import pytest

from tgan_music.generation.frames import change_fps, seam_report
from tgan_music.generation.windows import WindowPlan


@pytest.mark.parametrize("seconds, overlap", [(1.0, 0), (3.0, 0), (7.5, 0), (7.5, 4), (60.0, 6)])
def test_plan_covers_the_song(seconds, overlap):
    sr, fps, frames = 16000, 12, 36
    plan = WindowPlan(int(seconds * sr), sr, fps, frames, overlap)
    assert plan.total_frames == round(seconds * fps)
    starts = [w * plan.hop for w in range(plan.count)]
    assert starts[-1] + frames >= plan.total_frames
    assert len(starts) == 1 or starts[-2] + frames < plan.total_frames + overlap + 1
    # frame k is shown at k / fps: a window's audio starts at the sample of its first frame
    for w, f in enumerate(starts):
        assert plan.sample_start(w) == round(f / fps * sr)
    assert plan.starts() == [round(f / fps * sr) for f in starts]
    assert plan.starts(8000) == [round(s / 2) for s in plan.starts()]   # the same samples at another rate


def test_window_audio_is_the_right_interval():
    sr, fps, frames = 16000, 12, 36
    audio = np.arange(int(7.5 * sr), dtype=np.float32)
    plan = WindowPlan(len(audio), sr, fps, frames, overlap=6)
    windows = plan.window_audio(audio)
    assert windows.shape == (plan.count, 48000)
    assert windows[1, 0] == plan.sample_start(1) == 30 / 12 * sr
    assert windows[-1, -1] == 0  # padded past the end


def test_stitch_identity_and_crossfade():
    plan = WindowPlan(16000 * 6, 16000, 12, 36, overlap=4)
    clips = np.stack([np.full((36, 2, 2, 1), w, np.float32) for w in range(plan.count)])
    out = plan.stitch(clips)
    assert out.shape == (72, 2, 2, 1)
    assert out[0, 0, 0, 0] == 0 and out[31, 0, 0, 0] == 0
    fade = out[32:36, 0, 0, 0]
    assert np.all(np.diff(fade) > 0) and 0 < fade[0] < fade[-1] < 1  # smooth ramp 0 -> 1
    assert out[36, 0, 0, 0] == 1


def test_change_fps():
    frames = np.stack([np.full((1, 1, 3), v, np.uint8) for v in (0, 100, 200)])
    assert change_fps(frames, 12, 12) is frames
    up = change_fps(frames, 12, 24)
    assert len(up) == 6 and list(up[:4, 0, 0, 0]) == [0, 50, 100, 150]
    rep = change_fps(frames, 12, 30, method="repeat")
    assert len(rep) == 8 and set(rep[:, 0, 0, 0]) == {0, 100, 200}
    assert len(change_fps(frames, 12, 30)) == 8


def test_seam_report():
    f = np.zeros((8, 2, 2, 1), np.float32)
    f[4:] = 10  # a jump at the seam between windows of 4
    r = seam_report(f, 4)
    assert r["seams"] == 1 and r["seam_mean_diff"] == 10 and r["within_mean_diff"] == 0
