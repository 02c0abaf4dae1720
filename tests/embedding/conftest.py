"""Fixtures of the embedding tests: the NSynth parity fixture, random-weight encoders, tiny clip sets."""
import os

import numpy as np
import pytest

from tgan_music.data.storage import ClipStore


@pytest.fixture
def nsynth_fixture(shared_fixtures):
    """The parity fixture: a checkpoint in Magenta's layout (random weights + decoys) and
    Magenta's encodings of two clips."""
    return os.path.join(shared_fixtures, "nsynth_h512_bo16_random")


@pytest.fixture
def nsynth_prefix(nsynth_fixture):
    return os.path.join(nsynth_fixture, "ckpt", "model.ckpt-200000")


@pytest.fixture
def random_npz(tmp_path):
    """Saves NSynth encoders with random weights as .npz: random_npz(seed) -> path."""
    from tgan_music.embedding.checkpoint import save_npz
    from tgan_music.embedding.nsynth import NSynthEncoder

    def make(seed):
        path = str(tmp_path / f"random_{seed}.npz")
        if not os.path.exists(path):
            save_npz(NSynthEncoder(seed=seed), path)
        return path
    return make


def make_clip_set(root, sources=2, clips_per_source=2, frames=6, fps=12, seed=0):
    """A real ClipStore of tiny clips (0.5 s of 16 kHz audio each: a click track plus noise)."""
    store = ClipStore(str(root), {"fps": fps, "frames": frames, "height": 4, "width": 4, "channels": 3,
                                  "sample_rate": 16000})
    rng = np.random.RandomState(seed)
    samples = store.samples
    for k in range(sources):
        audio = (rng.randn(clips_per_source, samples) * 0.05).astype(np.float32)
        audio[:, ::4000] += 0.8  # clicks
        video = rng.randint(0, 255, (clips_per_source, frames, 4, 4, 3)).astype(np.uint8)
        rows = [{"start": i * frames / fps, "tempo_bpm": 240.0, "phase": 0.0} for i in range(clips_per_source)]
        store.add_source(f"src{k}", f"src{k}.mp4", video, audio, rows)
    return store


@pytest.fixture
def clip_set(tmp_path):
    root = tmp_path / "clips"
    make_clip_set(root)
    return str(root)
