"""EmbeddingStats: one fit, apply, save and load for the music statistics."""
import numpy as np

from tgan_music.embedding.stats import EmbeddingStats


def test_fit_apply_and_constant_dimensions():
    rng = np.random.RandomState(0)
    arrays = [rng.randn(5, 3).astype(np.float32) * [1, 2, 0] + 4 for _ in range(3)]
    stats = EmbeddingStats.fit(iter(arrays))
    frames = np.concatenate(arrays).astype(np.float64)
    np.testing.assert_allclose(stats.mean, frames.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.std, frames.std(axis=0), atol=1e-9)
    assert stats.frames == 15
    out = stats.apply(arrays[0])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:, 2], 0.0, atol=1e-6)   # constant: centred, not scaled


def test_save_load_round_trip_and_the_file_training_wrote_before(tmp_path):
    stats = EmbeddingStats([1.0, 2.0], [0.5, 0.0])
    stats.save(str(tmp_path))
    loaded = EmbeddingStats.load(str(tmp_path))
    x = np.array([[2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(loaded.apply(x), stats.apply(x))
    np.savez(str(tmp_path / "old" ), mean=np.float32([1, 2]), std=np.float32([0.5, 1.0]))
    (tmp_path / "legacy").mkdir()
    (tmp_path / "old.npz").rename(tmp_path / "legacy" / "embedding_stats.npz")
    np.testing.assert_array_equal(EmbeddingStats.load(str(tmp_path / "legacy")).apply(x), [[2.0, 1.0]])
    assert EmbeddingStats.load(str(tmp_path / "nothing")) is None
