"""Config section ``embedding``."""
from tgan_music.config.schema import Field

SCHEMA = {
    "encoder": Field(str, "nsynth", choices=("nsynth", "librosa"),
                     doc="music encoder whose precomputed embeddings condition the model"),
    "checkpoint": Field((str, type(None)), None,
                        doc="NSynth checkpoint prefix (model.ckpt-200000) or converted .npz"),
    "dims": Field(int, 16, doc="embedding dimensions per frame"),
    "frame_rate": Field(float, 31.25, doc="embedding frames per second (16 kHz / 512)"),
    "normalize": Field(bool, True, doc="standardise embeddings with the training-set statistics"),
}
