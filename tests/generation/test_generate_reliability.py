"""Issue 15 (generate): on a full disk nothing is left at the output paths, and the error is one line."""
import os
import subprocess
import sys

import pytest

from tgan_music.cli import main
from tests.generation.test_generate import song

FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from tgan_music.cli import main
sys.exit(main(sys.argv[2:]))
"""


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.strip() and "%|" not in line]


@pytest.mark.parametrize("limit", [3000, 12000])   # the mp4 fails, or a later file does
def test_generate_on_a_full_disk_leaves_nothing_at_the_output(tiny_music_model, tmp_path, limit):   # row 15
    wav = song(tmp_path / "song.wav", 3.0)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = str(out_dir / "v.mp4")
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(limit), "generate", wav, "--model",
                           tiny_music_model, "--out", out], capture_output=True, text=True, timeout=300)
    lines = error_lines(done.stderr)
    if done.returncode == 0:
        pytest.skip(f"everything fitted under {limit} bytes")
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "free at least" in lines[0] and str(out_dir) in lines[0]
    assert os.listdir(out_dir) == []   # no mp4 without its moov atom, no sheet, no report, no temporary


def test_generate_writes_the_report_atomically(tiny_music_model, tmp_path, monkeypatch):
    import tgan_music.generation.music_video as music_video
    wav = song(tmp_path / "song.wav", 2.0)
    out = str(tmp_path / "v.mp4")
    calls = []
    real = music_video.write_json
    monkeypatch.setattr(music_video, "write_json", lambda path, data: calls.append(path) or real(path, data))
    assert main(["generate", wav, "--model", tiny_music_model, "--out", out]) == 0
    assert calls == [str(tmp_path / "v.json")]
    assert sorted(os.listdir(tmp_path)) == ["song.wav", "v.json", "v.mp4", "v_sheet.png"]
