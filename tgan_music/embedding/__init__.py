"""Music embeddings: the frozen NSynth WaveNet encoder, an offline librosa embedder, the .npy cache.

The encoders are the components of ``registry("encoder")`` (nsynth, librosa, rhythm).
Entry points: ``build_encoder(spec)`` (encoders.py), ``open_cache(dataset_root, spec)`` and
``embed_dataset`` (cache.py), ``load_nsynth(path)`` (checkpoint.py).
"""
