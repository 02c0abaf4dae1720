"""Drop-in convolution links that use the project's CPU kernels on numpy.

``ConvolutionND``, ``DeconvolutionND``, ``Convolution2D`` and ``Deconvolution2D`` subclass the
chainer.links ones: same constructor, parameters (``W``, ``b``) and serialization, so snapshots
and the shipped generator.npz load unchanged. On numpy arrays their forward calls the kernels
``set_cpu_kernels`` chose: ``native`` (the default, tgan_music.model.kernels) or ``onednn``
(tgan_music.model.onednn); with ``chainer``, and for what the kernels do not cover (CuPy/cuDNN,
groups, cover_all, ...; dilation without onednn), Chainer's own.
"""
import contextlib

import chainer
import chainer.links as L

from tgan_music.errors import ConfigError
from tgan_music.model import kernels

CPU_KERNELS = ("native", "chainer", "onednn", "auto")
_state = {"kernels": "native"}


def set_cpu_kernels(name):
    """Selects the CPU convolution kernels: ``native`` (tgan_music.model.kernels), ``chainer``,
    ``onednn`` (tgan_music.model.onednn; needs PyTorch's CPU build) or ``auto`` (onednn where
    PyTorch imports, else native). Returns the kernels chosen."""
    if name not in CPU_KERNELS:
        raise ValueError(f"cpu kernels {name!r}; allowed: {', '.join(CPU_KERNELS)}")
    if name == "auto":
        from tgan_music.model import onednn
        name = "onednn" if onednn.available() else "native"
    if name == "onednn":
        from tgan_music.model import onednn
        if not onednn.available():
            raise ConfigError("cpu kernels 'onednn' (train.cpu_kernels) need PyTorch 2.13.0 (CPU): "
                              "EXTRAS=test,bench tools/bootstrap.sh, or use native or auto")
    _state["kernels"] = name
    return name


def get_cpu_kernels():
    return _state["kernels"]


@contextlib.contextmanager
def cpu_kernels(name):
    """``with cpu_kernels("chainer"): ...`` selects the kernels inside the block only."""
    previous = _state["kernels"]
    set_cpu_kernels(name)
    try:
        yield
    finally:
        _state["kernels"] = previous


def _own_kernels():
    """True unless Chainer's own kernels were chosen (``chainer``): then the links are Chainer's."""
    return _state["kernels"] != "chainer"


def _backend():
    """The module whose convolution_nd / deconvolution_nd the links call on numpy."""
    if _state["kernels"] == "onednn":
        from tgan_music.model import onednn
        return onednn
    return kernels


class ConvolutionND(L.ConvolutionND):
    __doc__ = L.ConvolutionND.__doc__

    def forward(self, x):
        if not _own_kernels() or self.W.array is None:
            return super().forward(x)
        return _backend().convolution_nd(x, self.W, self.b, self.stride, self.pad, cover_all=self.cover_all,
                                         dilate=self.dilate, groups=self.groups)


class DeconvolutionND(L.DeconvolutionND):
    __doc__ = L.DeconvolutionND.__doc__

    def forward(self, x):
        if not _own_kernels() or self.W.array is None:
            return super().forward(x)
        return _backend().deconvolution_nd(x, self.W, self.b, self.stride, self.pad, outsize=self.outsize,
                                           dilate=self.dilate, groups=self.groups)


class Convolution2D(L.Convolution2D):
    __doc__ = L.Convolution2D.__doc__

    def forward(self, x):
        x = chainer.as_variable(x)
        if (not _own_kernels() or self.W.raw_array is None or getattr(self, "cudnn_fast", False)
                or getattr(x, "layout", None) is not None or getattr(self, "x_layout", None) is not None):
            return super().forward(x)
        return _backend().convolution_nd(x, self.W, self.b, self.stride, self.pad, dilate=self.dilate,
                                         groups=self.groups)


class Deconvolution2D(L.Deconvolution2D):
    __doc__ = L.Deconvolution2D.__doc__

    def forward(self, x):
        if not _own_kernels() or self.W.array is None:
            return super().forward(x)
        return _backend().deconvolution_nd(x, self.W, self.b, self.stride, self.pad, outsize=self.outsize,
                                           dilate=self.dilate, groups=self.groups)
