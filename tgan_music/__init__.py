"""tgan-music: videos conditioned on music (TGAN + a frozen NSynth WaveNet music embedding).

The package follows the pipeline: data -> embedding -> model -> training ->
generation -> evaluation, one subpackage each.
"""
__version__ = "0.1.0"
