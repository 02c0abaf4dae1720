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
