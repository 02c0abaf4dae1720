"""Procedural clips for smoke tests and benchmarks: a square that swings with a click track.

``SyntheticClips`` is an in-memory dataset with the interface of
``tgan_music.data.dataset.ClipDataset`` (video, embedding, audio, mismatched draws) for
any clip geometry, so every config can be trained for a few iterations, and timed,
without extracting a clip set. ``write_toy_clipset`` stores such clips as a real clip
set (ClipStore) with ``ArrayEmbeddings`` beside it, for tests of the data path."""
import numpy as np

from tgan_music.data.storage import ClipStore, clip_samples


def draw_clip(geometry, tempo_bpm, phase, rng):
    """(video uint8 (T, H, W, C), audio float32 (samples,)): a square swinging once per beat,
    clicks on the beats."""
    t, h, w, c = geometry["frames"], geometry["height"], geometry["width"], geometry["channels"]
    fps, rate = geometry["fps"], geometry["sample_rate"]
    beat = 60.0 / tempo_bpm
    video = np.zeros((t, h, w, c), np.uint8)
    video[...] = rng.randint(0, 40)
    side = max(2, min(h, w) // 4)
    colour = rng.randint(128, 256, size=c)
    for k in range(t):
        pos = 0.5 + 0.4 * np.cos(np.pi * (k / fps + phase) / beat)  # one swing per beat
        x = int(pos * (w - side))
        y = (h - side) // 2
        video[k, y:y + side, x:x + side] = colour
    n = clip_samples(geometry)
    audio = (0.001 * rng.randn(n)).astype(np.float32)
    click = (np.sin(2 * np.pi * 1000 * np.arange(int(0.02 * rate)) / rate)
             * np.exp(-np.arange(int(0.02 * rate)) / (0.004 * rate))).astype(np.float32)
    first = (-phase) % beat
    for s in np.arange(first, n / rate, beat):
        i = int(s * rate)
        seg = click[:max(0, min(len(click), n - i))]
        audio[i:i + len(seg)] += 0.5 * seg
    return video, audio


def embed_audio(audio, rate, dims, frame_rate=31.25, seed=0):
    """A cheap stand-in music embedding: log frame energies in a few bands, projected to ``dims``."""
    hop = int(round(rate / frame_rate))
    frames = len(audio) // hop
    x = audio[:frames * hop].reshape(frames, hop)
    spec = np.abs(np.fft.rfft(x, axis=1))
    bands = np.array_split(spec, 4, axis=1)
    feats = np.log1p(np.stack([b.mean(axis=1) for b in bands], axis=1) * 100)
    proj = np.random.RandomState(seed).randn(4, dims).astype(np.float32)
    return (feats @ proj).astype(np.float32)


class ArrayEmbeddings:
    """Embeddings held in memory: ``[clip] -> (frames, dims)`` plus ``dims`` and ``stats``."""

    def __init__(self, arrays):
        self.arrays = [np.asarray(a, np.float32) for a in arrays]
        self.dims = self.arrays[0].shape[1]
        self.stats = None   # none: ClipDataset fits its training split

    def __len__(self):
        return len(self.arrays)

    def __getitem__(self, clip):
        return self.arrays[clip]


def toy_geometry(config):
    d = config["data"]
    return {k: d[k] for k in ("fps", "frames", "height", "width", "channels", "sample_rate")}


class SyntheticClips:
    """An in-memory dataset of ``n`` procedural clips with the config's geometry and music dims."""

    def __init__(self, geometry, n=8, dims=16, seed=0, tempos=(60, 90, 120, 150)):
        rng = np.random.RandomState(seed)
        self.geometry = dict(geometry)
        self.dims = dims
        self.tempos = [tempos[i % len(tempos)] for i in range(n)]
        self.videos, self.audios, emb = [], [], []
        for tempo in self.tempos:
            v, a = draw_clip(geometry, tempo, rng.uniform(0, 60.0 / tempo), rng)
            self.videos.append(v)
            self.audios.append(a)
            emb.append(embed_audio(a, geometry["sample_rate"], dims))
        # Standardised like ClipDataset's embeddings (embedding.normalize).
        stacked = np.concatenate(emb)
        mean, std = stacked.mean(axis=0), np.maximum(stacked.std(axis=0), 1e-6)
        self.embeddings = ArrayEmbeddings([(e - mean) / std for e in emb])

    def __len__(self):
        return len(self.videos)

    def video(self, i):
        return self.videos[i].transpose(3, 0, 1, 2).astype(np.float32) * np.float32(2 / 255.0) - np.float32(1)

    def embedding(self, i):
        return self.embeddings[i]

    def audio(self, i):
        return self.audios[i]

    def row(self, i):
        """A manifest-like row (tempo known; phase left unknown: its convention is the clip set's)."""
        return {"clip": i, "source_key": f"synthetic{i}", "start": 0.0, "tempo_bpm": self.tempos[i], "phase": None}

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.video(i), self.embedding(i), np.int32(i)

    def mismatched_embedding(self, indices, rng):
        """Music of clips with another tempo."""
        out = []
        for i in np.asarray(indices).reshape(-1):
            others = [j for j in range(len(self)) if self.tempos[j] != self.tempos[int(i)]] or \
                     [j for j in range(len(self)) if j != int(i)] or [int(i)]
            out.append(self.embeddings[others[rng.randint(len(others))]])
        return np.stack(out)


def write_toy_clipset(root, geometry, sources=3, clips_per_source=2, dims=16, seed=0):
    """Writes a real clip set of procedural clips to ``root``; returns its ArrayEmbeddings."""
    store = ClipStore(root, geometry)
    rng = np.random.RandomState(seed)
    emb = []
    for s in range(sources):
        tempo = 60 + 30 * s
        videos, audios, rows = [], [], []
        for k in range(clips_per_source):
            phase = rng.uniform(0, 60.0 / tempo)
            v, a = draw_clip(geometry, tempo, phase, rng)
            videos.append(v)
            audios.append(a)
            rows.append({"start": k * geometry["frames"] / geometry["fps"], "tempo_bpm": tempo, "phase": phase})
            emb.append(embed_audio(a, geometry["sample_rate"], dims))
        store.add_source(f"toy{s}", f"toy{s}.mp4", np.stack(videos), np.stack(audios), rows)
    return ArrayEmbeddings(emb)
