"""Native CPU convolution kernels: parity with chainer.functions (forward, backward, double
backward), gradient_check, fallback for what they do not cover, and the links on the shipped model."""
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
import pytest
from chainer import gradient_check

from tgan_music.model import kernels
from tgan_music.model import links as KL

RTOL = 1e-5

# (x shape, W shape, stride, pad): the discriminator's and the generator's convolution families.
CONVS = [
    ((2, 3, 8, 6, 10), (5, 3, 4, 4, 4), 2, 1),      # D's first conv (few channels: channels-first columns)
    ((2, 9, 8, 6, 10), (5, 9, 4, 4, 4), 2, 1),      # D's convs (channels-last columns)
    ((2, 9, 3, 3, 5), (5, 9, 4, 4, 4), 2, 1),       # odd sizes: truncated output, gx has an outsize
    ((2, 9, 1, 2, 3), (4, 9, 1, 2, 3), 1, 0),       # D's last conv: the kernel covers (t, h, w)
    ((2, 9, 6, 7), (4, 9, 3, 3), 1, 1),             # G's resize upsampling conv (k3 s1 p1)
    ((2, 4, 6, 7), (4, 4, 3, 3), 1, 1),
    ((2, 10, 9), (8, 10, 5), 1, 2),                 # MusicContext's 1-D convs
    ((2, 3, 7), (4, 3, 3), 1, 1),
]
# (x shape, W shape, stride, pad, outsize)
DECONVS = [
    ((2, 9, 3, 4), (9, 4, 4, 4), 2, 1, None),       # G's doubling deconvs (k4 s2 p1)
    ((2, 10, 3, 4), (10, 12, 4, 4), 2, 1, None),    # ... with more output channels (phase schedule)
    ((2, 3, 3, 4), (3, 4, 4, 4), 2, 1, None),
    ((2, 9, 5, 4), (9, 3, 3, 3), 1, 1, None),       # G's last deconv (k3 s1 p1)
    ((2, 9, 1), (9, 5, 3), 1, 0, None),             # temporal G's first deconv (kernel K, length 1)
    ((2, 9, 4), (9, 5, 4), 2, 1, None),             # temporal G's doubling deconvs
    ((2, 9, 5), (9, 5, 3), 1, 1, None),             # temporal G's k3 s1 p1
    ((2, 9, 1, 1, 2), (9, 5, 4, 4, 4), 2, 1, (3, 3, 4)),   # a conv's input gradient with an outsize
]


def _arrays(shapes, seed, dtype=np.float32):
    rng = np.random.RandomState(seed)
    return [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]


def _run(fn, x, W, b, gy, **kw):
    xv, Wv = chainer.Variable(x), chainer.Variable(W)
    bv = None if b is None else chainer.Variable(b)
    y = fn(xv, Wv, bv, **kw)
    y.grad = gy
    y.backward()
    return [y.array, xv.grad, Wv.grad] + ([] if b is None else [bv.grad])


def _assert_close(got, want):
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=RTOL * np.abs(w).max())


def _onednn():
    pytest.importorskip("torch")
    from tgan_music.model import onednn
    return onednn


# the kernel modules under test: the native kernels, and oneDNN's where PyTorch is installed
BACKENDS = [pytest.param(lambda: kernels, id="native"), pytest.param(_onednn, id="onednn")]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, stride, pad", CONVS)
def test_convolution_matches_chainer(xs, ws, stride, pad, bias, backend):
    module = backend()
    x, W, b = _arrays([xs, ws, ws[:1]], 0)
    b = b if bias else None
    y = module.convolution_nd(x, W, b, stride, pad)
    assert isinstance(y.creator, module.ConvolutionND)
    gy, = _arrays([y.shape], 1)
    _assert_close(_run(module.convolution_nd, x, W, b, gy, stride=stride, pad=pad),
                  _run(F.convolution_nd, x, W, b, gy, stride=stride, pad=pad))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, stride, pad, outsize", DECONVS)
def test_deconvolution_matches_chainer(xs, ws, stride, pad, outsize, bias, backend):
    module = backend()
    x, W, b = _arrays([xs, ws, ws[1:2]], 0)
    b = b if bias else None
    y = module.deconvolution_nd(x, W, b, stride, pad, outsize=outsize)
    assert isinstance(y.creator, module.DeconvolutionND)
    gy, = _arrays([y.shape], 1)
    _assert_close(_run(module.deconvolution_nd, x, W, b, gy, stride=stride, pad=pad, outsize=outsize),
                  _run(F.deconvolution_nd, x, W, b, gy, stride=stride, pad=pad, outsize=outsize))


@pytest.mark.parametrize("mode", ["merged", "phase", "shift"])
def test_deconvolution_schedules_agree(mode):
    x, W = _arrays([(2, 5, 3, 4, 3), (5, 4, 4, 4, 4)], 2)
    want = F.deconvolution_nd(x, W, None, 2, 1, outsize=(6, 8, 7)).array
    got = kernels.deconv_forward(x, W, None, (2, 2, 2), (1, 1, 1), (6, 8, 7), mode=mode)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * np.abs(want).max())


def test_2d_entry_points_match():
    x, W = _arrays([(2, 6, 3, 4), (6, 5, 4, 4)], 3)
    np.testing.assert_allclose(kernels.deconvolution_nd(x, W, None, 2, 1).array,
                               F.deconvolution_2d(x, W, None, 2, 1).array, rtol=RTOL, atol=1e-6)
    x, W = _arrays([(2, 6, 5, 4), (3, 6, 3, 3)], 3)
    np.testing.assert_allclose(kernels.convolution_nd(x, W, None, 1, 1).array,
                               F.convolution_2d(x, W, None, 1, 1).array, rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("case", [
    ("conv", (2, 3, 4, 4, 6), (2, 3, 4, 4, 4), 2, 1),
    ("conv", (2, 8, 3, 5), (3, 8, 3, 3), 1, 1),
    ("conv", (1, 9, 2, 2, 3), (2, 9, 2, 2, 3), 1, 0),
    ("deconv", (2, 8, 2, 3), (8, 3, 4, 4), 2, 1),
    ("deconv", (2, 3, 2, 3), (3, 9, 4, 4), 2, 1),
    ("deconv", (2, 4, 3), (4, 3, 3), 1, 1),
    ("deconv", (2, 4, 1), (4, 3, 3), 1, 0),
])
def test_gradient_check(case):
    kind, xs, ws, stride, pad = case
    bs = ws[:1] if kind == "conv" else ws[1:2]
    x, W, b = _arrays([xs, ws, bs], 4, np.float64)
    fn = kernels.convolution_nd if kind == "conv" else kernels.deconvolution_nd

    def f(x, W, b):
        return fn(x, W, b, stride=stride, pad=pad)

    y = f(x, W, b)
    gy, ggx, ggW, ggb = _arrays([y.shape, xs, ws, bs], 5, np.float64)
    gradient_check.check_backward(f, (x, W, b), gy, dtype=np.float64, atol=1e-6, rtol=1e-5)
    gradient_check.check_double_backward(f, (x, W, b), gy, (ggx, ggW, ggb), dtype=np.float64,
                                         atol=1e-6, rtol=1e-5)


def test_double_backward_matches_chainer():
    """A gradient penalty (R1-like): d/dW of |dD/dx|^2 through the native nodes equals Chainer's."""
    x0, W0 = _arrays([(2, 3, 4, 4, 6), (4, 3, 4, 4, 4)], 6, np.float64)
    grads = []
    for fn in (kernels.convolution_nd, F.convolution_nd):
        x, W = chainer.Variable(x0), chainer.Variable(W0)
        y = F.sum(F.tanh(fn(x, W, None, 2, 1)))
        gx, = chainer.grad([y], [x], enable_double_backprop=True)
        F.sum(gx * gx).backward()
        grads.append(W.grad)
    np.testing.assert_allclose(grads[0], grads[1], rtol=RTOL, atol=RTOL * np.abs(grads[1]).max())


@pytest.mark.parametrize("kwargs", [dict(dilate=2), dict(cover_all=True), dict(groups=3)])
def test_uncovered_convolutions_fall_back(kwargs):
    x, W = _arrays([(2, 3, 9, 9), (3, 3 // kwargs.get("groups", 1), 3, 3)], 7)
    y = kernels.convolution_nd(x, W, None, 2, 1, **kwargs)
    assert not isinstance(y.creator, kernels.ConvolutionND)
    np.testing.assert_array_equal(y.array, F.convolution_nd(x, W, None, 2, 1, **kwargs).array)


def test_uncovered_deconvolutions_fall_back():
    x, W = _arrays([(2, 3, 4, 4), (3, 2, 3, 3)], 8)
    y = kernels.deconvolution_nd(x, W, None, 2, 1, dilate=2)
    assert not isinstance(y.creator, kernels.DeconvolutionND)
    x16, W16 = x.astype(np.float16), W
    y = kernels.deconvolution_nd(x16, W16, None, 2, 1)      # mixed dtypes: Chainer's (which rejects them)
    assert not isinstance(y.creator, kernels.DeconvolutionND)


def test_non_numpy_arrays_fall_back(monkeypatch):
    calls = []
    monkeypatch.setattr(F, "convolution_nd", lambda *a, **k: calls.append("conv") or "chainer")
    monkeypatch.setattr(kernels, "_is_numpy", lambda *a: False)
    x, W = _arrays([(1, 2, 4, 4), (2, 2, 3, 3)], 9)
    assert kernels.convolution_nd(x, W) == "chainer" and calls == ["conv"]


@pytest.mark.parametrize("make, shape", [
    (lambda m: m.ConvolutionND(3, 3, 4, 4, 2, 1), (2, 3, 4, 6, 6)),
    (lambda m: m.ConvolutionND(1, 3, 4, 3, 1, 1), (2, 3, 7)),
    (lambda m: m.DeconvolutionND(1, 3, 4, 4, 2, 1), (2, 3, 5)),
    (lambda m: m.Convolution2D(3, 4, 3, 1, 1, nobias=True), (2, 3, 5, 6)),
    (lambda m: m.Deconvolution2D(3, 4, 4, 2, 1), (2, 3, 3, 4)),
])
def test_links_native_and_chainer_agree(make, shape):
    link = make(KL)
    reference = make(L)
    assert sorted(n for n, _ in link.namedparams()) == sorted(n for n, _ in reference.namedparams())
    x, = _arrays([shape], 10)
    y_native = link(x)
    with KL.cpu_kernels("chainer"):
        y_chainer = link(x)
    assert type(y_native.creator).__module__ == kernels.__name__
    assert type(y_chainer.creator).__module__ != kernels.__name__
    np.testing.assert_allclose(y_native.array, y_chainer.array, rtol=RTOL, atol=1e-6)
    assert KL.get_cpu_kernels() == "native"


def test_set_cpu_kernels_rejects_unknown():
    with pytest.raises(ValueError):
        KL.set_cpu_kernels("fast")


def test_shipped_generator_loads_and_agrees():
    from tgan_music.generation.model import load_generator
    trained = load_generator(None, require_stats=False)
    gen = trained.gen
    links = [l for l in gen.links() if isinstance(l, (L.ConvolutionND, L.DeconvolutionND, L.Convolution2D,
                                                      L.Deconvolution2D))]
    assert links and all(type(l).__module__ == KL.__name__ for l in links)
    rng = np.random.RandomState(0)
    z = gen.sample_z(2, rng)
    m = rng.randn(2, gen.music_steps, gen.music_dims).astype(np.float32)
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        with KL.cpu_kernels("native"):
            native = gen(z, m).array
        with KL.cpu_kernels("chainer"):
            reference = gen(z, m).array
    np.testing.assert_allclose(native, reference, rtol=RTOL, atol=1e-5)


@pytest.mark.parametrize("mode", ["merged", "phase", "shift"])
@pytest.mark.parametrize("xs, ws, stride, pad, outsize", DECONVS)
def test_every_schedule_matches_chainer(xs, ws, stride, pad, outsize, mode):
    x, W = _arrays([xs, ws], 11)
    want = F.deconvolution_nd(x, W, None, stride, pad, outsize=outsize).array
    nd = len(xs) - 2
    size = outsize or tuple(stride * (n - 1) + k - 2 * pad for n, k in zip(xs[2:], ws[2:]))
    got = kernels.deconv_forward(x, W, None, (stride,) * nd, (pad,) * nd, size, mode=mode)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * np.abs(want).max())


def test_auto_kernels_are_native_without_pytorch(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "torch", None)      # import torch -> ImportError
    try:
        assert KL.set_cpu_kernels("auto") == "native"
        with pytest.raises(Exception, match="PyTorch 2.13.0"):
            KL.set_cpu_kernels("onednn")
    finally:
        KL.set_cpu_kernels("native")
