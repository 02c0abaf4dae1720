"""The offline librosa embedder: layout, frame rate, determinism, and that its features respond."""
import numpy as np

from tgan_music.embedding.encoders import build_encoder
from tgan_music.embedding.librosa_features import FEATURES, LibrosaEncoder


def click_track(seconds=3.0, bpm=120, rate=16000, seed=0):
    rng = np.random.RandomState(seed)
    audio = (rng.randn(int(seconds * rate)) * 0.01).astype(np.float32)
    period = int(rate * 60 / bpm)
    t = np.arange(400) / rate
    click = (0.8 * np.sin(2 * np.pi * 60 * t) * np.exp(-t * 30)).astype(np.float32)  # a low "kick"
    for start in range(period // 4, len(audio) - 400, period):
        audio[start:start + 400] += click
    return audio, period


def test_layout_and_frame_rate():
    encoder = build_encoder({"name": "librosa", "args": {}})
    assert encoder.encoder_id == "librosa-v1" and encoder.frame_rate == 31.25 and encoder.sample_rate == 16000
    audio, _ = click_track(3.0)
    out = encoder.encode(audio)
    assert out.shape == (3 * 16000 // 512, 16) == (93, len(FEATURES)) and out.dtype == np.float32
    assert np.isfinite(out).all()
    batch = encoder.encode_batch(np.stack([audio, audio[::-1].copy()]))
    assert batch.shape == (2, 93, 16)
    np.testing.assert_array_equal(batch[0], out)


def test_deterministic():
    audio, _ = click_track(2.0, seed=3)
    a = LibrosaEncoder().encode(audio)
    b = LibrosaEncoder().encode(audio.copy())
    np.testing.assert_array_equal(a, b)


def test_onsets_and_low_band_follow_the_kicks():
    audio, period = click_track(4.0, bpm=120)
    out = LibrosaEncoder().encode(audio)
    kick_frames = {(start + 200) // 512 for start in range(period // 4, len(audio) - 400, period)}
    onset, low = out[:, 0], out[:, 2]
    # Frame k holds samples 512k .. 512k+512: the onset fires on the frame holding the kick
    # (or the one before, when the kick starts there), and well above the noise elsewhere.
    near = {j for k in kick_frames for j in (k - 1, k)}
    assert all(max(onset[k - 1], onset[k]) > 2 * np.delete(onset, sorted(near)).max() for k in kick_frames)
    on_kick = np.mean([low[k] for k in kick_frames])
    assert on_kick > np.median(low) + 2.0  # log energy below 150 Hz jumps on every kick
