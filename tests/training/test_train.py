"""Training on Chainer's Trainer: reproducibility, outputs, previews, metrics, kill + resume, NaN stop."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tgan_music.config import load_config
from tgan_music.errors import UserError
from tgan_music.registry import registry
from tgan_music.training.snapshot import list_snapshots
from tgan_music.training.trainer import train
from tgan_music.video import probe


@registry("metric").register("test_mean_brightness")
class MeanBrightness:
    """A metric for the hook's test: mean pixel value of generated samples."""

    def __init__(self, *, samples: int = 2):
        self.samples = samples

    def __call__(self, context):
        videos, _ = context.sample(self.samples, seed=0)
        return {"brightness": float(videos.mean())}


def read_log(out):
    with open(os.path.join(out, "log"), encoding="utf-8") as f:
        return json.load(f)


def losses(log):
    return [(r["iteration"], r["dis/loss"], r["gen/loss"]) for r in log]


def test_same_seed_same_iterations_with_preview_and_metrics(write_config, clipset, tmp_path):
    path = write_config()
    emb = clipset[1]
    out_a, out_b, out_c = (str(tmp_path / n) for n in "abc")
    train(load_config(path, ["train.preview_interval=3"]), out_a, embeddings=emb, quiet=True)
    train(load_config(path, ["train.metrics=[{name: test_mean_brightness}]", "train.metrics_interval=2"]),
          out_b, embeddings=emb, quiet=True)
    train(load_config(path, ["seed=1"]), out_c, embeddings=emb, quiet=True)
    log_a, log_b, log_c = read_log(out_a), read_log(out_b), read_log(out_c)
    # Previews and metrics draw from their own generators: training is unchanged by them.
    assert losses(log_a) == losses(log_b)
    assert [r[0] for r in losses(log_a)] == [1, 2, 3]
    assert losses(log_a) != losses(log_c)
    assert all(np.isfinite(v) for r in losses(log_a) for v in r)
    assert "dis/mismatch" in log_a[0]
    # The metrics hook reports under metrics/ at its interval.
    assert "metrics/brightness" in log_b[1] and "metrics/brightness" not in log_b[0]
    # Result directory: merged config, run info, loss plots, snapshots, preview mp4 (with audio) + PNG.
    for name in ("config.yaml", "run_info.json", "loss.png", "scores.png", "snapshot_iter_00000002.npz",
                 "snapshot_iter_00000003.npz", "preview/iter_00000003.png"):
        assert os.path.isfile(os.path.join(out_a, name)), name
    info = probe(os.path.join(out_a, "preview", "iter_00000003.mp4"))
    kinds = sorted(s["codec_type"] for s in info["streams"])
    assert kinds == ["audio", "video"]
    # Two music clips of 1 s each, one after the other.
    assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=0.15)


def test_train_kill_resume_matches_uninterrupted_run(write_config, tmp_path):
    path = write_config(conditioning="none", head="score", iterations=1000)
    out = str(tmp_path / "killed")
    cmd = [sys.executable, "-m", "tgan_music", "train", path, "--out", out]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not any(it >= 4 for it, _ in list_snapshots(out)):
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    newest = list_snapshots(out)[-1][0]
    assert newest >= 4
    end = newest + 2
    done = subprocess.run(cmd + ["--set", f"train.iterations={end}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resuming from" in done.stdout and f"snapshot_iter_{newest:08d}" in done.stdout
    resumed = losses(read_log(out))
    assert [r[0] for r in resumed] == list(range(1, end + 1))
    # The same run without the kill: identical losses (RNG states travel with the snapshot).
    straight = str(tmp_path / "straight")
    train(load_config(path, [f"train.iterations={end}"]), straight, quiet=True)
    assert losses(read_log(straight)) == resumed


class NaNVideos:
    """The clip dataset with every video NaN (a broken clip set makes the losses NaN)."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        video, embedding, index = self.dataset[i]
        return np.full_like(video, np.nan), embedding, index


def test_nan_loss_stops_with_message_and_keeps_last_good_snapshot(write_config, tmp_path):
    from tgan_music.data.dataset import build_dataset
    path = write_config(conditioning="none", head="score", iterations=4)
    out = str(tmp_path / "nan")
    train(load_config(path), out, quiet=True)
    good = os.path.join(out, "snapshot_iter_00000004.npz")
    before = open(good, "rb").read()
    config = load_config(path, ["train.iterations=8"])
    with pytest.raises(UserError) as err:
        train(config, out, dataset=NaNVideos(build_dataset(config, "train")), quiet=True)
    message = str(err.value)
    assert "iteration 5" in message and "nan" in message and good in message
    assert "\n" not in message
    assert [it for it, _ in list_snapshots(out)] == [2, 4]
    assert open(good, "rb").read() == before


def test_train_command_reports_bad_config_in_one_line(write_config, tmp_path):
    path = write_config(conditioning="none", head="dot")
    done = subprocess.run([sys.executable, "-m", "tgan_music", "train", path, "--out", str(tmp_path / "bad")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "head 'dot' needs music" in done.stderr


def test_discriminator_is_clipped_every_svc_freq_iterations(write_config, clipset, tmp_path):
    # A large learning rate pushes weights past spectral norm 1; SVC after the D step pulls every
    # conv and linear weight (heads included) back, so after a clipping iteration all are <= 1.
    from tgan_music.training.trainer import build_trainer
    import chainer
    config = load_config(write_config(), ["train.lr=0.05", "train.svc_freq=2"])
    trainer, parts = build_trainer(config, str(tmp_path / "svc"), chainer.get_device("@numpy"),
                                   embeddings=clipset[1], quiet=True)

    def largest_sigma():
        return max(np.linalg.svd(p.array.reshape(p.shape[0], -1), compute_uv=False)[0]
                   for name, p in parts["dis"].namedparams() if name.endswith("/W"))

    parts["updater"].update()            # iteration 1: no clipping
    assert largest_sigma() > 1.01
    parts["updater"].update()            # iteration 2: clipped after the D step
    assert largest_sigma() <= 1 + 1e-4


def test_discriminator_learning_rate_scale():
    # train.dis_lr_scale sets D's rate apart from G's (two time-scale updates), for Adam and RMSprop.
    import chainer.links as L
    from tgan_music.training.trainer import make_optimizer
    for optimizer, attr in (("adam", "alpha"), ("rmsprop", "lr")):
        config = load_config(None, [f"train.optimizer={optimizer}", "train.lr=2e-4", "train.dis_lr_scale=0.25"])
        gen_opt = make_optimizer(config, L.Linear(2, 2))
        dis_opt = make_optimizer(config, L.Linear(2, 2), config["train"]["dis_lr_scale"])
        assert getattr(gen_opt, attr) == pytest.approx(2e-4)
        assert getattr(dis_opt, attr) == pytest.approx(5e-5)


def test_recipe_options_train_and_g_ema_is_what_generation_loads(write_config, clipset, tmp_path):
    from tgan_music.generation.model import load_generator
    path = write_config(conditioning="per_frame")
    overrides = ["train.ema=0.9", "train.shift_mismatch=true", "train.augment=[color, translation, cutout]",
                 "model.generator.args.temporal=music", "model.generator.args.temporal_args={width: 8}",
                 "model.discriminator.args.music_input=4"]
    out = str(tmp_path / "recipe")
    result = train(load_config(path, overrides), out, embeddings=clipset[1], quiet=True)
    log = read_log(out)
    assert all(np.isfinite(r["dis/loss"]) for r in log) and "dis/shifted" in log[-1]
    snapshot = list_snapshots(out)[-1][1]
    with np.load(snapshot) as npz:
        ema_keys = [k for k in npz.files if k.startswith("updater/model:gen_ema/")]
        gen_keys = [k for k in npz.files if k.startswith("updater/model:gen/")]
        assert len(ema_keys) == len(gen_keys) > 0
        key = "updater/model:gen_ema/temporal/c_in/W"
        assert not np.allclose(npz[key], npz[key.replace("gen_ema", "gen")])
        loaded = load_generator(out)
        np.testing.assert_array_equal(loaded.gen.temporal.c_in.W.array, npz[key])
    assert result["iteration"] == load_config(path, overrides)["train"]["iterations"]


def test_ema_decay_out_of_range_is_one_line(write_config, clipset, tmp_path):
    with pytest.raises(UserError, match="train.ema"):
        train(load_config(write_config(), ["train.ema=1.0"]), str(tmp_path / "x"), embeddings=clipset[1], quiet=True)


def test_cpu_seconds_stops_early_with_a_final_snapshot_and_resumes(write_config, clipset, tmp_path):
    path = write_config()
    out = str(tmp_path / "cpu")
    result = train(load_config(path, ["train.iterations=1000", "train.snapshot_interval=500",
                                      "train.cpu_seconds=0.5"]), out, embeddings=clipset[1], quiet=True)
    stopped = result["iteration"]
    assert 1 <= stopped < 1000
    assert list_snapshots(out)[-1][0] == stopped          # the last iteration is kept
    # The CPU time travels with the snapshot: a resumed run with a larger budget goes on from there.
    again = train(load_config(path, ["train.iterations=1000", "train.snapshot_interval=500",
                                     "train.cpu_seconds=1.0"]), out, embeddings=clipset[1], quiet=True)
    assert again["resumed_from"] and stopped < again["iteration"] < 1000


def test_spectral_norm_with_hinge_and_lazy_r1_train(write_config, clipset, tmp_path):
    path = write_config(conditioning="per_frame")
    out = str(tmp_path / "sn_r1")
    config = load_config(path, ["model.discriminator.args.spectral_norm=true", "train.svc_freq=0",
                                "train.loss={name: hinge}", "train.r1_gamma=1.0", "train.r1_interval=2"])
    result = train(config, out, embeddings=clipset[1], quiet=True)
    hooks = [h for link in result["dis"].links() for h in link.local_link_hooks.values()]
    assert hooks and all(type(h).__name__ == "SpectralNormalization" for h in hooks)
    log = read_log(out)
    r1 = [r["dis/r1"] for r in log if "dis/r1" in r]
    assert r1 and all(np.isfinite(v) and v > 0 for v in r1)       # iterations 0 and 2 of 3
    assert all(np.isfinite(r["dis/loss"]) for r in log)


def test_frame_discriminator_trains_beside_d_and_resumes(write_config, clipset, tmp_path):
    path = write_config(conditioning="per_frame")
    out = str(tmp_path / "frames")
    overrides = ["train.frame_weight=0.5", "train.frame_samples=2", "model.frame_discriminator.args.widths=[8, 16]"]
    result = train(load_config(path, overrides), out, embeddings=clipset[1], quiet=True)
    frame_dis = result["frame_dis"]
    assert frame_dis is not None and frame_dis.minibatch_std
    log = read_log(out)
    assert all(np.isfinite(r["frame/loss"]) and r["frame/loss"] > 0 for r in log)
    snapshot = list_snapshots(out)[-1][1]
    with np.load(snapshot) as npz:
        key = "updater/model:frame_dis/c0/W"
        assert key in npz.files and "updater/optimizer:frame_dis/c0/W/m" in npz.files
        np.testing.assert_array_equal(frame_dis.c0.W.array, npz[key])
    # off (the default): no frame discriminator in the run or its snapshots
    plain = train(load_config(path), str(tmp_path / "plain"), embeddings=clipset[1], quiet=True)
    assert plain["frame_dis"] is None
    with np.load(list_snapshots(str(tmp_path / "plain"))[-1][1]) as npz:
        assert not any("frame_dis" in k for k in npz.files)
    # a resumed run goes on with the frame D's weights from the snapshot
    again = train(load_config(path, overrides + ["train.iterations=4"]), out, embeddings=clipset[1], quiet=True)
    assert again["resumed_from"] and again["iteration"] == 4


def test_frame_warmup_trains_g_against_the_frame_discriminator_alone(write_config, clipset, tmp_path):
    path = write_config(conditioning="per_frame")
    out = str(tmp_path / "warmup")
    overrides = ["train.frame_weight=1.0", "train.frame_warmup=2", "train.iterations=3",
                 "model.frame_discriminator.args.widths=[8, 16]", "train.snapshot_interval=1", "train.snapshots_kept=5"]
    train(load_config(path, overrides), out, embeddings=clipset[1], quiet=True)
    log = read_log(out)
    warm, full = log[:2], log[2:]
    assert all("dis/loss" not in r and np.isfinite(r["gen/frame"]) for r in warm)
    assert full and all(np.isfinite(r["dis/loss"]) and np.isfinite(r["gen/frame"]) for r in full)
    snaps = dict(list_snapshots(out))
    with np.load(snaps[1]) as a, np.load(snaps[2]) as b, np.load(snaps[3]) as c:
        key = "updater/model:dis/c0/W"
        np.testing.assert_array_equal(a[key], b[key])            # D waits during the warm-up
        assert not np.array_equal(b[key], c[key])                 # and trains after it
        assert not np.array_equal(a["updater/model:gen/image/dc_out/W"], b["updater/model:gen/image/dc_out/W"])
    with pytest.raises(UserError, match="train.frame_warmup"):
        train(load_config(path, ["train.frame_warmup=2"]), str(tmp_path / "bad"), embeddings=clipset[1], quiet=True)


def test_frame_warmup_z_shows_the_frame_discriminator_more_pictures(write_config, clipset, tmp_path, monkeypatch):
    from tgan_music.model.discriminator import FrameDiscriminator
    seen = []
    forward = FrameDiscriminator.forward
    monkeypatch.setattr(FrameDiscriminator, "forward", lambda self, x: seen.append(x.shape[0]) or forward(self, x))
    path = write_config(conditioning="per_frame")
    common = ["train.frame_weight=1.0", "train.frame_warmup=1", "train.iterations=2", "train.frame_samples=2",
              "model.frame_discriminator.args.widths=[8, 16]"]
    config = load_config(path, common + ["train.frame_warmup_z=3"])
    batch = config["train"]["batchsize"]
    train(config, str(tmp_path / "z3"), embeddings=clipset[1], quiet=True)
    # warm-up: real 2 frames x batch, fake 2 x 3 batch (D step), fake again (G step); then one full step
    assert seen[:3] == [2 * batch, 6 * batch, 6 * batch] and seen[3:] == [2 * batch] * 3
    seen.clear()
    train(load_config(path, common), str(tmp_path / "z1"), embeddings=clipset[1], quiet=True)
    assert seen[:3] == [2 * batch] * 3
