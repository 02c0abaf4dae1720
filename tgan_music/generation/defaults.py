"""Config section ``generate``."""
from tgan_music.config.schema import Field

SCHEMA = {
    "fps": Field(int, 12, choices=(12, 24, 30), doc="output frame rate"),
    "scale": Field(int, 1, choices=(1, 2, 4), doc="output upscaling factor"),
}
