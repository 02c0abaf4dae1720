"""`tgan-music bench train` runs and prints its figures on the final line (timing not asserted)."""
import os
import re

from tgan_music.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_bench_train_prints_figures(capsys):
    config = os.path.join(REPO, "experiments", "small", "metronome_per_frame.yaml")
    assert main(["bench", "train", config, "--iterations", "2", "--warmup", "0",
                 "--set", "train.batchsize=2"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.search(r"[\d.]+ s/iteration, [\d.]+ videos/s \(batch 2, 16x32x32", last), last
