"""Issue 15 (training): damaged snapshots, full disks, one writer per --out, config checks,
the NaN stop in one line, and resuming with another seed."""
import os
import signal
import subprocess
import sys
import time

import pytest

from tgan_music.config import load_config
from tgan_music.errors import ConfigError, UserError
from tgan_music.training.snapshot import list_snapshots
from tgan_music.training.trainer import train

FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from tgan_music.cli import main
sys.exit(main(sys.argv[2:]))
"""


def cli(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "tgan_music", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in stderr and "Warning" not in stderr


@pytest.fixture
def trained(write_config, tmp_path):
    """(config path, out) of 4 iterations with snapshots at 2 and 4."""
    path = write_config(conditioning="none", head="score", iterations=4)
    out = str(tmp_path / "run")
    train(load_config(path), out, quiet=True)
    assert [it for it, _ in list_snapshots(out)] == [2, 4]
    return path, out


def truncate(path, keep=1000):
    with open(path, "r+b") as f:
        f.truncate(keep)


def test_damaged_newest_snapshot_is_named_and_resume_falls_back(trained, capsys):   # row 6
    path, out = trained
    newest = os.path.join(out, "snapshot_iter_00000004.npz")
    truncate(newest)
    result = train(load_config(path, ["train.iterations=6"]), out, quiet=True)
    err = capsys.readouterr().err
    assert newest in err and "damaged" in err and "snapshot_iter_00000002.npz" in err
    assert result["resumed_from"].endswith("snapshot_iter_00000002.npz") and result["iteration"] == 6
    assert os.path.isfile(newest + ".corrupt")   # kept for a look, out of the way of the next resume
    assert [it for it, _ in list_snapshots(out)] == [4, 6]


def test_every_snapshot_damaged_is_one_line_and_the_next_run_starts_over(trained):
    path, out = trained
    for _, snap in list_snapshots(out):
        truncate(snap, 10)
    with pytest.raises(UserError, match="no readable snapshot"):
        train(load_config(path, ["train.iterations=6"]), out, quiet=True)
    assert train(load_config(path, ["train.iterations=2"]), out, quiet=True)["resumed_from"] is None


def test_generate_names_a_damaged_snapshot_and_generator(trained, tmp_path):   # rows 6 and 7
    from tgan_music.generation.model import export_model, load_generator
    _, out = trained
    exported, _ = export_model(out, str(tmp_path / "model"))
    newest = os.path.join(out, "snapshot_iter_00000004.npz")
    truncate(newest)
    with pytest.raises(UserError) as err:
        load_generator(out)
    message = str(err.value)
    assert newest in message and "corrupt or truncated" in message and "snapshot_iter_00000002.npz" in message
    generator = os.path.join(exported, "generator.npz")
    truncate(generator, 0)
    with pytest.raises(UserError) as err:
        load_generator(exported)
    assert generator in str(err.value) and "\n" not in str(err.value)


def test_train_on_a_full_disk_is_one_line_and_leaves_no_temporary(write_config, tmp_path):   # row 14
    path = write_config(conditioning="none", head="score", iterations=4)
    out = str(tmp_path / "full")
    # 100 kB per file: the config, log and plots fit, a snapshot (~400 kB) does not.
    done = subprocess.run([sys.executable, "-c", FULL_DISK, "100000", "train", path, "--out", out],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr) and "Exception ignored" not in done.stderr, done.stderr
    assert "snapshot_iter_00000002.npz" in done.stderr and "free at least" in done.stderr
    assert not [f for f in os.listdir(out) if ".tmp" in f]
    assert not list_snapshots(out)


def test_snapshot_is_fsynced_with_its_directory(trained, monkeypatch):
    import tgan_music.atomic as atomic
    path, out = trained
    synced = []
    real = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}"))
                        or real(fd))
    train(load_config(path, ["train.iterations=6"]), out, quiet=True)
    assert any(".tmp" in p and p.endswith(".npz") for p in synced)    # the file, before the rename
    assert os.path.realpath(out) in synced                             # the directory, after it


def test_second_train_into_one_out_is_refused_naming_the_first(write_config, tmp_path):   # row 4
    path = write_config(conditioning="none", head="score", iterations=100000)
    out = str(tmp_path / "shared")
    first = subprocess.Popen([sys.executable, "-m", "tgan_music", "train", path, "--out", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (os.path.isfile(os.path.join(out, "log"))):
            assert first.poll() is None
            time.sleep(0.2)
        second = cli("train", path, "--out", out, "--set", "seed=1")
        assert second.returncode == 2
        assert one_line(second.stderr), second.stderr
        assert f"process {first.pid}" in second.stderr and "train" in second.stderr and out in second.stderr
        assert first.poll() is None   # the first run goes on
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # kill -9 released the lock: the directory is free again.
    from tgan_music.locking import directory_lock
    with directory_lock(out):
        pass


@pytest.mark.parametrize("key, value", [("train.iterations", -5), ("train.batchsize", 0),
                                        ("train.snapshot_interval", 0), ("train.log_interval", -1),
                                        ("train.preview_interval", -2), ("train.snapshots_kept", 0)])
def test_non_positive_counts_are_refused(write_config, key, value):   # rows 9 and 10
    with pytest.raises(ConfigError) as err:
        load_config(write_config(), [f"{key}={value}"])
    assert key in str(err.value) and str(value) in str(err.value) and "\n" not in str(err.value)


def test_data_root_that_does_not_exist(write_config, tmp_path):   # row 8
    with pytest.raises(UserError) as err:
        train(load_config(write_config(), [f"data.root={tmp_path}/nowhere"]), str(tmp_path / "o"), quiet=True)
    assert "no such directory" in str(err.value) and "nowhere" in str(err.value)
    assert "embed" not in str(err.value).split(";")[0]


def test_nan_stop_is_one_line_without_warnings(write_config, tmp_path):   # row 12
    # lr 1e30 overflows at the first update: numpy's overflow/invalid warnings (4 of them) came first.
    path = write_config(conditioning="none", head="score", iterations=6, lr=1e30, svc_freq=0)
    done = cli("train", path, "--out", str(tmp_path / "nan"))
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr), done.stderr
    assert "loss is nan" in done.stderr and "last good snapshot" in done.stderr


def test_resume_with_another_seed_is_refused(trained, capsys):   # also noticed
    from tgan_music.cli.train import check_resumed_config
    path, out = trained
    before = open(os.path.join(out, "config.yaml")).read()
    with pytest.raises(UserError) as err:
        check_resumed_config(load_config(path, ["seed=7"]), out)
    assert "seed 0" in str(err.value) and "seed 7" in str(err.value) and "--set seed=0" in str(err.value)
    assert open(os.path.join(out, "config.yaml")).read() == before
    changed = check_resumed_config(load_config(path, ["train.iterations=8"]), out)
    assert changed == ["train.iterations 4 -> 8"]
    assert "train.iterations 4 -> 8" in capsys.readouterr().err


def test_kill_at_the_snapshot_commit_point_leaves_only_a_temporary(write_config, tmp_path):
    path = write_config(conditioning="none", head="score", iterations=4)
    out = str(tmp_path / "killed")
    env = dict(os.environ, TGAN_MUSIC_TEST_PAUSE="snapshot-commit")
    proc = subprocess.Popen([sys.executable, "-m", "tgan_music", "train", path, "--out", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.time() + 120
        line = ""
        while time.time() < deadline and "paused at snapshot-commit" not in line:
            line = proc.stderr.readline()
            assert line or proc.poll() is None
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    temporaries = [f for f in os.listdir(out) if f.startswith("snapshot_iter_00000002.npz.tmp")]
    assert temporaries == [f"snapshot_iter_00000002.npz.tmp{proc.pid}.npz"]   # unique per process
    assert not list_snapshots(out)
    result = train(load_config(path), out, quiet=True)
    assert result["resumed_from"] is None and result["iteration"] == 4
    assert not [f for f in os.listdir(out) if ".tmp" in f]
