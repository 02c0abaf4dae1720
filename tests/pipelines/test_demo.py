"""The main job end to end (small): render -> extract -> embed -> train -> evaluate -> music video."""
import json
import os

from tgan_music.pipelines.demo import print_summary, run_demo
from tgan_music.video import probe


def test_demo_runs_end_to_end(tmp_path):
    out = str(tmp_path / "demo")
    # An earlier demo's training run of another config (say, the model shipped before) is replaced.
    os.makedirs(os.path.join(out, "train"))
    with open(os.path.join(out, "train", "snapshot_iter_00000002.npz"), "wb") as f:
        f.write(b"a snapshot of another config")
    lines = []
    summary = run_demo(out, videos=4, seconds=5.0, iterations=2, log=lines.append)
    print_summary(summary, log=lines.append)
    text = "\n".join(lines)
    assert "[5/5]" in text and "music video:" in text
    saved = json.load(open(os.path.join(out, "summary.json")))
    assert saved["training"]["dir"].endswith("train")
    assert os.path.isfile(os.path.join(out, "train", "loss.png"))
    assert os.path.isfile(os.path.join(out, "evaluation.md"))
    rows = saved["evaluation"]["rows"]
    assert set(rows) >= {"generated", "real", "real_shuffled"}
    v = next(s for s in probe(summary["music_video"]["video"])["streams"] if s["codec_type"] == "video")
    assert v["r_frame_rate"] == "12/1" and int(v["nb_frames"]) == 240 and int(v["width"]) == 128
    halves = saved["music_video"]["rhythm_vs_track_ticks"]
    assert halves["first_half"]["tempo_bpm"] == 80.0 and halves["second_half"]["tempo_bpm"] == 132.0
