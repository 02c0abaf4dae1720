"""The NSynth encoder against Magenta's own encodings (the parity fixture), and its paths."""
import os
import subprocess
import sys

import chainer
import numpy as np
import pytest
import soundfile

from tgan_music.embedding.checkpoint import load_nsynth
from tgan_music.embedding.nsynth import MARGIN, RECEPTIVE_FIELD, NSynthEncoder, mu_law

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def relative_error(ours, ref):
    return float(np.abs(ours - ref).max() / np.abs(ref).max())


def clips(nsynth_fixture):
    for i in (0, 1):
        audio, rate = soundfile.read(os.path.join(nsynth_fixture, f"clip{i}.wav"), dtype="float32")
        assert rate == 16000
        yield audio, np.load(os.path.join(nsynth_fixture, f"clip{i}_embeddings.npy"))



def test_parity_from_the_tensorflow_files(nsynth_fixture, nsynth_prefix):
    encoder = load_nsynth(nsynth_prefix)
    for audio, ref in clips(nsynth_fixture):
        ours = encoder.encode(audio)
        assert ours.shape == ref.shape and ours.dtype == np.float32  # clip1: 20,000 -> 39 frames
        assert relative_error(ours, ref) <= 1e-4


def test_parity_from_the_converted_npz(nsynth_fixture, nsynth_prefix, tmp_path):
    out = str(tmp_path / "encoder.npz")
    proc = subprocess.run([sys.executable, os.path.join(REPO, "tools", "convert_nsynth_checkpoint.py"),
                           nsynth_prefix, out], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 7_000_000 < os.path.getsize(out) < 9_000_000
    encoder = load_nsynth(out)
    assert encoder.weights_sha256() == load_nsynth(nsynth_prefix).weights_sha256()
    for audio, ref in clips(nsynth_fixture):
        assert relative_error(encoder.encode(audio), ref) <= 1e-4


def test_chainer_functions_path_matches_the_inference_path(nsynth_fixture, nsynth_prefix):
    encoder = load_nsynth(nsynth_prefix)
    audio, ref = next(clips(nsynth_fixture))
    audio, ref = audio[:8192], ref[:16]  # frames far from the cut see the same samples
    with chainer.no_backprop_mode():
        reference_path = encoder.forward(audio[None]).array[0]
    assert relative_error(reference_path[:10], ref[:10]) <= 1e-4
    assert relative_error(encoder.encode(audio), reference_path) <= 1e-4


def test_chunked_equals_whole():
    encoder = NSynthEncoder(seed=3)
    audio = np.random.RandomState(1).uniform(-0.6, 0.6, 3 * 4096 + 300).astype(np.float32)
    whole = encoder.encode(audio, chunk=len(audio))
    chunked = encoder.encode(audio, chunk=4096)  # 3 chunks (the middle one with margins both sides)
    assert MARGIN >= RECEPTIVE_FIELD // 2
    assert chunked.shape == whole.shape == (len(audio) // 512, 16)
    assert relative_error(chunked, whole) <= 1e-4
    # Too little margin would show: the last frame of a chunk encoded alone differs.
    alone = encoder.encode(audio[:4096], chunk=4096)
    assert relative_error(alone[-1], whole[7]) > 1e-3


def test_batch_and_threads_give_the_same_frames():
    encoder = NSynthEncoder(seed=4)
    audio = np.random.RandomState(2).uniform(-0.5, 0.5, (3, 3000)).astype(np.float32)
    batch = encoder.encode_batch(audio)
    assert batch.shape == (3, 5, 16)
    encoder.threads = 1
    encoder.cpu_block = 1024
    for i in range(3):
        assert relative_error(encoder.encode(audio[i]), batch[i]) <= 1e-5


def test_mu_law_matches_magenta():
    x = np.array([-1.0, -0.5, -1e-4, 0.0, 1e-4, 0.01, 0.5, 1.0], np.float32)
    expected = np.floor(np.sign(x) * np.log1p(255 * np.abs(x)) / np.log(256) * 128) / 128
    np.testing.assert_allclose(mu_law(x), expected)


def test_short_audio_gives_no_frames():
    encoder = NSynthEncoder(seed=0)
    assert encoder.encode(np.zeros(511, np.float32)).shape == (0, 16)


@pytest.mark.slow
def test_long_audio_in_default_chunks(nsynth_prefix):
    encoder = load_nsynth(nsynth_prefix)
    audio = np.random.RandomState(5).uniform(-0.5, 0.5, 16000 * 25).astype(np.float32)
    whole = encoder.encode(audio, chunk=len(audio))
    assert relative_error(encoder.encode(audio), whole) <= 1e-4
