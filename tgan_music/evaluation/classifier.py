"""The tempo classifier: a small 3-D CNN that tells a clip's tempo bin from its pixels.

It is trained by the project on real metronome clips (``classifier_training.py``) and used on
generated clips for the conditional accuracy (predicted bin vs the bin of the conditioning
music's tempo), a Fréchet distance on its penultimate features and an Inception-style score
(``fid.py``). Design (docs/evaluation.md):

- Bins: ``count`` log-spaced bins over the metronome's tempo range (40-208 BPM). Tempi are
  drawn log-uniformly there, so log bins hold about as many clips each; 12 bins are 14.7 %
  wide (±7 % around the centre), about the ±8 % tolerance of the rhythm metric ``tempo_acc8``.
- Input: the clip's forward frame differences, normalised by their RMS per clip (``diff``:
  only what moves, at no particular contrast, so the net cannot tell the videos apart by
  their looks; ``rgb+diff``, format 1's input, adds the frames and memorised the training
  videos), at the geometry of the clip set it was trained on, shrunk so its height is at
  most ``max_height``. Clips of another geometry are resampled to it (``prepare``):
  time by linear interpolation at the classifier's frame rate (so a beat keeps its length in
  seconds), space by bilinear resizing. Time is pooled globally, so any clip length works.
- A directory holds ``weights.npz`` and ``classifier.json`` (bins, architecture, geometry,
  training figures); ``classifier.json`` is written last, so its presence means complete.
"""
import json
import os

import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np

from tgan_music.atomic import atomic_path, write_json
from tgan_music.errors import UserError

WEIGHTS = "weights.npz"
CONFIG = "classifier.json"
FORMAT = "tgan-music tempo classifier"
# 2: input "diff" (normalised frame differences) by default, dropout; format 1 (RGB + differences)
# memorised its training videos, so its files are refused with a request to retrain.
FORMAT_VERSION = 2
# Where `tgan-music evaluate` looks for the classifier of a clip set by default.
DEFAULT_SUBDIR = "tempo_classifier"


def default_directory(clip_root):
    return os.path.join(clip_root, DEFAULT_SUBDIR)


class TempoBins:
    """``count`` log-spaced tempo bins over [low, high] BPM; tempi outside go to the end bins."""

    def __init__(self, low=40.0, high=208.0, count=12):
        if not (0 < low < high) or count < 2:
            raise UserError(f"tempo bins {low}-{high} BPM x {count}: need 0 < low < high and at least 2 bins")
        self.low, self.high, self.count = float(low), float(high), int(count)
        self.edges = np.geomspace(self.low, self.high, self.count + 1)
        self.centres = np.sqrt(self.edges[:-1] * self.edges[1:])

    def bin_of(self, bpm):
        """int32 bin index of each tempo (array or scalar); -1 where the tempo is unknown (NaN/None)."""
        bpm = np.asarray([np.nan if b is None else b for b in np.atleast_1d(bpm)], np.float64)
        out = np.searchsorted(self.edges[1:-1], np.clip(bpm, self.low, self.high), side="right")
        out = np.where(np.isfinite(bpm), out, -1).astype(np.int32)
        return out

    def describe(self):
        return {"low_bpm": self.low, "high_bpm": self.high, "count": self.count,
                "edges_bpm": [round(float(e), 3) for e in self.edges]}


# What the net sees of a clip (``net_input``): "diff" = normalised frame differences (format 2's
# default), "rgb+diff" = the frames and their differences (format 1's only input).
INPUT_CHANNELS = {"diff": 3, "rgb+diff": 6}


class TempoNet(chainer.Chain):
    """Four 3-D convolutions (batch norm, ReLU), global average pooling, dropout, a feature
    layer, the bins.

    Strides halve space in every layer and time in the last two; the global pooling over
    space and time makes the net independent of the clip's length and of where in the frame
    the metronome stands. ``features`` (the ReLU'd feature layer) feed the Fréchet distance."""

    def __init__(self, bins, *, in_channels=3, widths=(16, 32, 64, 64), feature_dims=64, dropout=0.0):
        super().__init__()
        self.n_layers = len(widths)
        self.dropout = float(dropout)
        strides = [(1, 2, 2)] * max(0, len(widths) - 2) + [(2, 2, 2)] * min(2, len(widths))
        with self.init_scope():
            previous = in_channels
            for k, (width, stride) in enumerate(zip(widths, strides)):
                setattr(self, f"conv{k}", L.ConvolutionND(3, previous, width, ksize=3, stride=stride,
                                                          pad=1, nobias=True))
                setattr(self, f"bn{k}", L.BatchNormalization(width))
                previous = width
            self.feature = L.Linear(previous, feature_dims)
            self.out = L.Linear(feature_dims, bins)

    def features(self, x):
        h = x
        for k in range(self.n_layers):
            h = F.relu(getattr(self, f"bn{k}")(getattr(self, f"conv{k}")(h)))
        h = F.mean(h, axis=(2, 3, 4))
        if self.dropout > 0:  # against memorising the few training videos; a no-op at test time
            h = F.dropout(h, self.dropout)
        return F.relu(self.feature(h))

    def forward(self, x):
        return self.out(self.features(x))


def with_motion(x):
    """(n, 3, T, H, W) clips -> (n, 6, T, H, W): the frames and their forward differences
    (the last difference repeated), so the first layer sees motion without having to learn it."""
    xp = chainer.backend.get_array_module(x)
    diff = x[:, :, 1:] - x[:, :, :-1]
    if diff.shape[2] == 0:
        diff = xp.zeros_like(x)
    else:
        diff = xp.concatenate([diff, diff[:, :, -1:]], axis=2)
    return xp.concatenate([x, diff], axis=1).astype(np.float32)


# Differences below this RMS (in [-1, 1] units) are not scaled up: the noise of a still clip
# stays small instead of being blown up to the size of a swinging arm.
DIFF_RMS_FLOOR = 0.01


def normalized_differences(x):
    """(n, 3, T, H, W) clips -> (n, 3, T - 1, H, W): forward frame differences divided by their
    RMS over each clip. Only what moves is left (a video's background, body and lighting
    cancel) and the scale no longer tells how contrasted the arm is, so the net reads the
    tempo from the motion instead of recognising the video."""
    xp = chainer.backend.get_array_module(x)
    if x.shape[2] < 2:
        return xp.zeros_like(x, dtype=np.float32)
    diff = x[:, :, 1:] - x[:, :, :-1]
    rms = xp.sqrt(xp.mean(diff * diff, axis=(1, 2, 3, 4), keepdims=True))
    return (diff / xp.maximum(rms, DIFF_RMS_FLOOR)).astype(np.float32)


def net_input(x, mode):
    """The net's input for clips ``x`` (n, 3, T, H, W) in [-1, 1] under ``mode`` (``INPUT_CHANNELS``)."""
    if mode == "diff":
        return normalized_differences(x)
    if mode == "rgb+diff":
        return with_motion(x)
    raise UserError(f"tempo classifier input {mode!r}: allowed: {', '.join(INPUT_CHANNELS)}")


def resample_time(x, fps, target_fps):
    """(n, C, T, H, W) at ``fps`` -> frames at ``k / target_fps`` by linear interpolation (same span)."""
    if abs(fps - target_fps) < 1e-9:
        return x
    xp = chainer.backend.get_array_module(x)
    frames = x.shape[2]
    count = max(1, int(np.floor((frames - 1) * target_fps / fps + 1e-9)) + 1)
    position = np.arange(count) * fps / target_fps
    lo = np.minimum(np.floor(position).astype(np.int64), frames - 1)
    hi = np.minimum(lo + 1, frames - 1)
    w = xp.asarray((position - lo).astype(np.float32)).reshape(1, 1, count, 1, 1)
    return x[:, :, lo] * (1 - w) + x[:, :, hi] * w


def resize_space(x, height, width):
    """(n, C, T, H, W) -> (n, C, T, height, width): block means when the size shrinks by one
    integer factor (as in training, ``input_size``), else bilinear."""
    n, c, t, h, w = x.shape
    if (h, w) == (height, width):
        return x
    factor = h // height
    if factor * height == h and factor * width == w:
        return x.reshape(n, c, t, height, factor, width, factor).mean(axis=(4, 6))
    # Separable linear interpolation with the corners kept (as F.resize_images, which uses
    # numpy.float, gone from NumPy >= 1.24).
    return _interpolate_axis(_interpolate_axis(x, 3, height), 4, width)


def _interpolate_axis(x, axis, size):
    xp = chainer.backend.get_array_module(x)
    n = x.shape[axis]
    if n == size:
        return x
    position = np.linspace(0.0, n - 1, size)
    lo = np.floor(position).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    shape = [1] * x.ndim
    shape[axis] = size
    w = xp.asarray((position - lo).astype(np.float32)).reshape(shape)
    return xp.take(x, lo, axis=axis) * (1 - w) + xp.take(x, hi, axis=axis) * w


class TempoClassifier:
    """A trained TempoNet with its bins and input geometry; ``predict`` on clips of any geometry."""

    def __init__(self, net, bins, geometry, input_mode, info=None, directory=None):
        self.net, self.bins, self.geometry = net, bins, geometry
        self.input_mode = input_mode
        self.info = info or {}
        self.directory = directory

    @property
    def device(self):
        return self.net.device

    def prepare(self, videos, fps):
        """Generator/dataset layout float (n, 3, T, H, W) in [-1, 1] at ``fps`` -> the net's input."""
        x = self.device.send(np.asarray(videos, np.float32) if isinstance(videos, (list, tuple)) else videos)
        x = x.astype(np.float32, copy=False)
        if x.ndim != 5 or x.shape[1] != 3:
            raise UserError(f"tempo classifier: clips must be (n, 3, frames, height, width), got {tuple(x.shape)}")
        x = resample_time(x, fps, self.geometry["fps"])
        x = resize_space(x, self.geometry["input_height"], self.geometry["input_width"])
        return net_input(x, self.input_mode)

    def predict(self, videos, fps, batchsize=16):
        """(probabilities (n, bins), features (n, feature_dims)) as float64 host arrays."""
        probs, feats = [], []
        cpu = chainer.backend.CpuDevice()
        with chainer.using_config("train", False), chainer.no_backprop_mode():
            for start in range(0, len(videos), batchsize):
                x = self.prepare(videos[start:start + batchsize], fps)
                h = self.net.features(x)
                probs.append(cpu.send(F.softmax(self.net.out(h)).array))
                feats.append(cpu.send(h.array))
        return np.concatenate(probs).astype(np.float64), np.concatenate(feats).astype(np.float64)

    def predict_clips(self, dataset, indices, fps, chunk=64):
        """``predict`` on examples ``indices`` of a ClipDataset, loading ``chunk`` clips at a time."""
        probs, feats = [], []
        for start in range(0, len(indices), chunk):
            videos = np.stack([dataset.video(int(i)) for i in indices[start:start + chunk]])
            p, f = self.predict(videos, fps)
            probs.append(p)
            feats.append(f)
        if not probs:
            return np.zeros((0, self.bins.count)), np.zeros((0, self.net.feature.out_size))
        return np.concatenate(probs), np.concatenate(feats)

    def geometry_note(self, fps, height, width):
        """'' when clips of this geometry go in as they are, else how they are resampled."""
        g = self.geometry
        notes = []
        if abs(fps - g["fps"]) > 1e-9:
            notes.append(f"time resampled {fps:g} -> {g['fps']:g} fps")
        if (height, width) != (g["input_height"], g["input_width"]):
            notes.append(f"frames resized {height}x{width} -> {g['input_height']}x{g['input_width']}")
        return "; ".join(notes)


def input_size(height, width, max_height):
    """The net's frame size for clips of ``height`` x ``width``: shrunk by an integer factor to
    at most ``max_height`` rows (so each input pixel averages whole source pixels)."""
    factor = max(1, int(np.ceil(height / float(max_height))))
    return max(1, height // factor), max(1, width // factor)


def save_classifier(directory, net, bins, geometry, info):
    """Writes weights then config (atomically each); the config's presence marks a complete classifier."""
    os.makedirs(directory, exist_ok=True)
    with atomic_path(os.path.join(directory, WEIGHTS)) as tmp:
        chainer.serializers.save_npz(tmp, net)
    config = {"format": FORMAT, "version": FORMAT_VERSION, "bins": bins.describe(),
              "geometry": geometry, **info}
    write_json(os.path.join(directory, CONFIG), config, indent=1)
    return directory


def load_classifier(directory, device=None):
    """The TempoClassifier stored in ``directory`` (see ``save_classifier``), on ``device``."""
    path = os.path.join(directory, CONFIG)
    weights = os.path.join(directory, WEIGHTS)
    if not os.path.isfile(path) or not os.path.isfile(weights):
        raise UserError(f"{directory}: no tempo classifier here ({CONFIG} + {WEIGHTS}); train one with "
                        "`tgan-music evaluate --train-classifier CLIPSET` (it is written to "
                        f"CLIPSET/{DEFAULT_SUBDIR}) or pass --classifier DIR")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: unreadable ({e}); retrain with `tgan-music evaluate --train-classifier`") from None
    if config.get("format") != FORMAT:
        raise UserError(f"{path}: not a {FORMAT} file")
    if config.get("version") != FORMAT_VERSION:
        raise UserError(f"{path}: tempo classifier format {config.get('version')}, this version reads "
                        f"format {FORMAT_VERSION}; retrain it with `tgan-music evaluate --train-classifier CLIPSET`")
    b = config["bins"]
    bins = TempoBins(b["low_bpm"], b["high_bpm"], b["count"])
    arch = config["architecture"]
    mode = arch["input"]
    if mode not in INPUT_CHANNELS:
        raise UserError(f"{path}: unknown input {mode!r}; retrain the classifier")
    net = TempoNet(bins.count, in_channels=INPUT_CHANNELS[mode], widths=tuple(arch["widths"]),
                   feature_dims=arch["feature_dims"], dropout=arch.get("dropout", 0.0))
    try:
        chainer.serializers.load_npz(weights, net)
    except (KeyError, ValueError, OSError) as e:
        raise UserError(f"{weights}: does not match {path} ({type(e).__name__}); retrain the classifier") from None
    if device is not None:
        net.to_device(device)
    return TempoClassifier(net, bins, config["geometry"], mode, config, directory)
