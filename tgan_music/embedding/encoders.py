"""The music encoders as registry components, and ``build_encoder(spec)``.

Every encoder has ``encoder_id`` (names its cache directory), ``dims``, ``frame_rate`` (31.25),
``sample_rate`` (16000), ``hop`` (512), ``weights_sha256()`` (None without weights),
``encode(audio (N,)) -> float32 (frames, dims)`` (long audio in bounded memory) and
``encode_batch(audio (B, N)) -> (B, frames, dims)``.
"""
from tgan_music.errors import ConfigError
from tgan_music.registry import registry


@registry("encoder").register("nsynth")
def nsynth(*, checkpoint: str = None):
    """Magenta's NSynth WaveNet encoder (h512_bo16); ``checkpoint``: the TF prefix
    (``.../model.ckpt-200000``) or a converted .npz."""
    # Each encoder's module is imported when it is built: this registry module is imported when a
    # config is validated, and stays free of chainer (nsynth) and numpy (librosa, rhythm).
    from tgan_music.embedding.checkpoint import load_nsynth
    return load_nsynth(checkpoint)


@registry("encoder").register("librosa")
def librosa(*, checkpoint: str = None):
    """Offline librosa features (onset strength, energies, centroid, chroma).

    ``checkpoint`` is accepted and ignored, so that ``--set embedding.encoder.name=librosa``
    works on a config whose args still hold the NSynth default ``checkpoint: null``."""
    from tgan_music.embedding.librosa_features import LibrosaEncoder
    return LibrosaEncoder()


def build_encoder(spec, device=None):
    """The encoder of a config's ``{"name": ..., "args": {...}}`` (or a plain name), on ``device``
    (a chainer device; None = CPU). UserError with what to do when its weights are missing."""
    if isinstance(spec, str):
        spec = {"name": spec, "args": {}}
    encoder = registry("encoder").build(spec, where="embedding.encoder: ")
    if device is not None:
        encoder.to_device(device)
    return encoder


def to_numpy(array):
    """A device array as numpy (no-op on the CPU)."""
    import chainer
    return chainer.backends.cuda.to_cpu(array)


@registry("encoder").register("rhythm")
def rhythm(*, base: str = None, checkpoint: str = None, latency: float = 0.0):
    """Beat-phase features from librosa (onsets, PLP pulse and its phase, local tempo), alone or
    followed by a ``base`` encoder's features (``librosa``, or ``nsynth`` with ``checkpoint``);
    ``latency``: seconds by which the phases are advanced (the onset envelope's lag behind notes)."""
    # also a cycle: rhythm.py imports to_numpy from here
    from tgan_music.embedding.rhythm import RhythmEncoder
    if base not in (None, "librosa", "nsynth"):
        raise ConfigError(f"embedding.encoder.args.base {base!r}; allowed: librosa, nsynth or null")
    if not 0 <= float(latency) < 0.25:
        raise ConfigError(f"embedding.encoder.args.latency {latency!r}: seconds in [0, 0.25)")
    inner = None if base is None else build_encoder({"name": base, "args": {"checkpoint": checkpoint}})
    return RhythmEncoder(inner, latency=latency)


def feature_names(embedding):
    """The names of a config ``embedding`` section's features, one per dimension, without building
    the encoder: the rhythm encoder's own names first, then ``<encoder>_<i>`` for the rest."""
    spec = embedding["encoder"]
    if isinstance(spec, str):
        spec = {"name": spec, "args": {}}
    dims = int(embedding["dims"])
    own = ()
    base = spec["name"]
    if spec["name"] == "rhythm":
        from tgan_music.embedding.rhythm import FEATURES as own
        base = (spec.get("args") or {}).get("base") or "rhythm"
    names = list(own[:dims]) + [f"{base}_{i}" for i in range(max(0, dims - len(own)))]
    return tuple(names)
