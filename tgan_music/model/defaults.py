"""Config section ``model``."""
from tgan_music.config.schema import Component, Field

SCHEMA = {
    "conditioning": Field(str, "global", choices=("none", "global", "per_frame"),
                          doc="none = baseline TGAN; global = the seed (embedding joins z0); "
                              "per_frame = the embedding sequence joins z1(t)"),
    "generator": Component("generator", "tgan", doc="video generator (TGAN's temporal + image generator)"),
    "discriminator": Component("discriminator", "tgan", {"head": "dot"},
                               doc="3-D conv discriminator; head score (baseline), dot (the seed) or projection"),
    "frame_discriminator": Component("frame_discriminator", "dcgan",
                                     doc="2-D conv discriminator of single frames (MoCoGAN's image D), built "
                                         "when train.frame_weight > 0"),
    "sync": Component("sync", "expert", doc="the audio-visual sync expert trained on real clips before the GAN "
                                           "and then frozen (used when train.sync_weight > 0)"),
}
