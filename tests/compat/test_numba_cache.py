import glob
import os
import subprocess
import sys


def test_warm_fills_librosas_beat_tracker_cache_in_one_process():
    """bootstrap runs this once, so that runs started side by side only read the cache."""
    import librosa

    subprocess.run([sys.executable, "-m", "tgan_music.compat.numba_cache"], check=True, timeout=600)
    cache = os.path.join(os.path.dirname(librosa.__file__), "__pycache__")
    for name in ("beat.__beat_track_dp", "guf-beat.__trim_beats", "guf-beat.__dp_backtrack"):
        assert glob.glob(os.path.join(cache, f"{name}-*.nbi")), name
