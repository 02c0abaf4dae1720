"""Singular value clipping: against NumPy's SVD, on real Chainer links, CPU and (when present) GPU."""
import chainer
import chainer.links as L
import numpy
import pytest

from tgan_music.model.svc import (FLOAT32_GRAM_MAX_EIGENVALUE, ClipStats, clip_singular_values,
                                  clippable_parameters)

TOL = 1e-4


def matrix_with_spectrum(rng, rows, cols, sigmas):
    """rows x cols float32 matrix with the given singular values and random singular vectors."""
    k = min(rows, cols)
    u, _ = numpy.linalg.qr(rng.standard_normal((rows, k)))
    v, _ = numpy.linalg.qr(rng.standard_normal((cols, k)))
    return ((u * sigmas) @ v.T).astype(numpy.float32)


def straddling_spectrum(rng, k, top):
    """k singular values from 1e-3 to ``top``, log-uniform, with some just around 1."""
    s = numpy.exp(rng.uniform(numpy.log(1e-3), numpy.log(top), k))
    s[:4] = [top, 1.00002, 0.99998, 1.0 - 1e-6][:k]
    return s


def assert_clipped_like_svd(before, after):
    """``after`` is U min(S, 1) V^T of ``before`` (both (shape[0], -1) matrices): largest
    singular value <= 1 + TOL, the singular values that were <= 1 and every singular
    direction unchanged: after @ v_i == min(s_i, 1) u_i for the original SVD."""
    before = before.reshape(before.shape[0], -1).astype(numpy.float64)
    after = after.reshape(after.shape[0], -1).astype(numpy.float64)
    u, s, vt = numpy.linalg.svd(before, full_matrices=False)
    s_after = numpy.linalg.svd(after, compute_uv=False)
    assert s_after.max() <= 1 + TOL
    numpy.testing.assert_allclose(numpy.sort(s_after), numpy.sort(numpy.minimum(s, 1)), atol=TOL)
    numpy.testing.assert_allclose(after @ vt.T, u * numpy.minimum(s, 1), atol=TOL)


class Weights(chainer.Chain):
    """A link holding the given matrices as Linear weights."""

    def __init__(self, matrices):
        super().__init__()
        with self.init_scope():
            for i, m in enumerate(matrices):
                setattr(self, f"l{i}", L.Linear(m.shape[1], m.shape[0], initialW=m))


# (rows, cols, top singular value): wide, tall, square, a row vector, and large spectra
# that need the float64 Gram matrix.
SHAPES = [(24, 150, 3.0), (150, 24, 3.0), (40, 40, 1.5), (1, 50, 2.0), (30, 90, 40.0), (90, 30, 300.0)]


@pytest.mark.parametrize("gram_dtype,update", [("auto", "auto"), ("float64", "dense"),
                                               ("float32", "lowrank"), ("auto", "dense")])
def test_matches_numpy_svd_on_spectra_straddling_one(gram_dtype, update):
    rng = numpy.random.default_rng(0)
    matrices = [matrix_with_spectrum(rng, r, c, straddling_spectrum(rng, min(r, c), top))
                for r, c, top in SHAPES]
    if gram_dtype == "float32":  # forced float32 Gram matrices: only where they are accurate
        matrices = [m for m, (_, _, top) in zip(matrices, SHAPES) if top ** 2 <= FLOAT32_GRAM_MAX_EIGENVALUE]
    link = Weights(matrices)
    stats = clip_singular_values(link, method="gram", gram_dtype=gram_dtype, update=update)
    for i, before in enumerate(matrices):
        assert_clipped_like_svd(before, link[f"l{i}"].W.array)
    assert stats.weights == len(matrices) == stats.weights_clipped
    expected_above = sum(int((numpy.linalg.svd(m.astype(numpy.float64), compute_uv=False) > 1).sum())
                         for m in matrices)
    assert abs(stats.directions_clipped - expected_above) <= len(matrices)  # values at 1 +- 1e-6
    assert stats.sigma_max == pytest.approx(max(top for _, _, top in SHAPES[:len(matrices)]), rel=1e-4)


def test_weights_within_the_bound_are_left_alone():
    rng = numpy.random.default_rng(1)
    m = matrix_with_spectrum(rng, 20, 60, rng.uniform(0.01, 0.999, 20))
    link = Weights([m])
    stats = clip_singular_values(link)
    assert stats.weights_clipped == 0 and stats.directions_clipped == 0
    numpy.testing.assert_array_equal(link.l0.W.array, m)


class MixedLinks(chainer.Chain):
    """Every kind of layer the clipping handles, with singular values straddling 1."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.conv3d = L.ConvolutionND(3, 3, 8, 4, 2, 1)            # W (8, 3, 4, 4, 4)
            self.deconv3d = L.DeconvolutionND(3, 8, 4, 4, 2, 1)        # W (8, 4, 4, 4, 4): (in, out, k...)
            self.conv2d = L.Convolution2D(4, 16, 3)
            self.deconv2d = L.Deconvolution2D(16, 6, 4, 2, 1)
            self.linear = L.Linear(30, 12)
            self.embed = L.EmbedID(50, 10)
            self.bn = L.BatchNormalization(8, use_beta=False)


def make_mixed_links(seed=0, median_sigma=1.0):
    rng = numpy.random.default_rng(seed)
    link = MixedLinks()
    for p in link.params():
        if p.ndim >= 2:
            p.array[...] = rng.standard_normal(p.shape)
            sigma = numpy.linalg.svd(p.array.reshape(p.shape[0], -1), compute_uv=False)
            p.array *= median_sigma / numpy.median(sigma)
        else:
            p.array[...] = rng.uniform(-1, 1, p.shape)
    link.bn.avg_var[...] = rng.uniform(0.1, 2.0, 8)
    link.bn.gamma.array[...] = [-1.0, 0.0, 1e-4, 0.2, 0.9, 1.5, 3.0, 0.5]
    return link


def snapshot(link):
    return {name: p.array.copy() for name, p in link.namedparams()}


def test_real_links_every_weight_clipped_as_out_by_rest():
    link = make_mixed_links()
    before = snapshot(link)
    arrays = {name: p.array for name, p in link.namedparams()}
    stats = clip_singular_values(link)
    after = snapshot(link)
    weights = [name for name, a in before.items() if a.ndim >= 2]
    assert sorted(weights) == sorted(["/conv3d/W", "/deconv3d/W", "/conv2d/W", "/deconv2d/W",
                                      "/linear/W", "/embed/W"])
    for name in weights:
        assert_clipped_like_svd(before[name], after[name])
        assert not numpy.allclose(before[name], after[name])  # each had singular values > 1
    for name, p in link.namedparams():
        assert p.array is arrays[name]  # in place: optimizer state stays valid
        if before[name].ndim == 1 and "bn" not in name:
            numpy.testing.assert_array_equal(after[name], before[name])  # biases untouched
    assert stats.weights == stats.weights_clipped == len(weights)


def test_batch_norm_gamma_clamped_to_running_std():
    link = make_mixed_links()
    gamma = link.bn.gamma.array.copy()
    s = numpy.sqrt(link.bn.avg_var.astype(numpy.float64) + link.bn.eps)
    stats = clip_singular_values(link, bn_min_ratio=0.01)
    expected = numpy.clip(gamma, (0.01 * s).astype(numpy.float32), s.astype(numpy.float32))
    numpy.testing.assert_array_equal(link.bn.gamma.array, expected)
    assert numpy.all(link.bn.gamma.array / s <= 1 + 1e-6)
    assert stats.gammas == 8
    assert stats.gammas_clamped == int((expected != gamma).sum()) >= 4


def test_gram_agrees_with_scipy_reference_and_is_idempotent():
    ours, ref = make_mixed_links(seed=2), make_mixed_links(seed=2)
    s_ours = clip_singular_values(ours, method="gram")
    s_ref = clip_singular_values(ref, method="scipy")
    a, b = snapshot(ours), snapshot(ref)
    for name in a:
        numpy.testing.assert_allclose(a[name], b[name], atol=TOL)
    assert s_ours.gammas_clamped == s_ref.gammas_clamped
    assert s_ours.sigma_max == pytest.approx(s_ref.sigma_max, rel=1e-4)
    clip_singular_values(ours)
    for name, p in ours.namedparams():
        numpy.testing.assert_allclose(p.array, a[name], atol=1e-5)


def test_discriminator_linear_and_projection_weights_are_clipped():
    # TGAN's code skipped weights with ndim < 4; ours clips the music projection V and psi too.
    from tgan_music.model.discriminator import Discriminator
    dis = Discriminator(8, 16, 16, 3, "global", 16, head="projection", feature_dims=8,
                        widths=(4, 8), init_scale=0.5)
    weights, norms = clippable_parameters(dis)
    names = {id(p): n for n, p in dis.namedparams()}
    clipped = sorted(names[id(p)] for p in weights)
    assert "/embed/W" in clipped and "/psi/W" in clipped and "/c_out/W" in clipped
    assert len(norms) == 1
    before = {names[id(p)]: p.array.copy() for p in weights}
    clip_singular_values(dis)
    for name, p in dis.namedparams():
        if name in before:
            assert_clipped_like_svd(before[name], p.array)


def test_lazy_parameters_are_skipped_and_bad_arguments_rejected():
    link = chainer.Sequential(L.Linear(None, 3))
    assert clip_singular_values(link) == ClipStats()
    with pytest.raises(ValueError, match="method"):
        clip_singular_values(link, method="svd")
    with pytest.raises(ValueError, match="bn_min_ratio"):
        clip_singular_values(link, bn_min_ratio=2.0)


def test_benchmark_helpers_on_a_small_discriminator():
    from tgan_music.benchmarks.svc import realistic_weights, time_method
    from tgan_music.model.discriminator import Discriminator
    dis = Discriminator(8, 16, 16, 3, widths=(8, 16), head="score")
    realistic_weights(dis, 1.0, seed=0)
    originals = {name: p.array.copy() for name, p in dis.namedparams()}
    t_ref, c_ref, s_ref, w_ref = time_method(dis, originals, "scipy", 1, numpy)
    t_ours, c_ours, s_ours, w_ours = time_method(dis, originals, "gram", 2, numpy)
    assert t_ref > 0 and t_ours > 0 and c_ref >= 0 and c_ours >= 0
    assert s_ours.directions_clipped > 0 and s_ours.gammas_clamped > 0
    for name in w_ref:
        numpy.testing.assert_allclose(w_ours[name], w_ref[name], atol=TOL)


@pytest.mark.slow
def test_bench_svc_cli(capsys):
    from tgan_music.cli import main
    assert main(["bench", "svc", "--repeat", "1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("svc cpu: scipy") and "speedup" in last and "11,032,385 params" in last


# ---- GPU (CuPy): skipped where CuPy or a GPU is missing -------------------------------------

@pytest.fixture
def cupy_device():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA GPU")
    except Exception:
        pytest.skip("no usable CUDA GPU")
    return chainer.get_device("@cupy:0")


@pytest.mark.parametrize("gram_dtype", ["auto", "float32"])
def test_gpu_matches_cpu_without_copying_weights_to_the_host(cupy_device, monkeypatch, gram_dtype):
    from chainer.backends import cuda
    cpu, gpu = make_mixed_links(seed=3), make_mixed_links(seed=3)
    gpu.to_device(cupy_device)
    real_to_cpu = cuda.to_cpu
    n_weights = len(clippable_parameters(gpu)[0])

    def small_transfers_only(array, *args, **kwargs):
        assert getattr(array, "size", 1) <= n_weights, "a weight was copied to the host"
        return real_to_cpu(array, *args, **kwargs)

    s_cpu = clip_singular_values(cpu)
    monkeypatch.setattr(cuda, "to_cpu", small_transfers_only)
    s_gpu = clip_singular_values(gpu, gram_dtype=gram_dtype)
    monkeypatch.undo()
    for (name, p_cpu), (_, p_gpu) in zip(cpu.namedparams(), gpu.namedparams()):
        assert isinstance(p_gpu.array, cupy_device.xp.ndarray)
        numpy.testing.assert_allclose(cuda.to_cpu(p_gpu.array), p_cpu.array, atol=TOL, err_msg=name)
    assert s_gpu.directions_clipped == pytest.approx(s_cpu.directions_clipped, abs=2)
    assert s_gpu.gammas_clamped == s_cpu.gammas_clamped


def test_gpu_kernels_match_numpy(cupy_device):
    from tgan_music.model import svc_cupy
    cupy = cupy_device.xp
    lam = numpy.array([0.0, 0.25, 1.0, 1.0 + 1e-9, 4.0, 100.0])
    numpy.testing.assert_allclose(cupy.asnumpy(svc_cupy.shrink_factors(cupy.asarray(lam))),
                                  1 / numpy.sqrt(numpy.maximum(lam, 1)), rtol=1e-12)
    var = numpy.array([0.5, 1.0, 2.0, 0.1], numpy.float32)
    gamma = numpy.array([-1.0, 0.5, 5.0, 1e-5], numpy.float32)
    g = cupy.asarray(gamma)
    svc_cupy.clamp_gamma(g, cupy.asarray(var), 2e-5, 0.01)
    s = numpy.sqrt(var.astype(numpy.float64) + 2e-5)
    numpy.testing.assert_array_equal(cupy.asnumpy(g), numpy.clip(gamma, (0.01 * s).astype(numpy.float32),
                                                                 s.astype(numpy.float32)))


@pytest.mark.slow
def test_gpu_full_discriminator_agrees_with_scipy(cupy_device):
    from tgan_music.benchmarks.svc import build_discriminator, realistic_weights, time_method
    dis = build_discriminator()
    realistic_weights(dis, 1.0, seed=0)
    dis.to_device(cupy_device)
    originals = {name: p.array.copy() for name, p in dis.namedparams()}
    w_ref = time_method(dis, originals, "scipy", 1, cupy_device.xp)[-1]
    w_ours = time_method(dis, originals, "gram", 1, cupy_device.xp)[-1]
    for name in w_ref:
        numpy.testing.assert_allclose(w_ours[name], w_ref[name], atol=TOL)
