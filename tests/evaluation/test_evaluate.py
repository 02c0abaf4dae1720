"""`tgan-music evaluate` on a tiny model trained with train() on rendered metronome clips."""
import json
import os
import shutil

import pytest

from tgan_music.cli import main
from tgan_music.config import load_config
from tgan_music.evaluation.evaluate import CLASSIFIER_KEYS, ROWS
from tgan_music.training.trainer import train

EXPERIMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "experiments")
PER_FRAME = os.path.join(EXPERIMENTS, "small", "metronome_per_frame.yaml")
TINY_TRAINING = ["train.iterations=2", "train.batchsize=4", "train.preview_interval=0",
                 "train.log_interval=1", "train.snapshot_interval=2"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(result dir, clip set): 4 rendered metronome videos -> clips (32x32, 8 fps), librosa
    embeddings, a tempo classifier trained for 3 iterations, a per-frame model trained for 2."""
    base = tmp_path_factory.mktemp("evaluate")
    clips, out = str(base / "clips"), str(base / "run")
    assert main(["dataset", "metronome", "--out", str(base / "videos"), "--videos", "4", "--seed", "3",
                 "--duration", "4", "--size", "64x48", "--workers", "1", "--clips", clips,
                 "--config", PER_FRAME]) == 0
    assert main(["embed", clips, "--encoder", "librosa"]) == 0
    assert main(["evaluate", "--train-classifier", clips, "--set", "evaluate.classifier.iterations=3",
                 "--set", "evaluate.classifier.batchsize=4"]) == 0
    config = load_config(PER_FRAME, [f"data.root={clips}"] + TINY_TRAINING)
    train(config, out, quiet=True)
    return out, clips


def test_evaluate_writes_json_and_markdown(trained, capsys):
    out, clips = trained
    assert main(["evaluate", out, "--samples", "4"]) == 0
    printed = capsys.readouterr().out
    assert "| real held-out clips (upper bound) |" in printed
    with open(os.path.join(out, "evaluation.json"), encoding="utf-8") as f:
        result = json.loads(f.read())  # strict JSON: undefined values are null, not NaN
    assert result["samples"] == 4 and result["split"] == "test" and result["iteration"] == 2
    assert result["conditioning"] == "per_frame"
    assert set(result["rows"]) == set(ROWS)
    for row in ("generated", "real"):
        for key in CLASSIFIER_KEYS + ("bas_fact", "tempo_acc8"):
            assert key in result["rows"][row], (row, key)
    for row in ROWS:
        for key in ("bas_fact", "tempo_acc8", "cls_acc"):
            value = result["rows"][row].get(key)
            assert value is None or 0.0 <= value <= 1.0, (row, key, value)
    assert 1.0 <= result["rows"]["generated"]["is"] <= 12.0
    assert result["rows"]["generated"]["fd"] >= 0.0
    assert len(result["per_sample"]["generated_bins"]) == 4
    assert [r["range"] for r in result["by_tempo"]["generated"]] == ["< 60 BPM", "60-150 BPM", ">= 150 BPM"]
    assert sum(r["clips"] for r in result["by_tempo"]["generated"]) == 4
    assert result["classifier"]["directory"] == os.path.abspath(os.path.join(clips, "tempo_classifier"))
    with open(os.path.join(out, "evaluation.md"), encoding="utf-8") as f:
        markdown = f.read()
    assert markdown.startswith("# Evaluation of small_metronome_per_frame")
    assert "generated, with its music" in markdown
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_evaluate_out_and_snapshot_file(trained, tmp_path, capsys):
    # --out puts the report elsewhere (e.g. beside a read-only shipped model); a snapshot file
    # evaluates that snapshot.
    out, clips = trained
    snapshot = sorted(n for n in os.listdir(out) if n.startswith("snapshot_iter_"))[-1]
    report = tmp_path / "report"
    assert main(["evaluate", os.path.join(out, snapshot), "--samples", "2", "--no-classifier",
                 "--out", str(report)]) == 0
    with open(report / "evaluation.json", encoding="utf-8") as f:
        assert json.load(f)["snapshot"].endswith(snapshot)
    assert os.path.isfile(report / "evaluation.md")


def test_evaluate_errors_are_one_line(trained, tmp_path, capsys):
    out, _ = trained
    assert main(["evaluate", str(tmp_path / "missing")]) == 2
    assert "no such result directory" in capsys.readouterr().err
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(os.path.join(out, "config.yaml"), bare / "config.yaml")
    assert main(["evaluate", str(bare)]) == 2
    assert "no snapshot_iter_" in capsys.readouterr().err
    empty = tmp_path / "no_classifier"
    empty.mkdir()
    assert main(["evaluate", out, "--samples", "2", "--classifier", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "--train-classifier" in err and len(err.strip().splitlines()) == 1


def test_by_tempo_groups_clips_by_the_music_tempo():
    from tgan_music.evaluation.evaluate import by_tempo
    per_clip = [{"tempo_acc8": 1.0, "bas_fact": 0.5}, {"tempo_acc8": 0.0, "bas_fact": 0.1},
                {"tempo_acc8": 1.0, "bas_fact": float("nan")}, {"tempo_acc8": 0.0, "bas_fact": 0.3}]
    slow, mid, fast = by_tempo(per_clip, [50.0, 59.9, 60.0, None])
    assert (slow["clips"], slow["tempo_acc8"], slow["bas_fact"]) == (2, 0.5, 0.3)
    assert (mid["clips"], mid["tempo_acc8"], mid["bas_fact"]) == (1, 1.0, None)   # NaN scores are left out
    assert (fast["clips"], fast["tempo_acc8"]) == (0, None)                      # no tempo: in no range


def test_contact_sheet_draws_the_real_clip_over_each_z(trained, tmp_path):
    """tools/contact_sheet.py: for each music clip a real row, then one row per z (this two-iteration
    model draws nothing like the metronome); a missing model is one line."""
    import subprocess
    import sys

    import matplotlib.image
    import numpy as np

    out, clips = trained
    png = str(tmp_path / "sheet.png")
    tool = os.path.join(os.path.dirname(EXPERIMENTS), "tools", "contact_sheet.py")
    done = subprocess.run([sys.executable, tool, out, clips, png, "--clips", "2", "--seeds", "2", "--every", "4"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "2 clips x (real + 2 z)" in done.stdout
    image = matplotlib.image.imread(png)
    h, w = 64 + 2, 64 + 2          # 32x32 frames, zoomed 2x to 64, 2 px gaps
    assert image.shape[:2] == (6 * h + 2, 4 * w + 2)   # 16 frames, one in four; 2 x (1 + 2) rows
    rows = [image[2 + i * h:2 + i * h + 64, 2:2 + 64] for i in range(6)]
    assert rows[0].std() > 0.02 and rows[3].std() > 0.02 and not np.allclose(rows[0], rows[3])   # two real clips
    assert not any(np.allclose(rows[0], r, atol=0.02) for r in (rows[1], rows[2], rows[4], rows[5]))
    bad = subprocess.run([sys.executable, tool, str(tmp_path / "missing"), clips, png],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and bad.stderr.strip().startswith("contact_sheet:") and "Traceback" not in bad.stderr
