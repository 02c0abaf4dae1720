"""The precomputed embedding cache of a clip set: ``DATASET/embeddings/<encoder-id>/``.

Layout::

    embeddings/<encoder-id>/manifest.json   what made it and the normalisation statistics
    embeddings/<encoder-id>/000000.npy      float32 (frames, dims), raw (unnormalised), clip 0
    ...

``<encoder-id>`` is ``nsynth-<first 12 hex of the weights' SHA-256>`` or ``librosa-v1``, so
caches of different weights never share a directory; the manifest also holds the full
SHA-256 and is checked before anything is added. Each clip file is written to a temporary
name and renamed, so an interrupted ``tgan-music embed`` resumes where it stopped. The
manifest lists the clips it covers (``source_key/index``) and ``complete`` turns true, with
the per-dimension mean/std over every frame of every clip, only when all clips are done.
"""
import datetime
import glob
import json
import os

import numpy as np

from tgan_music.atomic import atomic_path, test_pause, write_json
from tgan_music.audio import resample
from tgan_music.data.storage import ClipStore
from tgan_music.embedding.checkpoint import load_nsynth
from tgan_music.embedding.encoders import build_encoder, to_numpy
from tgan_music.embedding.librosa_features import LibrosaEncoder
from tgan_music.embedding.stats import EmbeddingStats
from tgan_music.errors import UserError
from tgan_music.locking import directory_lock

EMBEDDINGS = "embeddings"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def cache_directory(dataset_root, encoder_id):
    return os.path.join(dataset_root, EMBEDDINGS, encoder_id)


def clip_file(directory, clip):
    return os.path.join(directory, f"{clip:06d}.npy")


def clip_keys(store):
    """Identity of each clip of a ClipStore, in clip order."""
    return [f"{r['source_key']}/{r['index']}" for r in store.rows]


def embed_command(dataset_root, name, checkpoint=None, base=None, latency=0.0):
    if name == "rhythm":
        flag = "rhythm" + (f"+{base}" if base else "")
        return f"tgan-music embed {dataset_root} --encoder {flag}" + (
            f" --checkpoint {checkpoint or 'CKPT'}" if base == "nsynth" else "") + (
            f" --latency {latency:g}" if latency else "")
    if name == "nsynth":
        return f"tgan-music embed {dataset_root} --encoder nsynth --checkpoint {checkpoint or 'CKPT'}"
    return f"tgan-music embed {dataset_root} --encoder {name}"


def read_manifest(directory):
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: unreadable embedding manifest ({e}); delete {directory} and run "
                        "`tgan-music embed` again") from None


def save_clip(directory, clip, array):
    path = clip_file(directory, clip)
    with atomic_path(path, unique=True) as tmp:
        np.save(tmp, np.ascontiguousarray(array, dtype=np.float32))


def load_clip(directory, clip, dims, frames=None):
    """float32 (frames, dims) of one cached clip; UserError naming the file when it is
    unreadable or has another shape than the cache's."""
    path = clip_file(directory, clip)
    try:
        array = np.load(path)
    except Exception as e:
        if not isinstance(e, (OSError, ValueError, EOFError)) and type(e).__name__ != "BadZipFile":
            raise
        raise UserError(f"{path}: cannot read cached embedding ({type(e).__name__}: {e}); delete it and run "
                        "`tgan-music embed` again to redo that clip") from None
    want = f"({frames if frames else 'frames'}, {dims})"
    if array.ndim != 2 or array.shape[1] != dims or (frames and array.shape[0] != frames):
        raise UserError(f"{path}: embedding of shape {tuple(array.shape)}, expected {want} like the rest of "
                        "the cache; delete it and run `tgan-music embed` again to redo that clip")
    return array


class EmbeddingCache:
    """A complete cache: ``cache[clip] -> float32 (frames, dims)`` (raw), with ``dims``,
    ``stats`` (EmbeddingStats over every clip; ``mean``/``std`` its arrays), ``encoder_id``,
    ``frame_rate``, ``manifest``."""

    def __init__(self, directory, manifest):
        self.directory = directory
        self.manifest = manifest
        self.encoder_id = manifest["encoder_id"]
        self.encoder = manifest["encoder"]
        self.dims = int(manifest["dims"])
        self.frame_rate = float(manifest["frame_rate"])
        self.sample_rate = int(manifest["sample_rate"])
        self.hop = int(manifest["hop"])
        self.weights_sha256 = manifest.get("weights_sha256")
        self.stats = EmbeddingStats(np.asarray(manifest["mean"], np.float32),
                                    np.asarray(manifest["std"], np.float32))
        self.mean, self.std = self.stats.mean, self.stats.std
        self._len = int(manifest["clips"])

    def __len__(self):
        return self._len

    def __getitem__(self, clip):
        clip = int(clip)
        if not 0 <= clip < self._len:
            raise IndexError(f"clip {clip} out of range (cache of {self._len} clips)")
        return load_clip(self.directory, clip, self.dims, self.frames)

    @property
    def frames(self):
        """Embedding frames per clip (every clip has the same), or None when the manifest does not say."""
        total, clips = self.manifest.get("frames_total"), self._len
        return total // clips if total and clips and total % clips == 0 else None

    def __repr__(self):
        return f"EmbeddingCache({self.directory!r}, {self._len} clips, {self.dims} dims)"


def _spec_parts(encoder_spec):
    if isinstance(encoder_spec, str):
        return encoder_spec, {}
    return encoder_spec["name"], dict(encoder_spec.get("args") or {})


def find_cache_directory(dataset_root, encoder_spec):
    """The directory a spec's cache lives in (it may not exist yet)."""
    name, args = _spec_parts(encoder_spec)
    if name == "librosa":
        return cache_directory(dataset_root, LibrosaEncoder.encoder_id)
    if name != "nsynth":
        return cache_directory(dataset_root, build_encoder(encoder_spec).encoder_id)
    checkpoint = args.get("checkpoint")
    found = sorted(d for d in glob.glob(os.path.join(dataset_root, EMBEDDINGS, "nsynth-*")) if os.path.isdir(d))
    if checkpoint:
        directory = cache_directory(dataset_root, load_nsynth(checkpoint).encoder_id)
        if not os.path.isdir(directory) and found:
            raise UserError(f"{directory}: no embeddings of the weights in {checkpoint} (the clip set has "
                            f"{', '.join(os.path.basename(d) for d in found)}, made by other weights); "
                            f"run `{embed_command(dataset_root, name, checkpoint)}`")
        return directory
    if len(found) > 1:
        raise UserError(f"{os.path.join(dataset_root, EMBEDDINGS)}: {len(found)} NSynth caches made by different "
                        f"weights ({', '.join(os.path.basename(d) for d in found)}); say which with "
                        "embedding.encoder.args.checkpoint (--set embedding.encoder.args.checkpoint=CKPT)")
    if not found:
        raise UserError(f"{os.path.join(dataset_root, EMBEDDINGS, 'nsynth-*')}: no NSynth embeddings for this "
                        f"clip set; run `{embed_command(dataset_root, name)}` (or use --encoder librosa, "
                        "embedding.encoder.name=librosa, which needs no checkpoint)")
    return found[0]


def open_cache(dataset_root, encoder_spec, dims=None):
    """The complete embedding cache of ``dataset_root`` for ``encoder_spec`` (the config's
    ``{"name": ..., "args": {...}}``). UserError naming the directory and the command to run
    when it is missing or incomplete, or when several NSynth caches exist and the spec does
    not name the checkpoint. ``dims``: the config's ``embedding.dims``, checked when given."""
    if not os.path.isdir(dataset_root):
        raise UserError(f"data.root {dataset_root}: no such directory; point data.root at a clip set "
                        "(made by `tgan-music dataset extract VIDEOS --out DIR` or `tgan-music dataset "
                        "metronome --out VIDEOS --clips DIR`), e.g. --set data.root=DIR")
    name, args = _spec_parts(encoder_spec)
    directory = find_cache_directory(dataset_root, encoder_spec)
    command = embed_command(dataset_root, name, args.get("checkpoint"), args.get("base"), args.get("latency") or 0.0)
    manifest = read_manifest(directory)
    if manifest is None:
        raise UserError(f"{directory}: no embedding cache here; run `{command}`")
    store = ClipStore(dataset_root)
    keys = clip_keys(store)
    done = manifest.get("clip_keys", [])
    if not manifest.get("complete") or done != keys:
        have = sum(1 for a, b in zip(done, keys) if a == b)
        raise UserError(f"{directory}: embedding cache incomplete ({have} of {len(keys)} clips"
                        f"{'' if manifest.get('complete') else ', interrupted'}); run `{command}` to finish it")
    cache = EmbeddingCache(directory, manifest)
    if dims is not None and int(dims) != cache.dims:
        raise UserError(f"{directory}: embeddings have {cache.dims} dims but embedding.dims is {dims}; "
                        f"set embedding.dims={cache.dims}")
    return cache


# -- writing ---------------------------------------------------------------
def _base_manifest(encoder, name, store):
    return {
        "format": FORMAT_VERSION,
        "encoder": name,
        "encoder_id": encoder.encoder_id,
        "weights_sha256": encoder.weights_sha256(),
        "weights_source": getattr(encoder, "source", None),
        "sample_rate": int(encoder.sample_rate),
        "hop": int(encoder.hop),
        "frame_rate": float(encoder.frame_rate),
        "dims": int(encoder.dims),
        "features": list(getattr(encoder, "features", [])) or None,
        "clip_sample_rate": int(store.geometry["sample_rate"]),
        "normalisation": "none stored in the .npy files; mean/std below are per dimension over every "
                         "frame of every clip, for (x - mean) / std",
    }


def check_compatible(directory, manifest, base):
    """Refuses to add to a cache made by other weights or settings."""
    for key in ("encoder", "encoder_id", "weights_sha256", "sample_rate", "hop", "dims", "clip_sample_rate"):
        if manifest.get(key) != base[key]:
            raise UserError(f"{directory}: this cache was made with {key}={manifest.get(key)!r}, not "
                            f"{base[key]!r}; refusing to mix embeddings of different weights/settings: "
                            "delete the directory or use the checkpoint it was made with")


def embed_dataset(dataset_root, encoder, name, batch_size=8, progress=True, dist=None):
    """Fills ``DATASET/embeddings/<encoder-id>/`` with one .npy per clip; resumes an interrupted
    run; returns the complete ``EmbeddingCache``.

    ``dist`` (tgan_music.training.distributed.Distributed, under mpiexec): rank r encodes the
    clips i with i % size == r; rank 0 alone writes the manifests, after a barrier."""
    rank, size = (dist.rank, dist.size) if dist is not None else (0, 1)
    if rank != 0 or not os.path.isdir(dataset_root):
        return _embed_dataset(dataset_root, encoder, name, batch_size, progress, dist)
    # One writer per clip set (rank 0 holds it for every rank): a second embed, or an
    # extraction into the same clip set, is refused with a line naming this process.
    with directory_lock(dataset_root, "embedding clips"):
        return _embed_dataset(dataset_root, encoder, name, batch_size, progress, dist)


def _embed_dataset(dataset_root, encoder, name, batch_size, progress, dist):
    rank, size = (dist.rank, dist.size) if dist is not None else (0, 1)
    from tqdm import tqdm


    store = ClipStore(dataset_root)
    if len(store) == 0:
        raise UserError(f"{dataset_root}: the clip set has no clips; extract some first")
    directory = cache_directory(dataset_root, encoder.encoder_id)
    base = _base_manifest(encoder, name, store)
    keys = clip_keys(store)
    manifest = read_manifest(directory)
    if manifest is not None:
        check_compatible(directory, manifest, base)
        old = manifest.get("clip_keys", [])
        if old != keys[:len(old)]:
            raise UserError(f"{directory}: made for a different clip set (clip lists differ); delete the "
                            "directory and run `tgan-music embed` again")
    elif os.path.isdir(directory) and glob.glob(os.path.join(directory, "*.npy")):
        raise UserError(f"{directory}: embeddings without a manifest (not made by tgan-music embed?); "
                        "delete the directory and run again")
    os.makedirs(directory, exist_ok=True)
    # The manifest goes first, so a resumed run can check what the existing files were made with.
    if rank == 0:
        write_json(os.path.join(directory, MANIFEST), dict(base, complete=False, clips=len(keys), clip_keys=keys,
                                                           mean=None, std=None), indent=1, durable=True,
                   unique=True)
    if dist is not None:
        dist.barrier()   # the manifest is there before any rank writes a clip
    todo = [i for i in range(len(keys)) if not os.path.isfile(clip_file(directory, i)) and i % size == rank]
    rate = store.geometry["sample_rate"]
    bar = tqdm(total=len(keys), initial=len(keys) - len(todo), unit="clip", desc=f"embed {encoder.encoder_id}",
               disable=not progress)
    for start in range(0, len(todo), max(1, batch_size)):
        batch = todo[start:start + max(1, batch_size)]
        audio = np.stack([resample(store.audio(i), rate, encoder.sample_rate) for i in batch])
        frames = to_numpy(encoder.encode_batch(audio))
        for i, array in zip(batch, frames):
            save_clip(directory, i, array)
        bar.update(len(batch))
    bar.close()
    if dist is not None:
        dist.barrier()   # every rank's clips are written
        if rank != 0:
            dist.barrier()   # rank 0 writes the final manifest
            return EmbeddingCache(directory, read_manifest(directory))
    # Normalisation statistics over every frame of every clip.
    stats = EmbeddingStats.fit(load_clip(directory, i, encoder.dims) for i in range(len(keys)))
    final = dict(base, complete=True, clips=len(keys), clip_keys=keys, frames_total=stats.frames,
                 mean=stats.mean.tolist(), std=stats.std.tolist(),
                 finished=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    test_pause("embed-commit")   # every clip written, the manifest not yet complete
    write_json(os.path.join(directory, MANIFEST), final, indent=1, durable=True, unique=True)
    if dist is not None:
        dist.barrier()
    return EmbeddingCache(directory, final)
