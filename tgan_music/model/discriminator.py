"""TGAN's discriminator (3-D convolutions) with heads for unconditional and music-conditioned scores.

The conv stack (k4 s2 p1; the first without BN; leaky ReLU; every conv has a bias, the
BNs gamma only, as in TGAN) gives features; a last 3-D conv whose kernel covers the
remaining (t, h, w) turns them into phi(x) of ``feature_dims`` values, or into one
phi_t per remaining time step when ``per_step``. Heads:

- ``score``: TGAN's raw score (feature_dims is 1): the baseline.
- ``dot``: the seed's (Dai et al.): <phi(x), V m>, the features dotted with a learned
  projection of the music embedding; the loss puts it through a logistic.
- ``projection``: Miyato & Koyama: psi(phi(x)) + <phi(x), V m>.

With ``per_step`` the music is resampled to the remaining time steps and the score is
the mean over steps of the per-step score, so the head can judge *when* things happen.
"""
import chainer
import chainer.functions as F
import chainer.links as L
from chainer.link_hooks import SpectralNormalization

from tgan_music.errors import ConfigError
from tgan_music.model import links as KL
from tgan_music.model.conditioning import initializer, flatten_steps, resample_time
from tgan_music.model.functions import leaky_relu
from tgan_music.registry import registry

HEADS = ("score", "dot", "projection")


def conv_out(n):
    """Length after a k4 s2 p1 convolution."""
    return (n + 2 - 4) // 2 + 1


@registry("discriminator").register("tgan")
class Discriminator(chainer.Chain):
    """``forward(x, m=None)`` -> raw scores (N,); x is (N, C, T, H, W) in [-1, 1]."""

    def __init__(self, frames, height, width, channels, conditioning="none", music_dims=16, *,
                 head: str = "dot", per_step: bool = False, feature_dims: int = 128,
                 widths: list = (64, 128, 256, 512), music_steps: int | None = None,
                 init_scale: float | None = 0.01, batch_norm: bool = True, music_input: int = 0,
                 spectral_norm: bool = False):
        super().__init__()
        if head not in HEADS:
            raise ConfigError(f"model.discriminator.args.head {head!r}; allowed: {', '.join(HEADS)}")
        conditional = conditioning != "none"
        if conditional and head == "score":
            raise ConfigError(f"model.discriminator.args.head 'score' ignores the music, but model.conditioning is "
                              f"{conditioning!r}; use head dot or projection, or conditioning none")
        if not conditional and head != "score":
            raise ConfigError(f"model.discriminator.args.head {head!r} needs music, but model.conditioning is 'none'; "
                              "use head score for the baseline TGAN")
        self.head = head
        self.per_step = per_step
        self.conditional = conditional
        self.music_dims = music_dims
        self.music_steps = music_steps or frames
        size = [frames, height, width]
        for _ in widths:
            size = [conv_out(s) for s in size]
        if min(size) < 1:
            raise ConfigError(f"clips of {frames}x{height}x{width} are too small for {len(widths)} stride-2 "
                              "convolutions; use fewer model.discriminator.args.widths")
        self.steps = size[0] if per_step else 1
        kernel = (1 if per_step else size[0], size[1], size[2])
        out_dims = 1 if head == "score" else feature_dims
        w = initializer(init_scale)
        # music_input k > 0: the music, resampled to the first convolution's time steps and projected
        # to k values per step, joins its output as k more channels (constant over each frame), so
        # the next 3-D convolutions see motion and music side by side, step by step: D can then tell
        # a clip whose motion is a fraction of a beat off its music, which a projection of whole-clip
        # features (phi(x) . V m) hardly can. After the first convolution rather than at the input:
        # that convolution, D's costliest, then runs once for all music draws of a real clip.
        self.music_input = int(music_input) if conditional else 0
        self.frames = frames
        chans = [channels] + list(widths)
        self.n_conv = len(widths)
        self.batch_norm = batch_norm
        with self.init_scope():
            for i in range(self.n_conv):
                c_in = chans[i] + (self.music_input if i == 1 else 0)
                setattr(self, f"c{i}", KL.ConvolutionND(3, c_in, chans[i + 1], 4, 2, 1, initialW=w))
                if i > 0 and batch_norm:
                    setattr(self, f"bn{i}", L.BatchNormalization(chans[i + 1], use_beta=False))
            self.c_out = KL.ConvolutionND(3, chans[-1], out_dims, kernel, 1, 0, initialW=w)
            if conditional:
                music_in = music_dims if per_step else self.music_steps * music_dims
                self.embed = L.Linear(music_in, feature_dims, nobias=True, initialW=w)   # V
            if head == "projection":
                self.psi = L.Linear(feature_dims, 1, initialW=w)
            if self.music_input:
                self.music_in = L.Linear(music_dims, self.music_input)
        if spectral_norm:
            # Miyato et al.: every weight divided by its largest singular value (one power iteration a
            # step, Chainer's link hook), an alternative to SVC (set train.svc_freq=0), usually with hinge.
            for link in self.links():
                if isinstance(link, (L.ConvolutionND, L.Linear)):
                    link.add_hook(SpectralNormalization())

    def stem(self, x):
        """The first convolution and its activation: the part of D that never reads the music, so
        one pass serves every music draw of the same clips."""
        return leaky_relu(self.c0(x), 0.2)

    def trunk(self, h, m=None):
        """phi from the stem's output ``h``; with ``music_input`` the music joins ``h`` first."""
        if self.music_input:
            if m is None:
                raise ValueError("a discriminator with music_input needs the music embedding")
            n, _, t, hh, ww = h.shape
            frames = resample_time(chainer.as_array(m), t).astype(h.dtype)                  # (N, T', D)
            k = F.reshape(self.music_in(frames.reshape(n * t, -1)), (n, t, self.music_input))
            k = F.broadcast_to(F.reshape(F.transpose(k, (0, 2, 1)), (n, self.music_input, t, 1, 1)),
                               (n, self.music_input, t, hh, ww))
            h = F.concat((h, k), axis=1)
        for i in range(1, self.n_conv):
            h = self[f"c{i}"](h)
            if self.batch_norm:
                h = self[f"bn{i}"](h)
            h = leaky_relu(h, 0.2)
        h = self.c_out(h)                                        # (N, K, S, 1, 1)
        return F.reshape(h, h.shape[:3])

    def features(self, x, m=None):
        """phi: (N, K, S) with S = 1, or the remaining time steps when per_step; ``m`` (the music)
        is needed only with ``music_input``."""
        return self.trunk(self.stem(x), m)

    def music(self, m, n):
        """V m: (N, K, S) matching the features' layout."""
        m = chainer.as_array(m)
        if self.per_step:
            r = resample_time(m, self.steps)                     # (N, S, D)
            v = self.embed(r.reshape(n * self.steps, -1))        # (N*S, K)
            return F.transpose(F.reshape(v, (n, self.steps, -1)), (0, 2, 1))
        v = self.embed(flatten_steps(m, self.music_steps))       # (N, K)
        return F.expand_dims(v, 2)

    def forward(self, x, m=None):
        return self.score(self.features(x, m), m)

    def score(self, phi, m=None):
        """Scores (N,) of features ``phi`` (N, K, S) with music ``m``; real videos are scored
        with their own and with mismatched music from one ``features`` pass."""
        n = phi.shape[0]
        if self.head == "score":
            return F.mean(F.reshape(phi, (n, -1)), axis=1)
        if m is None:
            raise ValueError(f"a discriminator with head {self.head!r} needs the music embedding")
        score = F.sum(phi * self.music(m, n), axis=1)            # (N, S)
        if self.head == "projection":
            k = phi.shape[1]
            flat = F.reshape(F.transpose(phi, (0, 2, 1)), (-1, k))
            score = score + F.reshape(self.psi(flat), (n, -1))
        return F.mean(score, axis=1)


@registry("frame_discriminator").register("dcgan")
class FrameDiscriminator(chainer.Chain):
    """MoCoGAN's image discriminator (Tulyakov et al. 2018): a 2-D conv net that scores single
    frames, unconditioned. ``forward(x)`` -> raw scores (M,) of frames x (M, C, H, W).

    Why beside the 3-D D: that one spends its capacity and most of an iteration's CPU time on
    motion and music, and in a run of a thousand iterations G never learned the picture from it
    (the same pale texture for every z). A frame D is cheap (2-D, a few frames per clip) and
    judges only what a frame looks like. k4 s2 p1 convolutions with leaky ReLU, no BN (SVC does
    not touch it), then a linear score.

    ``minibatch_std`` (StyleGAN's, Karras et al. 2018): the features' standard deviation over the
    batch joins the last map as one more channel, so D sees when every z gives the same picture
    (G hopped from one such picture to the next, and G_ema averaged them into a grey blur)."""

    def __init__(self, height, width, channels, *, widths: list = (32, 64, 128), minibatch_std: bool = True):
        super().__init__()
        h, w = height, width
        for _ in widths:
            h, w = conv_out(h), conv_out(w)
        if min(h, w) < 1:
            raise ConfigError(f"frames of {height}x{width} are too small for {len(widths)} stride-2 convolutions; "
                              "use fewer model.frame_discriminator.args.widths")
        chans = [channels] + list(widths)
        self.n_conv = len(widths)
        self.minibatch_std = bool(minibatch_std)
        with self.init_scope():
            for i in range(self.n_conv):
                setattr(self, f"c{i}", KL.Convolution2D(chans[i], chans[i + 1], 4, 2, 1))
            self.out = L.Linear((chans[-1] + self.minibatch_std) * h * w, 1)

    def forward(self, x):
        h = x
        for i in range(self.n_conv):
            h = leaky_relu(self[f"c{i}"](h), 0.2)
        if self.minibatch_std:
            mean = F.broadcast_to(F.mean(h, axis=0, keepdims=True), h.shape)
            std = F.mean(F.sqrt(F.mean((h - mean) ** 2, axis=0) + 1e-8))
            h = F.concat((h, F.broadcast_to(F.reshape(std, (1, 1, 1, 1)), (h.shape[0], 1) + h.shape[2:])), axis=1)
        return F.reshape(self.out(h), (-1,))

