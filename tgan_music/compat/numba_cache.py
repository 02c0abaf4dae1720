"""Fills numba's on-disk cache of librosa's compiled functions in one process.

librosa compiles its beat tracker and peak picking with ``@guvectorize(cache=True)``. Each function
is two cache files written apart, so processes that compile it at the same moment (the runs of an
ablation started side by side, say) can leave a pair from two processes: every later call
then dies with a segmentation fault (numba/numba#10128, librosa/librosa#1998; seen here as
``generate`` crashing in ``beat_track``). Compiled once here, by tools/bootstrap.sh, the cache is
only ever read afterwards.

    python -m tgan_music.compat.numba_cache
"""
import numpy as np


def warm():
    """Runs every librosa function the project uses that numba compiles, on a short click track."""
    import warnings

    import librosa

    warnings.simplefilter("ignore", UserWarning)   # plp's tempogram window is longer than the track
    sr = 22050
    y = np.zeros(4 * sr, np.float32)
    y[::sr // 2] = 1.0                         # clicks at 120 BPM
    env = librosa.onset.onset_strength(y=y, sr=sr)
    for dtype in (np.float32, np.float64):
        e = env.astype(dtype)
        librosa.beat.beat_track(onset_envelope=e, sr=sr)
        librosa.beat.plp(onset_envelope=e, sr=sr)
        librosa.onset.onset_detect(onset_envelope=e, sr=sr)
    librosa.feature.tempo(onset_envelope=env, sr=sr)
    librosa.resample(y, orig_sr=sr, target_sr=16000)


if __name__ == "__main__":
    warm()
