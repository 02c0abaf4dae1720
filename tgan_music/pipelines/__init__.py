"""Pipelines: code that runs the whole chain (render, embed, train, evaluate) for one job.

Modules: ``compare`` (`tgan-music compare`: several models x seeds on the same clip sets, the
report), ``demo`` (`tgan-music demo`, the main job of `make demo`), ``defaults`` (the config
section ``compare``).
"""
