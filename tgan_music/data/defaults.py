"""Config section ``data`` (the seed's values are the defaults)."""
from tgan_music.config.schema import Component, Field

SCHEMA = {
    "root": Field(str, "data/metronome", doc="directory of an extracted clip set"),
    "dataset": Component("dataset", "clips", doc="the dataset component (tgan_music.data.dataset)"),
    "fps": Field(int, 12, doc="frames per second of a clip", minimum=1),
    "frames": Field(int, 36, doc="frames per clip (36 at 12 fps = 3 s)", minimum=1),
    "height": Field(int, 96, doc="frame height in pixels", minimum=1),
    "width": Field(int, 128, doc="frame width in pixels", minimum=1),
    "channels": Field(int, 3, doc="colour channels", minimum=1),
    "stride_seconds": Field(float, 3.0, doc="seconds between the starts of consecutive clips"),
    "sample_rate": Field(int, 16000, doc="audio sample rate of a clip (the encoder's rate)", minimum=1),
    "val_fraction": Field(float, 0.1, doc="fraction of source videos held out for validation"),
    "test_fraction": Field(float, 0.1, doc="fraction of source videos held out for testing"),
}
