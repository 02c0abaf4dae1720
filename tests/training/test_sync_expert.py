"""The sync expert learns timing from real clips only, is saved, reused on resume and frozen in training."""
import json
import os

import chainer
import numpy as np
import pytest

from tgan_music.config import load_config
from tgan_music.errors import UserError
from tgan_music.training.sync_expert import accuracy, generator_loss, held_still, train_sync_expert
from tgan_music.training.snapshot import list_snapshots
from tgan_music.training.trainer import train


class SwingingDot:
    """Clips of a dot swinging left and right with the phase of its 'music' ([cos, sin] of the phase),
    with the dataset methods the expert trains on: the same clip's music moved by a fraction of a
    cycle, and the music of another clip (another tempo)."""

    def __init__(self, clips, seed, frames=8, size=8):
        rng = np.random.RandomState(seed)
        self.frames, self.size = frames, size
        self.rate = rng.uniform(0.08, 0.25, clips)             # cycles per frame
        self.phase0 = rng.uniform(0, 1, clips)

    def phases(self, i, offset=0.0):
        return self.phase0[i] + offset + self.rate[i] * np.arange(self.frames)

    def music(self, i, offset=0.0):
        p = 2 * np.pi * self.phases(i, offset)
        return np.stack([np.cos(p), np.sin(p)], axis=1).astype(np.float32)

    def __len__(self):
        return len(self.rate)

    def __getitem__(self, i, offset=0.0):
        x = np.full((3, self.frames, self.size, self.size), -1.0, np.float32)
        column = np.round((self.size - 1) * (0.5 + 0.5 * np.cos(2 * np.pi * self.phases(i, offset)))).astype(int)
        for t, c in enumerate(column):
            x[:, t, :, c] = 1.0
        return x, self.music(i), np.int32(i)

    def shifted_embedding(self, indices, rng):
        out = np.stack([self.music(int(i), rng.uniform(0.25, 0.75)) for i in indices])
        return out, np.ones(len(indices), bool)

    def mismatched_embedding(self, indices, rng):
        return np.stack([self.music(int((int(i) + 1 + rng.randint(len(self) - 1)) % len(self))) for i in indices])


def config(**train):
    t = {"sync_iterations": 300, "sync_batchsize": 16, "sync_lr": 3e-3}
    t.update(train)
    return {"seed": 0, "data": {"frames": 8, "height": 8, "width": 8, "channels": 3}, "embedding": {"dims": 2},
            "model": {"sync": {"name": "expert", "args": {"widths": [8, 16], "video_dims": 16, "joint_width": 16,
                                                          "dilations": [1, 2]}}},
            "train": t}


@pytest.fixture(scope="module")
def trained():
    """(expert, report) after 300 steps on swinging dots, checked on other clips."""
    return train_sync_expert(config(), SwingingDot(64, 0), chainer.get_device("@numpy"),
                             val_dataset=SwingingDot(64, 1), quiet=True)


def test_expert_learns_to_tell_own_music_from_shifted_and_other_music_and_a_still_picture(trained):
    device = chainer.get_device("@numpy")
    before = accuracy(train_sync_expert(config(sync_iterations=1), SwingingDot(64, 0), device, quiet=True)[0],
                      SwingingDot(64, 1), device)
    _, report = trained
    after = report["val_accuracy"]        # on clips it never saw
    assert after["shifted"] >= 0.85 and after["static"] >= 0.85 and after["mismatched"] >= 0.75, after
    assert after["shifted"] > before["shifted"] + 0.2
    assert report["cpu_seconds"] > 0 and report["iterations"] == 300


def test_generators_sync_loss_rewards_motion_in_time_with_its_own_music_only(trained):
    expert, _ = trained
    clips = SwingingDot(32, 2)
    idx = np.arange(32)
    m = np.stack([clips.music(i) for i in idx])
    rng = np.random.RandomState(0)
    shifted, ok = clips.shifted_embedding(idx, rng)
    mis = clips.mismatched_embedding(idx, rng)

    def loss(videos):
        return float(generator_loss(expert, chainer.Variable(videos), m, mis, shifted, ok).array)
    in_time = np.stack([clips.__getitem__(i)[0] for i in idx])
    late = np.stack([clips.__getitem__(i, 0.5)[0] for i in idx])          # half a cycle off its music
    still = held_still(in_time, np.random.RandomState(3))
    assert loss(in_time) < 0.3 < np.log(2) - 0.1 < loss(late)
    assert loss(in_time) < loss(still)


def test_held_still_repeats_one_frame_of_each_clip():
    x = np.random.RandomState(0).randn(2, 3, 5, 4, 4).astype(np.float32)
    still = held_still(x, np.random.RandomState(1))
    assert still.shape == x.shape
    for i in range(2):
        frame = still[i, :, 0]
        assert np.all(still[i] == frame[:, None])
        assert any(np.array_equal(frame, x[i, :, k]) for k in range(5))


SYNC = ["train.sync_weight=1.0", "train.sync_iterations=4", "train.sync_batchsize=4",
        "model.sync.args={widths: [4, 8], video_dims: 8, joint_width: 8, dilations: [1, 2]}"]


def test_training_with_the_expert_saves_it_reports_its_loss_and_reuses_it_on_resume(write_config, clipset, tmp_path):
    path = write_config(conditioning="per_frame")
    out = str(tmp_path / "sync")
    result = train(load_config(path, SYNC), out, embeddings=clipset[1], quiet=True)
    saved = os.path.join(out, "sync_expert.npz")
    with open(os.path.join(out, "sync_expert.json"), encoding="utf-8") as f:
        report = json.load(f)
    assert report["iterations"] == 4 and report["cpu_seconds"] > 0
    with open(os.path.join(out, "log"), encoding="utf-8") as f:
        log = json.load(f)
    assert all(np.isfinite(r["gen/sync"]) for r in log)
    assert result["iteration"] == 3
    # Frozen: the weights that G trained against are the ones saved before the GAN started.
    with np.load(saved) as npz:
        first = {k: npz[k].copy() for k in npz.files}
    stamp = os.stat(saved).st_mtime_ns
    again = train(load_config(path, SYNC + ["train.iterations=5"]), out, embeddings=clipset[1], quiet=True)
    assert again["resumed_from"] and again["iteration"] == 5
    assert os.stat(saved).st_mtime_ns == stamp
    with np.load(saved) as npz:
        assert all(np.array_equal(first[k], npz[k]) for k in npz.files)


def test_sync_train_goes_on_training_the_expert_against_the_generator_and_resumes_it(write_config, clipset,
                                                                                    tmp_path):
    path = write_config(conditioning="per_frame")
    out = str(tmp_path / "sync_train")
    result = train(load_config(path, SYNC + ["train.sync_train=true"]), out, embeddings=clipset[1], quiet=True)
    with open(os.path.join(out, "log"), encoding="utf-8") as f:
        log = json.load(f)
    assert all(np.isfinite(r["sync/loss"]) for r in log)
    with np.load(os.path.join(out, "sync_expert.npz")) as pretrained, np.load(list_snapshots(out)[-1][1]) as snap:
        key = "updater/model:sync/out/W"
        assert key in snap.files and not np.array_equal(snap[key], pretrained["out/W"])
        assert "updater/optimizer:sync/t" in snap.files
    assert result["iteration"] == 3
    again = train(load_config(path, SYNC + ["train.sync_train=true", "train.iterations=4"]), out,
                  embeddings=clipset[1], quiet=True)
    assert again["resumed_from"] and again["iteration"] == 4


def test_a_torn_expert_file_and_a_missing_one_are_one_line_each(write_config, clipset, tmp_path):
    path = write_config(conditioning="per_frame")
    torn = tmp_path / "expert.npz"
    torn.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(UserError, match="expert.npz: not a sync expert"):
        train(load_config(path, SYNC + [f"train.sync_expert={torn}"]), str(tmp_path / "a"), embeddings=clipset[1],
              quiet=True)
    with pytest.raises(UserError, match="no such file"):
        train(load_config(path, SYNC + [f"train.sync_expert={tmp_path / 'none.npz'}"]), str(tmp_path / "b"),
              embeddings=clipset[1], quiet=True)


def test_an_unconditional_model_cannot_use_the_expert(write_config, clipset, tmp_path):
    with pytest.raises(UserError, match="conditioning is 'none'"):
        train(load_config(write_config(conditioning="none", head="score"), SYNC), str(tmp_path / "u"),
              embeddings=None, quiet=True)


def test_sync_start_keeps_the_sync_loss_off_then_ramps_it_in(write_config, clipset, tmp_path):
    path = write_config(conditioning="per_frame")
    out = str(tmp_path / "start")
    train(load_config(path, SYNC + ["train.sync_train=true", "train.sync_start=2", "train.iterations=6"]), out,
          embeddings=clipset[1], quiet=True)
    with open(os.path.join(out, "log"), encoding="utf-8") as f:
        log = {r["iteration"]: r for r in json.load(f)}
    # Iteration k (1-based in the log) ran with updater.iteration k - 1: scale max(0, (k-1)/2 - 1).
    for k in (1, 2, 3):
        assert "gen/sync" not in log[k] and "sync/loss" not in log[k]
    for k in (4, 5, 6):
        assert np.isfinite(log[k]["gen/sync"]) and np.isfinite(log[k]["sync/loss"])
