"""DiffAugment for clips: one draw per clip, the same for every frame, time never shifted, differentiable."""
import chainer
import numpy as np
import pytest

from tgan_music.errors import ConfigError
from tgan_music.training.augment import POLICIES, augment, check_policies


def clips(n=4, t=5, h=16, w=16, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, (n, 3, t, h, w)).astype(np.float32)


@pytest.mark.parametrize("policy", POLICIES)
def test_same_transform_for_every_frame(policy):
    # A clip whose frames are all equal stays so: nothing differs from frame to frame.
    still = np.repeat(clips(t=1), 6, axis=2)
    out = augment(still, [policy], np.random.RandomState(1)).array
    assert out.shape == still.shape
    np.testing.assert_allclose(out, np.repeat(out[:, :, :1], 6, axis=2), atol=1e-6)
    assert not np.allclose(out, still)


def test_time_is_never_shifted():
    # A clip that is black except at frame 2 keeps its event at frame 2.
    x = np.zeros((3, 3, 6, 16, 16), np.float32) - 1
    x[:, :, 2] = 1
    out = augment(x, ["translation", "cutout"], np.random.RandomState(0)).array
    energy = (out + 1).sum(axis=(1, 3, 4))
    assert (energy.argmax(axis=1) == 2).all()


def test_draws_differ_between_clips_and_gradients_flow():
    x = chainer.Variable(np.repeat(clips(n=1), 4, axis=0))
    out = augment(x, list(POLICIES), np.random.RandomState(0))
    assert not np.allclose(out.array[0], out.array[1])
    chainer.functions.sum(out).backward()
    assert x.grad is not None and np.abs(x.grad).sum() > 0


def test_off_and_unknown_policy():
    x = clips()
    assert augment(x, [], np.random.RandomState(0)) is x
    with pytest.raises(ConfigError, match="allowed: color, translation, cutout"):
        check_policies(["color", "flip"])


def test_translation_moves_each_clip_with_zero_fill_and_its_gradient_is_the_opposite_move():
    from chainer import gradient_check

    from tgan_music.training.augment import Translate

    x = clips(n=3, t=2, h=6, w=7).astype(np.float64)
    sy, sx = np.array([1, -2, 0]), np.array([-3, 0, 7])
    y = Translate(sy, sx).apply((x,))[0].array
    pad = np.pad(x, ((0, 0), (0, 0), (0, 0), (6, 6), (7, 7)))
    for i in range(3):   # y[i, ..., r, q] = x[i, ..., r + sy, q + sx], zero outside
        np.testing.assert_array_equal(y[i], pad[i, :, :, 6 + sy[i]:12 + sy[i], 7 + sx[i]:14 + sx[i]])
    assert not y[2].any()                                   # moved by a whole width: nothing left
    gy = np.random.RandomState(1).randn(*x.shape)
    gradient_check.check_backward(lambda a: Translate(sy, sx).apply((a,))[0], x, gy, dtype=np.float64)
