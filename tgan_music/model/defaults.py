"""Config section ``model``."""
from tgan_music.config.schema import Field

SCHEMA = {
    "conditioning": Field(str, "global", choices=("none", "global", "per_frame"),
                          doc="none = baseline TGAN; global = the seed (embedding joins z0); "
                              "per_frame = the embedding sequence joins z1(t)"),
}
