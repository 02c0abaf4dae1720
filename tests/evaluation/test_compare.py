"""`tgan-music compare` with a tiny config: synthesizes the data, trains, evaluates, writes RESULTS.md to tmp."""
import json
import os

import yaml

from tgan_music.cli import main

EXPERIMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "experiments")
TINY = ["train.batchsize=4", "train.preview_interval=0", "train.log_interval=1"]


def test_compare_writes_results_to_tmp(tmp_path, capsys, monkeypatch):
    report = tmp_path / "docs" / "RESULTS.md"
    shipped_report = os.path.join(os.path.dirname(EXPERIMENTS), "docs", "RESULTS.md")
    before = os.path.getmtime(shipped_report) if os.path.exists(shipped_report) else None
    config = {
        "extends": os.path.join(EXPERIMENTS, "compare_metronome.yaml"),
        "data": {"root": str(tmp_path / "clips")},
        "evaluate": {"samples": 4, "classifier": {"iterations": 3, "batchsize": 4},
                     "compare": {"out": str(tmp_path / "runs"), "report": str(report), "iterations": 2,
                                 "videos": 4, "video_seconds": 4.0, "video_size": "64x48", "video_seed": 3,
                                 "runs": [{"label": "baseline TGAN", "config": "experiments/small/metronome_none.yaml",
                                           "set": TINY},
                                          {"label": "per-frame", "config": "experiments/small/metronome_per_frame.yaml",
                                           "set": TINY}]}},
    }
    path = tmp_path / "compare.yaml"
    path.write_text(yaml.safe_dump(config))
    # Run configs not beside the compare YAML are found relative to the working directory.
    monkeypatch.chdir(os.path.dirname(EXPERIMENTS))
    assert main(["compare", str(path), "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    text = report.read_text()
    for label in ("baseline TGAN", "per-frame", "real clips (upper bound)", "real clips, shuffled music (chance)"):
        assert f"| {label} |" in text
    assert "tgan-music train experiments/small/metronome_none.yaml" in text
    assert "--set train.iterations=2" in text
    for png in ("metrics.png", "frames.png"):
        assert (tmp_path / "docs" / "results" / png).stat().st_size > 1000
    with open(tmp_path / "runs" / "compare.json", encoding="utf-8") as f:
        summary = json.load(f)
    assert [r["iteration"] for r in summary["runs"]] == [2, 2]
    assert (tmp_path / "runs" / "per_frame" / "evaluation.json").is_file()
    assert os.path.isfile(tmp_path / "clips" / "tempo_classifier" / "classifier.json")
    after = os.path.getmtime(shipped_report) if os.path.exists(shipped_report) else None
    assert before == after  # the shipped report is left alone
