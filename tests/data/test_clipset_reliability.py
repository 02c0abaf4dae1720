"""Issue 15 (clip sets and embeddings): a kill at the commit point, two writers at once, a torn
last line, a full disk, an embedding of the wrong shape."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tgan_music.data.storage import ClipStore, _append_jsonl, _read_jsonl
from tgan_music.errors import UserError

SMALL = ["--set", "data.height=24", "--set", "data.width=32", "--set", "data.frames=12",
         "--set", "data.stride_seconds=1.0"]

FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from tgan_music.cli import main
sys.exit(main(sys.argv[2:]))
"""


def extract_cmd(videos, out):
    return [sys.executable, "-m", "tgan_music", "dataset", "extract", videos, "--out", out, *SMALL]


def one_line(stderr):
    """One line of error (the progress bars aside) and no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip() and "%|" not in line]
    return len(lines) == 1 and "Traceback" not in stderr


def paused(cmd, point):
    """A process started with the test hook, once it sleeps at ``point``."""
    env = dict(os.environ, TGAN_MUSIC_TEST_PAUSE=point)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 120
    line = ""
    while time.time() < deadline and f"paused at {point}" not in line:
        line = proc.stderr.readline()
        assert line or proc.poll() is None, "the process ended before the commit point"
    return proc


def clips(root):
    return [(r["source_key"], r["index"], r["start"]) for r in ClipStore(root).rows]


@pytest.fixture(scope="module")
def straight(metronome_set, tmp_path_factory):
    """The clip set of an uninterrupted extraction (what every test below must end with)."""
    videos = metronome_set[0]
    out = str(tmp_path_factory.mktemp("straight") / "set")
    done = subprocess.run(extract_cmd(videos, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return videos, clips(out)


def test_kill_at_the_commit_point_and_a_second_writer(straight, tmp_path):   # rows 1 and 2
    videos, want = straight
    out = str(tmp_path / "set")
    first = paused(extract_cmd(videos, out), "clipset-commit")   # manifest appended, sources not yet
    try:
        second = subprocess.run(extract_cmd(videos, out), capture_output=True, text=True, timeout=300)
        assert second.returncode == 2
        assert one_line(second.stderr) and f"process {first.pid}" in second.stderr and out in second.stderr
        assert "dataset extract" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert len(_read_jsonl(os.path.join(out, "manifest.jsonl"))) > 0   # rows of an uncommitted source
    assert clips(out) == []
    done = subprocess.run(extract_cmd(videos, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert clips(out) == want   # each clip once, in the order of an uninterrupted run


def test_torn_last_line_is_ignored_and_repaired(straight, tmp_path):   # row 3
    videos, want = straight
    out = str(tmp_path / "set")
    first = os.path.join(videos, sorted(f for f in os.listdir(videos) if f.endswith(".mp4"))[0])
    done = subprocess.run(extract_cmd(first, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    manifest = os.path.join(out, "manifest.jsonl")
    with open(manifest, "a") as f:   # a disk that filled in the middle of an append
        f.write('{"start": 3.0, "tempo_bpm": 1')
    n = len(clips(out))
    assert n > 0   # the torn line is ignored on reading
    done = subprocess.run(extract_cmd(videos, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert clips(out) == want
    with open(manifest) as f:
        assert all(json.loads(line) for line in f)   # no line was appended onto the torn one


def test_failed_append_is_cut_back_off(tmp_path):
    path = str(tmp_path / "log.jsonl")
    _append_jsonl(path, [{"a": 1}])
    size = os.path.getsize(path)
    code = (f"import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({size + 20}, {size + 20}))\n"
            f"from tgan_music.data.storage import _append_jsonl\n"
            f"_append_jsonl({path!r}, [{{'b': 'x' * 100}}])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "UserError" in done.stderr and path in done.stderr
    assert _read_jsonl(path) == [{"a": 1}] and os.path.getsize(path) == size


def test_extract_on_a_full_disk_is_one_line_and_the_rerun_completes(straight, tmp_path):   # row 13
    videos, want = straight
    out = str(tmp_path / "set")
    done = subprocess.run([sys.executable, "-c", FULL_DISK, "20000", "dataset", "extract", videos,
                           "--out", out, *SMALL], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr), done.stderr
    assert "free at least" in done.stderr and os.path.join(out, "clips") in done.stderr
    assert not [f for f in os.listdir(os.path.join(out, "clips")) if ".tmp" in f]
    done = subprocess.run(extract_cmd(videos, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert clips(out) == want


def test_two_embed_runs_on_one_clip_set(tiny_clipset, tmp_path):   # row 5
    root = str(tmp_path / "set")
    shutil.copytree(tiny_clipset, root)
    shutil.rmtree(os.path.join(root, "embeddings"))
    cmd = [sys.executable, "-m", "tgan_music", "embed", root, "--encoder", "librosa"]
    first = paused(cmd, "embed-commit")
    try:
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert second.returncode == 2
        assert one_line(second.stderr) and f"process {first.pid}" in second.stderr and "embed" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not [f for f in os.listdir(os.path.join(root, "embeddings", "librosa-v1")) if ".tmp" in f]


def test_embedding_of_the_wrong_shape_names_the_file(tiny_clipset, tmp_path):   # row 11
    from tgan_music.embedding.cache import open_cache
    root = str(tmp_path / "set")
    shutil.copytree(tiny_clipset, root)
    cache = open_cache(root, {"name": "librosa", "args": {}})
    bad = os.path.join(cache.directory, "000001.npy")
    np.save(bad, np.zeros((3, 5), np.float32))
    with pytest.raises(UserError) as err:
        cache[1]
    assert bad in str(err.value) and "(3, 5)" in str(err.value) and "tgan-music embed" in str(err.value)
    cache[0]   # the others still read
