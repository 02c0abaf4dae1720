"""Singular value clipping (SVC) of a discriminator, as TGAN does, on NumPy or CuPy.

Every weight with two or more axes (convolutions of any dimension, deconvolutions,
linear, embedding and projection matrices) is viewed as the matrix
``W.reshape(W.shape[0], -1)`` and its singular values are clipped to at most 1;
every BatchNormalization gamma is clamped to ``[bn_min_ratio * s, s]`` with
``s = sqrt(avg_var + eps)``.  See docs/svc.md for the choice of axes and the figures.

Method ``"gram"`` (default): for the smaller side ``A`` of the matrix (``W`` or
``W^T``, ``m`` rows), eigen-decompose the Gram matrix ``G = A A^T = U diag(s^2) U^T``
and apply ``A <- U diag(min(1, 1/s)) U^T A``, which equals ``U_A min(S, 1) V^T``
of the SVD.  Only the directions with ``s > 1`` change; on the CPU, when few do, the
update is the rank-k correction ``A -= U_k diag(1 - 1/s_k) (U_k^T A)``.  The same
xp-generic code runs on NumPy and CuPy; on the GPU nothing is copied to the host
except a handful of counters for the returned statistics.

Method ``"scipy"``: ``scipy.linalg.svd`` per weight on the host, TGAN's way (weights are
copied off the GPU and back); kept as the reference for tests and ``bench svc``.
"""
from dataclasses import asdict, dataclass

import numpy

import chainer
import chainer.links as L
from chainer.backends import cuda

METHODS = ("gram", "scipy")

# A float32 Gram matrix is exact enough while its largest eigenvalue (sigma_max^2) stays
# below this: the clipped weights then differ from float64 SVD by ~1e-6 (docs/svc.md).
# Above it the Gram matrix is recomputed in float64.
FLOAT32_GRAM_MAX_EIGENVALUE = 100.0

# cuSOLVER's batched Jacobi eigensolver (used by cupy.linalg.eigh for stacks) is limited to
# 32x32 matrices; larger Gram matrices are decomposed one by one (syevd).
CUPY_BATCHED_EIGH_MAX_SIZE = 32


@dataclass
class ClipStats:
    """What one clipping pass did (plain Python numbers, ready for chainer.report)."""
    weights: int = 0             # weight matrices examined
    weights_clipped: int = 0     # of which had at least one singular value > 1
    directions_clipped: int = 0  # singular values that were > 1 (now exactly 1)
    sigma_max: float = 0.0       # largest singular value before clipping
    gammas: int = 0              # BatchNormalization gamma entries examined
    gammas_clamped: int = 0      # of which were moved into [bn_min_ratio * s, s]

    def as_dict(self):
        return asdict(self)


def clip_singular_values(link, *, bn_min_ratio=0.01, method="gram", gram_dtype="auto",
                         update="auto"):
    """Clips, in place, the singular values of every weight of ``link`` to <= 1 and
    clamps every BatchNormalization gamma to ``[bn_min_ratio * s, s]``.

    ``link``: a Chainer link (usually the whole discriminator); its parameters stay the
    same array objects (optimizer state is untouched).
    ``method``: ``"gram"`` (fast, on the parameters' own device) or ``"scipy"`` (TGAN's
    reference: host SVD per weight).
    ``gram_dtype`` (``"auto"``, ``"float32"``, ``"float64"``) and ``update`` (``"auto"``,
    ``"dense"``, ``"lowrank"``) tune the ``"gram"`` method; ``"auto"`` picks float32 Gram
    matrices on the CPU when safe and float64 otherwise, and on the CPU the rank-k update
    when it is cheaper.  On the GPU ``"auto"`` means float64 and dense, so that no
    decision needs the host.

    Returns a :class:`ClipStats`.
    """
    if method not in METHODS:
        raise ValueError(f"clip_singular_values: unknown method {method!r}; use one of {METHODS}")
    if not 0.0 <= bn_min_ratio <= 1.0:
        raise ValueError(f"clip_singular_values: bn_min_ratio must be in [0, 1], got {bn_min_ratio}")
    if gram_dtype not in ("auto", "float32", "float64"):
        raise ValueError(f"clip_singular_values: gram_dtype must be auto, float32 or float64, "
                         f"got {gram_dtype!r}")
    if update not in ("auto", "dense", "lowrank"):
        raise ValueError(f"clip_singular_values: update must be auto, dense or lowrank, got {update!r}")

    weights, norms = clippable_parameters(link)
    stats = ClipStats()
    if method == "scipy":
        _clip_weights_scipy(weights, stats)
    else:
        for xp, group in _by_array_module(weights).items():
            if xp.__name__ not in ("numpy", "cupy"):
                raise ValueError(f"clip_singular_values: arrays of {xp.__name__} are not supported; "
                                 "use the @numpy or @cupy device")
            with chainer.using_device(chainer.backend.get_device_from_array(group[0].array)):
                _clip_weights_gram(group, xp, gram_dtype, update, stats)
    moved = [_clamp_gamma(bn, bn_min_ratio) for bn in norms]
    stats.gammas = sum(int(bn.gamma.size) for bn in norms)
    stats.gammas_clamped = sum(int(cuda.to_cpu(m)) for m in moved)
    return stats


def clippable_parameters(link):
    """Returns (weights, batch_norms): every parameter of ``link`` with ndim >= 2 outside
    normalization layers, and every BatchNormalization link with a gamma and running
    statistics.  Uninitialized (lazy) parameters are skipped."""
    norms, norm_params = [], set()
    for sub in link.links():
        if isinstance(sub, (L.BatchNormalization, L.GroupNormalization, L.LayerNormalization)):
            norm_params.update(id(p) for p in sub.params())
            if (isinstance(sub, L.BatchNormalization) and getattr(sub, "gamma", None) is not None
                    and sub.gamma.array is not None and sub.avg_var is not None):
                norms.append(sub)
    weights, seen = [], set()
    for _, param in link.namedparams(include_uninit=False):
        if id(param) in seen or id(param) in norm_params:
            continue
        seen.add(id(param))
        array = param.array
        if array.ndim >= 2 and array.size > 0 and array.dtype.kind == "f":
            weights.append(param)
    return weights, norms


def _by_array_module(params):
    groups = {}
    for p in params:
        groups.setdefault(chainer.backend.get_array_module(p.array), []).append(p)
    return groups


def _smaller_side(array):
    """The matrix ``W.reshape(out, -1)`` or its transpose, whichever has fewer rows (a view)."""
    matrix = array.reshape(array.shape[0], -1)
    return matrix if matrix.shape[0] <= matrix.shape[1] else matrix.T


def _gram(a, dtype):
    """A A^T accumulated in ``dtype``, returned in float64 for the eigensolver."""
    a = a.astype(dtype, copy=False)
    return (a @ a.T).astype(numpy.float64, copy=False)  # NumPy runs A @ A.T as syrk


def _eigh_grouped(grams, xp):
    """Eigen-decomposes each Gram matrix, stacking those of the same size into one
    batched eigh call where the backend has a batched solver for that size."""
    out = [None] * len(grams)
    by_size = {}
    for i, g in enumerate(grams):
        by_size.setdefault(g.shape[0], []).append(i)
    for size, idx in by_size.items():
        batched = len(idx) > 1 and (xp is numpy or size <= CUPY_BATCHED_EIGH_MAX_SIZE)
        if batched:
            lam, vec = xp.linalg.eigh(xp.stack([grams[i] for i in idx]))
            for j, i in enumerate(idx):
                out[i] = (lam[j], vec[j])
        else:
            for i in idx:
                out[i] = xp.linalg.eigh(grams[i])
    return out


def _clip_weights_gram(params, xp, gram_dtype, update, stats):
    on_cpu = xp is numpy
    if gram_dtype == "auto":
        gram_dtype = "float32" if on_cpu else "float64"
    if update == "auto":
        update = "auto" if on_cpu else "dense"
    # Chainer parameters are contiguous, so these are views written in place; a
    # non-contiguous one is worked on as a copy and written back at the end.
    arrays = [p.array if p.array.flags.c_contiguous else p.array.copy() for p in params]
    sides = [_smaller_side(a) for a in arrays]
    work = [numpy.promote_types(s.dtype, numpy.float32) for s in sides]
    grams = [_gram(s, numpy.promote_types(w, gram_dtype)) for s, w in zip(sides, work)]
    eig = _eigh_grouped(grams, xp)
    if on_cpu and gram_dtype == "float32":
        # Rounding in a float32 Gram matrix grows with sigma_max^2: redo large ones in float64.
        redo = [i for i, (lam, _) in enumerate(eig) if float(lam[-1]) > FLOAT32_GRAM_MAX_EIGENVALUE]
        if redo:
            again = _eigh_grouped([_gram(sides[i], numpy.float64) for i in redo], xp)
            for i, e in zip(redo, again):
                eig[i] = e

    counts, tops = [], []
    for side, w, (lam, vec) in zip(sides, work, eig):
        lam = lam.astype(numpy.float64, copy=False)
        vec = vec.astype(numpy.float64, copy=False)
        factor = _shrink_factors(lam, xp)  # min(1, 1/sigma) per eigen-direction
        n_above = (lam > 1.0).sum()
        counts.append(n_above)
        tops.append(lam.max())
        if on_cpu:
            k = int(n_above)
            if k == 0:
                continue
            if update == "lowrank" or (update == "auto" and 2 * k <= side.shape[0]):
                # eigh sorts eigenvalues ascending: the k clipped directions come last.
                u_k = vec[:, -k:]
                coeff = (u_k * (1.0 - factor[-k:])).astype(w)
                side -= (coeff @ (u_k.T.astype(w) @ side.astype(w, copy=False))).astype(side.dtype)
                continue
        projector = (vec * factor) @ vec.T
        side[...] = (projector.astype(w) @ side.astype(w, copy=False)).astype(side.dtype)

    for p, a in zip(params, arrays):
        if a is not p.array:
            p.array[...] = a

    if counts:
        # One small device-to-host transfer for the statistics, not per weight.
        counts = cuda.to_cpu(xp.stack([xp.asarray(c, dtype=numpy.int64) for c in counts]))
        tops = cuda.to_cpu(xp.stack(tops))
        stats.weights += len(counts)
        stats.weights_clipped += int((counts > 0).sum())
        stats.directions_clipped += int(counts.sum())
        stats.sigma_max = max(stats.sigma_max, float(numpy.sqrt(max(tops.max(), 0.0))))


def _shrink_factors(lam, xp):
    """min(1, 1/sqrt(lam)): the factor each eigen-direction of the Gram matrix is scaled by."""
    if xp is numpy:
        sigma = numpy.sqrt(numpy.maximum(lam, 1.0))
        return 1.0 / sigma
    from tgan_music.model import svc_cupy
    return svc_cupy.shrink_factors(lam)


def _clip_weights_scipy(params, stats):
    """TGAN's way: W <- U min(S, 1) V^T with scipy.linalg.svd, on the host."""
    import scipy.linalg
    for p in params:
        device = chainer.backend.get_device_from_array(p.array)
        matrix = cuda.to_cpu(p.array).reshape(p.array.shape[0], -1)
        u, s, vt = scipy.linalg.svd(matrix, full_matrices=False)
        above = int((s > 1).sum())
        stats.weights += 1
        stats.weights_clipped += int(above > 0)
        stats.directions_clipped += above
        stats.sigma_max = max(stats.sigma_max, float(s.max()) if s.size else 0.0)
        if above:
            clipped = (u * numpy.minimum(s, 1)) @ vt
            p.array[...] = device.send(clipped.reshape(p.array.shape).astype(p.array.dtype))


def _clamp_gamma(bn, min_ratio):
    """gamma <- clip(gamma, min_ratio * s, s), s = sqrt(avg_var + eps): then gamma / s <= 1,
    so BN's scale has gain at most 1 (TGAN used sqrt(avg_var), ignoring eps).
    Returns how many entries moved (a 0-d array on gamma's device)."""
    xp = chainer.backend.get_array_module(bn.gamma.array)
    gamma = bn.gamma.array
    with chainer.using_device(chainer.backend.get_device_from_array(gamma)):
        before = gamma.copy()
        if xp is numpy:
            std = numpy.sqrt(bn.avg_var.astype(numpy.float64) + bn.eps)
            numpy.clip(gamma, (min_ratio * std).astype(gamma.dtype), std.astype(gamma.dtype),
                       out=gamma)
        else:
            from tgan_music.model import svc_cupy
            svc_cupy.clamp_gamma(gamma, bn.avg_var, bn.eps, min_ratio)
        return xp.count_nonzero(before != gamma)
