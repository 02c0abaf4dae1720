"""The synthesizer: camera-like files, ground truth, determinism, the tempo model."""
import json
import os
import subprocess
import sys

import numpy as np

from tgan_music.data.metronome import TEMPO_RANGE, draw_params, render_video, weight_position
from tgan_music.data.tempo_curve import beats_elapsed, mean_tempo, tick_times


def test_tempo_model():
    knots = [[0.0, 60.0], [2.0, 60.0], [2.0, 120.0], [4.0, 120.0]]
    np.testing.assert_allclose(beats_elapsed(knots, [1.0, 2.0, 3.0, 4.0]), [1.0, 2.0, 4.0, 6.0])
    ramp = [[0.0, 60.0], [2.0, 120.0]]
    np.testing.assert_allclose(beats_elapsed(ramp, [2.0]), [3.0])
    assert abs(mean_tempo(ramp, 0.0, 2.0) - 90.0) < 1e-9
    # phase0 = 0: the arm starts at the centre, so the first extreme comes after a half beat.
    np.testing.assert_allclose(tick_times([[0.0, 60.0], [4.0, 60.0]], 0.0, 4.0), [0.5, 1.5, 2.5, 3.5], atol=1e-6)
    assert weight_position(40.0) > weight_position(120.0) > weight_position(208.0)


def test_random_parameters_cover_the_ranges():
    params = [draw_params(0, i) for i in range(400)]
    tempi = np.array([p["tempo_knots"][0][1] for p in params])
    assert tempi.min() >= TEMPO_RANGE[0] and tempi.max() <= TEMPO_RANGE[1]
    # Uniform in log tempo: about half below the geometric mean of the range.
    assert 0.4 < np.mean(tempi < np.sqrt(TEMPO_RANGE[0] * TEMPO_RANGE[1])) < 0.6
    changes = {p["tempo_change"] for p in params}
    assert changes == {"none", "step", "accelerando"}
    assert {(p["width"], p["height"]) for p in params} == {(640, 480), (1280, 720)}
    assert all(10 <= p["duration"] <= 60 for p in params)
    assert draw_params(0, 5) == draw_params(0, 5) and draw_params(0, 5) != draw_params(1, 5)


def _probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", path],
                         capture_output=True, text=True, check=True).stdout
    return {s["codec_type"]: s for s in json.loads(out)["streams"]}


def test_rendered_video_is_camera_like_with_ground_truth(metronome_set):
    videos, _, params = metronome_set
    streams = _probe(os.path.join(videos, "steady.mp4"))
    v, a = streams["video"], streams["audio"]
    assert v["codec_name"] == "h264" and (v["width"], v["height"]) == (160, 120) and v["r_frame_rate"] == "30/1"
    assert a["codec_name"] == "aac" and a["sample_rate"] == "44100" and a["channels"] == 2
    assert abs(float(v["duration"]) - 7.0) < 0.05
    with open(os.path.join(videos, "steady.json"), encoding="utf-8") as f:
        truth = json.load(f)
    assert truth["frames"] == 210 and len(truth["arm_angle_deg"]) == 210
    np.testing.assert_allclose(np.diff(truth["tick_times"]), 0.75, atol=1e-4)
    amp = truth["amplitude_deg"]
    assert max(np.abs(truth["arm_angle_deg"])) <= amp + 1e-6
    # Each tick is at an extreme of the swing: |angle| = amplitude there.
    phase = truth["phase0"] + np.pi * 80 / 60 * np.asarray(truth["tick_times"])
    np.testing.assert_allclose(np.abs(np.sin(phase)), 1.0, atol=1e-6)


def test_rendering_is_deterministic(tmp_path):
    p = draw_params(3, 1, duration=1.0, size=(64, 48))
    for out in ("a", "b"):
        os.makedirs(tmp_path / out)
        render_video(p, str(tmp_path / out), "m")
    for name in ("m.mp4", "m.json"):
        with open(tmp_path / "a" / name, "rb") as f, open(tmp_path / "b" / name, "rb") as g:
            assert f.read() == g.read(), name


def test_cli_renders_and_extracts(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tgan_music", "dataset", "metronome", "--out", str(tmp_path / "v"),
                           "--videos", "2", "--seed", "11", "--duration", "3.5", "--size", "96x72",
                           "--workers", "2", "--clips", str(tmp_path / "clips")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "2 videos extracted (2 clips)" in proc.stdout
    assert sorted(os.listdir(tmp_path / "v")) == ["metronome_11_00000.json", "metronome_11_00000.mp4",
                                                  "metronome_11_00001.json", "metronome_11_00001.mp4"]
