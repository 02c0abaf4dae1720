"""The TF tensor-bundle reader and CRC-32C on the fixture checkpoint and damaged copies of it."""
import os
import shutil

import numpy as np
import pytest

from tgan_music.embedding.checkpoint import load_nsynth, read_tf_weights, resolve
from tgan_music.embedding.crc32c import crc32c, mask
from tgan_music.embedding.tensor_bundle import CheckpointError, TensorBundle
from tgan_music.errors import UserError

DATA = ".data-00000-of-00001"


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    data = np.random.RandomState(0).bytes(3 * 4096 + 17)

    def slow(buf):
        c = 0xFFFFFFFF
        for byte in buf:
            c ^= byte
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        return c ^ 0xFFFFFFFF
    assert crc32c(data) == slow(data)
    assert mask(0) == 0xA282EAD8


def test_reads_every_entry_of_the_fixture(nsynth_prefix):
    bundle = TensorBundle(nsynth_prefix)
    assert len(bundle.entries) == 128
    assert bundle.read("global_step") == 200000
    assert bundle.read("ae_dilatedconv_7/W").shape == (1, 3, 128, 128)
    assert bundle.entries["ae_bottleneck/W/Adam"].shape == [1, 1, 128, 16]


def test_only_encoder_variables_are_taken(nsynth_prefix):
    bundle = TensorBundle(nsynth_prefix)
    weights = read_tf_weights(nsynth_prefix)
    assert len(weights) == 62  # startconv, 30 dilated, 30 res, bottleneck
    W = weights["ae_startconv"][0]
    assert W.shape == (128, 1, 3)
    # The decoys differ from the encoder weights they shadow: the loader took the right ones.
    tf = bundle.read("ae_startconv/W")
    np.testing.assert_array_equal(W, tf[0].transpose(2, 1, 0))
    assert not np.array_equal(tf, bundle.read("ae_startconv/W/ExponentialMovingAverage"))
    np.testing.assert_array_equal(weights["ae_bottleneck"][1], bundle.read("ae_bottleneck/biases"))


def _copy(nsynth_prefix, tmp_path):
    prefix = str(tmp_path / "model.ckpt-200000")
    for ext in (".index", DATA):
        shutil.copy(nsynth_prefix + ext, prefix + ext)
        os.chmod(prefix + ext, 0o644)
    return prefix


def _flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x10]))


def test_damaged_index_block_is_reported(nsynth_prefix, tmp_path):
    prefix = _copy(nsynth_prefix, tmp_path)
    _flip(prefix + ".index", 100)
    with pytest.raises(CheckpointError, match="CRC mismatch"):
        TensorBundle(prefix)


def test_truncated_index_is_reported(nsynth_prefix, tmp_path):
    prefix = _copy(nsynth_prefix, tmp_path)
    with open(prefix + ".index", "r+b") as f:
        f.truncate(os.path.getsize(prefix + ".index") - 10)
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        TensorBundle(prefix)


def test_damaged_tensor_is_reported(nsynth_prefix, tmp_path):
    prefix = _copy(nsynth_prefix, tmp_path)
    entry = TensorBundle(prefix).entries["ae_res_12/W"]
    _flip(prefix + DATA, entry.offset + 1000)
    with pytest.raises(CheckpointError, match="CRC mismatch in tensor 'ae_res_12/W'"):
        load_nsynth(prefix)


def test_truncated_data_is_reported(nsynth_prefix, tmp_path):
    prefix = _copy(nsynth_prefix, tmp_path)
    with open(prefix + DATA, "r+b") as f:
        f.truncate(os.path.getsize(prefix + DATA) // 2)
    with pytest.raises(CheckpointError, match="truncated"):
        load_nsynth(prefix)


def test_missing_data_file_is_reported(nsynth_prefix, tmp_path):
    prefix = _copy(nsynth_prefix, tmp_path)
    os.remove(prefix + DATA)
    with pytest.raises(CheckpointError, match="not found"):
        load_nsynth(prefix)


def test_checkpoint_paths_are_resolved(nsynth_prefix):
    ckpt_dir = os.path.dirname(nsynth_prefix)
    assert resolve(nsynth_prefix) == ("tf", nsynth_prefix)
    assert resolve(nsynth_prefix + ".index") == ("tf", nsynth_prefix)
    assert resolve(nsynth_prefix + DATA) == ("tf", nsynth_prefix)
    assert resolve(ckpt_dir) == ("tf", nsynth_prefix)  # through TF's `checkpoint` pointer file


@pytest.mark.parametrize("value", [None, "/nonexistent/wavenet-ckpt/model.ckpt-200000"])
def test_missing_checkpoint_says_where_to_get_it(value):
    with pytest.raises(UserError) as e:
        load_nsynth(value)
    message = str(e.value)
    assert "wavenet-ckpt.tar" in message and "Magenta" in message
    assert "--checkpoint" in message and "model.ckpt-200000" in message
    assert "\n" not in message


def test_a_damaged_npz_is_reported(tmp_path, random_npz):
    path = random_npz(0)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 3)
    with pytest.raises(CheckpointError, match="damaged .npz"):
        load_nsynth(path)
