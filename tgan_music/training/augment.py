"""Differentiable augmentation inside D (DiffAugment, Zhao et al. 2020) for video clips.

The same random transform T is applied to real and fake clips before D scores them, D(T(x)),
so D cannot memorise a small training set and G still learns the un-augmented distribution.
For video: one draw per clip, the same for every frame; time is never shifted (the motion's
timing against the music is what D must judge) and the music is never touched.

Policies (``train.augment``: a list of names, [] = off): ``color`` (brightness, saturation,
contrast), ``translation`` (up to 1/8 of the frame, zero padded), ``cutout`` (a zeroed
rectangle half the frame's size, through every frame).
"""
import chainer
import chainer.functions as F
import numpy as np

from tgan_music.errors import ConfigError

POLICIES = ("color", "translation", "cutout")


def _color(x, rng):
    xp = chainer.backend.get_array_module(x)
    n = x.shape[0]
    shape = (n, 1, 1, 1, 1)
    # x in [-1, 1]: DiffAugment's brightness of U(-0.5, 0.5) on [0, 1] images is U(-1, 1) here.
    x = x + xp.asarray(rng.uniform(-1.0, 1.0, shape).astype(np.float32) * 0.5)
    mean_c = F.broadcast_to(F.mean(x, axis=1, keepdims=True), x.shape)
    x = (x - mean_c) * xp.asarray(rng.uniform(0.0, 2.0, shape).astype(np.float32)) + mean_c
    mean_all = F.broadcast_to(F.reshape(F.mean(F.reshape(x, (n, -1)), axis=1), shape), x.shape)
    x = (x - mean_all) * xp.asarray(rng.uniform(0.5, 1.5, shape).astype(np.float32)) + mean_all
    return x


class Translate(chainer.function_node.FunctionNode):
    """y[i] = x[i] moved by (-sy[i], -sx[i]) pixels, zero filled: y[i, ..., r, q] = x[i, ..., r + sy, q + sx].
    Its adjoint is the opposite move, so the backward is the same node (per-clip slices and a
    concat cost a zero-filled copy of the whole batch per clip in Chainer's backward)."""

    def __init__(self, sy, sx):
        self.sy, self.sx = np.asarray(sy), np.asarray(sx)

    def forward(self, inputs):
        x, = inputs
        xp = chainer.backend.get_array_module(x)
        h, w = x.shape[-2:]
        y = xp.zeros_like(x)
        for i, (dy, dx) in enumerate(zip(self.sy.tolist(), self.sx.tolist())):
            if abs(dy) < h and abs(dx) < w:
                y[i, ..., max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)] = \
                    x[i, ..., max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)]
        return y,

    def backward(self, indexes, grad_outputs):
        return Translate(-self.sy, -self.sx).apply(grad_outputs)


def _translation(x, rng, ratio=0.125):
    n, c, t, h, w = x.shape
    dh, dw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    sy = rng.randint(-dh, dh + 1, n)
    sx = rng.randint(-dw, dw + 1, n)
    return Translate(sy, sx).apply((x,))[0]


def _cutout(x, rng, ratio=0.5):
    xp = chainer.backend.get_array_module(x)
    n, c, t, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    mask = np.ones((n, 1, 1, h, w), np.float32)
    cy = rng.randint(0, h + (1 - ch % 2), n)
    cx = rng.randint(0, w + (1 - cw % 2), n)
    for i in range(n):
        y0, x0 = max(cy[i] - ch // 2, 0), max(cx[i] - cw // 2, 0)
        mask[i, :, :, y0:min(cy[i] - ch // 2 + ch, h), x0:min(cx[i] - cw // 2 + cw, w)] = 0
    return x * xp.asarray(mask)


_APPLY = {"color": _color, "translation": _translation, "cutout": _cutout}


def check_policies(policies, where="train.augment"):
    for p in policies:
        if p not in POLICIES:
            raise ConfigError(f"{where}: unknown augmentation {p!r}; allowed: {', '.join(POLICIES)}")
    return list(policies)


def augment(x, policies, rng):
    """T(x) for clips ``x`` (N, C, T, H, W) (array or Variable), one draw per clip from ``rng``."""
    if not policies:
        return x
    x = chainer.as_variable(x)
    for p in policies:
        x = _APPLY[p](x, rng)
    return x
