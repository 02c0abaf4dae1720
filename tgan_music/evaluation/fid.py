"""Fréchet distance and Inception-style score on the tempo classifier's outputs.

- Fréchet distance (FID's formula, Heusel et al. 2017) between Gaussians fitted to two sets
  of penultimate features: |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)). 0 for identical
  sets; it is biased upwards for small sets, so only compare figures made from the same
  numbers of clips.
- Inception-style score (Salimans et al. 2016) exp(E_x KL(p(y|x) || p(y))) over the tempo
  bins: 1 when every clip gets the same distribution, the number of bins when each clip is
  classified with certainty and the bins are used evenly (confident and diverse tempi).
"""
import warnings

import numpy as np
import scipy.linalg


def gaussian(features):
    """(mean, covariance) of (n, d) features; needs n >= 2."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"need at least 2 feature vectors (n, d), got shape {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(features.shape[1], -1)


def frechet_distance(features_a, features_b, eps=1e-6):
    """Fréchet distance between Gaussians fitted to two (n, d) feature sets (NaN when either has < 2)."""
    if len(features_a) < 2 or len(features_b) < 2:
        return float("nan")
    mu1, s1 = gaussian(features_a)
    mu2, s2 = gaussian(features_b)
    with warnings.catch_warnings():  # a singular product is handled below
        warnings.simplefilter("ignore")
        covmean, _ = scipy.linalg.sqrtm(s1 @ s2, disp=False)
    if not np.all(np.isfinite(covmean)):
        # A singular product (few samples, dead features): regularise both, as FID's reference code does.
        offset = np.eye(len(s1)) * eps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            covmean = scipy.linalg.sqrtm((s1 + offset) @ (s2 + offset), disp=False)[0]
    covmean = np.real(covmean)
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean))
    return max(value, 0.0)  # rounding can leave a tiny negative number for identical sets


def inception_score(probabilities, eps=1e-12):
    """exp(mean KL(p(y|x) || p(y))) of (n, bins) class probabilities; in [1, bins]."""
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or len(p) == 0:
        return float("nan")
    p = p / p.sum(axis=1, keepdims=True)
    marginal = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))
