"""Bilinear sampling of a few source images at many grids, as a Chainer ``FunctionNode``.

The layered generator moves each clip's sprite to a new pose in every frame: T output frames sample
one source image. ``chainer.functions.spatial_transformer_sampler`` needs the source copied once per
output, loops over the batch in Python and scatters its gradient with ``numpy.add.at``: 1.8 s of a
2.5 s generator step at the music recipe's size. Here the sources are gathered channels-last by flat
index (one padded copy), each output names its source in ``index``, and the source gradient is a
``bincount`` over the same flat indices. Same coordinates and zero padding as Chainer's sampler:
grid values in [-1, 1] (x then y) map to the corner pixels' centres, and points outside the image
read zeros. With ``train.cpu_kernels: onednn`` PyTorch's ``grid_sample`` (align_corners, zero
padding: the same sampling) does it: 0.15 s less of the shipped recipe's 0.85 s iteration.
"""
import chainer
import numpy as np
from chainer import function_node
from chainer.backend import get_array_module


def _corners(grid, height, width):
    """(B, 2, Ho, Wo) grid -> flat pixel indices of the 4 neighbours in the padded (H+2, W+2) image
    (each (B, P)), their bilinear weights, the weights' pieces (wu0, wu1, wv0, wv1), and where u and
    v were not clipped (a clipped coordinate has no gradient)."""
    xp = get_array_module(grid)
    b = grid.shape[0]
    g = grid.reshape(b, 2, -1)
    u_raw = (g[:, 0] + 1) * (width - 1) / 2 + 1
    v_raw = (g[:, 1] + 1) * (height - 1) / 2 + 1
    u, v = u_raw.clip(0, width + 1), v_raw.clip(0, height + 1)
    free = ((u == u_raw).astype(grid.dtype), (v == v_raw).astype(grid.dtype))
    u0 = xp.floor(u).astype(xp.int64).clip(0, width)
    v0 = xp.floor(v).astype(xp.int64).clip(0, height)
    wu0, wv0 = (u - u0).astype(grid.dtype), (v - v0).astype(grid.dtype)
    wu1, wv1 = 1 - wu0, 1 - wv0
    row = width + 2
    i00 = v0 * row + u0
    idx = (i00, i00 + 1, i00 + row, i00 + row + 1)
    weights = (wu1 * wv1, wu0 * wv1, wu1 * wv0, wu0 * wv0)
    return idx, weights, (wu0, wu1, wv0, wv1), free


def _padded_rows(x):
    """(S, C, H, W) -> (S * (H+2) * (W+2), C): zero-padded by one pixel, channels last."""
    xp = get_array_module(x)
    s, c, h, w = x.shape
    pad = xp.zeros((s, h + 2, w + 2, c), x.dtype)
    pad[:, 1:-1, 1:-1] = x.transpose(0, 2, 3, 1)
    return pad.reshape(-1, c)


class SampleSources(function_node.FunctionNode):
    """y[b] = bilinear sample of x[index[b]] at grid[b]."""

    def __init__(self, index):
        self.index = index

    def _flat(self, x, grid):
        s, c, h, w = x.shape
        idx, weights, pieces, free = _corners(grid, h, w)
        base = (self.index * ((h + 2) * (w + 2)))[:, None]
        return [i + base for i in idx], weights, pieces, free

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, grid = inputs
        b, _, ho, wo = grid.shape
        c = x.shape[1]
        rows = _padded_rows(x)
        idx, weights, _, _ = self._flat(x, grid)
        y = sum(rows[i.ravel()].reshape(b, -1, c) * w[:, :, None] for i, w in zip(idx, weights))
        return y.reshape(b, ho, wo, c).transpose(0, 3, 1, 2).astype(x.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        x, grid = self.get_retained_inputs()
        return SampleSourcesGrad(self).apply((x, grid, grad_outputs[0]))


class SampleSourcesGrad(function_node.FunctionNode):
    """The gradients of :class:`SampleSources` with respect to the sources and the grid."""

    def __init__(self, forward_node):
        self.node = forward_node

    def forward(self, inputs):
        x, grid, gy = inputs
        xp = get_array_module(x)
        s, c, h, w = x.shape
        b, _, ho, wo = grid.shape
        rows = _padded_rows(x)
        idx, weights, (wu0, wu1, wv0, wv1), (free_u, free_v) = self.node._flat(x, grid)
        g = gy.transpose(0, 2, 3, 1).reshape(b, -1, c)                 # (B, P, C)
        # sources: every output pixel adds its gradient, times each corner's weight, to that corner
        n_rows = rows.shape[0]
        chan = xp.arange(c)
        gx = xp.zeros(n_rows * c, xp.float64)
        for i, wt in zip(idx, weights):
            flat = (i[:, :, None] * c + chan).ravel()
            gx += xp.bincount(flat, weights=(g * wt[:, :, None]).ravel(), minlength=n_rows * c)
        gx = gx.reshape(s, h + 2, w + 2, c)[:, 1:-1, 1:-1].transpose(0, 3, 1, 2).astype(x.dtype)
        # grid: the bilinear weights' derivatives along u and v, scaled from pixels to [-1, 1]
        x00, x01, x10, x11 = (rows[i.ravel()].reshape(b, -1, c) for i in idx)
        du = (wv1[:, :, None] * (x01 - x00) + wv0[:, :, None] * (x11 - x10)) * g
        dv = (wu1[:, :, None] * (x10 - x00) + wu0[:, :, None] * (x11 - x01)) * g
        ggrid = xp.stack((du.sum(axis=2) * free_u * ((w - 1) / 2), dv.sum(axis=2) * free_v * ((h - 1) / 2)), axis=1)
        return xp.ascontiguousarray(gx), ggrid.reshape(b, 2, ho, wo).astype(grid.dtype)

    def backward(self, indexes, grad_outputs):
        raise NotImplementedError("sample_sources has no second derivative (the generator never needs one)")


class TorchSampleSources(function_node.FunctionNode):
    """:class:`SampleSources` by PyTorch's ``grid_sample`` (``train.cpu_kernels: onednn``): the
    sources are gathered per output (one copy), and the source gradient summed back per source."""

    def __init__(self, index):
        self.index = index

    def forward(self, inputs):
        import torch
        self.retain_inputs((0, 1))
        x, grid = (torch.from_numpy(a) for a in inputs)
        with torch.no_grad():
            y = torch.nn.functional.grid_sample(x[torch.from_numpy(self.index)], grid.permute(0, 2, 3, 1),
                                                mode="bilinear", padding_mode="zeros", align_corners=True)
        return y.numpy(),

    def backward(self, indexes, grad_outputs):
        x, grid = self.get_retained_inputs()
        return TorchSampleSourcesGrad(self.index).apply((x, grid, grad_outputs[0]))


class TorchSampleSourcesGrad(function_node.FunctionNode):
    def __init__(self, index):
        self.index = index

    def forward(self, inputs):
        import torch
        x, grid, gy = (torch.from_numpy(np.ascontiguousarray(a)) for a in inputs)
        index = torch.from_numpy(self.index)
        with torch.no_grad():
            gxs, ggrid = torch.ops.aten.grid_sampler_2d_backward(
                gy, x[index], grid.permute(0, 2, 3, 1), 0, 0, True, [True, True])   # bilinear, zeros
            gx = torch.zeros_like(x).index_add_(0, index, gxs)
        return gx.numpy(), np.ascontiguousarray(ggrid.permute(0, 3, 1, 2).numpy())

    def backward(self, indexes, grad_outputs):
        raise NotImplementedError("sample_sources has no second derivative (the generator never needs one)")


def sample_sources(x, grid, index):
    """Bilinear samples (B, C, Ho, Wo) of sources x (S, C, H, W) at grid (B, 2, Ho, Wo); output b reads
    source ``index[b]`` (an int array on x's device). Equals
    ``F.spatial_transformer_sampler(x[index], grid)`` without the copies."""
    xp = get_array_module(chainer.as_array(x))
    index = xp.asarray(index, xp.int64)
    if index.shape != (grid.shape[0],):
        raise ValueError(f"sample_sources: index of shape {index.shape} for a grid of {grid.shape[0]} outputs")
    if xp is np and _onednn() and all(chainer.as_array(a).dtype in (np.float32, np.float64) for a in (x, grid)) \
            and chainer.as_array(x).dtype == chainer.as_array(grid).dtype:
        return TorchSampleSources(index).apply((x, grid))[0]
    return SampleSources(index).apply((x, grid))[0]


def _onednn():
    from tgan_music.model.links import get_cpu_kernels
    return get_cpu_kernels() == "onednn"
