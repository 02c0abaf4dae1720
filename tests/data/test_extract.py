"""Extraction: geometry, exact video/audio interval alignment, ticks on arm extremes, tempo, resume."""
import os
import subprocess

import numpy as np
import pytest

from tgan_music.data.dataset import ClipDataset
from tgan_music.data.extract import ClipGeometry, cut_clips, extract, read_audio, read_frames
from tgan_music.data.storage import ClipStore

FPS, RATE, FRAMES = 12, 16000, 36


def test_clips_have_the_seed_geometry(metronome_set):
    _, clips, _ = metronome_set
    store = ClipStore(clips)
    assert len(store) == 4
    assert store.geometry == {"fps": 12, "frames": 36, "height": 96, "width": 128, "channels": 3,
                              "sample_rate": 16000}
    for i in range(len(store)):
        assert store.video(i).shape == (36, 96, 128, 3) and store.video(i).dtype == np.uint8
        assert store.audio(i).shape == (48000,) and store.audio(i).dtype == np.float32
    assert sorted((r["source"].rsplit("/", 1)[1], r["start"]) for r in store.rows) == [
        ("steady.mp4", 0.0), ("steady.mp4", 3.0), ("step.mp4", 0.0), ("step.mp4", 3.0)]


def test_clip_video_and_audio_are_the_same_interval_of_the_source(metronome_set):
    videos, clips, _ = metronome_set
    store = ClipStore(clips)
    path = os.path.join(videos, "steady.mp4")
    g = ClipGeometry()
    frames = read_frames(path, g, 200)
    audio = read_audio(path, g, 10 ** 6)
    assert len(frames) == 84 and abs(len(audio) - 7 * RATE) <= RATE // FPS   # 7 s at 12 fps / 16 kHz
    rows = [r for r in store.rows if r["source"].endswith("steady.mp4")]
    for r in rows:
        f0, s0 = int(round(r["start"] * FPS)), int(round(r["start"] * RATE))
        np.testing.assert_array_equal(store.video(r["clip"]), frames[f0:f0 + FRAMES])
        np.testing.assert_array_equal(store.audio(r["clip"]), audio[s0:s0 + 48000])


def _arm_extreme_frames(video):
    """Frames where the arm's weight (drawn yellow by the fixture) is horizontally furthest out."""
    v = video.astype(np.int16)
    red = (v[..., 0] > 150) & (v[..., 1] > 130) & (v[..., 2] < 100)
    xs = np.arange(v.shape[2])
    cx = np.array([(m.sum(axis=0) * xs).sum() / max(m.sum(), 1) for m in red])
    cx -= 0.5 * (cx.max() + cx.min())
    return [j for j in range(1, len(cx) - 1)
            if abs(cx[j]) > 0.5 * np.abs(cx).max() and abs(cx[j]) >= abs(cx[j - 1]) and abs(cx[j]) >= abs(cx[j + 1])]


def test_ticks_land_on_the_frames_where_the_arm_is_at_an_extreme(metronome_set, tick_onsets):
    _, clips, _ = metronome_set
    store = ClipStore(clips)
    checked = 0
    for i in range(len(store)):
        extremes = _arm_extreme_frames(np.asarray(store.video(i)))
        onsets = tick_onsets(np.asarray(store.audio(i)), RATE)
        assert len(onsets) >= 4, (i, onsets)
        for n in onsets:
            frame = int(n * FPS // RATE)          # sample n lies in frame floor(n * fps / rate)
            if 1 <= frame < FRAMES - 1:
                assert min(abs(frame - e) for e in extremes) <= 1, (i, frame, extremes)
                checked += 1
    assert checked >= 12


def test_ground_truth_tempo_survives(metronome_set, tick_onsets):
    _, clips, params = metronome_set
    store = ClipStore(clips)
    expected = {("steady.mp4", 0.0): 80.0, ("steady.mp4", 3.0): 80.0, ("step.mp4", 0.0): 100.0,
                ("step.mp4", 3.0): (0.5 * 100 + 2.5 * 140) / 3}
    for r in store.rows:
        key = (r["source"].rsplit("/", 1)[1], r["start"])
        assert abs(r["tempo_bpm"] - expected[key]) < 1e-6
        assert 0 <= r["phase"] < 2 * np.pi
        if key[0] == "step.mp4" and key[1] == 3.0:
            continue
        # The tempo heard in the extracted audio: median inter-onset interval.
        onsets = tick_onsets(np.asarray(store.audio(r["clip"])), RATE)
        heard = 60.0 / (np.median(np.diff(onsets)) / RATE)
        assert abs(heard - r["tempo_bpm"]) / r["tempo_bpm"] < 0.03, (key, heard)


def test_dataset_over_extracted_clips(metronome_set):
    _, clips, _ = metronome_set
    ds = ClipDataset(clips, "all")
    video, emb, index = ds[1]
    assert video.shape == (3, 36, 96, 128) and video.dtype == np.float32
    assert -1.0 <= video.min() and video.max() <= 1.0 and video.std() > 0.05
    assert emb.shape == (0,) and index == 1


def test_frame_time_to_sample_time_mapping(tmp_path, ffmpeg):
    """A 25 fps 16:9 source with a white flash over [2.0, 2.05] s (source frames 50-51, one output frame) and a
    click at 2.0 s: the flash is clip frame 24 only, the click sample 32000; the crop keeps the
    centre and drops the sides."""
    path = str(tmp_path / "flash.mkv")
    draw = ("drawbox=x=150:y=0:w=20:h=180:color=red:t=fill,"
            "drawbox=x=0:y=0:w=16:h=180:color=lime:t=fill,drawbox=x=304:y=0:w=16:h=180:color=lime:t=fill,"
            "drawbox=x=0:y=0:w=320:h=40:color=white:t=fill:enable='between(t,2,2.05)'")
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=320x180:r=25:d=4", "-f", "lavfi",
           "-i", "aevalsrc='0.9*between(t,2,2.003)':s=48000:d=4", "-vf", draw,
           "-c:v", "libx264", "-qp", "10", "-c:a", "pcm_s16le", path)
    g = ClipGeometry(stride_seconds=1.0)
    frames = read_frames(path, g, 60)
    audio = read_audio(path, g, 10 ** 6)
    video, clip_audio, starts = cut_clips(frames, audio, g)
    assert starts == [0.0, 1.0] and video.shape[0] == 2
    for k, start in enumerate(starts):
        brightness = video[k][:, :10].mean(axis=(1, 2, 3))
        flash = int(np.argmax(brightness))
        assert np.sum(brightness > 128) == 1
        click = int(np.argmax(np.abs(clip_audio[k]) > 0.5))
        assert flash == int(round((2.0 - start) * FPS))
        assert abs(click - (2.0 - start) * RATE) <= 16            # within 1 ms
        assert flash == click * FPS // RATE
    mid = video[0][0, 50]
    assert mid[60:68, 0].mean() > 150 and mid[60:68, 1].mean() < 80      # the red centre bar is centred
    assert video[0][0, 50, :, 1].max() < 100                            # the green side bars are cropped away


def test_resume_skips_finished_sources_and_keeps_them(metronome_set, tmp_path):
    videos, clips, _ = metronome_set
    before = np.array(ClipStore(clips).video(0))
    lines = []
    summary = extract([os.path.join(videos, n) for n in ("steady.mp4", "step.mp4")], clips, ClipGeometry(),
                      progress=False, log=lines.append)
    assert summary["skipped"] == 2 and summary["ok"] == 0 and summary["total_clips"] == 4 and not lines
    np.testing.assert_array_equal(ClipStore(clips).video(0), before)


def test_other_geometry_is_refused_for_an_existing_clip_set(metronome_set):
    videos, clips, _ = metronome_set
    from tgan_music.errors import UserError
    with pytest.raises(UserError, match="clip set was made with"):
        extract([os.path.join(videos, "steady.mp4")], clips, ClipGeometry(fps=8, frames=24), progress=False)
