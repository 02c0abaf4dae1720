import chainer
import chainer.functions as F
import numpy as np
import pytest
from chainer import gradient_check

from tgan_music.model.functions import BasicSlice, get_item, leaky_relu, pick_frames


@pytest.mark.parametrize("slope", [0.2, 0.0, 1.0])
def test_leaky_relu_equals_chainers_forward_and_both_backwards(slope):
    rng = np.random.RandomState(0)
    x = rng.randn(3, 4, 5).astype(np.float32)
    x[np.abs(x) < 0.05] = 0.5   # away from the kink, where numerical gradients are exact
    x[0, 0, 0] = 0.0            # the kink itself: Chainer's gradient there is slope, and so is ours
    gy = rng.randn(*x.shape).astype(np.float32)
    ggx = rng.randn(*x.shape).astype(np.float32)
    np.testing.assert_array_equal(leaky_relu(x, slope).array, F.leaky_relu(x, slope).array)
    ours, theirs = chainer.Variable(x.copy()), chainer.Variable(x.copy())
    for var, fn in ((ours, leaky_relu), (theirs, F.leaky_relu)):
        y = fn(var, slope)
        y.grad = gy
        y.backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad)
    x[0, 0, 0] = 0.5
    x64 = x.astype(np.float64)
    gradient_check.check_backward(lambda v: leaky_relu(v, slope), x64, gy.astype(np.float64), atol=1e-6)
    gradient_check.check_double_backward(lambda v: leaky_relu(v, slope) ** 2, x64, gy.astype(np.float64),
                                         ggx.astype(np.float64), atol=1e-5)


def test_leaky_relu_outside_the_fast_range_is_chainers():
    x = np.array([-2.0, 3.0], np.float32)
    np.testing.assert_array_equal(leaky_relu(x, 1.5).array, F.leaky_relu(x, 1.5).array)


def test_pick_frames_gathers_frames_and_passes_gradients_back():
    x = chainer.Variable(np.arange(2 * 3 * 5 * 2 * 2, dtype=np.float32).reshape(2, 3, 5, 2, 2))
    times = np.random.RandomState(3).randint(0, 5, (2, 2))
    y = pick_frames(x, 2, np.random.RandomState(3))
    assert y.shape == (4, 3, 2, 2)
    for k, (i, t) in enumerate([(0, times[0, 0]), (0, times[0, 1]), (1, times[1, 0]), (1, times[1, 1])]):
        np.testing.assert_array_equal(y.array[k], x.array[i, :, t])
    F.sum(y).backward()
    picked = np.zeros((2, 5))
    for i in range(2):
        for t in times[i]:
            picked[i, t] += 1
    np.testing.assert_array_equal(x.grad[:, 0, :, 0, 0], picked)


def test_pick_frames_adds_up_repeated_times_and_has_a_second_derivative():
    # 6 draws from 3 frames: times repeat within a clip, and their gradients must add
    x = np.random.RandomState(1).randn(2, 2, 3, 2, 2)
    gy = np.random.RandomState(2).randn(12, 2, 2, 2)
    ggx = np.random.RandomState(4).randn(*x.shape)
    times = np.random.RandomState(5).randint(0, 3, (2, 6))
    assert any(len(set(row)) < 6 for row in times)
    gradient_check.check_backward(lambda v: pick_frames(v, 6, np.random.RandomState(5)), x, gy, atol=1e-7)
    gradient_check.check_double_backward(lambda v: pick_frames(v, 6, np.random.RandomState(5)) ** 2, x, gy,
                                         ggx, atol=1e-6)


@pytest.mark.parametrize("key", [np.s_[:, :, 1:3], np.s_[..., 0], np.s_[1, None, ::2], np.s_[:, -1:]])
def test_get_item_of_a_basic_key_equals_chainers_with_both_backwards(key):
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3, 4)
    y = get_item(x, key)
    assert isinstance(y.creator, BasicSlice)
    np.testing.assert_array_equal(y.array, F.get_item(x, key).array)
    gy = rng.randn(*y.shape)
    gradient_check.check_backward(lambda v: get_item(v, key), x, gy, atol=1e-7)
    gradient_check.check_double_backward(lambda v: get_item(v, key) ** 2, x, gy, rng.randn(*x.shape), atol=1e-6)


def test_get_item_of_an_index_array_is_chainers_scatter():
    x = chainer.Variable(np.arange(4.0))
    y = get_item(x, np.array([1, 1, 3]))
    assert not isinstance(y.creator, BasicSlice)
    F.sum(y).backward()
    np.testing.assert_array_equal(x.grad, [0, 2, 0, 1])
