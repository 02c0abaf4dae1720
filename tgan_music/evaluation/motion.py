"""Motion on pixels: a per-frame motion signal and its kinematic beats (local minima).

The signal at frame ``k`` is the mean absolute change between frames ``k - 1`` and ``k + 1``
(blurred, grey, above a noise floor), stamped at ``k / fps``. Why these choices, measured on
rendered metronome clips (docs/metrics.md):

- a two-frame central difference: for a swinging arm it has the exact shape of the speed,
  and it spans the same source time at every frame when a 30 fps video was resampled to
  12 fps (consecutive frames there alternate 67 and 100 ms apart, which makes a one-frame
  difference zig-zag at the Nyquist rate);
- a spatial blur of a few pixels: a thin moving arm changes a number of pixels that
  saturates once it moves more than its own width per frame; blurred, it stays about
  proportional to the distance moved;
- a noise floor (a multiple of the median change, i.e. of the sensor/codec noise, since most
  pixels do not move) subtracted from every pixel's change, so noise does not add up over
  the many still pixels.

A kinematic beat is where the motion stops and turns (the speed goes through zero). Near
such a turning point the speed is V-shaped in time (the velocity crosses zero linearly), so
the minimum is refined below one frame by fitting a V through the sampled minimum and its
two neighbours. At 12 fps a beat at 180 BPM is only 4 frames long, which is why nothing is
smoothed in time by default and the sub-frame fit matters.
"""
from dataclasses import dataclass

import numpy as np
import scipy.ndimage
import scipy.signal

from tgan_music.errors import UserError
from tgan_music.evaluation.settings import DEFAULT

# Luma weights (ITU-R BT.601): motion is measured on brightness, colours move together.
LUMA = np.array([0.299, 0.587, 0.114])


@dataclass
class MotionSignal:
    """Per-frame-pair motion ``values`` stamped at ``times`` (seconds from the first frame)."""
    times: np.ndarray
    values: np.ndarray
    fps: float
    static: bool  # True when nothing moves: such a video has no kinematic beats


def to_grey(video):
    """(T, H, W[, C]) uint8 or float -> float64 (T, H, W) brightness in the video's own units."""
    video = np.asarray(video)
    if video.ndim == 3:
        return video.astype(np.float64)
    if video.ndim != 4:
        raise UserError(f"video of shape {video.shape} is not (frames, height, width, channels); "
                        f"pass one clip at a time")
    channels = video.shape[-1]
    if channels == 1:
        return video[..., 0].astype(np.float64)
    if channels in (3, 4):
        return np.tensordot(video[..., :3].astype(np.float64), LUMA, axes=([-1], [0]))
    raise UserError(f"video with {channels} channels; expected 1, 3 or 4 (channels last)")


def motion_signal(video, fps, *, blur_pixels=DEFAULT.blur_pixels, noise_floor=DEFAULT.noise_floor,
                  smooth_seconds=0.0):
    """The motion signal of one clip (see the module docstring), one value per inner frame.

    ``blur_pixels``: spatial Gaussian sigma (pixels at 96x128); ``noise_floor``: multiple of
    the median per-pixel change subtracted from every change (0 = off); ``smooth_seconds``
    (0 = off): temporal smoothing of the signal.
    """
    grey = to_grey(video)
    if grey.shape[0] < 3:
        raise UserError(f"video of {grey.shape[0]} frames is too short for a motion signal; need >= 3")
    if blur_pixels > 0:
        # The blur is given at 96x128; the same scene at another height needs it scaled.
        sigma = blur_pixels * grey.shape[1] / 96.0
        grey = scipy.ndimage.gaussian_filter(grey, sigma=(0, sigma, sigma))
    change = np.abs(grey[2:] - grey[:-2])
    if noise_floor > 0:
        floor = noise_floor * np.median(change.reshape(change.shape[0], -1), axis=1)
        change = np.maximum(change - floor[:, None, None], 0.0)
    values = change.mean(axis=(1, 2))
    if smooth_seconds > 0:
        values = scipy.ndimage.gaussian_filter1d(values, smooth_seconds * fps, mode="nearest")
    times = np.arange(1, values.size + 1) / fps
    # "Static" relative to the video's own brightness range, so uint8 and float videos agree.
    scale = float(grey.max() - grey.min())
    static = scale == 0 or float(values.max()) < 1e-4 * scale
    return MotionSignal(times=times, values=values, fps=float(fps), static=static)


def refine_minimum_v(left, centre, right):
    """Sub-sample offset in [-0.5, 0.5] of the tip of a V through three samples (centre lowest)."""
    rise = max(left, right) - centre
    if rise <= 0:
        return 0.0
    return float(np.clip((left - right) / (2.0 * rise), -0.5, 0.5))


def kinematic_beats(motion, *, prominence=DEFAULT.prominence):
    """Times (s) of the local minima of a MotionSignal: where the motion stops and turns.

    A minimum counts when it is at least ``prominence`` x (max - min of the signal) below the
    maxima around it, so pixel noise and flicker do not make beats. The first and last
    samples are never beats (a minimum there cannot be told from a clip boundary).
    """
    values = motion.values
    if motion.static or values.size < 3:
        return np.zeros(0)
    span = float(values.max() - values.min())
    index, _ = scipy.signal.find_peaks(-values, prominence=prominence * span)
    step = 1.0 / motion.fps
    beats = [motion.times[i] + step * refine_minimum_v(values[i - 1], values[i], values[i + 1])
             for i in index]
    return np.asarray(beats, dtype=np.float64)


def motion_peaks(motion, *, prominence=DEFAULT.prominence):
    """Times (s) of the local maxima of a MotionSignal (the events of AV-Align, TempoTokens)."""
    values = motion.values
    if motion.static or values.size < 3:
        return np.zeros(0)
    span = float(values.max() - values.min())
    index, _ = scipy.signal.find_peaks(values, prominence=prominence * span)
    return motion.times[index].astype(np.float64)


def frame_change(grey):
    """Mean absolute change of brightness from one frame to the next ((T, H, W) grey): flicker."""
    grey = np.asarray(grey, np.float64)
    return float(np.mean(np.abs(np.diff(grey, axis=0)))) if len(grey) > 1 else 0.0


def picture_spread(videos, real_videos):
    """How varied the pictures are: the standard deviation over clips of their first frames (per
    pixel and channel, averaged) over the same for real clips; 1 = as varied as the real clips,
    near 0 = one picture whatever z and the music. (T, H, W, C) uint8 videos, two or more of each.

    Why beside seed_spread: that one divides by the frame change, so nearly still videos that
    differ a little read as different; this one is on the scale of the pictures themselves."""
    def spread(vs):
        first = np.stack([np.asarray(v[0], np.float64) for v in vs])
        return float(first.std(axis=0).mean())
    real = spread(real_videos)
    return spread(videos) / real if real > 0 else float("nan")


def seed_spread(greys):
    """How much z changes the picture: mean over pairs of videos of the same music of
    mean |a - b| over the pair's mean frame change (0 = the seed changes nothing); NaN for one."""
    values = []
    for i in range(len(greys)):
        for j in range(i + 1, len(greys)):
            a, b = np.asarray(greys[i], np.float64), np.asarray(greys[j], np.float64)
            n = min(len(a), len(b))
            change = 0.5 * (frame_change(a) + frame_change(b))
            diff = float(np.mean(np.abs(a[:n] - b[:n])))
            values.append(diff / change if change > 0 else float("inf") if diff > 0 else 0.0)
    return float(np.mean(values)) if values else float("nan")

