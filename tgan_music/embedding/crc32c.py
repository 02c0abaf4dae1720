"""CRC-32C (Castagnoli), the checksum of TensorFlow checkpoints, from ``google-crc32c`` (Google's
C library; about 0.7 ms for the 8 MB of NSynth encoder weights), and TensorFlow's masking of it."""
import google_crc32c

MASK_DELTA = 0xA282EAD8


def crc32c(data):
    """Standard CRC-32C of ``data`` (bytes-like), e.g. crc32c(b'123456789') == 0xE3069283."""
    # The C extension takes bytes only (not memoryviews or arrays).
    return google_crc32c.value(data if isinstance(data, bytes) else bytes(data))


def mask(crc):
    """TensorFlow/LevelDB's masked CRC, stored so that CRCs of CRCs stay meaningful."""
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF
