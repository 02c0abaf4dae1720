"""`tgan-music evaluate MODEL --songs DIR` with the shipped model on two short rendered songs."""
import json
import os

import pytest

from tgan_music.cli import main
from tgan_music.data.songs import render_song_set
from tgan_music.generation.model import SHIPPED_MODEL


@pytest.fixture(scope="module")
def song_dir(tmp_path_factory):
    # Seed 8: a strathspey at 79 BPM (mp3, strings + drums) and a rag at 63 BPM (m4a, strings).
    out = str(tmp_path_factory.mktemp("songs"))
    render_song_set(out, songs=2, seed=8, duration=9.0, workers=1, progress=False)
    return out


def test_evaluate_on_songs(song_dir, tmp_path, capsys):
    out = str(tmp_path / "eval")
    assert main(["evaluate", SHIPPED_MODEL, "--songs", song_dir, "--seeds", "2", "--duration", "8",
                 "--out", out]) == 0
    printed = capsys.readouterr().out
    assert "beat bar, with its song (upper bound)" in printed and "chance" in printed
    with open(os.path.join(out, "songs_evaluation.json"), encoding="utf-8") as f:
        result = json.load(f)
    rows = result["rows"]
    assert result["songs"] == 2 and result["videos_scored"] == {
        "generated": 4, "generated_other_song": 4, "bar": 2, "bar_other_song": 2, "encoder_bar": 2}
    # The upper bound: the bar swings with its extremes on the beats, so it scores near the best.
    bar = rows["bar"]
    assert bar["tempo_acc8"] == 1.0 and bar["tempo_octave"] == 0.0
    assert bar["bas_fact"] > 0.85 and bar["bas_bailando"] > 0.9
    assert abs(bar["phase_offset"]) < 0.05 and bar["phase_consistency"] > 0.9
    # The rhythm encoder's ceiling: the bar on the beats the encoder finds lies between chance and
    # the true bar (on these two songs the encoder takes eighth notes for beats in some windows).
    enc = rows["encoder_bar"]
    assert rows["bar_other_song"]["bas_bailando"] + 0.2 < enc["bas_bailando"] <= bar["bas_bailando"] + 0.02
    assert rows["bar_other_song"]["bas_fact"] + 0.1 < enc["bas_fact"] <= bar["bas_fact"] + 0.02
    assert "rhythm encoder's beats" in printed
    # Chance: the same videos against the other song's beats score below the upper bound.
    assert rows["bar_other_song"]["bas_fact"] < bar["bas_fact"] - 0.3
    assert rows["generated_other_song"]["bas_fact"] < bar["bas_fact"]
    assert rows["bar_other_song"]["tempo_acc8"] < 1.0
    gen = rows["generated"]
    for key in ("tempo_acc8", "tempo_octave", "bas_fact", "bas_bailando", "phase_offset", "flicker",
                "flicker_ratio", "seed_spread"):
        assert gen[key] is not None, key
    assert 0 <= gen["tempo_acc8"] <= 1 and gen["flicker"] > 0 and gen["seed_spread"] >= 0
    song = result["per_song"][0]
    assert len(song["videos"]) == 2 and song["seconds"] == pytest.approx(8.0)
    markdown = open(os.path.join(out, "songs_evaluation.md"), encoding="utf-8").read()
    assert "| song_8_000 | ryansMammoth/" in markdown and "95 % intervals" in markdown
    # generate's own report beside each video: the song's estimated beats, the motion's tempo and BAS.
    with open(os.path.splitext(song["videos"][0])[0] + ".json", encoding="utf-8") as f:
        report = json.load(f)["rhythm"]
    assert report["music"]["tempo_bpm"] == pytest.approx(78.7, rel=0.08)
    assert len(report["music"]["beats"]) > 5 and report["video"]["motion_tempo_bpm"] > 0
    assert 0 <= report["alignment"]["bas_fact"] <= 1 and report["alignment"]["bas_fact_random"] > 0


def test_songs_dir_without_manifest(tmp_path, capsys):
    assert main(["evaluate", SHIPPED_MODEL, "--songs", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no songs.json" in err[0] and "tgan-music dataset songs" in err[0]
    assert main(["evaluate", "--songs", str(tmp_path), "--clips", str(tmp_path)]) == 2


def test_rhythm_songs_check_tool(song_dir):
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, os.path.join(root, "tools", "rhythm_songs_check.py"), song_dir,
                          "--duration", "8"], capture_output=True, text=True, check=True).stdout
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| window") or line.startswith("| song")]
    assert [(r[0], r[1]) for r in rows] == [("| window", "0 ms"), ("| window", "40 ms"), ("| song", "0 ms"),
                                            ("| song", "40 ms"), ("| song_phase", "0 ms"), ("| song_phase", "40 ms")]
    lag = {(r[0], r[1]): float(r[-1].strip(" |")) for r in rows}
    # the onset envelope lags the notes; the latency takes most of it back
    assert lag[("| window", "0 ms")] > 15 and abs(lag[("| window", "40 ms")]) < lag[("| window", "0 ms")]
