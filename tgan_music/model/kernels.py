"""CPU (numpy) kernels for the networks' convolutions and deconvolutions, as Chainer ``FunctionNode``s.

Chainer's CPU path builds a column matrix with a Python loop of strided copies (im2col), copies it
again inside ``numpy.tensordot`` (a transpose to GEMM order) and, for deconvolutions and the input
gradients of convolutions, scatters a GEMM result back with overlapping strided adds (col2im).
Here:

- a column matrix is built once, in GEMM order, from one padded copy of the input with
  ``numpy.lib.stride_tricks.sliding_window_view``: channels-last ``(N*P, K*C)`` rows when the
  input has 8 channels or more (the copy then moves runs of ``kw * C`` contiguous values),
  channels-first ``(C*K, N*P)`` otherwise; one ``np.matmul`` on the 2-D matrix follows;
- a transposed convolution (deconvolution, and the input gradient of a strided convolution) is a
  *sub-pixel* sum of stride-1 convolutions: output position ``s * m + r`` only sees the kernel taps
  ``k = r + p - s * e`` applied to input ``m + e``, so each of the ``s^N`` phases is a stride-1
  convolution with a sub-kernel, and there is no scatter-add at all. Two schedules: ``phase``
  (one GEMM per phase with its exact taps) and ``merged`` (one GEMM over the union of the phases'
  windows with a zero-filled combined kernel: more FLOPs, one smaller column matrix);
  ``_deconv_mode`` picks by the estimated memory traffic;
- the column matrix of a forward pass is kept for the weight gradient of the backward pass when it
  is small (``COL_CACHE_BYTES``), and a deconvolution's backward builds the column matrix of its
  output gradient once for both of its gradients.

The backward passes are made of the same differentiable nodes (the input gradient of a convolution
is a deconvolution and vice versa; the weight gradient is :class:`ConvolutionNDGradW`, whose own
backward is a convolution and a deconvolution), so double backprop works.

:func:`convolution_nd` and :func:`deconvolution_nd` take Chainer's arguments and fall back to
``chainer.functions`` for what these kernels do not cover: non-numpy arrays (CuPy, ChainerX,
iDeep), ``cover_all``, dilation, groups, mixed dtypes, an ``outsize`` Chainer would reject.
"""
import itertools

import chainer
import chainer.functions as F
import numpy as np
from chainer import function_node
from numpy.lib.stride_tricks import sliding_window_view

COL_CACHE_BYTES = 256 << 20     # keep a forward column matrix up to this size for the backward
CHANNELS_LAST_MIN = 8            # channels from which column matrices are built channels-last
MERGED_MAX_COUT = 8              # strided deconvolutions with at most this many output channels: merged
SHIFT_RATIO = 0.75               # deconvolutions with Cout * padded < this * Cin * unpadded positions: shift


def _tuple(v, n):
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"expected {n} values, got {v!r}")
        return tuple(int(i) for i in v)
    return (int(v),) * n


def _is_numpy(*arrays):
    return all(a is None or type(chainer.as_array(a)) is np.ndarray for a in arrays)


def _same_float_dtype(*arrays):
    dtypes = {chainer.as_array(a).dtype for a in arrays if a is not None}
    return len(dtypes) == 1 and next(iter(dtypes)).kind == "f"


# ---------------------------------------------------------------------------------------------
# Column matrices and GEMMs (plain numpy)


class _Col:
    """A column matrix of a (cropped, padded) input: ``mat`` is ``(N*P, K*C)`` (``cl``) or
    ``(C*K, N*P)`` (``cf``), P the output positions ``out``, K the kernel ``ksize``."""
    __slots__ = ("layout", "mat", "n", "c", "out", "ksize")

    def __init__(self, layout, mat, n, c, out, ksize):
        self.layout, self.mat, self.n, self.c, self.out, self.ksize = layout, mat, n, c, out, ksize


def _layout(c):
    return "cl" if c >= CHANNELS_LAST_MIN else "cf"


def _padded(x, lo, hi, layout):
    """One padded copy of x (N, C, *S): channels-last (N, *S', C) or channels-first (N, C, *S')."""
    nd = x.ndim - 2
    if layout == "cf":
        if not any(lo) and not any(hi):
            return x
        buf = np.zeros(x.shape[:2] + tuple(s + a + b for s, a, b in zip(x.shape[2:], lo, hi)), x.dtype)
        buf[(slice(None), slice(None)) + tuple(slice(a, a + s) for a, s in zip(lo, x.shape[2:]))] = x
        return buf
    buf = np.zeros((x.shape[0],) + tuple(s + a + b for s, a, b in zip(x.shape[2:], lo, hi)) + (x.shape[1],),
                   x.dtype)
    buf[(slice(None),) + tuple(slice(a, a + s) for a, s in zip(lo, x.shape[2:]))] = \
        x.transpose((0,) + tuple(range(2, nd + 2)) + (1,))
    return buf


def _cols(xp, layout, ksize, stride, out, starts=None):
    """Column matrix of the padded copy ``xp`` (from :func:`_padded`, same layout): windows of
    ``ksize`` at ``starts + stride * o`` for o < ``out``."""
    nd = len(ksize)
    starts = starts or (0,) * nd
    if layout == "cl":
        n, c = xp.shape[0], xp.shape[-1]
        v = sliding_window_view(xp, ksize, axis=tuple(range(1, nd + 1)))       # (N, *S'', C, *k)
        v = v[(slice(None),) + tuple(slice(a, a + (o - 1) * s + 1, s) for a, o, s in zip(starts, out, stride))]
        v = v.transpose((0,) + tuple(range(1, nd + 1)) + tuple(range(nd + 2, 2 * nd + 2)) + (nd + 1,))
        mat = np.ascontiguousarray(v).reshape(n * int(np.prod(out)), -1)
    else:
        n, c = xp.shape[:2]
        v = sliding_window_view(xp, ksize, axis=tuple(range(2, nd + 2)))       # (N, C, *S'', *k)
        v = v[(slice(None), slice(None)) + tuple(slice(a, a + (o - 1) * s + 1, s)
                                                 for a, o, s in zip(starts, out, stride))]
        v = v.transpose((1,) + tuple(range(nd + 2, 2 * nd + 2)) + (0,) + tuple(range(2, nd + 2)))
        mat = np.ascontiguousarray(v).reshape(c * int(np.prod(ksize)), -1)
    return _Col(layout, mat, n, c, tuple(out), tuple(ksize))


def _conv_out(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def _input_cols(x, ksize, stride, pad):
    """The column matrix of a convolution of x (N, C, *S) (symmetric ``pad``)."""
    layout = _layout(x.shape[1])
    out = tuple(_conv_out(n, k, s, p) for n, k, s, p in zip(x.shape[2:], ksize, stride, pad))
    return _cols(_padded(x, pad, pad, layout), layout, ksize, stride, out)


def _gemm(col, W):
    """Correlation of the column matrix with W (O, C, *k): y (N, O, *out), maybe not contiguous."""
    nd = len(col.ksize)
    if col.layout == "cl":
        wm = W.transpose((0,) + tuple(range(2, nd + 2)) + (1,))                 # (O, *k, C)
    else:
        wm = W
    return _gemm_mat(col, wm.reshape(W.shape[0], -1))


def _gemm_mat(col, wm):
    """As :func:`_gemm` with the weight matrix ``wm`` (O, K*C) or (O, C*K) already in the column order."""
    nd = len(col.ksize)
    o = wm.shape[0]
    if col.layout == "cl":
        y = np.matmul(col.mat, wm.T)                                              # (N*P, O)
        return y.reshape((col.n,) + col.out + (o,)).transpose((0, nd + 1) + tuple(range(1, nd + 1)))
    y = np.matmul(wm, col.mat)                                                    # (O, N*P)
    return y.reshape((o, col.n) + col.out).transpose((1, 0) + tuple(range(2, nd + 2)))


def _gemm_gradw(col, gy):
    """Weight gradient (O, C, *k) of a correlation whose column matrix is ``col``, output grad gy."""
    nd = len(col.ksize)
    o = gy.shape[1]
    if col.layout == "cl":
        g = gy.transpose((0,) + tuple(range(2, nd + 2)) + (1,)).reshape(-1, o)   # (N*P, O)
        gw = np.matmul(g.T, col.mat)                                              # (O, K*C)
        gw = gw.reshape((o,) + col.ksize + (col.c,))
        return np.ascontiguousarray(gw.transpose((0, nd + 1) + tuple(range(1, nd + 1))))
    g = gy.transpose((1, 0) + tuple(range(2, nd + 2))).reshape(o, -1)            # (O, N*P)
    gw = np.matmul(g, col.mat.T)                                                  # (O, C*K)
    return gw.reshape((o, col.c) + col.ksize)


def _add_bias(y, b):
    if b is not None:
        y += b.reshape((1, -1) + (1,) * (y.ndim - 2))
    return y


def conv_forward(x, W, b, stride, pad, col=None):
    """(y, col): y = convolution of x (N, C, *S) with W (O, C, *k), bias b or None."""
    if col is None:
        col = _input_cols(x, W.shape[2:], stride, pad)
    y = np.ascontiguousarray(_gemm(col, W))
    return _add_bias(y, b), col


def conv_gradw(x, gy, ksize, stride, pad, col=None):
    if col is None:
        col = _input_cols(x, ksize, stride, pad)
    return _gemm_gradw(col, gy)


def _ceil_div(a, b):
    return -((-a) // b)


def _deconv_geometry(insize, ksize, stride, pad, outsize):
    """Per dimension: M (outputs per phase), emin, emax (input offsets over all phases), the input
    pads (lo, hi) and per phase r (emin_r, n_r) (the phase's first offset and taps)."""
    geo = []
    for n, k, s, p, o in zip(insize, ksize, stride, pad, outsize):
        m = _ceil_div(o, s)
        phases = []
        for r in range(s):
            e0 = _ceil_div(r + p - k + 1, s)
            e1 = (r + p) // s
            phases.append((e0, max(0, e1 - e0 + 1)))
        used = [ph for ph in phases if ph[1]]
        emin = min(e0 for e0, _ in used)
        emax = max(e0 + t - 1 for e0, t in used)
        lo = max(0, -emin)
        hi = max(0, m - 1 + emax - (n - 1))
        geo.append((m, emin, emax, lo, hi, phases))
    return geo


def _deconv_mode(c_in, c_out, ksize, stride, geo):
    """The schedule of a transposed convolution, from its estimated memory traffic: ``shift`` (GEMM
    first, then shifted adds: traffic ~ Cout * padded input positions) when there are fewer output
    than input channels, else a column schedule (traffic ~ Cin * output positions): ``merged`` for
    stride 1 or few output channels, ``phase`` otherwise. Measured on the networks' shapes
    (docs/training.md, "CPU kernels")."""
    padded = np.prod([m + lo + hi for m, _, _, lo, hi, _ in geo])
    unpadded = np.prod([m for m, *_ in geo])
    if c_out * padded < SHIFT_RATIO * c_in * unpadded:
        return "shift"
    if all(s == 1 for s in stride):
        return "merged"
    return "merged" if c_out <= MERGED_MAX_COUT else "phase"


def _deconv_shift(x, W, stride, pad, geo, full):
    """Transposed convolution as one GEMM of W^T with the padded input, (K*Cout, Cin) x (Cin, N*Sp),
    then per phase a sum of the taps' results shifted by their flat offsets in the padded grid
    (contiguous adds; positions where a shift crosses a frame are never read back)."""
    nd = x.ndim - 2
    n, c_in = x.shape[:2]
    c_out = W.shape[1]
    ksize = W.shape[2:]
    lo = [g[3] for g in geo]
    sp = tuple(nn + g[3] + g[4] for nn, g in zip(x.shape[2:], geo))   # padded input sizes
    buf = np.zeros((c_in, n) + sp, x.dtype)
    buf[(slice(None), slice(None)) + tuple(slice(a, a + nn) for a, nn in zip(lo, x.shape[2:]))] = x.swapaxes(0, 1)
    length = n * int(np.prod(sp))
    wt = W.reshape(c_in, -1).T                                           # (Cout*K, Cin)
    z = np.matmul(wt, buf.reshape(c_in, length)).reshape((c_out,) + tuple(ksize) + (length,))
    pstride = [int(np.prod(sp[d + 1:])) for d in range(nd)]
    ms = tuple(g[0] for g in geo)
    out = None if all(s == 1 for s in stride) else np.empty(full, x.dtype)
    for r in itertools.product(*[range(s) for s in stride]):
        taps = []
        for e in itertools.product(*[range(g[5][rr][0], g[5][rr][0] + g[5][rr][1]) for rr, g in zip(r, geo)]):
            k = tuple(rr + p - s * ee for rr, p, s, ee in zip(r, pad, stride, e))
            taps.append((k, sum(ee * ps for ee, ps in zip(e, pstride))))
        acc = np.zeros((c_out, length), x.dtype)
        if taps:
            a = max(0, -min(off for _, off in taps))
            b = length - max(0, max(off for _, off in taps))
            for k, off in taps:
                acc[:, a:b] += z[(slice(None),) + k + (slice(a + off, b + off),)]
        y = acc.reshape((c_out, n) + sp)[(slice(None), slice(None)) +
                                          tuple(slice(a, a + m) for a, m in zip(lo, ms))].swapaxes(0, 1)
        if out is None:
            return np.ascontiguousarray(y)
        out[(slice(None), slice(None)) + tuple(v for rr in r for v in (slice(None), rr))] = y
    return out


def deconv_forward(x, W, b, stride, pad, outsize, mode=None):
    """Transposed convolution of x (N, Cin, *S) with W (Cin, Cout, *k) to ``outsize``, as the
    sub-pixel sum of stride-1 convolutions (no scatter-add)."""
    nd = x.ndim - 2
    n, c_in = x.shape[:2]
    c_out = W.shape[1]
    ksize = W.shape[2:]
    geo = _deconv_geometry(x.shape[2:], ksize, stride, pad, outsize)
    mode = mode or _deconv_mode(c_in, c_out, ksize, stride, geo)
    layout = _layout(c_in)
    ms = tuple(g[0] for g in geo)
    # out[:, :, m0, r0, m1, r1, ...] is output position s * m + r
    full = (n, c_out) + tuple(v for m, s in zip(ms, stride) for v in (m, s))
    phases = list(itertools.product(*[range(s) for s in stride]))
    if mode == "shift":
        out = _deconv_shift(x, W, stride, pad, geo, full)
    elif mode == "merged" or all(s == 1 for s in stride):
        xp = _padded(x, [g[3] for g in geo], [g[4] for g in geo], layout)
        win = tuple(g[2] - g[1] + 1 for g in geo)
        wc = np.zeros((len(phases), c_out, c_in) + win, W.dtype)
        for ip, r in enumerate(phases):
            for j in itertools.product(*[range(w) for w in win]):
                k = tuple(rr + p - s * (jj + g[1]) for rr, p, s, jj, g in zip(r, pad, stride, j, geo))
                if all(0 <= kk < K for kk, K in zip(k, ksize)):
                    wc[(ip, slice(None), slice(None)) + j] = W[(slice(None), slice(None)) + k].T
        col = _cols(xp, layout, win, (1,) * nd, ms, starts=tuple(g[1] + g[3] for g in geo))
        y = _gemm(col, wc.reshape((-1, c_in) + win))                  # (N, nph*Cout, *M)
        y = y.reshape((n,) + tuple(stride) + (c_out,) + ms)
        # (N, s0, s1, .., Cout, M0, M1, ..) -> (N, Cout, M0, s0, M1, s1, ..)
        perm = (0, nd + 1) + tuple(v for d in range(nd) for v in (nd + 2 + d, 1 + d))
        out = np.ascontiguousarray(y.transpose(perm))
    else:
        xp = _padded(x, [g[3] for g in geo], [g[4] for g in geo], layout)
        out = np.zeros(full, x.dtype)
        # W as (Cout, *k, Cin) (channels-last columns) or (Cout, Cin, *k); a phase's taps
        # k = r + p - s * e, e = e0 .. e0 + t - 1, are a slice of step -s.
        if layout == "cl":
            wt, kaxis = W.transpose((1,) + tuple(range(2, nd + 2)) + (0,)), 1
        else:
            wt, kaxis = W.swapaxes(0, 1), 2
        for r in phases:
            taps = tuple(g[5][rr][1] for rr, g in zip(r, geo))
            if not all(taps):
                continue
            e0s = tuple(g[5][rr][0] for rr, g in zip(r, geo))
            ks = []
            for rr, p, s, e0, t in zip(r, pad, stride, e0s, taps):
                first = rr + p - s * e0
                last = first - s * (t - 1)
                ks.append(slice(first, last - 1 if last > 0 else None, -s))
            sub = wt[(slice(None),) * kaxis + tuple(ks)]
            col = _cols(xp, layout, taps, (1,) * nd, ms, starts=tuple(e0 + g[3] for e0, g in zip(e0s, geo)))
            y = _gemm_mat(col, sub.reshape(c_out, -1))                 # (N, Cout, *M)
            out[(slice(None), slice(None)) + tuple(v for rr in r for v in (slice(None), rr))] = y
    out = out.reshape((n, c_out) + tuple(m * s for m, s in zip(ms, stride)))
    if any(m * s != o for m, s, o in zip(ms, stride, outsize)):
        out = np.ascontiguousarray(out[(slice(None), slice(None)) + tuple(slice(0, o) for o in outsize)])
    return _add_bias(out, b)


# ---------------------------------------------------------------------------------------------
# FunctionNodes


def _sum_channels(gy):
    return F.sum(gy, axis=(0,) + tuple(range(2, gy.ndim)))


def _small(col):
    return col is not None and col.mat.nbytes <= COL_CACHE_BYTES


class ConvolutionND(function_node.FunctionNode):
    """y = conv(x, W) + b, N-D, stride and symmetric pad, no dilation/groups/cover_all."""

    def __init__(self, stride, pad, col=None):
        self.stride, self.pad = stride, pad
        self._col = col

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        b = inputs[2] if len(inputs) == 3 else None
        y, col = conv_forward(x, W, b, self.stride, self.pad, self._col)
        self._col = col if _small(col) else None
        return y,

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        ret = []
        if 0 in indexes:
            ret.append(DeconvolutionND(self.stride, self.pad, x.shape[2:]).apply((gy, W))[0])
        if 1 in indexes:
            ret.append(ConvolutionNDGradW(W.shape[2:], self.stride, self.pad, self._col).apply((x, gy))[0])
        if 2 in indexes:
            ret.append(_sum_channels(gy))
        self._col = None
        return ret


class ConvolutionNDGradW(function_node.FunctionNode):
    """gW of a convolution: inputs (x, gy)."""

    def __init__(self, ksize, stride, pad, col=None):
        self.ksize, self.stride, self.pad = tuple(ksize), stride, pad
        self._col = col

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        gw = conv_gradw(x, gy, self.ksize, self.stride, self.pad, self._col)
        self._col = None
        return gw,

    def backward(self, indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        ggw, = grad_outputs
        ret = []
        if 0 in indexes:
            ret.append(DeconvolutionND(self.stride, self.pad, x.shape[2:]).apply((gy, ggw))[0])
        if 1 in indexes:
            ret.append(ConvolutionND(self.stride, self.pad).apply((x, ggw))[0])
        return ret


class DeconvolutionND(function_node.FunctionNode):
    """y = deconv(x, W) + b, W (Cin, Cout, *k), to ``outsize``."""

    def __init__(self, stride, pad, outsize, mode=None):
        self.stride, self.pad, self.outsize = stride, pad, tuple(outsize)
        self.mode = mode

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[:2]
        b = inputs[2] if len(inputs) == 3 else None
        return deconv_forward(x, W, b, self.stride, self.pad, self.outsize, self.mode),

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        col = None
        if 0 in indexes and 1 in indexes:   # one column matrix of gy for both gradients
            col = _input_cols(gy.array, W.shape[2:], self.stride, self.pad)
        ret = []
        if 0 in indexes:
            ret.append(ConvolutionND(self.stride, self.pad, col).apply((gy, W))[0])
        if 1 in indexes:
            ret.append(ConvolutionNDGradW(W.shape[2:], self.stride, self.pad, col).apply((gy, x))[0])
        if 2 in indexes:
            ret.append(_sum_channels(gy))
        return ret


# ---------------------------------------------------------------------------------------------
# Chainer-compatible entry points


def _covered_conv(x, W, b, stride, pad, cover_all, dilate, groups, dilation_ok=False):
    """(stride, pad, dilate) when a kernel here covers the call, else None; dilations only with
    ``dilation_ok`` (the oneDNN kernels, tgan_music.model.onednn, which share it)."""
    arrays = (x, W, b)
    if not _is_numpy(*arrays) or not _same_float_dtype(*arrays):
        return None
    xa, wa = chainer.as_array(x), chainer.as_array(W)
    nd = xa.ndim - 2
    if nd < 1 or wa.ndim != nd + 2 or xa.shape[1] != wa.shape[1] or cover_all or groups != 1:
        return None
    dilate = _tuple(dilate, nd)
    if any(d < 1 for d in dilate) or (not dilation_ok and any(d != 1 for d in dilate)):
        return None
    stride, pad = _tuple(stride, nd), _tuple(pad, nd)
    if any(s < 1 or p < 0 for s, p in zip(stride, pad)):
        return None
    span = tuple(d * (k - 1) + 1 for k, d in zip(wa.shape[2:], dilate))
    if any(_conv_out(n, k, s, p) < 1 for n, k, s, p in zip(xa.shape[2:], span, stride, pad)):
        return None
    if b is not None and chainer.as_array(b).shape != (wa.shape[0],):
        return None
    return stride, pad, dilate


def convolution_nd(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """``F.convolution_nd`` (and ``F.convolution_2d``) with the native kernel where covered."""
    covered = _covered_conv(x, W, b, stride, pad, cover_all, dilate, groups)
    if covered is None:
        return F.convolution_nd(x, W, b, stride, pad, cover_all=cover_all, dilate=dilate, groups=groups)
    stride, pad, _ = covered
    args = (x, W) if b is None else (x, W, b)
    return ConvolutionND(stride, pad).apply(args)[0]


def _covered_deconv(x, W, b, stride, pad, outsize, dilate, groups, dilation_ok=False):
    """(stride, pad, dilate, outsize) when a kernel here covers the call, else None; dilations
    only with ``dilation_ok``."""
    arrays = (x, W, b)
    if not _is_numpy(*arrays) or not _same_float_dtype(*arrays):
        return None
    xa, wa = chainer.as_array(x), chainer.as_array(W)
    nd = xa.ndim - 2
    if nd < 1 or wa.ndim != nd + 2 or xa.shape[1] != wa.shape[0] or groups != 1:
        return None
    dilate = _tuple(dilate, nd)
    if any(d < 1 for d in dilate) or (not dilation_ok and any(d != 1 for d in dilate)):
        return None
    stride, pad = _tuple(stride, nd), _tuple(pad, nd)
    if any(s < 1 or p < 0 for s, p in zip(stride, pad)):
        return None
    natural = tuple(s * (n - 1) + d * (k - 1) + 1 - 2 * p
                    for n, k, s, p, d in zip(xa.shape[2:], wa.shape[2:], stride, pad, dilate))
    if outsize is None:
        outsize = natural
    else:
        if not isinstance(outsize, (tuple, list)):
            outsize = (outsize,) * nd
        if len(outsize) != nd:
            return None
        outsize = tuple(a if o is None else int(o) for o, a in zip(outsize, natural))
        if any(not (a <= o < a + s) for o, a, s in zip(outsize, natural, stride)):
            return None
    if any(o < 1 for o in outsize):
        return None
    if b is not None and chainer.as_array(b).shape != (wa.shape[1],):
        return None
    return stride, pad, dilate, outsize


def deconvolution_nd(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """``F.deconvolution_nd`` (and ``F.deconvolution_2d``) with the native kernel where covered."""
    covered = _covered_deconv(x, W, b, stride, pad, outsize, dilate, groups)
    if covered is None:
        return F.deconvolution_nd(x, W, b, stride, pad, outsize=outsize, dilate=dilate, groups=groups)
    stride, pad, _, outsize = covered
    args = (x, W) if b is None else (x, W, b)
    return DeconvolutionND(stride, pad, outsize).apply(args)[0]
