"""TGAN's generator (Saito et al. 2017) with optional music conditioning.

Two parts, each chosen by name in the config (as TGANv2 composes tgen and igen):
- temporal (registry ``temporal``): ``tgan``, z0 -> 1-D deconvolutions -> z1(t), one latent per
  frame; or ``music``, which reads the clip's whole music with z0;
- image (registry ``image``): ``tgan``, z0 (broadcast to every frame) and z1(t) each through
  Linear + BN + ReLU, concatenated on channels, then 2-D deconvolutions to a frame; or
  ``layered``, the picture once per clip from z0 and per-frame sprite poses from z1(t).

Conditioning (one class, a flag):
- ``none``: baseline TGAN.
- ``global``: the seed's, the music embedding concatenated with the latent code z0
  (the embedding resampled to ``music_steps`` steps and flattened).
- ``per_frame``: the embedding resampled to T steps, step t concatenated with z1(t),
  so that the image generator sees the music of its own frame and can learn timing.
  With ``music_context`` k > 0 the resampled music first goes through two 1-D convolutions
  of kernel k over time (``MusicContext``), so frame t also sees the music of the frames around
  it: where it stands between two beats, which a single frame's features cannot tell.
"""
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np

from tgan_music.errors import ConfigError
from tgan_music.model import links as KL
from tgan_music.model.conditioning import initializer, CONDITIONINGS, flatten_steps, resample_time
from tgan_music.model.functions import get_item, leaky_relu
from tgan_music.model.warp import sample_sources
from tgan_music.registry import registry


def two_adic(n):
    """Number of times n can be halved."""
    k = 0
    while n > 0 and n % 2 == 0:
        n //= 2
        k += 1
    return k


@registry("temporal").register("tgan")
class TemporalGenerator(chainer.Chain):
    """z0 (N, in_dims) -> z1 (N, z1_dims, T).

    TGAN: k1 deconv to length 1, then k4 s2 p1 deconvs doubling the length (16 = 2^4).
    For T with fewer factors of two (36 = 9 * 4) the first deconv has kernel T / 2^k and
    the layers that cannot double use k3 s1 p1 (length kept). Every deconv has a bias;
    the BNs have gamma only (as in TGAN, whose parameter counts this reproduces)."""

    reads_music = False

    def __init__(self, in_dims, frames, z1_dims, music_dims, init_scale, *, widths: list = (512, 256, 128, 128)):
        super().__init__()
        n_up = len(widths)
        doublings = min(n_up, two_adic(frames))
        first_len = frames // 2 ** doublings
        w = initializer(init_scale)
        self.frames = frames
        self.z1_dims = z1_dims
        chans = list(widths) + [z1_dims]
        with self.init_scope():
            self.dc0 = KL.DeconvolutionND(1, in_dims, chans[0], first_len, 1, 0, initialW=w)
            self.bn0 = L.BatchNormalization(chans[0], use_beta=False)
            for i in range(n_up):
                stride2 = i >= n_up - doublings
                k, s, p = (4, 2, 1) if stride2 else (3, 1, 1)
                setattr(self, f"dc{i + 1}", KL.DeconvolutionND(1, chans[i], chans[i + 1], k, s, p, initialW=w))
                if i < n_up - 1:
                    setattr(self, f"bn{i + 1}", L.BatchNormalization(chans[i + 1], use_beta=False))
        self.n_up = n_up

    def forward(self, z0, music=None):
        h = z0.reshape(z0.shape[0], z0.shape[1], 1)
        h = F.relu(self.bn0(self.dc0(h)))
        for i in range(1, self.n_up + 1):
            h = self[f"dc{i}"](h)
            h = F.tanh(h) if i == self.n_up else F.relu(self[f"bn{i}"](h))
        return h


@registry("temporal").register("music")
class MusicTemporalGenerator(chainer.Chain):
    """(z0 (N, in_dims), music (N, T, D)) -> z1 (N, z1_dims, T): the clip's whole music with z0.

    z0 joins the music at every frame; a 1x1 convolution, then residual k3 convolutions over
    time whose dilations double (1, 2, 4, ...): the receptive field is 1 + 2 * sum(dilations)
    frames (63 for five layers, 5 s at 12 fps), so each z1(t) can know where frame t stands
    among the beats around it, and count them (which side an arm swings to). Chainer's default
    (fan-in) weights: with TGAN's +-0.01 a deep residual stack starts dead."""

    reads_music = True

    def __init__(self, in_dims, frames, z1_dims, music_dims, init_scale, *, width: int = 64,
                 dilations: list = (1, 2, 4, 8, 16)):
        super().__init__()
        self.frames = frames
        self.dilations = list(dilations)
        with self.init_scope():
            self.c_in = KL.Convolution2D(in_dims + music_dims, width, 1)
            for i, d in enumerate(self.dilations):
                setattr(self, f"c{i}", KL.Convolution2D(width, width, (3, 1), 1, (d, 0), dilate=(d, 1)))
            self.c_out = KL.Convolution2D(width, z1_dims, 1)

    def forward(self, z0, music=None):
        if music is None:
            raise ValueError("the music temporal generator needs the music (model.conditioning per_frame)")
        n, t = z0.shape[0], self.frames
        zt = F.broadcast_to(F.reshape(z0, (n, -1, 1, 1)), (n, z0.shape[1], t, 1))
        mt = F.expand_dims(F.transpose(music, (0, 2, 1)), 3)          # (N, D, T, 1)
        h = self.c_in(F.concat((zt, mt), axis=1))
        for i in range(len(self.dilations)):
            h = h + self[f"c{i}"](leaky_relu(h, 0.2))
        return F.tanh(F.reshape(self.c_out(leaky_relu(h, 0.2)), (n, -1, t)))


class MusicContext(chainer.Chain):
    """(N, T, D) music -> (N, T, width): two non-causal 1-D convolutions of kernel ``kernel``
    over time (ReLU between), so each step's output depends on 2 * (kernel - 1) + 1 steps."""

    def __init__(self, music_dims, width, kernel):
        super().__init__()
        if kernel % 2 == 0:
            raise ConfigError(f"model.generator.args.music_context {kernel}: use an odd kernel "
                              "(it is centred on each frame)")
        # Chainer's default (fan-in) weights whatever the generator's init_scale: with +-0.01
        # the context would start near zero.
        with self.init_scope():
            self.c0 = KL.ConvolutionND(1, music_dims, width, kernel, 1, kernel // 2)
            self.c1 = KL.ConvolutionND(1, width, width, kernel, 1, kernel // 2)

    def forward(self, m):
        h = F.transpose(m, (0, 2, 1))                            # (N, D, T)
        h = self.c1(F.relu(self.c0(h)))
        return F.transpose(h, (0, 2, 1))


UPSAMPLINGS = ("deconv", "resize")
POSES = ("free", "phase")


class Decoder(chainer.Chain):
    """(M, widths[0], h, w) features -> (M, channels, H, W): doubling layers (BN + ReLU each), then
    a k3 deconvolution with a bias; tanh is the caller's.

    ``upsample``: TGAN's k4 s2 deconvolutions, or ``resize`` (nearest-neighbour doubling and a
    k3 convolution), which cannot make the checkerboard texture uneven deconvolution overlap gives.
    The doubling layers have no bias; the BNs have gamma and beta (TGAN)."""

    def __init__(self, height, width, widths, upsample="deconv"):
        super().__init__()
        if upsample not in UPSAMPLINGS:
            raise ConfigError(f"model.generator.args.upsample {upsample!r}; allowed: {', '.join(UPSAMPLINGS)}")
        self.upsample = upsample
        n_double = len(widths) - 1
        if height % 2 ** n_double or width % 2 ** n_double:
            raise ConfigError(f"frames of {height}x{width} cannot be made by {n_double} doubling deconvolutions; "
                              f"use sizes divisible by {2 ** n_double} or change model.generator.args.image_widths")
        self.base = (height // 2 ** n_double, width // 2 ** n_double)
        self.n_double = n_double

    def build_decoder(self, channels, widths, init_scale):
        """Adds the layers (after the subclass's own, so that a seed draws the weights as before)."""
        w = initializer(init_scale)
        with self.init_scope():
            for i in range(self.n_double):
                if self.upsample == "deconv":
                    layer = KL.Deconvolution2D(widths[i], widths[i + 1], 4, 2, 1, nobias=True, initialW=w)
                else:   # nearest-neighbour doubling, then a k3 convolution: no checkerboard (Odena et al. 2016)
                    layer = KL.Convolution2D(widths[i], widths[i + 1], 3, 1, 1, nobias=True, initialW=w)
                setattr(self, f"dc{i + 1}", layer)
                setattr(self, f"bn{i + 1}", L.BatchNormalization(widths[i + 1]))
            self.dc_out = KL.Deconvolution2D(widths[-1], channels, 3, 1, 1, initialW=w)

    def decode(self, h):
        for i in range(1, self.n_double + 1):
            if self.upsample == "resize":
                h = F.unpooling_2d(h, 2, cover_all=False)
            h = F.relu(self[f"bn{i}"](self[f"dc{i}"](h)))
        return self.dc_out(h)


def frame_batch(z0, t):
    """(N, D) per-clip codes -> (N * T, D), each clip's code repeated for its T frames."""
    n = z0.shape[0]
    return F.reshape(F.broadcast_to(F.expand_dims(z0, 1), (n, t, z0.shape[1])), (n * t, -1))


@registry("image").register("tgan")
class ImageGenerator(Decoder):
    """(z0 (N, z0_in), z1 (N, T, z1_in)) -> frames (N * T, C, H, W): TGAN's, every frame drawn from
    its own z1(t) beside the clip's z0 (each through Linear + BN + ReLU, concatenated on channels),
    so a frame's whole picture can change with its music. The Linears have no bias."""

    reads_z1 = True

    def __init__(self, z0_in, z1_in, height, width, channels, widths, init_scale, upsample="deconv",
                 music_features=()):
        super().__init__(height, width, widths, upsample)
        self.half = widths[0] // 2
        feat = self.half * self.base[0] * self.base[1]
        w = initializer(init_scale)
        with self.init_scope():
            self.l0s = L.Linear(z0_in, feat, nobias=True, initialW=w)
            self.l0f = L.Linear(z1_in, feat, nobias=True, initialW=w)
            self.bn0s = L.BatchNormalization(feat)
            self.bn0f = L.BatchNormalization(feat)
        self.build_decoder(channels, widths, init_scale)

    def forward(self, z0, z1, music=None):
        n, t = z1.shape[:2]
        z0 = frame_batch(z0, t)
        z1 = F.reshape(z1, (n * t, -1))
        m = n * t
        hs = F.relu(self.bn0s(self.l0s(z0))).reshape(m, self.half, *self.base)
        hf = F.relu(self.bn0f(self.l0f(z1))).reshape(m, self.half, *self.base)
        return F.tanh(self.decode(F.concat((hs, hf), axis=1)))


@registry("image").register("layered")
class LayeredImageGenerator(Decoder):
    """(z0 (N, z0_in), z1 (N, T, z1_in)) -> frames (N * T, C, H, W): a static/dynamic split in which
    the picture comes from z0 once per clip and the motion is geometry (after LR-GAN, Yang et al.
    2017, with the layer poses moving in time).

    From z0, once per clip: a background and ``layers`` sprites (colour and an alpha mask), and for
    each sprite a pivot. From each frame's z1(t) (which carries its music): each sprite's angle
    about its pivot (within +-``max_angle`` degrees) and its shift (within +-``max_shift`` of the
    half-frame). The sprites are rotated and shifted with a spatial transformer (bilinear; outside
    the sprite's frame its alpha is 0) and laid over the background in order.

    Why: with TGAN's image generator every frame is drawn afresh, so the cheapest answer to "move
    with the beat" is a picture that flashes on the onsets (issue 12); here a frame cannot change
    its colours, only move its parts, so an in-time answer has to be motion, the frames cannot
    flicker, and the pictures are decoded N times per batch instead of N * T."""

    def __init__(self, z0_in, z1_in, height, width, channels, widths, init_scale, upsample="deconv",
                 music_features=(), *, layers: int = 1, max_angle: float = 60.0, max_shift: float = 0.25,
                 pose_width: int = 64, pose: str = "free", phase_features: list = ("swing_sin", "swing_cos"),
                 layout: bool = False):
        if layers < 1:
            raise ConfigError(f"model.generator.args.image_args.layers {layers}: use 1 or more")
        if pose not in POSES:
            raise ConfigError(f"model.generator.args.image_args.pose {pose!r}; allowed: {', '.join(POSES)}")
        self.pose = pose
        # with pose: phase nothing reads z1(t): the generator skips its temporal part
        self.reads_z1 = pose == "free"
        if pose == "phase":
            missing = [f for f in phase_features if f not in music_features]
            if missing or not phase_features:
                raise ConfigError(
                    f"model.generator.args.image_args.phase_features {list(phase_features)}: "
                    + (f"{', '.join(missing)} not among the embedding's features" if missing else "name at least one")
                    + "; pose: phase needs the rhythm encoder (embedding.encoder: {name: rhythm}) and per_frame "
                    "conditioning, or pose: free")
            self.phase_index = [list(music_features).index(f) for f in phase_features]
        super().__init__(height, width, widths, upsample)
        self.layers, self.channels = int(layers), channels
        self.feature_channels = widths[0]
        self.height, self.width = height, width
        self.max_angle = float(np.deg2rad(max_angle))
        self.max_shift = float(max_shift)
        feat = widths[0] * self.base[0] * self.base[1]
        w = initializer(init_scale)
        with self.init_scope():
            self.l0 = L.Linear(z0_in, feat, nobias=True, initialW=w)
            self.bn0 = L.BatchNormalization(feat)
            self.pivot = L.Linear(z0_in, 2 * layers)
            # The pose starts near rest (small last weights), so the first clips show still sprites
            # and D decides how they should move.
            if pose == "free":
                self.pose0 = L.Linear(z1_in, pose_width)
                self.pose1 = L.Linear(pose_width, 3 * layers, initialW=chainer.initializers.Normal(0.01))
            else:   # per clip, from z0: the coefficients of each pose value on the phase features and 1
                self.pose_coef = L.Linear(z0_in, 3 * layers * (len(self.phase_index) + 1),
                                          initialW=chainer.initializers.Normal(0.01))
        self.build_decoder(channels + layers * (channels + 1), widths, init_scale)
        # BN0 gives every cell of the first map the same mean over z, so the mean picture is one tile
        # repeated (the blotch grid) until BN0's beta learns a layout, at Adam's lr per step. A
        # learned map added before the ReLU (StyleGAN's constant input) gives the cells their own
        # content from the first step: where the floor, the body and the arm are.
        self.layout = None
        if layout:
            with self.init_scope():
                self.layout = chainer.Parameter(chainer.initializers.Normal(1.0), (widths[0], *self.base))

    def poses(self, z0, z1, music=None):
        """Per frame and sprite: (angle in radians, shift x, shift y) (N, T, L, 3), and the
        per-clip pivots (N, L, 2), in the sampler's [-1, 1] coordinates.

        ``pose: free``: an MLP of each frame's z1(t). ``pose: phase``: tanh of a per-clip linear
        combination (coefficients from z0) of the frame's beat-phase features and 1, so the sprite
        can only oscillate with the music's own phase: the period is the music's, and what G learns
        is the amplitude, the rest pose and where in the swing the beat falls."""
        n, t = z0.shape[0], (music if z1 is None else z1).shape[1]
        if self.pose == "free":
            p = F.tanh(self.pose1(F.relu(self.pose0(F.reshape(z1, (n * t, -1))))))
        else:
            if music is None:
                raise ValueError("pose: phase needs the per-frame music")
            ph = music[:, :, self.phase_index]
            ph = self.xp.concatenate((ph, self.xp.ones((n, t, 1), ph.dtype)), axis=2)       # (N, T, P + 1)
            coef = F.reshape(self.pose_coef(z0), (n, 3 * self.layers, ph.shape[2]))
            p = F.tanh(F.matmul(ph, coef, transb=True))                                        # (N, T, 3 L)
        p = F.reshape(p, (n, t, self.layers, 3))
        scale = self.xp.asarray([self.max_angle, self.max_shift, self.max_shift], p.dtype)
        return p * F.broadcast_to(scale, p.shape), F.reshape(F.tanh(self.pivot(z0)), (n, self.layers, 2))

    def transforms(self, pose, pivot):
        """(N, T, L, 3) poses and (N, L, 2) pivots -> (N * T * L, 2, 3) sampler matrices: output point
        p takes the sprite's colour at A (p - c - d) + c, A the rotation by -angle in pixel units
        (the frame is not square) written in [-1, 1] coordinates."""
        n, t, k = pose.shape[:3]
        a = F.reshape(get_item(pose, np.s_[..., 0]), (-1,))
        d = F.reshape(get_item(pose, np.s_[..., 1:]), (-1, 2))
        c = F.reshape(F.broadcast_to(F.expand_dims(pivot, 1), (n, t, k, 2)), (-1, 2))
        cos, sin = F.cos(a), F.sin(a)
        aspect = (self.height - 1) / (self.width - 1)              # pixel pitch of y over x in [-1, 1]
        row0 = F.stack((cos, sin * aspect), axis=1)                 # x' = cos x + sin (H/W) y
        row1 = F.stack((-sin / aspect, cos), axis=1)                # y' = -sin (W/H) x + cos y
        mat = F.stack((row0, row1), axis=1)                         # (M, 2, 2)
        offset = c - F.squeeze(F.matmul(mat, F.expand_dims(c + d, 2)), 2)
        return F.concat((mat, F.expand_dims(offset, 2)), axis=2)

    def forward(self, z0, z1, music=None):
        n, t = z0.shape[0], (music if z1 is None else z1).shape[1]
        k, ch = self.layers, self.channels
        h = self.bn0(self.l0(z0)).reshape(n, self.feature_channels, *self.base)
        if self.layout is not None:
            h = h + F.broadcast_to(self.layout, h.shape)
        out = self.decode(F.relu(h))                                # (N, C + L (C + 1), H, W)
        # split_axis, not slices: Chainer's slice backward zero-fills and scatter-adds the whole array
        background, sprites = F.split_axis(out, [ch], axis=1)
        background = F.tanh(background)
        rgb, alpha = F.split_axis(F.reshape(sprites, (n, k, ch + 1, self.height, self.width)), [ch], axis=2)
        sprites = F.concat((F.tanh(rgb), F.sigmoid(alpha)), axis=2)
        pose, pivot = self.poses(z0, z1, music)
        grid = F.spatial_transformer_grid(self.transforms(pose, pivot), (self.height, self.width))
        # output (clip, frame, sprite) reads sprite (clip, sprite): no copy per frame
        source = (self.xp.arange(n)[:, None, None] * k + self.xp.arange(k)[None, None, :]).repeat(t, axis=1)
        moved = sample_sources(F.reshape(sprites, (n * k, ch + 1, self.height, self.width)), grid, source.ravel())
        moved = F.separate(F.reshape(moved, (n, t, k, ch + 1, self.height, self.width)), axis=2)
        x = F.broadcast_to(F.expand_dims(background, 1), (n, t, ch, self.height, self.width))
        for layer in moved:
            rgb, alpha = F.split_axis(layer, [ch], axis=2)
            alpha = F.broadcast_to(alpha, (n, t, ch, self.height, self.width))
            x = alpha * rgb + (1 - alpha) * x
        return F.reshape(x, (n * t, ch, self.height, self.width))


@registry("generator").register("tgan")
class Generator(chainer.Chain):
    """TGAN's video generator; ``forward(z0, m)`` -> (N, C, T, H, W) in [-1, 1].

    Positional arguments come from the config's data/embedding/model sections."""

    def __init__(self, frames, height, width, channels, conditioning="none", music_dims=16, *,
                 z_dims: int = 100, z1_dims: int = 100,
                 temporal: str = "tgan", temporal_args: dict = None,
                 temporal_widths: list = (512, 256, 128, 128),
                 image_widths: list = (512, 256, 128, 64, 32),
                 music_steps: int | None = None,
                 music_context: int = 0, music_context_width: int = 32,
                 image: str = "tgan", image_args: dict = None,
                 upsample: str = "deconv", init_scale: float | None = 0.01, music_features: list = ()):
        # music_features: the embedding's feature names, filled by build_networks from embedding.encoder
        super().__init__()
        if conditioning not in CONDITIONINGS:
            raise ConfigError(f"model.conditioning {conditioning!r}; allowed: {', '.join(CONDITIONINGS)}")
        self.frames, self.height, self.width, self.channels = frames, height, width, channels
        self.conditioning = conditioning
        self.music_dims = music_dims
        self.z_dims = z_dims
        self.music_steps = music_steps or frames
        z0_in = z_dims + (self.music_steps * music_dims if conditioning == "global" else 0)
        self.music_context = music_context if conditioning == "per_frame" else 0
        frame_music = music_context_width if self.music_context else music_dims
        z1_in = z1_dims + (frame_music if conditioning == "per_frame" else 0)
        with self.init_scope():
            if self.music_context:
                self.context = MusicContext(music_dims, music_context_width, music_context)
            t_args = dict(temporal_args or {})
            if temporal == "tgan":
                t_args.setdefault("widths", list(temporal_widths))
            self.temporal = registry("temporal").build({"name": temporal, "args": t_args}, z0_in, frames, z1_dims,
                                                       music_dims, init_scale, where="model.generator.args.temporal: ")
            if self.temporal.reads_music and conditioning != "per_frame":
                raise ConfigError(f"model.generator.args.temporal {temporal!r} reads the music frame by frame; "
                                  "set model.conditioning=per_frame")
            self.image = registry("image").build({"name": image, "args": image_args}, z0_in, z1_in, height, width,
                                                 channels, list(image_widths), init_scale, upsample,
                                                 tuple(music_features) if conditioning == "per_frame" else (),
                                                 where="model.generator.args.image: ")

    def sample_z(self, n, rng):
        """z0 ~ U(-1, 1), drawn on the host from ``rng`` (a numpy RandomState) for reproducibility."""
        return rng.uniform(-1, 1, (n, self.z_dims)).astype(np.float32)

    def forward(self, z0, m=None):
        n, t = z0.shape[0], self.frames
        if self.conditioning != "none":
            if m is None:
                raise ValueError(f"a generator with conditioning {self.conditioning!r} needs the music embedding")
            m = chainer.as_array(m)
        if self.conditioning == "global":
            z0 = F.concat((z0, flatten_steps(m, self.music_steps)), axis=1)
        frame_music = resample_time(m, t).astype(z0.dtype) if self.conditioning == "per_frame" else None
        z1 = None
        if self.image.reads_z1:
            z1 = F.transpose(self.temporal(z0, frame_music), (0, 2, 1))      # (N, T, z1)
            if self.conditioning == "per_frame":
                z1 = F.concat((z1, self.context(frame_music) if self.music_context else frame_music), axis=2)
        x = self.image(z0, z1, frame_music)                       # (N*T, C, H, W)
        x = F.reshape(x, (n, t) + x.shape[1:])
        return F.transpose(x, (0, 2, 1, 3, 4))
