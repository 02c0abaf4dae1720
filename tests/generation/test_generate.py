"""`tgan-music generate` end to end on a tiny model trained by the real pipeline."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from tgan_music.cli import main
from tgan_music.video import probe


def song(path, seconds, bpm=100.0, rate=44100, stereo=True, silent=False):
    """A click track (ticks at known times) written as a real audio file."""
    t = np.arange(int(seconds * rate)) / rate
    audio = np.zeros_like(t, dtype=np.float32)
    if not silent:
        for tick in np.arange(0, seconds, 60.0 / bpm):
            n = int(tick * rate)
            audio[n:n + 400] += np.sin(2 * np.pi * 1500 * t[:400]).astype(np.float32) * 0.8
    if stereo:
        audio = np.stack([audio, audio * 0.5], axis=1)
    soundfile.write(str(path), audio, rate)
    return str(path)


def streams(info):
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    a = next(s for s in info["streams"] if s["codec_type"] == "audio")
    return v, a


def test_generate_video_with_music_in_sync(tiny_music_model, tmp_path):
    wav = song(tmp_path / "song.wav", 7.3)
    mp3 = str(tmp_path / "song.mp3")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", wav, "-c:a", "libmp3lame", mp3], check=True)
    out = str(tmp_path / "video.mp4")
    assert main(["generate", mp3, "--model", tiny_music_model, "--out", out, "--start", "1.0",
                 "--duration", "5.0", "--seed", "3"]) == 0
    v, a = streams(probe(out))
    assert v["codec_name"] == "h264" and a["codec_name"] == "aac"
    assert v["r_frame_rate"] == "12/1"
    assert (int(v["width"]), int(v["height"])) == (32, 24)
    assert int(a["channels"]) == 2  # the song's own stereo mix
    assert int(v["nb_frames"]) == 60
    # in sync to +-1 frame: both streams start at 0 and last the segment
    assert abs(float(v.get("start_time", 0)) - float(a.get("start_time", 0))) <= 1 / 12
    assert float(v["duration"]) == pytest.approx(5.0, abs=1 / 12)
    assert float(a["duration"]) == pytest.approx(5.0, abs=1 / 12)
    report = json.load(open(str(tmp_path / "video.json")))
    assert report["windows"] >= 5 and report["seams"]["seams"] >= 4
    assert os.path.getsize(str(tmp_path / "video_sheet.png")) > 1000


def test_same_seed_same_video_and_variations(tiny_music_model, tmp_path):
    from tgan_music.generation.music_video import generate_music_video
    wav = song(tmp_path / "s.wav", 2.5, stereo=False, rate=22050)
    a = generate_music_video(wav, str(tmp_path / "a.mp4"), model=tiny_music_model, seed=1, show_progress=False,
                             log=lambda s: None)
    b = generate_music_video(wav, str(tmp_path / "b.mp4"), model=tiny_music_model, seed=1, variations=2,
                             fps=24, scale=2, show_progress=False, log=lambda s: None)
    assert [r["video"] for r in b] == [str(tmp_path / "b_v1.mp4"), str(tmp_path / "b_v2.mp4")]
    v, _ = streams(probe(b[0]["video"]))
    assert v["r_frame_rate"] == "24/1" and int(v["width"]) == 64 and int(v["nb_frames"]) == 60
    assert a[0]["seams"] == b[0]["seams"] or a[0]["frames"] * 2 == b[0]["frames"]


def test_short_and_silent_songs(tiny_music_model, tmp_path, capsys):
    short = song(tmp_path / "short.wav", 0.5)
    assert main(["generate", short, "--model", tiny_music_model, "--out", str(tmp_path / "short.mp4")]) == 0
    assert "shorter than one clip" in capsys.readouterr().out
    v, _ = streams(probe(str(tmp_path / "short.mp4")))
    assert int(v["nb_frames"]) == 6
    silent = song(tmp_path / "silent.wav", 2.0, silent=True)
    assert main(["generate", silent, "--model", tiny_music_model, "--out", str(tmp_path / "silent.mp4")]) == 0


@pytest.mark.parametrize("case, message", [
    ("unreadable", "cannot decode audio|cannot read audio"),
    ("missing_audio", "audio file not found"),
    ("missing_model", "no such file or directory"),
    ("no_snapshot", "no snapshot_iter_"),
    ("incompatible", "does not hold the generator"),
    ("bad_start", "--start 99.0"),
])
def test_errors_are_one_line(tiny_music_model, tmp_path, case, message):
    wav = song(tmp_path / "ok.wav", 2.0)
    model = tiny_music_model
    audio = wav
    extra = []
    if case == "unreadable":
        audio = str(tmp_path / "noise.mp3")
        open(audio, "wb").write(np.random.RandomState(0).bytes(5000))
    elif case == "missing_audio":
        audio = str(tmp_path / "nope.wav")
    elif case == "missing_model":
        model = str(tmp_path / "no_model")
    elif case == "no_snapshot":
        model = str(tmp_path / "empty_result")
        os.makedirs(model)
    elif case == "incompatible":
        # the tiny model's snapshot beside a config of other networks
        import shutil

        import yaml
        model = str(tmp_path / "other")
        shutil.copytree(tiny_music_model, model)
        cfg = yaml.safe_load(open(os.path.join(model, "config.yaml")))
        cfg["model"]["generator"]["args"]["z_dims"] = 12
        yaml.safe_dump(cfg, open(os.path.join(model, "config.yaml"), "w"))
    elif case == "bad_start":
        extra = ["--start", "99.0"]
    out = str(tmp_path / "x.mp4")
    proc = subprocess.run([sys.executable, "-m", "tgan_music", "generate", audio, "--model", model, "--out", out,
                           *extra], capture_output=True, text=True)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    import re
    assert re.search(message, lines[0]), lines[0]
    assert not os.path.exists(out)


def test_missing_nsynth_checkpoint_message(tiny_music_model, tmp_path):
    """A model trained on NSynth embeddings needs the checkpoint: the embedding issue's error."""
    import shutil

    import yaml
    model = str(tmp_path / "nsynth_model")
    shutil.copytree(tiny_music_model, model)
    cfg = yaml.safe_load(open(os.path.join(model, "config.yaml")))
    cfg["embedding"]["encoder"] = {"name": "nsynth", "args": {"checkpoint": None}}
    yaml.safe_dump(cfg, open(os.path.join(model, "config.yaml"), "w"))
    wav = song(tmp_path / "ok.wav", 1.5)
    proc = subprocess.run([sys.executable, "-m", "tgan_music", "generate", wav, "--model", model, "--out",
                           str(tmp_path / "x.mp4")], capture_output=True, text=True)
    assert proc.returncode != 0 and "wavenet-ckpt" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bench_generate_prints_its_figures(capsys):
    assert main(["bench", "generate", "--seconds", "3", "--skip-full"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("bench generate (CPU, 3 s song): small_x_realtime=")
    assert float(last.split("=")[-1]) > 0


def test_export_model_writes_a_generator_that_generates_like_the_snapshot(tiny_music_model, tmp_path):
    import chainer

    from tgan_music.generation.model import export_model, load_generator
    from tgan_music.training.snapshot import latest_snapshot
    snapshot = latest_snapshot(tiny_music_model)
    for source in (tiny_music_model, snapshot):          # a result directory or one snapshot file
        out, used = export_model(source, str(tmp_path / "model"))
        assert os.path.abspath(used) == os.path.abspath(snapshot)
        for name in ("generator.npz", "config.yaml", "embedding_stats.npz", "SOURCE.txt"):
            assert os.path.isfile(os.path.join(out, name)), name
    exported, original = load_generator(out), load_generator(tiny_music_model)
    z = exported.gen.sample_z(2, np.random.RandomState(0))
    m = np.random.RandomState(1).randn(2, 20, exported.gen.music_dims).astype(np.float32)
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        np.testing.assert_array_equal(exported.gen(z, m).array, original.gen(z, m).array)
    assert os.path.getsize(os.path.join(out, "generator.npz")) < os.path.getsize(snapshot)


def test_select_snapshot_tool_scores_every_snapshot(tiny_music_model, tiny_clipset, tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "select_snapshot", os.path.join(os.path.dirname(__file__), "..", "..", "tools", "select_snapshot.py"))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main([tiny_music_model, "--clips", tiny_clipset, "--samples", "4", "--export", str(tmp_path / "m")])
    assert os.path.isfile(tmp_path / "m" / "generator.npz")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("chosen: ") and lines[-1].endswith(".npz")
    # Each snapshot is named with its run's directory (several runs can be given).
    run = os.path.basename(os.path.normpath(tiny_music_model))
    assert any(line.startswith(f"{run}/snapshot_iter_") for line in lines)
    with pytest.raises(SystemExit, match="no snapshot_iter"):
        tool.main([os.path.dirname(tiny_clipset), "--clips", tiny_clipset])


def test_exported_config_names_no_file_of_the_run(tmp_path):
    import yaml

    from tgan_music.generation.model import portable_config
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "train": {"sync_expert": "results/expert/sync_expert.npz", "lr": 1e-3}}))
    portable_config(str(path))
    assert yaml.safe_load(path.read_text()) == {"name": "x", "train": {"sync_expert": "", "lr": 1e-3}}
