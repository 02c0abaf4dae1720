"""The clip dataset for Chainer: (video, music embedding, index) examples of one split.

An example is

- ``video``: float32 (channels, frames, height, width) in [-1, 1] (TGAN's layout),
- ``embedding``: float32 music embedding of the clip's audio, (frames, dims) as the
  embedding cache stores it, standardised with ``(x - mean) / std`` when asked;
  float32 shape (0,) when the dataset has no embeddings (the unconditional baseline),
- ``index``: int32 position of the example in this dataset (use ``clip_index(i)`` for
  the clip's index in the whole clip set).

Splits are made per source video, never per clip, so clips of one video never land
in both training and test data (see ``split_sources``).
"""
import hashlib
import os

import chainer
import numpy as np

from tgan_music.data.storage import ClipStore
from tgan_music.embedding.stats import EmbeddingStats
from tgan_music.errors import UserError
from tgan_music.registry import registry

SPLITS = ("train", "val", "test", "all")
GEOMETRY_FIELDS = ("fps", "frames", "height", "width", "channels", "sample_rate")


def source_hash(source_key):
    """A number in [0, 1) fixed by the source's key (stable across runs, machines, set growth)."""
    digest = hashlib.sha1(source_key.encode("utf-8")).hexdigest()
    return int(digest[:12], 16) / float(16 ** 12)


def split_sources(source_keys, val_fraction, test_fraction):
    """{source_key: 'train' | 'val' | 'test'} from each key's hash against the fractions.

    Hash in [0, test) -> test, [test, test + val) -> val, the rest -> train, so adding
    sources to a clip set never moves an old source to another split. In a tiny set
    (where the hash can leave a split with a non-zero fraction empty) the train source
    whose hash lies nearest that split's interval moves to it, as long as train keeps
    at least one source."""
    if not (0 <= val_fraction and 0 <= test_fraction and val_fraction + test_fraction < 1):
        raise UserError(f"data.val_fraction={val_fraction} and data.test_fraction={test_fraction}: "
                        "each must be >= 0 and their sum < 1")
    keys = sorted(set(source_keys))
    hashes = {k: source_hash(k) for k in keys}
    intervals = {"test": (0.0, test_fraction), "val": (test_fraction, test_fraction + val_fraction)}
    split = {}
    for k in keys:
        h = hashes[k]
        split[k] = "test" if h < test_fraction else "val" if h < test_fraction + val_fraction else "train"
    for name, fraction in (("test", test_fraction), ("val", val_fraction)):
        train = [k for k in keys if split[k] == "train"]
        if fraction > 0 and name not in split.values() and len(train) >= 2:
            lo, hi = intervals[name]
            nearest = min(train, key=lambda k: min(abs(hashes[k] - lo), abs(hashes[k] - hi)))
            split[nearest] = name
    return split


@registry("dataset").register("clips")
class ClipDataset(chainer.dataset.DatasetMixin):
    """The clips of one split of a clip set, with their music embeddings.

    ``embeddings``: anything with ``__getitem__(clip_index) -> float32 (frames, dims)`` and
    attributes ``dims`` and ``stats`` (or ``mean``, ``std``: per-dimension arrays or None), e.g.
    the embedding cache; None for the unconditional baseline. When ``normalize`` is set the
    embeddings are standardised by ``stats`` (EmbeddingStats: a trained model's), else by the
    cache's, else by statistics fitted on this clip set's training split.
    ``max_clips`` caps the split (the first clips in clip-set order), for quick runs.
    """

    def __init__(self, root, split, embeddings=None, stats=None, *, val_fraction: float = 0.1,
                 test_fraction: float = 0.1, normalize: bool = True, max_clips: int = None):
        if split not in SPLITS:
            raise UserError(f"dataset split {split!r}: allowed: {', '.join(SPLITS)}")
        if not os.path.isfile(os.path.join(root, "dataset.json")):
            raise UserError(f"{root}: not a clip set (no dataset.json); make one with "
                            "`tgan-music dataset extract` or `tgan-music dataset metronome`, "
                            "or set data.root")
        self.root = root
        self.split = split
        self.store = ClipStore(root)
        self.geometry = self.store.geometry
        self.embeddings = embeddings
        self.normalize = bool(normalize)
        rows = self.store.rows
        self.source_split = split_sources([r["source_key"] for r in rows], val_fraction, test_fraction)
        if split == "all":
            clips = [r["clip"] for r in rows]
        else:
            clips = [r["clip"] for r in rows if self.source_split[r["source_key"]] == split]
        if max_clips is not None:
            clips = clips[:max_clips]
        if not clips:
            n_sources = len(self.source_split)
            raise UserError(f"{root}: split {split!r} has no clips ({len(rows)} clips from {n_sources} "
                            f"source videos, val_fraction={val_fraction}, test_fraction={test_fraction}); "
                            "add source videos or change data.val_fraction/data.test_fraction")
        self.clips = np.asarray(clips, dtype=np.int64)
        # Source of every clip of the set, for drawing mismatched music from other videos.
        self._all_sources = np.asarray([r["source_key"] for r in rows])
        # ... and the clips of every source, for music moved in time against the same video.
        self._source_clips = {}
        for clip, source in enumerate(self._all_sources):
            self._source_clips.setdefault(source, []).append(clip)
        self.stats = None   # the EmbeddingStats that standardise the embeddings (training saves them)
        if embeddings is not None and self.normalize:
            self.stats = stats or EmbeddingStats.of(embeddings) or EmbeddingStats.fit(
                self.embeddings[r["clip"]] for r in rows if self.source_split[r["source_key"]] == "train")

    @property
    def dims(self):
        return 0 if self.embeddings is None else int(self.embeddings.dims)

    # -- examples --------------------------------------------------------
    def __len__(self):
        return len(self.clips)

    def clip_index(self, i):
        """Index of example ``i`` in the whole clip set (ClipStore, manifest, embedding cache)."""
        return int(self.clips[i])

    def row(self, i):
        """The manifest row of example ``i`` (source, start, tempo_bpm, phase ...)."""
        return self.store.rows[self.clip_index(i)]

    def video(self, i):
        """float32 (channels, frames, height, width) in [-1, 1]."""
        frames = np.asarray(self.store.video(self.clip_index(i)))
        video = frames.transpose(3, 0, 1, 2).astype(np.float32)
        return video * np.float32(2.0 / 255.0) - np.float32(1.0)

    def _embedding_of_clip(self, clip):
        if self.embeddings is None:
            return np.zeros((0,), np.float32)
        e = np.asarray(self.embeddings[clip], np.float32)
        return e if self.stats is None else self.stats.apply(e)

    def embedding(self, i):
        return self._embedding_of_clip(self.clip_index(i))

    def audio(self, i):
        """float32 (samples,) mono at ``geometry['sample_rate']``: the clip's own music (previews)."""
        return np.array(self.store.audio(self.clip_index(i)), dtype=np.float32)

    def get_example(self, i):
        return self.video(i), self.embedding(i), np.int32(i)

    # -- mismatched music for the conditional loss -----------------------
    def mismatched_clips(self, indices, rng):
        """For each example index, a clip (clip-set index) from ANOTHER source video.

        Drawn from this split when it has another source, else from the whole clip set;
        when the set holds a single source video, another clip of it (the only music
        there is that differs)."""
        own_sources = self._all_sources[self.clips]
        pool_split, pool_all = self.clips, np.arange(len(self._all_sources))
        out = np.empty(len(indices), np.int64)
        for n, i in enumerate(np.asarray(indices).reshape(-1)):
            clip = self.clips[int(i)]
            source = self._all_sources[clip]
            candidates = pool_split[own_sources != source]
            if len(candidates) == 0:
                candidates = pool_all[self._all_sources != source]
            if len(candidates) == 0:
                candidates = pool_all[pool_all != clip] if len(pool_all) > 1 else pool_all
            out[n] = candidates[rng.randint(len(candidates))]
        return out

    def mismatched_embedding(self, indices, rng):
        """float32 (len(indices), ...) embeddings of clips from other source videos (see
        ``mismatched_clips``); ``rng`` is a numpy RandomState."""
        clips = self.mismatched_clips(indices, rng)
        return np.stack([self._embedding_of_clip(int(c)) for c in clips]).astype(np.float32)


    def shifted_clips(self, indices, rng, min_fraction=0.25):
        """For each example index, a clip of the SAME source video whose start differs from its
        own by a fraction of a beat in [min_fraction, 1 - min_fraction] (the clip's tempo from its
        manifest row), else by any other start; -1 where the source has no other clip.

        Its music is the example's own music moved in time against the video: a real clip with
        it is a phase-mismatched pair, the error a model that flashes on onsets makes."""
        rows = self.store.rows
        out = np.full(len(indices), -1, np.int64)
        for n, i in enumerate(np.asarray(indices).reshape(-1)):
            clip = int(self.clips[int(i)])
            same = self._source_clips.get(self._all_sources[clip], ())
            others = [c for c in same if c != clip]
            tempo = rows[clip].get("tempo_bpm")
            if tempo:
                beats = [abs(rows[c]["start"] - rows[clip]["start"]) * tempo / 60.0 for c in others]
                good = [c for c, b in zip(others, beats) if min_fraction <= b % 1.0 <= 1.0 - min_fraction]
                others = good or others
            if others:
                out[n] = others[rng.randint(len(others))]
        return out

    def shifted_embedding(self, indices, rng):
        """(embeddings (n, ...), ok (n,) bool) of ``shifted_clips``; rows without one are zeros."""
        clips = self.shifted_clips(indices, rng)
        ok = clips >= 0
        first = self._embedding_of_clip(int(self.clips[0]))
        out = np.zeros((len(clips),) + first.shape, np.float32)
        for n, c in enumerate(clips):
            if c >= 0:
                out[n] = self._embedding_of_clip(int(c))
        return out, ok


def check_geometry(store_geometry, data_config, root):
    """The clip set must have the clip geometry the config asks for."""
    diff = {k: (store_geometry.get(k), data_config[k]) for k in GEOMETRY_FIELDS
            if k in data_config and store_geometry.get(k) != data_config[k]}
    if diff:
        raise UserError(f"{root}: clip set has {diff} (stored, config); extract it again with these "
                        "settings or change the data section of the config")


def build_dataset(config, split, embeddings=None, root=None, stats=None):
    """The dataset component of a loaded config (``data.dataset``) for ``split``; ``stats``:
    the EmbeddingStats of a trained model, to standardise its music as training did.

    ``data.val_fraction``/``data.test_fraction`` and ``embedding.normalize`` are passed
    to it unless the component's own args set them."""
    data = config["data"]
    spec = data.get("dataset") or {"name": "clips", "args": {}}
    root = root or data["root"]
    reg = registry("dataset")
    cls = reg.get(spec["name"], where="data.dataset: ")
    accepted = reg.parameters(spec["name"])
    args = {"val_fraction": data["val_fraction"], "test_fraction": data["test_fraction"],
            "normalize": config.get("embedding", {}).get("normalize", True)}
    args = {k: v for k, v in args.items() if k in accepted}
    args.update(spec.get("args") or {})
    dataset = cls(root, split, embeddings, **args) if stats is None else cls(root, split, embeddings, stats, **args)
    geometry = getattr(dataset, "geometry", None)
    if geometry is not None:
        check_geometry(geometry, data, root)
    return dataset
