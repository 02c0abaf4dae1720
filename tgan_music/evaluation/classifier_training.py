"""Training the tempo classifier on the real clips of a metronome clip set (Chainer's Trainer).

    tgan-music evaluate --train-classifier CLIPSET [--out DIR] [--iterations N]

Training uses the clip set's ``train`` split (split per source video, as for the GAN) and
reports its accuracy on the ``val`` split; the ``test`` split, whose music conditions the
generated clips in ``tgan-music evaluate``, is never seen. Labels are the bins of the
manifest's ``tempo_bpm`` (the clip's mean tempo).

A clip set holds few source videos (100 in `compare`'s, 28 in the shipped one) and several
clips of each, so a net that can recognise a video can learn its tempo by heart: the first
version (RGB + differences, flips and brightness jitter only) reached 0.87 on its training
clips and 0.00-0.17 on unseen videos. What breaks the video's identity here: the input is
normalised frame differences (``classifier.normalized_differences``: still background, body
and lighting cancel), augmentation changes every look that does not carry the tempo (colour
channel order, per-channel gain, negative image, position, left/right, time direction), dropout
and weight decay, and soft labels over neighbouring bins (a clip 1 % past a bin edge is not
a different class from one 1 % before it).
"""
import os
import shutil
import time

import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
from chainer.training import extensions

from tgan_music.config.loader import schema_defaults
from tgan_music.data.dataset import ClipDataset
from tgan_music.errors import UserError
from tgan_music.evaluation.classifier import (DEFAULT_SUBDIR, INPUT_CHANNELS, TempoBins, TempoClassifier,
                                              TempoNet, input_size, net_input, resize_space, save_classifier)
from tgan_music.evaluation.defaults import SCHEMA



def default_settings():
    """The classifier's settings when none are given: the defaults of the config section
    evaluate.classifier (tgan_music/evaluation/defaults.py), the one place they are written."""
    return schema_defaults(SCHEMA["classifier"])


class TempoClips(chainer.dataset.DatasetMixin):
    """(net input float32 (C, T', h, w), bin int32) of the clips of one split that have a tempo.

    With ``augment``, each draw changes what does not carry the tempo: left/right, time
    direction (a swing reversed has the same period), colour channel order, per-channel gain,
    negative image, and position (a shift of up to ``shift`` of the frame size)."""

    def __init__(self, clips, bins, height, width, input_mode, augment=False, shift=0.0, seed=0):
        self.clips = clips  # a ClipDataset
        self.bins = bins
        self.height, self.width = height, width
        self.input_mode = input_mode
        self.augment = augment
        self.shift = shift
        self.rng = np.random.RandomState(seed)
        tempi = [clips.row(i).get("tempo_bpm") for i in range(len(clips))]
        self.indices = [i for i, t in enumerate(tempi) if t is not None]
        self.labels = bins.bin_of([tempi[i] for i in self.indices])

    def __len__(self):
        return len(self.indices)

    def _augmented(self, x):
        rng = self.rng
        if rng.uniform() < 0.5:
            x = x[..., ::-1]
        if rng.uniform() < 0.5:
            x = x[:, :, ::-1]
        x = x[:, rng.permutation(3)] * rng.uniform(0.6, 1.4, size=(1, 3, 1, 1, 1))
        if rng.uniform() < 0.5:
            x = -x
        x = x + rng.uniform(-0.2, 0.2)
        h, w = x.shape[-2:]
        dy, dx = (int(round(rng.uniform(-self.shift, self.shift) * n)) for n in (h, w))
        if dy or dx:  # shift with the edge rows/columns repeated (a metronome has no fixed place)
            x = np.pad(x, [(0, 0)] * 3 + [(abs(dy), abs(dy)), (abs(dx), abs(dx))], mode="edge")
            x = x[..., abs(dy) - dy:abs(dy) - dy + h, abs(dx) - dx:abs(dx) - dx + w]
        return np.clip(x, -1.0, 1.0)

    def get_example(self, k):
        x = self.clips.video(self.indices[k])[None]  # (1, 3, T, H, W) in [-1, 1]
        if self.augment:
            x = self._augmented(x)
        x = resize_space(np.ascontiguousarray(x, np.float32), self.height, self.width)
        return net_input(x, self.input_mode)[0], self.labels[k]


def soft_labels(count, sigma):
    """(count, count) target distributions: row b is a Gaussian over the bin distance to b with
    ``sigma`` bins (one-hot when sigma is 0). Neighbouring bins share some of the target, so the
    net is not pushed to separate clips a few percent apart in tempo as if they were unrelated."""
    if sigma <= 0:
        return np.eye(count, dtype=np.float32)
    d = np.arange(count)[:, None] - np.arange(count)[None, :]
    w = np.exp(-0.5 * (d / sigma) ** 2)
    return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


class SoftLabelLoss:
    """Cross-entropy against ``soft_labels`` rows of the integer bins (the L.Classifier lossfun)."""

    def __init__(self, targets):
        self.targets = targets

    def __call__(self, y, t):
        xp = chainer.backend.get_array_module(y)
        target = xp.asarray(self.targets)[t]
        return -F.sum(target * F.log_softmax(y)) / y.shape[0]


def _split(root, split, data):
    try:
        return ClipDataset(root, split, None, val_fraction=data["val_fraction"],
                           test_fraction=data["test_fraction"], normalize=False)
    except UserError:
        if split == "train":
            raise
        return None  # a tiny set may have no validation clips


def accuracy(classifier, clips, fps):
    """(exact-bin accuracy, within-one-bin accuracy, count) of ``classifier`` on a TempoClips set."""
    if clips is None or len(clips) == 0:
        return float("nan"), float("nan"), 0
    probs, _ = classifier.predict_clips(clips.clips, clips.indices, fps)
    predicted = probs.argmax(axis=1)
    return (float(np.mean(predicted == clips.labels)),
            float(np.mean(np.abs(predicted - clips.labels) <= 1)), len(clips))


def train_classifier(root, out=None, settings=None, data=None, device=None, quiet=False):
    """Trains a tempo classifier on the clip set ``root`` and stores it in ``out``
    (default ``root/tempo_classifier``). ``settings``: evaluate.classifier; ``data``: the
    data section (val/test fractions). Returns the TempoClassifier."""
    settings = {**default_settings(), **(settings or {})}
    data = {"val_fraction": 0.1, "test_fraction": 0.1, **(data or {})}
    device = device or chainer.get_device("@numpy")
    out = out or os.path.join(root, DEFAULT_SUBDIR)
    started = time.time()
    bins = TempoBins(settings["low_bpm"], settings["high_bpm"], settings["bins"])
    train_clips = _split(root, "train", data)
    geometry = dict(train_clips.geometry)
    height, width = input_size(geometry["height"], geometry["width"], settings["max_height"])
    geometry.update(input_height=height, input_width=width)
    mode = settings["input"]
    if mode not in INPUT_CHANNELS:
        raise UserError(f"evaluate.classifier.input {mode!r}: allowed: {', '.join(INPUT_CHANNELS)}")
    train_set = TempoClips(train_clips, bins, height, width, mode, augment=True, shift=settings["shift"],
                           seed=settings["seed"])
    if len(train_set) == 0:
        raise UserError(f"{root}: no clip has a known tempo (manifest tempo_bpm); the tempo classifier "
                        "trains on metronome clip sets (`tgan-music dataset metronome --clips DIR`)")
    val_clips = _split(root, "val", data)
    val_set = TempoClips(val_clips, bins, height, width, mode) if val_clips is not None else None

    np.random.seed(settings["seed"])
    chainer.global_config.cudnn_deterministic = True
    net = TempoNet(bins.count, in_channels=INPUT_CHANNELS[mode], widths=tuple(settings["widths"]),
                   feature_dims=settings["feature_dims"], dropout=settings["dropout"])
    model = L.Classifier(net, lossfun=SoftLabelLoss(soft_labels(bins.count, settings["label_sigma"])))
    model.to_device(device)
    optimizer = chainer.optimizers.Adam(alpha=settings["lr"])
    optimizer.setup(model)
    if settings["weight_decay"] > 0:
        optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(settings["weight_decay"]))
    batchsize = min(settings["batchsize"], len(train_set))
    iterator = chainer.iterators.SerialIterator(train_set, batchsize, shuffle=True)
    updater = chainer.training.updaters.StandardUpdater(iterator, optimizer, device=device)
    work = out + ".training"
    shutil.rmtree(work, ignore_errors=True)
    iterations = settings["iterations"]
    trainer = chainer.training.Trainer(updater, (iterations, "iteration"), out=work)
    interval = (max(1, min(50, iterations)), "iteration")
    trainer.extend(extensions.LogReport(trigger=interval))
    keys = ["main/loss", "main/accuracy"]
    if val_set is not None and len(val_set):
        val_iter = chainer.iterators.SerialIterator(val_set, batchsize, repeat=False, shuffle=False)
        trainer.extend(extensions.Evaluator(val_iter, model, device=device), trigger=interval)
        keys += ["validation/main/loss", "validation/main/accuracy"]
    if not quiet:
        trainer.extend(extensions.PrintReport(["iteration"] + keys + ["elapsed_time"]), trigger=interval)
        trainer.extend(extensions.ProgressBar(update_interval=5))
    trainer.run()

    classifier = TempoClassifier(net, bins, geometry, mode)
    fps = geometry["fps"]
    train_eval = TempoClips(train_clips, bins, height, width, mode)
    train_acc, train_acc1, n_train = accuracy(classifier, train_eval, fps)
    val_acc, val_acc1, n_val = accuracy(classifier, val_set, fps)
    info = {
        "architecture": {"name": "TempoNet", "widths": list(settings["widths"]),
                         "feature_dims": settings["feature_dims"], "input": mode, "dropout": settings["dropout"]},
        "training": {"clip_set": os.path.abspath(root), "split": "train", "clips": n_train,
                     "iterations": iterations, "batchsize": batchsize, "lr": settings["lr"],
                     "weight_decay": settings["weight_decay"], "label_sigma": settings["label_sigma"],
                     "shift": settings["shift"],
                     "seed": settings["seed"], "seconds": round(time.time() - started, 1),
                     "device": str(device)},
        "accuracy": {"train": train_acc, "train_within_one_bin": train_acc1,
                     "val": val_acc, "val_within_one_bin": val_acc1, "val_clips": n_val,
                     "chance": 1.0 / bins.count},
    }
    save_classifier(out, net, bins, geometry, info)
    log = os.path.join(work, "log")
    if os.path.isfile(log):
        os.replace(log, os.path.join(out, "training_log.json"))
    shutil.rmtree(work, ignore_errors=True)
    classifier.info = {"bins": bins.describe(), "geometry": geometry, **info}
    classifier.directory = out
    return classifier
