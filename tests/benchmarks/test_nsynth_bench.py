"""`tgan-music bench nsynth`: the figures, the CPU and the fraction of the GEMM limit reached."""
import pytest

from tgan_music.benchmarks.nsynth import gemm_limit
from tgan_music.cli import main
from tgan_music.embedding.nsynth import LAYERS, SAMPLE_RATE, WIDTH, NSynthEncoder


def test_gemm_limit_counts_the_encoders_flops():
    gflop, sgemm, limit = gemm_limit(NSynthEncoder(seed=0), seconds=0.05)
    # start conv (1->128, k3), per layer a k3 dilated conv and a 1x1 residual, all at 16 kHz
    weights = WIDTH * 3 + LAYERS * (WIDTH * WIDTH * 3 + WIDTH * WIDTH)
    assert gflop == pytest.approx(2 * SAMPLE_RATE * weights / 1e9)
    assert 60 < gflop < 66          # REFERENCE.md / issue 13: 63 GFLOP per audio second
    assert sgemm > 0 and limit == pytest.approx(sgemm / gflop)


def test_bench_nsynth_prints_cpu_and_gemm_fraction(capsys):
    assert main(["bench", "nsynth", "--seconds", "0.25", "--batches", "1", "--repeat", "1", "--no-reference"]) == 0
    out = capsys.readouterr().out
    assert "cpu: " in out and "GEMM limit: " in out and "reached: batch 1 " in out
    assert "of the GEMM limit)" in out.strip().splitlines()[-1]
