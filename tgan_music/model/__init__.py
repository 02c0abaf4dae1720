"""Models: TGAN's temporal and image generators, the music-conditioned discriminator, clipping."""
from tgan_music.model import discriminator, generator  # noqa: F401  (register components)
from tgan_music.model.build import build_networks  # noqa: F401
