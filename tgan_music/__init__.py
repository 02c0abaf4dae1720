"""tgan-music: videos conditioned on music (TGAN + a frozen NSynth WaveNet music embedding).

The package follows the pipeline: data -> embedding -> model -> training ->
generation -> evaluation, one subpackage each; pipelines/ runs the whole chain
(`tgan-music compare`, `tgan-music demo`).
"""
__version__ = "0.1.0"
