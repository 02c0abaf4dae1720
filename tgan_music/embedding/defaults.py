"""Config section ``embedding``."""
from tgan_music.config.schema import Component, Field

SCHEMA = {
    "encoder": Component("encoder", "nsynth", {"checkpoint": None},
                         doc="music encoder whose precomputed embeddings condition the model: "
                             "nsynth (args: checkpoint, a model.ckpt-200000 prefix or converted .npz) "
                             "or librosa (no checkpoint)"),
    # The networks are built before any cache is opened, so they read these two;
    # open_cache checks them against the cache (nsynth: 16 dims, both encoders 31.25 frames/s).
    "dims": Field(int, 16, doc="embedding dimensions per frame (must match the encoder: 16 for both)"),
    "frame_rate": Field(float, 31.25, doc="embedding frames per second (16 kHz / 512)"),
    "normalize": Field(bool, True, doc="standardise embeddings with the training-set statistics"),
}
