"""Models: TGAN's temporal and image generators, the music-conditioned discriminator, clipping.

Entry point: ``build_networks(config)`` (build.py); the networks are the components of
``registry("generator")``, ``registry("temporal")`` and ``registry("discriminator")``.
"""
