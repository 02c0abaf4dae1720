"""A reader of TensorFlow's tensor-bundle checkpoints (V2: ``PREFIX.index`` + ``PREFIX.data-*``).

No TensorFlow needed. The ``.index`` file is an uncompressed LevelDB SSTable whose keys
are tensor names and whose values are BundleEntryProto messages (dtype, shape, shard,
offset, size, masked CRC-32C); the ``.data-NNNNN-of-MMMMM`` shards hold the raw
little-endian tensor bytes. Every block and every tensor read is checked against its
CRC, so a damaged or truncated file is reported rather than loaded.
"""
import os
import struct

import numpy as np

from tgan_music.embedding.crc32c import crc32c, mask
from tgan_music.errors import UserError

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER = 5
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 10: np.bool_, 19: np.float16}


class CheckpointError(UserError):
    """A checkpoint file that cannot be read (missing, damaged, truncated, unexpected)."""


# -- protobuf / varint decoding ---------------------------------------------
def _varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("varint runs past the end")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(buf):
    """(field number, wire type, value) of a protobuf message; value is int or bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value = struct.unpack_from("<Q", buf, pos)[0]
            pos += 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value = bytes(buf[pos:pos + length])
            if len(value) != length:
                raise ValueError("field runs past the end")
            pos += length
        elif wire == 5:
            value = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


class Entry:
    """One tensor's BundleEntryProto: where its bytes are and what they are."""

    def __init__(self, name, value):
        self.name = name
        self.dtype = 0
        self.shape = []
        self.shard = 0
        self.offset = 0
        self.size = 0
        self.crc = None
        self.sliced = False
        for number, _, v in _fields(value):
            if number == 1:
                self.dtype = v
            elif number == 2:
                for n, _, dim in _fields(v):
                    if n == 2:  # TensorShapeProto.dim
                        size = 0
                        for dn, _, dv in _fields(dim):
                            if dn == 1:
                                size = _signed64(dv)
                        self.shape.append(size)
            elif number == 3:
                self.shard = v
            elif number == 4:
                self.offset = _signed64(v)
            elif number == 5:
                self.size = _signed64(v)
            elif number == 6:
                self.crc = v
            elif number == 7:
                self.sliced = True

    @property
    def numpy_dtype(self):
        return DTYPES.get(self.dtype)


class TensorBundle:
    """Opens ``PREFIX.index``; ``read(name)`` returns a tensor as a numpy array (CRC-checked)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.index_path = prefix + ".index"
        if not os.path.isfile(self.index_path):
            raise CheckpointError(f"{self.index_path}: not found (a TensorFlow checkpoint is a "
                                  "PREFIX.index + PREFIX.data-* pair; pass the PREFIX)")
        with open(self.index_path, "rb") as f:
            self._index = f.read()
        try:
            self.entries, self.num_shards = self._parse()
        except CheckpointError:
            raise
        except (ValueError, struct.error, IndexError) as e:
            raise CheckpointError(f"{self.index_path}: damaged checkpoint index ({e}); "
                                  "download or copy the checkpoint again") from None

    # -- SSTable ---------------------------------------------------------
    def _fail(self, what):
        raise CheckpointError(f"{self.index_path}: {what}; the file is damaged or truncated, "
                              "download or copy the checkpoint again")

    def _block(self, offset, size):
        data = self._index
        end = offset + size + BLOCK_TRAILER
        if offset < 0 or end > len(data):
            self._fail(f"block at byte {offset} runs past the end of the file")
        block = data[offset:offset + size]
        kind = data[offset + size]
        stored = struct.unpack_from("<I", data, offset + size + 1)[0]
        if mask(crc32c(data[offset:offset + size + 1])) != stored:
            self._fail(f"CRC mismatch in the block at byte {offset}")
        if kind != 0:
            raise CheckpointError(f"{self.index_path}: compressed SSTable block (type {kind}); "
                                  "only uncompressed checkpoints (as tf.train.Saver writes) are supported")
        return block

    @staticmethod
    def _block_entries(block):
        if len(block) < 4:
            raise ValueError("block too short")
        restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
        limit = len(block) - 4 - 4 * restarts
        if limit < 0:
            raise ValueError("bad restart count")
        pos, key = 0, b""
        while pos < limit:
            shared, pos = _varint(block, pos)
            unshared, pos = _varint(block, pos)
            length, pos = _varint(block, pos)
            key = key[:shared] + bytes(block[pos:pos + unshared])
            pos += unshared
            value = block[pos:pos + length]
            pos += length
            if pos > limit:
                raise ValueError("entry runs past the block")
            yield key, value

    def _parse(self):
        data = self._index
        if len(data) < FOOTER_SIZE:
            self._fail("file too short for an SSTable footer")
        footer = data[-FOOTER_SIZE:]
        if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
            self._fail("no SSTable magic number at the end (not a TensorFlow V2 checkpoint index?)")
        pos = 0
        _meta_offset, pos = _varint(footer, pos)
        _meta_size, pos = _varint(footer, pos)
        index_offset, pos = _varint(footer, pos)
        index_size, pos = _varint(footer, pos)
        entries, num_shards = {}, 1
        for _, handle in self._block_entries(self._block(index_offset, index_size)):
            offset, p = _varint(handle, 0)
            size, _ = _varint(handle, p)
            for key, value in self._block_entries(self._block(offset, size)):
                if key == b"":
                    for number, _, v in _fields(value):
                        if number == 1:
                            num_shards = v
                    continue
                name = key.decode("utf-8", "replace")
                entries[name] = Entry(name, value)
        return entries, num_shards

    # -- tensors ---------------------------------------------------------
    def names(self):
        return sorted(self.entries)

    def data_path(self, shard):
        return f"{self.prefix}.data-{shard:05d}-of-{self.num_shards:05d}"

    def read(self, name):
        entry = self.entries[name]
        dtype = entry.numpy_dtype
        if dtype is None or entry.sliced:
            raise CheckpointError(f"{self.prefix}: tensor {name!r} has dtype enum {entry.dtype}"
                                  f"{' and is sliced' if entry.sliced else ''}, which this reader does not load")
        path = self.data_path(entry.shard)
        if not os.path.isfile(path):
            raise CheckpointError(f"{path}: not found; a checkpoint needs its .data-* file(s) next to "
                                  f"{os.path.basename(self.index_path)}")
        with open(path, "rb") as f:
            f.seek(entry.offset)
            raw = f.read(entry.size)
        if len(raw) != entry.size:
            raise CheckpointError(f"{path}: truncated (tensor {name!r} needs bytes {entry.offset}.."
                                  f"{entry.offset + entry.size}, the file has {os.path.getsize(path)}); "
                                  "download or copy the checkpoint again")
        if entry.crc is not None and mask(crc32c(raw)) != entry.crc:
            raise CheckpointError(f"{path}: CRC mismatch in tensor {name!r}; the file is damaged, "
                                  "download or copy the checkpoint again")
        count = int(np.prod(entry.shape)) if entry.shape else 1
        if count * np.dtype(dtype).itemsize != entry.size:
            raise CheckpointError(f"{path}: tensor {name!r} has {entry.size} bytes for shape {entry.shape}")
        return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(entry.shape)
