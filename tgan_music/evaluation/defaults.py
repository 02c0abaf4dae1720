"""Config section ``evaluate``."""
from tgan_music.config.schema import Field

SCHEMA = {
    "samples": Field(int, 64, doc="generated clips per evaluation"),
    "bas_sigma_seconds": Field(float, 0.05, doc="Beat Alignment Score sigma in seconds"),
}
