"""Each bad input gives one clear line naming the file and the problem; the run goes on."""
import os
import subprocess
import sys

import numpy as np

from tgan_music.data.extract import BadSource, ClipGeometry, extract_source
from tgan_music.data.storage import ClipStore

PROBLEMS = {
    "corrupt": "corrupt or unreadable file",
    "no_video": "no video stream",
    "short": "shorter than one clip",
    "no_audio": "no audio track",
    "silent": "audio track is silent",
    "empty_audio": "audio track is empty",
    "codec": "unsupported video codec",
}


def test_cli_reports_each_bad_input_and_keeps_going(bad_inputs, tmp_path):
    out = str(tmp_path / "clips")
    cmd = [sys.executable, "-m", "tgan_music", "dataset", "extract", *bad_inputs.values(), "--out", out]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr       # one good video made it
    lines = [line for line in proc.stderr.replace("\r", "\n").splitlines() if line.startswith(tuple(bad_inputs.values()))]
    for kind, problem in PROBLEMS.items():
        mine = [line for line in lines if line.startswith(bad_inputs[kind] + ":")]
        assert len(mine) == 1 and problem in mine[0], (kind, lines)
    assert "1 videos extracted (1 clips), 0 already done, 7 failed" in proc.stdout
    assert all(f"failed: {bad_inputs[k]}" in proc.stdout for k in PROBLEMS)
    store = ClipStore(out)
    assert len(store) == 1 and store.rows[0]["source"].endswith("good.mp4")
    kept = np.array(store.video(0))
    # Re-running: the good source is skipped and kept, the bad ones are tried (and reported) again.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert "0 videos extracted (0 clips), 1 already done, 7 failed" in again.stdout
    np.testing.assert_array_equal(ClipStore(out).video(0), kept)


def test_silent_and_audio_less_videos_kept_when_allowed(bad_inputs):
    for kind in ("no_audio", "silent", "empty_audio"):
        video, audio, rows = extract_source(bad_inputs[kind], ClipGeometry(), allow_silent=True)
        assert video.shape == (1, 36, 96, 128, 3) and audio.shape == (1, 48000)
        assert np.abs(audio).max() < 1e-3 and rows[0]["start"] == 0.0


def test_missing_and_empty_files(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for path, problem in ((str(empty), "empty file"), (str(tmp_path / "nope.mp4"), "not a file")):
        try:
            extract_source(path, ClipGeometry())
        except BadSource as e:
            assert problem in str(e)
        else:
            raise AssertionError(path)
    assert not os.path.exists(tmp_path / "nope.mp4")
