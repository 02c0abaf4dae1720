"""A frozen audio-visual sync expert: is this clip's motion in time with this music?

Why a network of its own (Wav2Lip's "sync expert", Prajwal et al. 2020): the GAN's
discriminator has to judge realism and timing at once, and in the ablations of
docs/training.md it never learned to tell a real clip with its own music from the same
clip with the music moved by a fraction of a beat (``dis/shifted`` stayed at ``dis/real``).
The expert is trained on real clips only, on exactly that question (own music vs the music
moved by 0.25-0.75 beat, another source's music, or a frozen picture), then frozen; the
generator gets ``train.sync_weight`` x E softplus(s(G, m') - s(G, m)) as a loss of its own:
for the same generated clip, its own music must score above other and beat-shifted music
(tgan_music.training.updater.GANUpdater.sync_loss).

The network: per-frame 2-D convolutions over each frame and its temporal difference (the
arm's angle and its speed) give a vector per frame; 1-D convolutions over the per-frame
music give another of the same size; dilated 1-D convolutions over both and their product compare where the motion
turns with where the beats fall, over a receptive field of several beats; the mean over
time is one logit.
"""
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np

from tgan_music.errors import ConfigError
from tgan_music.model import links as KL
from tgan_music.model.conditioning import resample_time
from tgan_music.model.functions import get_item, leaky_relu
from tgan_music.model.discriminator import conv_out
from tgan_music.registry import registry


@registry("sync").register("expert")
class SyncExpert(chainer.Chain):
    """``forward(x, m)`` -> logits (N,): x (N, C, T, H, W) in [-1, 1], m (N, F, D) music."""

    def __init__(self, frames, height, width, channels, music_dims, *, widths: list = (8, 16, 32),
                 video_dims: int = 32, joint_width: int = 64, dilations: list = (1, 2, 4, 8)):
        super().__init__()
        size = [height, width]
        for _ in widths:
            size = [conv_out(s) for s in size]
        if min(size) < 1:
            raise ConfigError(f"frames of {height}x{width} are too small for {len(widths)} stride-2 convolutions; "
                              "use fewer model.sync.args.widths")
        self.frames = frames
        self.dilations = [int(d) for d in dilations]
        chans = [2 * channels] + [int(w) for w in widths]
        with self.init_scope():
            for i in range(len(widths)):
                setattr(self, f"v{i}", KL.Convolution2D(chans[i], chans[i + 1], 4, 2, 1))
            self.v_out = L.Linear(chans[-1] * size[0] * size[1], video_dims)
            self.m_in = KL.ConvolutionND(1, music_dims, video_dims, 3, 1, 1)
            self.j_in = KL.ConvolutionND(1, 3 * video_dims, joint_width, 1)
            for i, d in enumerate(self.dilations):
                setattr(self, f"j{i}", KL.ConvolutionND(1, joint_width, joint_width, 3, 1, d, dilate=d))
            self.out = L.Linear(joint_width, 1)
        self.n_video = len(widths)

    def video(self, x):
        """(N, C, T, H, W) -> (N, video_dims, T): each frame beside its central time difference."""
        n, c, t, h, w = x.shape

        def at(times):   # basic slices: a gradient without numpy.add.at
            return get_item(x, np.s_[:, :, times])

        diff = F.concat((at(slice(1, 2)) - at(slice(0, 1)), (at(slice(2, None)) - at(slice(None, -2))) * 0.5,
                         at(slice(-1, None)) - at(slice(-2, -1))), axis=2)
        h_ = F.reshape(F.transpose(F.concat((x, diff), axis=1), (0, 2, 1, 3, 4)), (n * t, 2 * c, h, w))
        for i in range(self.n_video):
            h_ = leaky_relu(self[f"v{i}"](h_), 0.2)
        v = leaky_relu(self.v_out(F.reshape(h_, (n * t, -1))), 0.2)
        return F.transpose(F.reshape(v, (n, t, -1)), (0, 2, 1))

    def forward(self, x, m):
        return self.score(self.video(x), m)

    def score(self, v, m):
        """Logits (N,) of video features ``v`` (from ``video``) with music ``m``: one video pass
        serves every music draw of the same clips."""
        n, _, t = v.shape
        music = resample_time(chainer.as_array(m), t).astype(v.dtype)             # (N, T, D)
        a = leaky_relu(self.m_in(F.transpose(music, (0, 2, 1))), 0.2)          # (N, K, T)
        # v * a: a bilinear term, frame by frame (SyncNet scores by a product of the two streams);
        # "the motion slows where the beat falls" is a product of a video and a music feature.
        h = leaky_relu(self.j_in(F.concat((v, a, v * a), axis=1)), 0.2)
        for i in range(len(self.dilations)):
            h = h + leaky_relu(self[f"j{i}"](h), 0.2)
        return F.reshape(self.out(F.mean(h, axis=2)), (n,))


def build_sync_expert(config):
    """The config's sync expert (``model.sync``), on the CPU."""
    d = config["data"]
    return registry("sync").build(config["model"]["sync"], d["frames"], d["height"], d["width"], d["channels"],
                                  config["embedding"]["dims"], where="model.sync: ")
