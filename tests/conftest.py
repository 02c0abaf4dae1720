"""Shared test set-up: the --runslow flag and the path of the shared fixtures."""
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Test data made outside this project lives in ../shared/fixtures (never copied into the repo).
SHARED_FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures")
EXPERIMENTS = os.path.join(REPO, "experiments")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run the slow tests too")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long tests, run with --runslow (make test-all)")
    config.addinivalue_line("markers", "gpu: needs a GPU (chainer.testing.attr.gpu); skipped without CuPy")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_fixtures():
    if not os.path.isdir(SHARED_FIXTURES):
        pytest.fail(f"shared fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES


# -- a tiny music model made by the real pipeline ---------------------------------------
# Rendered metronome videos (ffmpeg) -> extraction (ffmpeg + scikit-video) -> librosa
# embeddings -> a few iterations of the project's own train(). Shared by the generation
# and end-to-end tests; small enough to build in well under a minute.
TINY_GEOMETRY = {"fps": 12, "frames": 12, "height": 24, "width": 32, "channels": 3,
                 "sample_rate": 16000, "stride_seconds": 1.0}


def tiny_model_config(root, conditioning="per_frame", iterations=4):
    return {
        "name": "tiny_music_model",
        "seed": 0,
        "data": dict(TINY_GEOMETRY, root=root, val_fraction=0.0, test_fraction=0.0),
        "embedding": {"encoder": {"name": "librosa", "args": {}}, "dims": 16},
        "model": {"conditioning": conditioning,
                  "generator": {"name": "tgan", "args": {"z_dims": 8, "z1_dims": 8, "temporal_widths": [16, 16],
                                                         "image_widths": [32, 16, 8]}},
                  "discriminator": {"name": "tgan", "args": {"head": "dot", "widths": [8, 16],
                                                             "feature_dims": 8}}},
        "train": {"batchsize": 4, "iterations": iterations, "log_interval": 2, "snapshot_interval": iterations,
                  "preview_interval": 0, "svc_freq": 2, "optimizer": "adam", "lr": 1e-3},
    }


@pytest.fixture(scope="session")
def tiny_clipset(tmp_path_factory):
    """Root of a clip set of 2 rendered metronome videos (4 s each, 1 s clips) with librosa embeddings."""
    from tgan_music.data.extract import ClipGeometry, extract
    from tgan_music.data.metronome import draw_params, render_video
    from tgan_music.embedding.cache import embed_dataset
    from tgan_music.embedding.encoders import build_encoder
    videos = str(tmp_path_factory.mktemp("tiny_videos"))
    root = str(tmp_path_factory.mktemp("tiny_clipset"))
    paths = []
    for i, bpm in enumerate((72.0, 132.0)):
        p = draw_params(3, i, duration=4.0, size=(160, 120))
        p.update(tempo_knots=[[0.0, bpm], [4.0, bpm]], tempo_change="none")
        render_video(p, videos, f"m{i}")
        paths.append(os.path.join(videos, f"m{i}.mp4"))
    summary = extract(paths, root, ClipGeometry(**TINY_GEOMETRY), progress=False, log=lambda line: None)
    assert summary["failed"] == 0, summary
    embed_dataset(root, build_encoder("librosa"), "librosa", progress=False)
    return root


@pytest.fixture(scope="session")
def tiny_music_model(tiny_clipset, tmp_path_factory):
    """A training result directory (config.yaml, snapshot, embedding_stats.npz) of a tiny per-frame model."""
    from tgan_music.config import dump_config, load_config
    from tgan_music.training.trainer import train
    work = tmp_path_factory.mktemp("tiny_model")
    config_path = str(work / "tiny.yaml")
    dump_config(tiny_model_config(tiny_clipset), config_path)
    out = str(work / "result")
    train(load_config(config_path), out, quiet=True)
    return out
