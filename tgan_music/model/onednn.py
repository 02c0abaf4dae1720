"""CPU convolutions by oneDNN, through PyTorch's CPU build, as Chainer ``FunctionNode``s
(``train.cpu_kernels: onednn``).

Chainer's own fast CPU path was Intel's MKL-DNN (iDeep, ``chainer.config.use_ideep``), whose
``ideep4py`` does not install on Python 3.11. PyTorch's CPU wheel carries the same library, now
oneDNN, with direct (no im2col) convolutions for every shape the networks use, dilations
included. Only the kernels come from it: the graph, autograd, optimizers, SVC and the Trainer stay
Chainer's. Arrays cross as views (``torch.from_numpy``, ``Tensor.numpy``), without copies.

The nodes mirror :mod:`tgan_music.model.kernels`: the input gradient of a convolution is a
transposed convolution and vice versa, the weight gradient is :class:`ConvolutionNDGradW`, whose
own backward is a convolution and a transposed one; so double backprop (R1) works. Each matches
Chainer's function to float tolerance under ``chainer.gradient_check`` (tests/model/test_onednn.py).
Threads: torch's intra-op threads, which ``torch.set_num_threads`` sets (bench train's ``--threads``
sets them with the BLAS threads); torch starts with OMP_NUM_THREADS if set.
"""
import chainer
import numpy as np
from chainer import function_node

from tgan_music.model import kernels


def available():
    """True when PyTorch imports (the ``bench`` extra: ``EXTRAS=test,bench tools/bootstrap.sh``)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _torch():
    import torch
    return torch


def _t(a):
    return _torch().from_numpy(np.ascontiguousarray(a))


def _np(t):
    return np.ascontiguousarray(t.numpy())


def _conv_fn(nd):
    F = _torch().nn.functional
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]


def _deconv_fn(nd):
    F = _torch().nn.functional
    return {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]


def natural_deconv_size(insize, ksize, stride, pad, dilate):
    return tuple(s * (n - 1) + d * (k - 1) + 1 - 2 * p for n, k, s, p, d in zip(insize, ksize, stride, pad, dilate))


def conv_gradw(x, gy, ksize, stride, pad, dilate):
    """gW (O, C, *k) of the convolution of x (N, C, *S) whose output gradient is gy (N, O, *S')."""
    torch = _torch()
    x, gy = _t(x), _t(gy)
    weight = torch.empty((gy.shape[1], x.shape[1]) + tuple(ksize), dtype=x.dtype)
    nd = x.ndim - 2
    _, gw, _ = torch.ops.aten.convolution_backward(
        gy, x, weight, None, list(stride), list(pad), list(dilate), False, [0] * nd, 1,
        [False, True, False])
    return _np(gw)


def _grads(indexes, gy, input_grad, weight_grad):
    """The gradients asked for (0: input, 1: weight, 2: bias), each built only when asked."""
    bias_grad = lambda: chainer.functions.sum(gy, axis=(0,) + tuple(range(2, gy.ndim)))   # noqa: E731
    return [make() for i, make in enumerate((input_grad, weight_grad, bias_grad)) if i in indexes]


class ConvolutionND(function_node.FunctionNode):
    """y = conv(x, W) + b, N-D (1-3), stride, symmetric pad and dilation."""

    def __init__(self, stride, pad, dilate):
        self.stride, self.pad, self.dilate = stride, pad, dilate

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        b = _t(inputs[2]) if len(inputs) == 3 else None
        with _torch().no_grad():
            y = _conv_fn(x.ndim - 2)(_t(x), _t(W), b, self.stride, self.pad, self.dilate)
        return _np(y),

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        g = (self.stride, self.pad, self.dilate)
        return _grads(indexes, gy, lambda: DeconvolutionND(*g, x.shape[2:]).apply((gy, W))[0],
                      lambda: ConvolutionNDGradW(W.shape[2:], *g).apply((x, gy))[0])


class ConvolutionNDGradW(function_node.FunctionNode):
    """gW of a convolution: inputs (x, gy)."""

    def __init__(self, ksize, stride, pad, dilate):
        self.ksize, self.stride, self.pad, self.dilate = tuple(ksize), stride, pad, dilate

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        with _torch().no_grad():
            return conv_gradw(x, gy, self.ksize, self.stride, self.pad, self.dilate),

    def backward(self, indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        ggw, = grad_outputs
        ret = []
        if 0 in indexes:
            ret.append(DeconvolutionND(self.stride, self.pad, self.dilate, x.shape[2:]).apply((gy, ggw))[0])
        if 1 in indexes:
            ret.append(ConvolutionND(self.stride, self.pad, self.dilate).apply((x, ggw))[0])
        return ret


class DeconvolutionND(function_node.FunctionNode):
    """y = deconv(x, W) + b, W (Cin, Cout, *k), to ``outsize``."""

    def __init__(self, stride, pad, dilate, outsize):
        self.stride, self.pad, self.dilate, self.outsize = stride, pad, dilate, tuple(outsize)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        b = _t(inputs[2]) if len(inputs) == 3 else None
        natural = natural_deconv_size(x.shape[2:], W.shape[2:], self.stride, self.pad, self.dilate)
        extra = tuple(o - a for o, a in zip(self.outsize, natural))
        with _torch().no_grad():
            y = _deconv_fn(x.ndim - 2)(_t(x), _t(W), b, self.stride, self.pad, extra, 1, self.dilate)
        return _np(y),

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        g = (self.stride, self.pad, self.dilate)
        return _grads(indexes, gy, lambda: ConvolutionND(*g).apply((gy, W))[0],
                      lambda: ConvolutionNDGradW(W.shape[2:], *g).apply((gy, x))[0])


def _covered(x, W, b):
    """1-3-D, float32 or float64 (kernels._covered_* check the rest, the same dtype among them)."""
    return chainer.as_array(x).ndim - 2 in (1, 2, 3) and chainer.as_array(x).dtype in (np.float32, np.float64)


def convolution_nd(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """``F.convolution_nd`` by oneDNN where covered (numpy float32 or float64, 1-3-D, no groups or
    cover_all), else the native kernels (which fall back to Chainer's)."""
    covered = _covered(x, W, b) and kernels._covered_conv(x, W, b, stride, pad, cover_all, dilate, groups,
                                                           dilation_ok=True)
    if not covered:
        return kernels.convolution_nd(x, W, b, stride, pad, cover_all, dilate, groups)
    return ConvolutionND(*covered).apply((x, W) if b is None else (x, W, b))[0]


def deconvolution_nd(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """``F.deconvolution_nd`` by oneDNN where covered, else the native kernels."""
    covered = _covered(x, W, b) and kernels._covered_deconv(x, W, b, stride, pad, outsize, dilate, groups,
                                                             dilation_ok=True)
    if not covered:
        return kernels.deconvolution_nd(x, W, b, stride, pad, outsize, dilate, groups)
    return DeconvolutionND(*covered).apply((x, W) if b is None else (x, W, b))[0]
