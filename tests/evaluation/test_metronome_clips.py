"""The metrics on real rendered metronome clips (synthesizer -> mp4 -> ffmpeg extraction) score
far above the same clips with shuffled audio."""
import subprocess
import sys

import pytest

from tgan_music.evaluation.scoring import score_clip_set


@pytest.mark.slow
def test_real_metronome_clips_score_above_shuffled_audio(tmp_path):
    # 4 videos of 9 s (seed 0) -> 12 clips of 3 s at 12 fps, 96x128, as `make demo` makes them.
    subprocess.run([sys.executable, "-m", "tgan_music", "dataset", "metronome",
                    "--out", str(tmp_path / "videos"), "--videos", "4", "--seed", "0",
                    "--duration", "9", "--size", "320x240", "--workers", "2",
                    "--clips", str(tmp_path / "clips")], check=True, capture_output=True)
    result = score_clip_set(str(tmp_path / "clips"), progress=False)
    real, shuffled = result["real"], result["shuffled"]
    assert real["bas_fact"]["n"] == 12
    for name in ("bas_fact", "bas_bailando", "av_align", "tempo_acc8", "phase_consistency"):
        assert real[name]["mean"] > shuffled[name]["mean"] + 0.2, name
    assert real["tempo_acc8"]["mean"] >= 0.75
    assert real["phase_error"]["mean"] < shuffled["phase_error"]["mean"]
