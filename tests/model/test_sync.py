"""The sync expert network: shapes, one video pass for many music draws, gradients to the video."""
import chainer
import numpy as np
import pytest

from tgan_music.errors import ConfigError
from tgan_music.model.sync import SyncExpert


def expert():
    return SyncExpert(6, 16, 16, 3, 5, widths=[4, 8], video_dims=8, joint_width=8, dilations=[1, 2])


def test_scores_one_video_pass_for_every_music_draw():
    net = expert()
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (3, 3, 6, 16, 16)).astype(np.float32)
    m, other = (rng.randn(3, 11, 5).astype(np.float32) for _ in range(2))   # music at its own rate
    v = net.video(x)
    assert v.shape == (3, 8, 6)
    np.testing.assert_allclose(net.score(v, m).array, net(x, m).array, rtol=1e-6)
    assert net(x, m).shape == (3,)
    assert not np.allclose(net(x, m).array, net(x, other).array)


def test_gradient_reaches_the_video():
    net = expert()
    x = chainer.Variable(np.random.RandomState(1).uniform(-1, 1, (2, 3, 6, 16, 16)).astype(np.float32))
    m = np.random.RandomState(2).randn(2, 6, 5).astype(np.float32)
    chainer.functions.sum(net(x, m)).backward()
    assert x.grad is not None and np.abs(x.grad).sum() > 0


def test_frames_too_small_is_a_config_error():
    with pytest.raises(ConfigError, match="model.sync.args.widths"):
        SyncExpert(6, 4, 4, 3, 5, widths=[4, 8, 16, 32])
