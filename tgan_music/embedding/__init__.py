"""Music embeddings: the frozen NSynth WaveNet encoder, an offline librosa embedder, the .npy cache.

Importing this package registers the encoders (``registry("encoder")``: nsynth, librosa).
Entry points: ``build_encoder(spec)`` (encoders.py), ``open_cache(dataset_root, spec)`` and
``embed_dataset`` (cache.py), ``load_nsynth(path)`` (checkpoint.py).
"""
from tgan_music.embedding import encoders  # noqa: F401  (registers the encoders)
from tgan_music.embedding.cache import open_cache  # noqa: F401
from tgan_music.embedding.encoders import build_encoder  # noqa: F401
