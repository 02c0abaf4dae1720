"""`tgan-music bench svc`: singular value clipping of TGAN's discriminator vs SciPy SVD.

Builds TGAN's UCF-101 discriminator (16x64x64 RGB clips, score head: 11,032,385
parameters), scales every weight so that its median singular value is ``--median-sigma``
(about half of all singular values then exceed 1, as after training between clippings),
randomizes the BatchNormalization statistics, and times one clipping pass with TGAN's
method (scipy.linalg.svd per weight, on the host) and with ours, from the same weights.
Final line: the figures.
"""
from tgan_music.arguments import add_device_argument
from tgan_music.device import select_device
from tgan_music.errors import UserError
from tgan_music.registry import registry

HELP = "singular value clipping of TGAN's discriminator vs SciPy SVD"

# TGAN's UCF-101 setting (REFERENCE.md section 3).
UCF101 = dict(frames=16, height=64, width=64, channels=3)
UCF101_DISCRIMINATOR_PARAMS = 11_032_385


def add_arguments(parser):
    add_device_argument(parser)
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="timed passes per method; the median is reported (default 3)")
    parser.add_argument("--median-sigma", type=float, default=1.0, metavar="S",
                        help="scale each weight so that its median singular value is S (default 1.0)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the weights")


def build_discriminator():
    """TGAN's discriminator with the UCF-101 settings, from the model registry."""
    spec = {"name": "tgan", "args": {"head": "score"}}
    return registry("discriminator").build(spec, UCF101["frames"], UCF101["height"], UCF101["width"],
                                           UCF101["channels"], "none", 16)


def realistic_weights(dis, median_sigma, seed):
    """Scales each weight (as (shape[0], -1)) to the given median singular value and gives the
    BNs random running variances and gammas, some outside [0.01 s, s]."""
    import numpy
    # heavy (chainer): `--help` imports this module (through cli/bench.py)
    from tgan_music.model.svc import clippable_parameters
    rng = numpy.random.default_rng(seed)
    weights, norms = clippable_parameters(dis)
    for p in weights:
        w = p.array.reshape(p.array.shape[0], -1)
        sigma = numpy.linalg.svd(w.astype(numpy.float64), compute_uv=False)
        p.array[...] *= median_sigma / numpy.median(sigma)
    for bn in norms:
        bn.avg_var[...] = rng.uniform(0.05, 2.0, bn.avg_var.shape)
        bn.gamma.array[...] = rng.uniform(-0.5, 2.0, bn.gamma.shape)


def _synchronize(xp):
    if xp.__name__ == "cupy":
        xp.cuda.Stream.null.synchronize()


def time_method(dis, originals, method, repeat, xp):
    """Median wall and CPU (process) seconds of ``repeat`` clipping passes, each from the
    original weights; returns (wall, cpu, stats, clipped weights on the host).  CPU time
    is less sensitive to other jobs on a shared machine (with one BLAS thread)."""
    import statistics
    import time

    from chainer.backends import cuda

    from tgan_music.model.svc import clip_singular_values
    walls, cpus, stats = [], [], None
    for _ in range(repeat):
        for name, p in dis.namedparams():
            p.array[...] = originals[name]
        _synchronize(xp)
        start, start_cpu = time.perf_counter(), time.process_time()
        stats = clip_singular_values(dis, method=method)
        _synchronize(xp)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    result = {name: cuda.to_cpu(p.array).copy() for name, p in dis.namedparams()}
    return statistics.median(walls), statistics.median(cpus), stats, result


def largest_sigma(weights):
    import numpy
    return max(float(numpy.linalg.svd(w.reshape(w.shape[0], -1).astype(numpy.float64),
                                      compute_uv=False).max()) for w in weights)


def run(args):
    import os
    import statistics

    import numpy

    from tgan_music.model.svc import clippable_parameters

    if args.repeat < 1:
        raise UserError(f"--repeat {args.repeat}: give at least 1")
    if args.median_sigma <= 0:
        raise UserError(f"--median-sigma {args.median_sigma}: give a positive value")
    device = select_device(args.device)
    numpy.random.seed(args.seed)  # Chainer's initializers draw from NumPy's global generator
    dis = build_discriminator()
    n_params = sum(p.size for p in dis.params())
    realistic_weights(dis, args.median_sigma, args.seed)
    dis.to_device(device)
    xp = device.xp
    originals = {name: p.array.copy() for name, p in dis.namedparams()}
    weights, _ = clippable_parameters(dis)
    where = "cpu" if xp is numpy else f"gpu {args.device}"
    print(f"TGAN UCF-101 discriminator: {n_params:,} parameters (original: {UCF101_DISCRIMINATOR_PARAMS:,}), "
          f"{len(weights)} weights, on the {where}")

    # Alternate the methods so that both see the same machine load.
    runs = {"scipy": [], "gram": []}
    for _ in range(args.repeat):
        for method in runs:
            runs[method].append(time_method(dis, originals, method, 1, xp))

    def summary(results):  # median wall and cpu seconds, the last pass's stats and weights
        return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
                results[-1][2], results[-1][3])

    t_ref, c_ref, s_ref, w_ref = summary(runs["scipy"])
    t_ours, c_ours, s_ours, w_ours = summary(runs["gram"])
    for label, t, c, st in (("scipy (TGAN, SVD per weight)", t_ref, c_ref, s_ref),
                            ("gram (ours)", t_ours, c_ours, s_ours)):
        print(f"{label:29s} {t:.3f} s wall, {c:.3f} s cpu; {st.directions_clipped} singular values clipped, "
              f"sigma_max before {st.sigma_max:.4f}, {st.gammas_clamped}/{st.gammas} gammas clamped")

    diff = max(float(numpy.abs(w_ours[k] - w_ref[k]).max()) for k in w_ref)
    scale = max(float(numpy.abs(w).max()) for w in w_ref.values())
    ours_weights = [w_ours[name] for name, p in dis.namedparams() if any(p is q for q in weights)]
    sigma_after = largest_sigma(ours_weights)
    speedup = t_ref / t_ours
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    print(f"svc {where}: scipy {t_ref:.3f} s, gram {t_ours:.3f} s, speedup {speedup:.1f}x "
          f"(cpu time {c_ref:.3f} s vs {c_ours:.3f} s: {c_ref / max(c_ours, 1e-9):.1f}x), "
          f"max |dW| {diff:.2e} (max |W| {scale:.2e}), sigma_max after {sigma_after:.6f}, "
          f"{n_params:,} params, median of {args.repeat}, BLAS threads {threads}")
    return 0
