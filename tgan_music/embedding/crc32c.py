"""CRC-32C (Castagnoli), the checksum of TensorFlow checkpoints, in numpy.

A byte-at-a-time loop in Python would take seconds for the 8 MB of encoder weights,
so the data is cut into equal chunks whose CRCs advance in parallel (one vectorised
table look-up per byte position), then the chunk CRCs are joined with the
"advance over n zero bytes" operator, which is linear over GF(2) (zlib's crc32_combine).
"""
import numpy as np

POLY = 0x82F63B78  # reflected Castagnoli polynomial
MASK_DELTA = 0xA282EAD8


def _table():
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ POLY if c & 1 else c >> 1
        table[i] = c
    return table


TABLE = _table()
CHUNK = 4096


def _raw_chunks(chunks):
    """CRC register (initial 0, no final xor) of each row of a uint8 (n, length) array."""
    crc = np.zeros(chunks.shape[0], dtype=np.uint32)
    for j in range(chunks.shape[1]):
        crc = TABLE[(crc ^ chunks[:, j]) & 0xFF] ^ (crc >> 8)
    return crc


def _raw(data):
    return int(_raw_chunks(np.frombuffer(data, np.uint8)[None])[0]) if len(data) else 0


def _shift_tables(n):
    """Four 256-entry tables applying 'advance the register over n zero bytes' to each byte of it."""
    basis = np.array([1 << k for k in range(32)], dtype=np.uint32)
    for _ in range(n):
        basis = TABLE[basis & 0xFF] ^ (basis >> 8)
    tables = np.zeros((4, 256), dtype=np.uint32)
    values = np.arange(256, dtype=np.uint32)
    for b in range(4):
        acc = np.zeros(256, dtype=np.uint32)
        for bit in range(8):
            acc ^= np.where((values >> bit) & 1, basis[8 * b + bit], 0).astype(np.uint32)
        tables[b] = acc
    return tables


_SHIFT = None


def crc32c(data):
    """Standard CRC-32C of ``data`` (bytes-like), e.g. crc32c(b'123456789') == 0xE3069283."""
    global _SHIFT
    view = memoryview(data).cast("B")
    n = len(view)
    whole = n // CHUNK
    crc = 0xFFFFFFFF
    if whole:
        if _SHIFT is None:
            _SHIFT = [[int(v) for v in row] for row in _shift_tables(CHUNK)]
        parts = _raw_chunks(np.frombuffer(view[:whole * CHUNK], np.uint8).reshape(whole, CHUNK))
        t0, t1, t2, t3 = _SHIFT
        for part in parts.tolist():
            crc = (t0[crc & 0xFF] ^ t1[(crc >> 8) & 0xFF] ^ t2[(crc >> 16) & 0xFF] ^ t3[crc >> 24]) ^ part
    for byte in bytes(view[whole * CHUNK:]):
        crc = int(TABLE[(crc ^ byte) & 0xFF]) ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc):
    """TensorFlow/LevelDB's masked CRC, stored so that CRCs of CRCs stay meaningful."""
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF
