"""EmbeddingStats: the per-dimension mean/std that standardise music embeddings.

Fitted once (the embedding cache's manifest holds them for a clip set; a dataset whose
embeddings carry none fits its training split), applied by the dataset, saved beside the
model as embedding_stats.npz by training, and loaded with the model by generation and
evaluation, so a model always sees music on the scale it was trained on.
"""
import os

import numpy as np

from tgan_music.atomic import atomic_path

FILE_NAME = "embedding_stats.npz"
# A dimension whose std is below this is constant: centred but not scaled (no division by 0).
MIN_STD = 1e-8


class EmbeddingStats:
    """``apply(x) = (x - mean) / std`` per dimension, in float32."""

    def __init__(self, mean, std, frames=None):
        self.mean = np.asarray(mean)   # as fitted (float64 from fit), for the cache's manifest
        self.std = np.asarray(std)
        self.frames = frames           # how many frames fit saw (None when loaded)
        self._mean = self.mean.astype(np.float32)
        std32 = self.std.astype(np.float32)
        self._scale = np.where(std32 > MIN_STD, std32, 1.0).astype(np.float32)

    @classmethod
    def fit(cls, arrays):
        """Mean/std over every frame of ``arrays`` (an iterable of (frames, dims)), with
        float64 sums one array at a time (a whole cache need not fit in memory)."""
        total = squares = None
        count = 0
        for a in arrays:
            x = np.asarray(a).reshape(-1, np.shape(a)[-1]).astype(np.float64)
            if total is None:
                total, squares = np.zeros(x.shape[1]), np.zeros(x.shape[1])
            total += x.sum(axis=0)
            squares += (x * x).sum(axis=0)
            count += x.shape[0]
        if total is None:
            raise ValueError("EmbeddingStats.fit: no embeddings to fit")
        mean = total / max(count, 1)
        return cls(mean, np.sqrt(np.maximum(squares / max(count, 1) - mean * mean, 0.0)), frames=count)

    @classmethod
    def of(cls, embeddings):
        """The statistics an embeddings object carries (``stats``, or ``mean``/``std``), or None."""
        stats = getattr(embeddings, "stats", None)
        if stats is not None:
            return stats
        mean, std = getattr(embeddings, "mean", None), getattr(embeddings, "std", None)
        return None if mean is None or std is None else cls(mean, std)

    def apply(self, x):
        return ((np.asarray(x, np.float32) - self._mean) / self._scale).astype(np.float32, copy=False)

    def save(self, directory):
        """Writes ``directory/embedding_stats.npz`` (float32 mean and the std apply divides by)."""
        path = os.path.join(directory, FILE_NAME)
        with atomic_path(path) as tmp:
            np.savez(tmp, mean=self._mean, std=self._scale)
        return path

    @classmethod
    def load(cls, directory):
        """The statistics saved in ``directory``, or None when it has none."""
        path = os.path.join(directory, FILE_NAME)
        if not os.path.isfile(path):
            return None
        with np.load(path) as saved:
            return cls(saved["mean"].astype(np.float32), saved["std"].astype(np.float32))
