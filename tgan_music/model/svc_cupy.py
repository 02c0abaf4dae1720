"""CuPy kernels for singular value clipping (imported only when weights live on a GPU).

The heavy work (Gram matrices, eigh, the projector product) runs through cuBLAS and
cuSOLVER via cupy.matmul / cupy.linalg.eigh; these fused element-wise kernels replace
the chains of small NumPy-style operations (one launch instead of four or five).
"""
import cupy

# min(1, 1/sqrt(lam)) for the eigenvalues lam = sigma^2 of a Gram matrix.
_shrink_factors = cupy.ElementwiseKernel(
    "T lam", "T factor",
    "factor = lam > (T)1 ? (T)1 / sqrt(lam) : (T)1",
    "tgan_music_svc_shrink_factors")

# gamma <- clip(gamma, ratio * s, s) with s = sqrt(avg_var + eps), in place.
_clamp_gamma = cupy.ElementwiseKernel(
    "V var, float64 eps, float64 ratio", "G gamma",
    """
    double s = sqrt((double)var + eps);
    double lo = ratio * s;
    double hi = (double)(G)s;
    double g = (double)gamma;
    gamma = g > hi ? (G)s : (g < (double)(G)lo ? (G)lo : gamma);
    """,
    "tgan_music_svc_clamp_gamma")


def shrink_factors(lam):
    return _shrink_factors(lam)


def clamp_gamma(gamma, avg_var, eps, ratio):
    """Clamps ``gamma`` in place (both arrays on the current GPU)."""
    _clamp_gamma(avg_var, float(eps), float(ratio), gamma)
    return gamma
