"""The atomic write: the old file or the whole new one, never a part, and no temporary left."""
import os

import numpy as np
import pytest

from tgan_music.atomic import atomic_path, temporary_path, write_json, write_text


def test_replaces_and_keeps_the_extension(tmp_path):
    path = str(tmp_path / "a.npy")
    with atomic_path(path) as tmp:
        assert tmp.endswith(".npy") and os.path.dirname(tmp) == str(tmp_path)
        np.save(tmp, np.arange(3))
    np.testing.assert_array_equal(np.load(path), np.arange(3))
    assert os.listdir(tmp_path) == ["a.npy"]


def test_a_failure_keeps_the_old_file(tmp_path):
    path = str(tmp_path / "a.json")
    write_json(path, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            with open(tmp, "w") as f:
                f.write("{half")
            raise RuntimeError("killed")
    assert open(path).read() == '{\n  "v": 1\n}'
    assert os.listdir(tmp_path) == ["a.json"]


def test_a_directory_replaces_the_old_one(tmp_path):
    path = str(tmp_path / "shard")
    for n in (1, 2):
        with atomic_path(path) as tmp:
            os.makedirs(tmp)
            write_text(os.path.join(tmp, f"{n}.txt"), "x")
    assert os.listdir(path) == ["2.txt"]


def test_unique_temporaries_per_process(tmp_path):
    path = str(tmp_path / "run_info.json")
    assert temporary_path(path) == path + ".tmp.json"
    assert temporary_path(path, unique=True) == f"{path}.tmp{os.getpid()}.json"


# -- issue 15: OS errors as one line --------------------------------------------------------
def test_full_disk_and_denied_permission_name_the_path(tmp_path):
    import errno

    from tgan_music.errors import UserError, as_user_error
    path = str(tmp_path / "a.npz")
    full = as_user_error(OSError(errno.ENOSPC, "No space left on device"), path, written=3 << 20)
    assert isinstance(full, UserError) and path in str(full) and "free at least 3 MB" in str(full)
    short = as_user_error(OSError("128000 requested and 16352 written"), path)   # numpy's fwrite
    assert "no space left on" in str(short)
    denied = as_user_error(PermissionError(errno.EACCES, "Permission denied", path), path)
    assert "permission denied" in str(denied) and path in str(denied) and "\n" not in str(denied)
    assert as_user_error(FileNotFoundError(errno.ENOENT, "x"), path) is None


def test_atomic_write_on_a_full_disk_leaves_the_old_file(tmp_path):
    import subprocess
    import sys
    path = str(tmp_path / "a.txt")
    write_text(path, "old")
    code = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))\n"
            f"from tgan_music.atomic import write_text\nwrite_text({path!r}, 'x' * 1000)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "UserError: no space left on" in done.stderr and path in done.stderr
    assert open(path).read() == "old" and os.listdir(tmp_path) == ["a.txt"]


def test_cli_turns_an_unnamed_os_error_into_one_line(monkeypatch, capsys):
    import errno

    import tgan_music.cli.describe as describe
    from tgan_music.cli import main

    def denied(args):
        raise PermissionError(errno.EACCES, "Permission denied", "/x/y.json")
    monkeypatch.setattr(describe, "run", denied)
    assert main(["describe", "x.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "permission denied writing /x/y.json" in err
