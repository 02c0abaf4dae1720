"""Generator and discriminator: shapes, conditioning paths, configuration errors."""
import chainer
import chainer.functions as F
import numpy as np
import pytest

from tgan_music.errors import ConfigError
from tgan_music.model.conditioning import area_weights, resample_time
from tgan_music.model.discriminator import Discriminator
from tgan_music.model.generator import Generator

TINY_G = dict(z_dims=6, z1_dims=5, temporal_widths=[8, 8], image_widths=[16, 8, 4])
TINY_D = dict(widths=[4, 8], feature_dims=6)


def music(n, frames=20, dims=3, seed=0):
    return np.random.RandomState(seed).randn(n, frames, dims).astype(np.float32)


def test_area_weights_average_and_align():
    w = area_weights(93, 36)
    assert w.shape == (36, 93)
    np.testing.assert_allclose(w.sum(axis=1), 1, rtol=1e-6)
    m = music(2, 93)
    np.testing.assert_allclose(resample_time(m, 1)[:, 0], m.mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(resample_time(m, 93), m, rtol=1e-5, atol=1e-6)
    # The first output step only reads the start of the sequence.
    assert w[0, :3].sum() == pytest.approx(1.0) and w[0, 3:].sum() == 0


@pytest.mark.parametrize("frames", [4, 6, 12, 16])
@pytest.mark.parametrize("conditioning", ["none", "global", "per_frame"])
def test_generator_shapes(frames, conditioning):
    g = Generator(frames, 8, 12, 3, conditioning, 3, **TINY_G)
    z = g.sample_z(2, np.random.RandomState(0))
    x = g(z, music(2) if conditioning != "none" else None)
    assert x.shape == (2, 3, frames, 8, 12)
    assert float(abs(x.array).max()) <= 1.0


@pytest.mark.parametrize("conditioning,head,per_step", [
    ("none", "score", False), ("global", "dot", False), ("global", "dot", True),
    ("per_frame", "projection", False), ("per_frame", "projection", True)])
def test_discriminator_shapes_and_music_dependence(conditioning, head, per_step):
    d = Discriminator(8, 16, 16, 3, conditioning, 3, head=head, per_step=per_step, **TINY_D)
    x = np.random.RandomState(1).uniform(-1, 1, (2, 3, 8, 16, 16)).astype(np.float32)
    with chainer.using_config("train", False):
        y = d(x, music(2) if conditioning != "none" else None)
        assert y.shape == (2,)
        if conditioning != "none":
            y2 = d(x, music(2, seed=5))
            assert not np.allclose(y.array, y2.array), "the score must depend on the music"


def test_discriminator_without_batch_norm_scores_each_clip_alone():
    """batch_norm=False: no BN links, and a clip's score does not depend on the rest of the batch
    (with per-batch BN it does, which hides what a whole fake batch shares)."""
    kw = dict(head="projection", **TINY_D)
    plain = Discriminator(8, 16, 16, 3, "per_frame", 3, batch_norm=False, **kw)
    normed = Discriminator(8, 16, 16, 3, "per_frame", 3, **kw)
    assert not any(name.startswith("bn") for name, _ in plain.namedlinks(skipself=True))
    assert any(name.startswith("/bn") for name, _ in normed.namedlinks(skipself=True))
    rng = np.random.RandomState(2)
    x = rng.uniform(-1, 1, (4, 3, 8, 16, 16)).astype(np.float32)
    m = music(4)
    for d, alone in ((plain, True), (normed, False)):
        with chainer.using_config("train", True):
            whole = d(x, m).array
            first_two = d(x[:2], m[:2]).array
        assert np.allclose(whole[:2], first_two, atol=1e-5) == alone


def test_generator_global_conditioning_changes_every_frame():
    g = Generator(8, 8, 8, 3, "global", 3, **TINY_G, init_scale=0.3)
    z = g.sample_z(2, np.random.RandomState(0))
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        a, b = g(z, music(2)).array, g(z, music(2, seed=1)).array
    assert (np.abs(a - b).max(axis=(0, 1, 3, 4)) > 1e-6).all()


def test_generator_per_frame_conditioning_is_local_in_time():
    # In test mode each frame sees only its own music step: changing the music of the
    # first frame's time span changes frame 0 and no other frame.
    g = Generator(8, 8, 8, 3, "per_frame", 3, **TINY_G, init_scale=0.3)
    z = g.sample_z(2, np.random.RandomState(0))
    m = music(2, frames=16)
    m2 = m.copy()
    m2[:, :2] += 3.0                     # 16 embedding frames over 8 video frames: 2 per frame
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        diff = np.abs(g(z, m).array - g(z, m2).array).max(axis=(0, 1, 3, 4))
    assert diff[0] > 1e-4
    np.testing.assert_array_equal(diff[1:], 0)


@pytest.mark.parametrize("kernel,reach", [(3, 2), (5, 4)])
def test_generator_music_context_reaches_two_kernels_of_frames(kernel, reach):
    # With music_context k, frame t sees the music of frames t - (k - 1) .. t + (k - 1):
    # changing frame 0's music changes frames 0..k-1 and none after.
    g = Generator(8, 8, 8, 3, "per_frame", 3, **TINY_G, init_scale=0.3, music_context=kernel)
    z = g.sample_z(2, np.random.RandomState(0))
    m = music(2, frames=16)
    m2 = m.copy()
    m2[:, :2] += 3.0
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        diff = np.abs(g(z, m).array - g(z, m2).array).max(axis=(0, 1, 3, 4))
    assert (diff[:reach + 1] > 1e-6).all()
    np.testing.assert_array_equal(diff[reach + 1:], 0)
    with pytest.raises(ConfigError, match="odd kernel"):
        Generator(8, 8, 8, 3, "per_frame", 3, **TINY_G, music_context=4)


def test_generator_resize_upsampling():
    # upsample=resize: nearest-neighbour doubling + k3 convolutions instead of k4 s2 deconvolutions.
    import chainer.links as L
    g = Generator(8, 8, 12, 3, "per_frame", 3, **TINY_G, upsample="resize")
    assert not any(isinstance(link, L.Deconvolution2D) and name.startswith("/image/dc") and name != "/image/dc_out"
                   for name, link in g.namedlinks())
    z = g.sample_z(2, np.random.RandomState(0))
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        x = g(z, music(2))
    assert x.shape == (2, 3, 8, 8, 12)
    with pytest.raises(ConfigError, match="upsample 'bilinear'"):
        Generator(8, 8, 12, 3, "none", 3, **TINY_G, upsample="bilinear")


def test_generator_ignores_music_without_conditioning():
    g = Generator(4, 8, 8, 3, "none", 3, **TINY_G)
    z = g.sample_z(1, np.random.RandomState(0))
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        np.testing.assert_array_equal(g(z, None).array, g(z, music(1)).array)


def test_configuration_errors_are_user_errors():
    with pytest.raises(ConfigError, match="head 'score' ignores the music"):
        Discriminator(8, 16, 16, 3, "global", 3, head="score")
    with pytest.raises(ConfigError, match="needs music"):
        Discriminator(8, 16, 16, 3, "none", 3, head="dot")
    with pytest.raises(ConfigError, match="divisible by 16"):
        Generator(16, 60, 64, 3, "none", 3)
    with pytest.raises(ConfigError, match="too small"):
        Discriminator(2, 16, 16, 3, "none", 3, head="score", widths=[4, 8, 16])


def test_music_temporal_generator_reads_the_whole_clip():
    g = Generator(36, 8, 12, 3, "per_frame", 3, temporal="music", temporal_args={"width": 8},
                  **{k: v for k, v in TINY_G.items() if k != "temporal_widths"})
    rf = 1 + 2 * sum(g.temporal.dilations)
    assert rf >= 2 * 36 - 1 - 10      # frame 0's music reaches (almost) every frame of a 36-frame clip
    z = g.sample_z(2, np.random.RandomState(0))
    m = music(2, 93)
    with chainer.using_config("train", False):
        z1 = g.temporal(z, resample_time(m, 36)).array
        m2 = m.copy()
        m2[:, :3] += 5.0                          # change the music of the clip's first frame only
        z1b = g.temporal(z, resample_time(m2, 36)).array
        assert z1.shape == (2, TINY_G["z1_dims"], 36)
        assert np.abs(z1b - z1)[:, :, 30:].max() > 1e-4     # ... and frame 30 moves
        x = g(z, m)
    assert x.shape == (2, 3, 36, 8, 12)


def test_music_temporal_generator_needs_per_frame_music():
    with pytest.raises(ConfigError, match="per_frame"):
        Generator(16, 8, 12, 3, "global", 3, temporal="music", z_dims=6, z1_dims=5, image_widths=[16, 8, 4])
    with pytest.raises(ConfigError, match="temporal"):
        Generator(16, 8, 12, 3, "per_frame", 3, temporal="gru", z_dims=6, z1_dims=5, image_widths=[16, 8, 4])


def test_discriminator_music_input_reads_the_music_frame_by_frame():
    d = Discriminator(16, 16, 16, 3, "per_frame", 3, head="projection", music_input=4, **TINY_D)
    x = np.random.RandomState(0).uniform(-1, 1, (2, 3, 16, 16, 16)).astype(np.float32)
    m = music(2, 48)
    with chainer.using_config("train", False):
        s = d(x, m).array
        assert s.shape == (2,)
        # The same music moved in time changes the score: D sees when things happen.
        assert np.abs(d(x, np.roll(m, 12, axis=1)).array - s).max() > 1e-5
        assert d.c0.W.shape[1] == 3 and d.c1.W.shape[1] == 4 + 4
    with pytest.raises(ValueError, match="music_input"):
        d.features(x)
    # Unconditional D ignores the option (no music to read).
    assert Discriminator(16, 16, 16, 3, "none", 3, head="score", music_input=4, **TINY_D).music_input == 0


def layered(layers=1, music_features=(), **kw):
    return Generator(16, 8, 12, 3, "per_frame", 3, image="layered", image_args={"layers": layers, **kw}, init_scale=None,
                     music_features=music_features,
                     temporal="music", temporal_args={"width": 8, "dilations": [1, 2]},
                     **{k: v for k, v in TINY_G.items() if k != "temporal_widths"})


def test_layered_generator_at_rest_is_one_picture_laid_over_a_background():
    g = layered()
    g.image.pose1.W.array[:] = 0
    g.image.pose1.b.array[:] = 0
    z = g.sample_z(2, np.random.RandomState(0))
    with chainer.using_config("train", False):
        x = g(z, music(2)).array                                   # (N, C, T, H, W)
        out = g.image.decode(F.relu(g.image.bn0(g.image.l0(z))).reshape(2, 16, *g.image.base)).array
    np.testing.assert_allclose(x, np.broadcast_to(x[:, :, :1], x.shape), atol=1e-6)   # no frame changes
    background, rgb, alpha = np.tanh(out[:, :3]), np.tanh(out[:, 3:6]), 1 / (1 + np.exp(-out[:, 6:7]))
    np.testing.assert_allclose(x[:, :, 0], alpha * rgb + (1 - alpha) * background, atol=1e-5)


def test_layered_generator_moves_the_sprite_with_the_music_and_keeps_distances():
    g = layered(2)
    g.image.pose1.W.array *= 100             # poses start near rest; make them large enough to see
    z = g.sample_z(3, np.random.RandomState(1))
    with chainer.using_config("train", False):
        a, b = g(z, music(3, seed=1)).array, g(z, music(3, seed=2)).array
    assert np.abs(a - b).mean() > 1e-3                                      # the music moves the sprites
    # A 90-degree turn about the centre takes a point 4.5 px right of it to 4.5 px above or below
    # (in pixels, though the frame is not square).
    pose = chainer.Variable(np.array([[[[np.pi / 2, 0, 0]]]], np.float32))
    pivot = chainer.Variable(np.zeros((1, 1, 2), np.float32))
    m = g.image.transforms(pose, pivot).array[0]
    x_out = 4.5 / ((12 - 1) / 2)
    u, v = m @ np.array([x_out, 0, 1], np.float32)
    assert abs(u) < 1e-6 and abs(v) * (8 - 1) / 2 == pytest.approx(4.5, rel=1e-5)


def test_layered_generator_learns_poses_and_pictures():
    g = layered()
    x = g(g.sample_z(2, np.random.RandomState(0)), music(2))
    g.cleargrads()
    F.sum(x * x).backward()
    assert np.abs(g.image.pose1.W.grad).sum() > 0 and np.abs(g.image.l0.W.grad).sum() > 0
    assert np.abs(g.temporal.c_out.W.grad).sum() > 0


PHASE_FEATURES = ("a", "swing_sin", "swing_cos")


def test_phase_pose_oscillates_with_the_music_phase_only():
    g = layered(pose="phase", music_features=PHASE_FEATURES)
    g.image.pose_coef.W.array *= 100
    z = g.sample_z(2, np.random.RandomState(0))
    m = music(2, frames=16)
    t = np.arange(m.shape[1], dtype=np.float32) / m.shape[1]
    m[:, :, 1], m[:, :, 2] = np.sin(4 * np.pi * t), np.cos(4 * np.pi * t)       # two swings a clip
    with chainer.using_config("train", False):
        a = g(z, m).array
        other = m.copy()
        other[:, :, 0] = np.random.RandomState(5).randn(*other[:, :, 0].shape)   # not a phase feature
        b = g(z, other).array
        still = m.copy()
        still[:, :, 1:] = [0.0, 1.0]                                              # the phase stands still
        c = g(z, still).array
    assert np.abs(a[:, :, 1:] - a[:, :, :-1]).mean() > 1e-3                        # the sprite moves
    # The pose reads only the phase features (the temporal generator's z1 no longer moves it).
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(c, np.broadcast_to(c[:, :, :1], c.shape), atol=1e-6)
    # Same phase, same pose: frames half a clip (one swing) apart are equal.
    half = m.shape[1] // 2
    np.testing.assert_allclose(a[:, :, :half], a[:, :, half:2 * half], atol=2e-3)


def test_phase_pose_needs_the_phase_features():
    with pytest.raises(ConfigError, match="swing_sin, swing_cos not among the embedding's features"):
        layered(pose="phase", music_features=("a", "b", "c"))
    with pytest.raises(ConfigError, match="pose 'spring'"):
        layered(pose="spring")


def test_image_generator_choice_errors():
    with pytest.raises(ConfigError, match="layers"):
        layered(0)
    with pytest.raises(ConfigError, match="allowed: layered, tgan"):
        Generator(16, 8, 12, 3, "none", 3, image="sprites", **TINY_G)


def test_phase_pose_skips_the_temporal_generator():
    g = layered(pose="phase", music_features=PHASE_FEATURES)
    x = g(g.sample_z(2, np.random.RandomState(0)), music(2, frames=16))
    g.cleargrads()
    F.sum(x * x).backward()
    assert g.temporal.c_out.W.grad is None and np.abs(g.image.pose_coef.W.grad).sum() > 0


def test_layout_gives_the_mean_picture_a_layout_from_the_first_step():
    """Without it every cell of the first map has BN0's mean over z (one tile, repeated); with
    it the cells differ, the map is a parameter that learns, and it is off by default (the shipped
    weights have none)."""
    z = layered().sample_z(64, np.random.RandomState(0))

    def first_map(g):
        h = g.image.bn0(g.image.l0(z)).reshape(64, 16, *g.image.base)
        if g.image.layout is not None:
            h = h + F.broadcast_to(g.image.layout, h.shape)
        return F.relu(h).array.mean(axis=0)                          # (C, h, w): the mean over z

    plain, laid = layered(), layered(layout=True)
    assert plain.image.layout is None and "/image/layout" not in dict(plain.namedparams())
    cells = lambda m: m.reshape(m.shape[0], -1)                       # noqa: E731
    spread = lambda m: np.abs(cells(m) - cells(m).mean(axis=1, keepdims=True)).mean()   # noqa: E731
    assert spread(first_map(plain)) < 0.05 < spread(first_map(laid))
    x = laid(z[:2], music(2))
    laid.cleargrads()
    F.sum(x * x).backward()
    assert np.abs(laid.image.layout.grad).sum() > 0


def test_frame_discriminator_scores_frames_and_sees_a_collapsed_batch():
    from tgan_music.model.discriminator import FrameDiscriminator
    d = FrameDiscriminator(24, 32, 3, widths=[8, 16, 16])
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (6, 3, 24, 32)).astype(np.float32)
    assert d(x).shape == (6,)
    # minibatch std: frame 0 scores otherwise in a batch of copies of itself (no spread over the batch)
    one = np.repeat(x[:1], 6, axis=0)
    alone = FrameDiscriminator(24, 32, 3, widths=[8, 16, 16], minibatch_std=False)
    with chainer.using_config("train", False):
        varied, collapsed = float(d(x).array[0]), float(d(one).array[0])
    assert not np.isclose(varied, collapsed)
    assert alone(x).shape == (6,) and alone.out.W.shape[1] == 16 * 3 * 4
    with pytest.raises(ConfigError, match="frame_discriminator"):
        FrameDiscriminator(8, 8, 3, widths=[8, 8, 8, 8])

