"""Music embeddings in the networks: resampling a (frames, D) sequence to the steps a network needs.

Embeddings arrive at the encoder's frame rate (NSynth: 31.25 frames/s, 93 frames for 3 s)
while videos have T frames. Both networks resample with *area* weights: output step j
averages the embedding frames that overlap its time span, so resampling to 1 step is the
clip mean and resampling to T aligns the embedding with the video frames.
"""
import functools

import chainer
import numpy as np
from chainer.backend import get_array_module

CONDITIONINGS = ("none", "global", "per_frame")
# Output step j (video frame j, shown at j / fps) averages the music of [j, j + 1) / fps, whose
# centre is half a frame later: a network that follows the music frame by frame shows it this
# many frames early (42 ms at 12 fps). On the songs the rhythm encoder's beats lag the notes by
# about as much (docs/embedding.md), so the two cancel at 12 fps; at other rates they do not.
MUSIC_LEAD_FRAMES = 0.5


def initializer(scale):
    """TGAN's uniform(-scale, scale) weights; None = Chainer's default (LeCun normal, fan-in
    scaled), which trains much faster at small sizes than TGAN's tiny weights under SVC."""
    return None if scale is None else chainer.initializers.Uniform(scale)


@functools.lru_cache(maxsize=64)
def area_weights(src, dst):
    """(dst, src) float32 matrix whose rows average the source frames overlapping each output step."""
    w = np.zeros((dst, src), np.float64)
    scale = src / dst
    for j in range(dst):
        lo, hi = j * scale, (j + 1) * scale
        for i in range(int(np.floor(lo)), min(src, int(np.ceil(hi)))):
            w[j, i] = max(0.0, min(hi, i + 1) - max(lo, i))
    w /= w.sum(axis=1, keepdims=True)
    return w.astype(np.float32)


def resample_time(m, steps):
    """(N, F, D) embedding array -> (N, steps, D) with area weights (on m's device)."""
    xp = get_array_module(m)
    w = xp.asarray(area_weights(m.shape[1], steps))
    return xp.matmul(w, m)


def flatten_steps(m, steps):
    """(N, F, D) -> (N, steps * D): the sequence resampled to ``steps`` and laid out flat."""
    r = resample_time(m, steps)
    return r.reshape(r.shape[0], -1)
