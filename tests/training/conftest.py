"""A tiny real clip set (procedural clips stored with ClipStore) and a tiny config for training tests."""
import os

import pytest
import yaml

from tgan_music.data.synthetic import write_toy_clipset

GEOMETRY = {"fps": 4, "frames": 4, "height": 16, "width": 16, "channels": 3, "sample_rate": 16000}


def tiny_config(conditioning="global", head="dot", **train):
    """A config of tiny networks over the tiny clip set (everything else: the defaults)."""
    t = {"batchsize": 3, "iterations": 3, "log_interval": 1, "snapshot_interval": 2,
         "preview_interval": 0, "svc_freq": 2, "optimizer": "adam", "lr": 1e-3}
    t.update(train)
    return {
        "name": "tiny",
        "data": dict(GEOMETRY, val_fraction=0.0, test_fraction=0.0),
        "embedding": {"dims": 8},
        "model": {"conditioning": conditioning,
                  "generator": {"name": "tgan", "args": {"z_dims": 8, "z1_dims": 8, "temporal_widths": [16, 16],
                                                         "image_widths": [32, 16, 8]}},
                  "discriminator": {"name": "tgan", "args": {"head": head, "widths": [8, 16], "feature_dims": 8}}},
        "train": t,
    }


@pytest.fixture(scope="session")
def clipset(tmp_path_factory):
    """(root, embeddings) of 3 source videos x 2 clips at 60, 90 and 120 bpm."""
    root = str(tmp_path_factory.mktemp("clips") / "toy")
    embeddings = write_toy_clipset(root, GEOMETRY, sources=3, clips_per_source=2, dims=8)
    return root, embeddings


@pytest.fixture
def write_config(tmp_path, clipset):
    """Writes a tiny config (with data.root set to the clip set) and returns its path."""
    def write(name="tiny.yaml", **kwargs):
        config = tiny_config(**kwargs)
        config["data"]["root"] = clipset[0]
        path = os.path.join(str(tmp_path), name)
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump(config, f)
        return path
    return write
