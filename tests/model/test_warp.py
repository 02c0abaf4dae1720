"""sample_sources: Chainer's spatial_transformer_sampler without a copy of the source per output."""
import chainer
import chainer.functions as F
import numpy as np
import pytest
from chainer import gradient_check

from tgan_music.model import onednn
from tgan_music.model.warp import sample_sources


def case(lim, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(3, 4, 6, 8)
    grid = rng.uniform(-lim, lim, (7, 2, 5, 9))
    index = rng.randint(0, 3, 7)
    return x, grid, index, rng.randn(7, 4, 5, 9)


# (train.cpu_kernels, the node that samples, rtol): numpy's own, or PyTorch's grid_sample
KERNELS = [("native", "SampleSources", 1e-10),
           pytest.param("onednn", "TorchSampleSources", 1e-8,
                        marks=pytest.mark.skipif(not onednn.available(), reason="needs PyTorch (the bench extra)"))]


@pytest.mark.parametrize("kernels, node, rtol", KERNELS)
@pytest.mark.parametrize("lim", [0.95, 1.3, 2.5])    # inside the image, at its padded edge, far outside
def test_equals_chainers_sampler_forward_and_backward(lim, kernels, node, rtol):
    from tgan_music.model.links import cpu_kernels

    x, grid, index, gy = case(lim)
    ours = [chainer.Variable(x), chainer.Variable(grid)]
    ref = [chainer.Variable(x), chainer.Variable(grid)]
    with cpu_kernels(kernels):
        y = sample_sources(ours[0], ours[1], index)
    assert type(y.creator).__name__ == node
    y_ref = F.spatial_transformer_sampler(F.get_item(ref[0], index), ref[1])
    np.testing.assert_allclose(y.array, y_ref.array, rtol=rtol, atol=1e-12)
    y.grad, y_ref.grad = gy, gy
    y.backward()
    y_ref.backward()
    np.testing.assert_allclose(ours[0].grad, ref[0].grad, rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(ours[1].grad, ref[1].grad, rtol=rtol, atol=1e-10)


def test_gradient_check():
    x, grid, index, gy = case(0.9, seed=1)
    gradient_check.check_backward(lambda a, g: sample_sources(a, g, index), (x, grid), gy, eps=1e-7,
                                 atol=1e-5, rtol=1e-5)    # eps well below the distance to a pixel edge


def test_float32_and_identity_grid():
    x = np.random.RandomState(2).rand(2, 3, 4, 5).astype(np.float32)
    gx, gy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    grid = np.broadcast_to(np.stack((gx, gy)), (4, 2, 4, 5)).astype(np.float32)
    y = sample_sources(x, grid, np.array([1, 0, 1, 1]))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.array, x[[1, 0, 1, 1]], atol=1e-6)


def test_index_must_name_one_source_per_output():
    x, grid, index, _ = case(0.5)
    with pytest.raises(ValueError, match="index"):
        sample_sources(x, grid, index[:3])

