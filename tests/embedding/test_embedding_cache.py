"""`tgan-music embed` and open_cache on real (tiny) clip sets: layout, resume, refusals, messages."""
import json
import os

import numpy as np
import pytest

from tgan_music.cli import main
from tgan_music.embedding.cache import cache_directory, embed_dataset, open_cache
from tgan_music.embedding.encoders import build_encoder
from tgan_music.errors import UserError


def test_librosa_cache_layout_and_statistics(clip_set):
    assert main(["embed", clip_set, "--encoder", "librosa"]) == 0
    cache = open_cache(clip_set, {"name": "librosa", "args": {"checkpoint": None}})
    assert cache.directory == cache_directory(clip_set, "librosa-v1")
    assert len(cache) == 4 and cache.dims == 16 and cache.frame_rate == 31.25
    frames = np.stack([cache[i] for i in range(4)])
    assert frames.shape == (4, 8000 // 512, 16) and frames.dtype == np.float32
    all_frames = frames.reshape(-1, 16).astype(np.float64)
    np.testing.assert_allclose(cache.mean, all_frames.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cache.std, all_frames.std(axis=0), rtol=1e-4, atol=1e-6)
    manifest = json.load(open(os.path.join(cache.directory, "manifest.json")))
    assert manifest["complete"] and manifest["hop"] == 512 and manifest["sample_rate"] == 16000
    assert manifest["weights_sha256"] is None and manifest["encoder"] == "librosa"
    # The clips' own audio, encoded directly, is what the cache holds.
    from tgan_music.data.storage import ClipStore
    np.testing.assert_array_equal(cache[2], build_encoder("librosa").encode(ClipStore(clip_set).audio(2)))


def test_nsynth_cache_resumes_after_an_interruption(clip_set, random_npz):
    encoder = build_encoder({"name": "nsynth", "args": {"checkpoint": random_npz(1)}})
    real = encoder.encode_batch
    calls = []

    def dies_on_second_batch(audio):
        calls.append(len(audio))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(audio)
    encoder.encode_batch = dies_on_second_batch
    with pytest.raises(KeyboardInterrupt):
        embed_dataset(clip_set, encoder, "nsynth", batch_size=1, progress=False)
    directory = cache_directory(clip_set, encoder.encoder_id)
    first = os.path.join(directory, "000000.npy")
    assert os.path.isfile(first) and not os.path.exists(os.path.join(directory, "000001.npy"))
    assert not [f for f in os.listdir(directory) if ".tmp" in f]
    spec = {"name": "nsynth", "args": {"checkpoint": random_npz(1)}}
    with pytest.raises(UserError, match="incomplete .*tgan-music embed"):
        open_cache(clip_set, spec)
    before = os.stat(first).st_mtime_ns
    encoder.encode_batch = real
    embed_dataset(clip_set, encoder, "nsynth", batch_size=1, progress=False)
    assert os.stat(first).st_mtime_ns == before  # done clips are not redone
    cache = open_cache(clip_set, spec)
    assert len(cache) == 4 and cache[3].shape == (15, 16)
    assert cache.encoder_id == encoder.encoder_id and cache.weights_sha256 == encoder.weights_sha256()
    from tgan_music.data.storage import ClipStore
    np.testing.assert_allclose(cache[3], encoder.encode(ClipStore(clip_set).audio(3)), rtol=1e-5, atol=1e-6)


def test_refuses_to_mix_weights(clip_set, random_npz):
    a = build_encoder({"name": "nsynth", "args": {"checkpoint": random_npz(1)}})
    b = build_encoder({"name": "nsynth", "args": {"checkpoint": random_npz(2)}})
    assert a.encoder_id != b.encoder_id
    a.threads = b.threads = 1
    embed_dataset(clip_set, a, "nsynth", progress=False)
    # A cache of weights A sitting where B's would go (renamed, copied, or a prefix clash).
    os.rename(cache_directory(clip_set, a.encoder_id), cache_directory(clip_set, b.encoder_id))
    with pytest.raises(UserError, match="refusing to mix"):
        embed_dataset(clip_set, b, "nsynth", progress=False)


def test_open_cache_messages(clip_set, random_npz):
    with pytest.raises(UserError) as e:
        open_cache(clip_set, {"name": "nsynth", "args": {"checkpoint": None}})
    assert "embeddings/nsynth-*" in str(e.value) and f"tgan-music embed {clip_set} --encoder nsynth" in str(e.value)
    with pytest.raises(UserError, match="no embedding cache here; run `tgan-music embed .* --encoder librosa`"):
        open_cache(clip_set, {"name": "librosa", "args": {}})
    for seed in (1, 2):
        encoder = build_encoder({"name": "nsynth", "args": {"checkpoint": random_npz(seed)}})
        embed_dataset(clip_set, encoder, "nsynth", batch_size=4, progress=False)
    with pytest.raises(UserError, match="2 NSynth caches .*embedding.encoder.args.checkpoint"):
        open_cache(clip_set, {"name": "nsynth", "args": {"checkpoint": None}})
    cache = open_cache(clip_set, {"name": "nsynth", "args": {"checkpoint": random_npz(2)}})
    assert cache.encoder_id == encoder.encoder_id
    with pytest.raises(UserError, match="embedding.dims"):
        open_cache(clip_set, {"name": "nsynth", "args": {"checkpoint": random_npz(2)}}, dims=32)


def test_embed_without_checkpoint_explains(clip_set, capsys):
    assert main(["embed", clip_set]) == 2
    err = capsys.readouterr().err
    assert "wavenet-ckpt.tar" in err and "--checkpoint" in err and len(err.strip().splitlines()) == 1


def test_rhythm_latency_cache_and_message(clip_set, capsys):
    spec = {"name": "rhythm", "args": {"latency": 0.04}}
    with pytest.raises(UserError) as err:   # not embedded yet: the message gives the exact command
        open_cache(clip_set, spec)
    assert f"tgan-music embed {clip_set} --encoder rhythm --latency 0.04" in str(err.value)
    assert main(["embed", clip_set, "--encoder", "rhythm", "--latency", "0.04"]) == 0
    cache = open_cache(clip_set, spec)
    assert cache.directory == cache_directory(clip_set, "rhythm-v1-latency40ms") and cache.dims == 7
    assert main(["embed", clip_set, "--encoder", "librosa", "--latency", "0.04"]) == 0
    assert "--latency is ignored by --encoder librosa" in capsys.readouterr().out
