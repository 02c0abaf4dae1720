"""Every experiment YAML loads, builds networks of the right shapes and trains for two iterations.

Runs use in-memory procedural clips of each config's geometry (the data path itself is
tested in tests/data and tests/training). Full-size configs train only with --runslow."""
import glob
import os

import pytest
import yaml

from tgan_music.config import load_config
from tgan_music.model.summary import summarize
from tgan_music.data.synthetic import SyntheticClips, toy_geometry
from tgan_music.training.trainer import train

EXPERIMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "experiments")
ALL = sorted(glob.glob(os.path.join(EXPERIMENTS, "**", "*.yaml"), recursive=True))


def runnable(path):
    """Experiments name themselves; base fragments (bases/, small/base.yaml) do not."""
    with open(path, encoding="utf-8") as f:
        return "name" in (yaml.safe_load(f) or {})


RUNNABLE = [p for p in ALL if runnable(p)]


def rel(path):
    return os.path.relpath(path, EXPERIMENTS)


def is_large(config):
    d = config["data"]
    return d["frames"] * d["height"] * d["width"] > 20_000


def test_every_yaml_loads():
    assert len(RUNNABLE) >= 8
    names = set()
    for path in ALL:
        config = load_config(path)
        if path in RUNNABLE:
            assert config["name"] not in names, f"{rel(path)}: duplicate experiment name"
            names.add(config["name"])


@pytest.mark.parametrize("path", RUNNABLE, ids=rel)
def test_network_shapes(path):
    config = load_config(path)
    d = config["data"]
    s = summarize(config)
    assert s["generator"]["output"] == (1, d["channels"], d["frames"], d["height"], d["width"])
    assert s["discriminator"]["output"] == (1,)


def two_iterations(path, tmp_path):
    config = load_config(path, ["train.batchsize=2", "train.iterations=2", "train.log_interval=1",
                                "train.snapshot_interval=2", "train.preview_interval=0",
                                "train.sync_iterations=2", "train.sync_batchsize=2"])
    dataset = SyntheticClips(toy_geometry(config), n=4, dims=config["embedding"]["dims"])
    result = train(config, str(tmp_path / "run"), dataset=dataset, quiet=True)
    assert result["iteration"] == 2
    assert os.path.isfile(tmp_path / "run" / "snapshot_iter_00000002.npz")


SMALL = [p for p in RUNNABLE if not is_large(load_config(p, validate=False))]
LARGE = [p for p in RUNNABLE if p not in SMALL]


@pytest.mark.parametrize("path", SMALL, ids=rel)
def test_small_configs_train_two_iterations(path, tmp_path):
    two_iterations(path, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("path", LARGE, ids=rel)
def test_full_size_configs_train_two_iterations(path, tmp_path):
    two_iterations(path, tmp_path)


def ablation_arms():
    """{arm: (config, overrides)} of tools/ablation_music_motion.sh's ARM table."""
    import re
    import shlex
    path = os.path.join(os.path.dirname(EXPERIMENTS), "tools", "ablation_music_motion.sh")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    arms = {}
    for name, command in re.findall(r'^\s+\[(\w+)\]="([^"]*)"', text, flags=re.M):
        words = shlex.split(command)
        arms[name] = (words[0], [w for prev, w in zip(words, words[1:]) if prev == "--set"])
    return arms


def test_every_ablation_arm_loads():
    arms = ablation_arms()
    assert {"layered", "layered_color", "music_sync"} <= set(arms)
    for name, (config, overrides) in arms.items():
        c = load_config(os.path.join(os.path.dirname(EXPERIMENTS), config), overrides)
        assert c["name"], name
