"""oneDNN CPU kernels (through PyTorch): dilated convolutions against chainer.functions,
gradient_check and double backward, the fallback, and the links' switch (the shape families of
the native kernels are test_kernels.py's, run on both). Run where PyTorch is installed (the bench
extra); skipped elsewhere."""
import chainer
import chainer.functions as F
import numpy as np
import pytest
from chainer import gradient_check

from test_kernels import RTOL, _arrays, _assert_close, _run

from tgan_music.errors import ConfigError
from tgan_music.model import kernels
from tgan_music.model import links as KL

torch = pytest.importorskip("torch")
onednn = pytest.importorskip("tgan_music.model.onednn")

# the temporal generator's dilated 1-D convolutions ((x, W, stride, pad, dilate)), which the
# native kernels leave to Chainer
DILATED = [((2, 8, 36), (8, 8, 3), 1, 4, 4), ((2, 8, 36), (8, 8, 3), 1, 16, 16), ((2, 3, 9, 9), (4, 3, 3, 3), 2, 2, 2)]


@pytest.mark.parametrize("xs, ws, stride, pad, dilate", DILATED)
def test_dilated_convolution_matches_chainer(xs, ws, stride, pad, dilate):
    x, W, b = _arrays([xs, ws, ws[:1]], 2)
    y = onednn.convolution_nd(x, W, b, stride, pad, dilate=dilate)
    assert isinstance(y.creator, onednn.ConvolutionND)
    gy, = _arrays([y.shape], 3)
    _assert_close(_run(onednn.convolution_nd, x, W, b, gy, stride=stride, pad=pad, dilate=dilate),
                  _run(F.convolution_nd, x, W, b, gy, stride=stride, pad=pad, dilate=dilate))
    xd, Wd = _arrays([(2, ws[0]) + xs[2:], (ws[0], 5) + ws[2:]], 4)
    yd = onednn.deconvolution_nd(xd, Wd, None, stride, pad, dilate=dilate)
    assert isinstance(yd.creator, onednn.DeconvolutionND)
    gyd, = _arrays([yd.shape], 5)
    _assert_close(_run(onednn.deconvolution_nd, xd, Wd, None, gyd, stride=stride, pad=pad, dilate=dilate),
                  _run(F.deconvolution_nd, xd, Wd, None, gyd, stride=stride, pad=pad, dilate=dilate))


@pytest.mark.parametrize("case", [
    ("conv", (2, 3, 4, 4, 6), (2, 3, 4, 4, 4), 2, 1, 1),
    ("conv", (2, 4, 12), (3, 4, 3), 1, 4, 4),
    ("deconv", (2, 8, 2, 3), (8, 3, 4, 4), 2, 1, 1),
    ("deconv", (2, 4, 3), (4, 3, 3), 1, 1, 1),
])
def test_gradient_check(case):
    kind, xs, ws, stride, pad, dilate = case
    bs = ws[:1] if kind == "conv" else ws[1:2]
    x, W, b = _arrays([xs, ws, bs], 4, np.float64)
    fn = onednn.convolution_nd if kind == "conv" else onednn.deconvolution_nd

    def f(x, W, b):
        return fn(x, W, b, stride=stride, pad=pad, dilate=dilate)

    y = f(x, W, b)
    assert isinstance(y.creator, (onednn.ConvolutionND, onednn.DeconvolutionND))
    gy, ggx, ggW, ggb = _arrays([y.shape, xs, ws, bs], 5, np.float64)
    gradient_check.check_backward(f, (x, W, b), gy, dtype=np.float64, atol=1e-6, rtol=1e-5)
    gradient_check.check_double_backward(f, (x, W, b), gy, (ggx, ggW, ggb), dtype=np.float64,
                                         atol=1e-6, rtol=1e-5)


def test_uncovered_calls_fall_back_to_the_native_kernels():
    x, W = _arrays([(2, 6, 9, 9), (3, 2, 3, 3)], 7)
    assert not isinstance(onednn.convolution_nd(x, W, None, 1, 1, groups=3).creator, onednn.ConvolutionND)
    x16, W16 = x.astype(np.float16), W.astype(np.float16)
    assert not isinstance(onednn.convolution_nd(x16, W16[:, :1].repeat(6, 1), None, 1, 1).creator,
                          onednn.ConvolutionND)
    y = onednn.convolution_nd(x, W.repeat(3, 1), None, 1, 1, cover_all=True)
    np.testing.assert_allclose(y.array, F.convolution_nd(x, W.repeat(3, 1), None, 1, 1, cover_all=True).array,
                               rtol=RTOL, atol=1e-5)


def test_links_use_onednn_when_chosen():
    link = KL.ConvolutionND(3, 3, 4, 4, stride=2, pad=1)
    x, = _arrays([(2, 3, 8, 8, 8)], 8)
    with KL.cpu_kernels("onednn"):
        y = link(x)
    assert isinstance(y.creator, onednn.ConvolutionND)
    assert isinstance(link(x).creator, kernels.ConvolutionND)                # native by default
    np.testing.assert_allclose(y.array, link(x).array, rtol=RTOL, atol=1e-5)


def test_onednn_without_torch_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(onednn, "available", lambda: False)
    with pytest.raises(ConfigError, match="PyTorch 2.13.0"):
        KL.set_cpu_kernels("onednn")
    assert KL.get_cpu_kernels() == "native"


def test_auto_chooses_onednn_where_torch_imports_else_native(monkeypatch):
    try:
        assert KL.set_cpu_kernels("auto") == "onednn" and KL.get_cpu_kernels() == "onednn"
        monkeypatch.setattr(onednn, "available", lambda: False)
        assert KL.set_cpu_kernels("auto") == "native"
    finally:
        KL.set_cpu_kernels("native")
