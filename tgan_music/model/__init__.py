"""Models: TGAN's temporal and image generators, the music-conditioned discriminator, clipping."""
