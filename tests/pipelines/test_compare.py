"""`tgan-music compare` with a tiny config: synthesizes the three clip sets, trains models x seeds at
equal CPU time, chooses each snapshot on the selection set, evaluates on the held-out set and two
rendered songs, writes RESULTS.md to tmp; a second call reuses everything."""
import json
import os
import shutil

import pytest
import yaml

from tgan_music.cli import main
from tgan_music.data.songs import render_song_set
from tgan_music.errors import UserError
from tgan_music.pipelines.compare import budget, run_compare

EXPERIMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "experiments")
TINY = ["train.batchsize=2", "train.preview_interval=0", "train.log_interval=1"]
# The music-driven recipe, narrowed so that it trains a few iterations in a CPU second.
TINY_MOTION = TINY + ["model.generator.args.temporal_args.width=8", "model.generator.args.image_widths=[16,8,8,8]"]


def tiny_compare(tmp_path, songs=""):
    clips = tmp_path / "data"
    return {
        "extends": os.path.join(EXPERIMENTS, "compare_metronome.yaml"),
        "data": {"root": str(clips / "train")},
        "evaluate": {"samples": 4, "classifier": {"iterations": 3, "batchsize": 4}},
        "compare": {"out": str(tmp_path / "runs"), "report": str(tmp_path / "docs" / "RESULTS.md"),
                    "seeds": [0, 1], "cpu_seconds": 1.5, "snapshot_interval": 2,
                    "videos": 3, "video_seconds": 4.0, "video_size": "64x48", "video_seed": 3,
                    "selection": {"root": str(clips / "select"), "videos": 2, "video_seed": 4,
                                  "samples": 2},
                    "heldout": {"root": str(clips / "heldout"), "videos": 2, "video_seed": 5},
                    "songs": songs, "songs_seeds": 2, "songs_duration": 4.0,
                    "summary": "The caller's paragraph.", "notes": ["a note of the caller"],
                    "runs": [{"label": "baseline TGAN", "config": "experiments/small/metronome_none.yaml",
                              "set": TINY},
                             {"label": "music-driven motion", "config": "experiments/music_motion.yaml",
                              "set": TINY_MOTION}]},
    }


def test_compare_models_by_seeds_at_equal_cpu_time(tmp_path, capsys, monkeypatch):
    songs = ""
    if shutil.which("fluidsynth"):
        songs = str(tmp_path / "songs")
        render_song_set(songs, songs=2, seed=8, duration=6.0, workers=1, progress=False)
    report = tmp_path / "docs" / "RESULTS.md"
    shipped_report = os.path.join(os.path.dirname(EXPERIMENTS), "docs", "RESULTS.md")
    before = os.path.getmtime(shipped_report) if os.path.exists(shipped_report) else None
    path = tmp_path / "compare.yaml"
    path.write_text(yaml.safe_dump(tiny_compare(tmp_path, songs)))
    # Run configs not beside the compare YAML are found relative to the working directory.
    monkeypatch.chdir(os.path.dirname(EXPERIMENTS))
    # Two runs at a time, in worker processes (compare.jobs); the second call below is serial.
    assert main(["compare", str(path), "--quiet", "--set", "compare.jobs=2"]) == 0
    assert "wrote" in capsys.readouterr().out
    text = report.read_text()
    # Rows, intervals, the chance rows and the upper bound, the caller's paragraph and notes.
    for label in ("baseline TGAN", "music-driven motion", "real clips (upper bound)",
                  "real clips, shuffled music (chance)", "music-driven motion, another clip's music (chance)"):
        assert f"| {label} |" in text
    assert " ± " in text and "octave errors" in text and "BAS (Bailando)" in text and "flicker" in text
    assert "## By tempo" in text and "## Per seed" in text and "The caller's paragraph." in text
    assert "a note of the caller" in text and "CPU: " in text and "1.5 s of process CPU time per run" in text
    # The commands of every row, seed by seed.
    assert "tgan-music train experiments/small/metronome_none.yaml" in text
    assert "--set seed=1" in text and "--set train.cpu_seconds=1.5" in text
    assert "tools/select_snapshot.py" in text and "--split all" in text
    for png in ("metrics.png", "frames.png"):
        assert (tmp_path / "docs" / "results" / png).stat().st_size > 1000
    with open(tmp_path / "runs" / "compare.json", encoding="utf-8") as f:
        summary = json.load(f)
    assert [(r["label"], r["seed"]) for r in summary["runs"]] == [
        ("baseline TGAN", 0), ("baseline TGAN", 1), ("music-driven motion", 0), ("music-driven motion", 1)]
    for r in summary["runs"]:
        # Stopped by the CPU budget (not by the million iterations), the chosen snapshot exported.
        assert r["cpu_seconds"] >= 1.5 and 0 < r["iteration"] < 1000000
        assert os.path.isfile(os.path.join(r["out"], "selected", "generator.npz"))
        held = json.load(open(os.path.join(r["out"], "heldout", "evaluation.json"), encoding="utf-8"))
        assert held["clip_set"] == str(tmp_path / "data" / "heldout") and held["split"] == "all"
        selection = json.load(open(os.path.join(r["out"], "selection.json"), encoding="utf-8"))
        assert selection["clips"] == str(tmp_path / "data" / "select")
        assert r["chosen"]["snapshot"] in [s["snapshot"] for s in selection["scores"]]
    # Every clip set embedded with every encoder a conditional run needs (rhythm+librosa here).
    for name in ("train", "select", "heldout"):
        caches = os.listdir(tmp_path / "data" / name / "embeddings")
        assert any(c.startswith("rhythm") for c in caches), caches
    assert os.path.isfile(tmp_path / "data" / "train" / "tempo_classifier" / "classifier.json")
    if songs:
        assert "## Songs benchmark" in text and "beat bar (upper bound)" in text
        assert os.path.isfile(tmp_path / "runs" / "baseline_tgan_s0" / "songs" / "songs_evaluation.json")
    after = os.path.getmtime(shipped_report) if os.path.exists(shipped_report) else None
    assert before == after  # the shipped report is left alone

    # Resumable: a second call trains, selects and evaluates nothing again.
    logged = []
    again = run_compare(str(path), progress=False, log=logged.append)
    assert not [line for line in logged if "training" in line or "evaluating" in line or "chosen" in line], logged
    assert again["runs"] == summary["runs"]


def test_budget_is_cpu_time_or_iterations():
    config = {"compare": {"cpu_seconds": 60.0, "iterations": None, "max_iterations": 1000}}
    assert budget(config)[0] == ["train.cpu_seconds=60", "train.iterations=1000"]
    config["compare"].update(cpu_seconds=0.0, iterations=5)
    assert budget(config)[0] == ["train.iterations=5"]
    config["compare"]["cpu_seconds"] = 60.0
    with pytest.raises(UserError, match="not both"):
        budget(config)

