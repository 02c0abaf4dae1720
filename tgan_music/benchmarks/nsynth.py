"""`tgan-music bench nsynth`: seconds of audio encoded per wall-clock second by the NSynth encoder.

Encodes a 4 s clip of noise (16 kHz) at batch 1 and batch 8 with the inference path
(``NSynthEncoder.encode``), and once at batch 1 with the Chainer-functions reference path
(``forward``: dilated ``convolution_nd``) so the two can be compared within one run on a
shared machine. Weights are random unless ``--checkpoint`` is given (speed does not depend on
them). Prints the CPU (model, family, AVX-512), the BLAS libraries and kernels numpy/scipy use
(threadpoolctl), the OPENBLAS_* variables and the load average, since all of them move CPU
figures (the same code gave 1.4 s/s on an EPYC where OpenBLAS chose its Zen kernel and
2.9 s/s on an AVX-512 EPYC, family 26). On the CPU it also measures the GEMM limit (the machine's
sgemm rate at the encoder's GEMM shape over the encoder's flops per audio second) and prints the
fraction of it each batch size reaches.
Final line: the figures.
"""
import os

from tgan_music.arguments import add_device_argument
from tgan_music.device import select_device

HELP = "seconds of audio encoded per second by the NSynth encoder"
MAGENTA_TF_SECONDS_PER_SECOND = 1.1  # REFERENCE.md section 4, 4 s clip, batch 1, this machine type


def add_arguments(parser):
    add_device_argument(parser)
    parser.add_argument("--seconds", type=float, default=4.0, help="clip length in seconds (default 4)")
    parser.add_argument("--batches", default="1,8", help="batch sizes, comma-separated (default 1,8)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="timed runs per batch size; the best is reported (default 3)")
    parser.add_argument("--checkpoint", default=None, metavar="CKPT", help="real weights (optional)")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip timing the Chainer-functions reference path")


def cpu_report():
    """The CPU as Linux names it (a VM may show only "AMD EPYC": family/model tell them apart)."""
    try:
        with open("/proc/cpuinfo") as f:
            fields = dict(line.split(":", 1) for line in f.read().split("\n\n")[0].splitlines() if ":" in line)
    except OSError:
        import platform
        return f"cpu: {platform.processor() or platform.machine()}"
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    flags = fields.get("flags", "").split()
    simd = "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "no avx2"
    return (f"cpu: {fields.get('model name', '?')} (family {fields.get('cpu family', '?')} model "
            f"{fields.get('model', '?')}, {simd})")


def blas_report():
    """One line per BLAS library loaded (threadpoolctl), plus the OPENBLAS_* environment."""
    lines = []
    try:
        import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS, used by the inference path)
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                lines.append(f"blas: {info.get('internal_api')} {info.get('version')} kernel="
                             f"{info.get('architecture')} threads={info.get('num_threads')} "
                             f"({os.path.basename(info.get('filepath', ''))})")
    except ImportError:
        lines.append("blas: threadpoolctl not installed, BLAS unknown")
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    lines.append("env: " + (", ".join(f"{k}={v}" for k, v in sorted(env.items())) or "no OPENBLAS_*/OMP_*/MKL_* set"))
    return lines


def gemm_limit(encoder, seconds=0.5):
    """(GFLOP per audio second, the machine's sgemm GFLOP/s, audio s/s at that rate).

    The encoder is GEMMs: every layer but the bottleneck runs at the sample rate, 2 flops per weight
    per sample. The sgemm rate is measured at the shape of the inference path's GEMMs (a time block of
    ``cpu_block`` samples x 128 channels by a 128x128 tap), one BLAS thread in each of the encoder's
    worker threads, as ``encode_batch`` runs them: what the encoder would reach if it did nothing but
    its GEMMs."""
    import time

    import numpy as np
    from threadpoolctl import threadpool_limits

    from tgan_music.embedding.nsynth import SAMPLE_RATE, _executor

    weights = sum(link.W.size for name, link in encoder.namedlinks(skipself=True) if name != "/ae_bottleneck")
    flops_per_second = 2.0 * SAMPLE_RATE * weights
    block, width = encoder.cpu_block, encoder.ae_res_1.W.shape[0]
    workers = max(1, encoder.workers)
    rng = np.random.RandomState(0)

    def one(_):
        a = rng.standard_normal((block, width)).astype(np.float32)
        b = rng.standard_normal((width, width)).astype(np.float32)
        out = np.empty((block, width), np.float32)
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(8):
                np.matmul(a, b, out=out)
            done += 8
        return done

    with threadpool_limits(limits=1, user_api="blas"), _executor(workers) as pool:
        start = time.perf_counter()
        calls = sum(pool.map(one, range(workers)))
        wall = time.perf_counter() - start
    rate = calls * 2.0 * block * width * width / wall
    return flops_per_second / 1e9, rate / 1e9, rate / flops_per_second


def run(args):
    import time

    import chainer
    import numpy as np

    # heavy (chainer): `--help` imports this module (through cli/bench.py)
    from tgan_music.embedding.checkpoint import load_nsynth
    from tgan_music.embedding.nsynth import SAMPLE_RATE, NSynthEncoder

    device = select_device(args.device)
    encoder = load_nsynth(args.checkpoint) if args.checkpoint else NSynthEncoder(seed=0)
    encoder.to_device(device)
    xp = encoder.xp

    def sync():
        if xp is not np:
            xp.cuda.Stream.null.synchronize()

    samples = int(args.seconds * SAMPLE_RATE)
    batches = [int(b) for b in args.batches.split(",") if b.strip()]
    print(f"device: {device}; worker threads: {encoder.workers}; clip {args.seconds:g} s ({samples} samples); weights: {encoder.source}")
    for line in [cpu_report()] + blas_report():
        print(line)
    if hasattr(os, "getloadavg"):
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    rng = np.random.RandomState(0)
    encoder.encode(xp.asarray(rng.uniform(-0.5, 0.5, SAMPLE_RATE).astype(np.float32)))  # warm-up
    figures = {}
    for batch in batches:
        audio = xp.asarray(rng.uniform(-0.5, 0.5, (batch, samples)).astype(np.float32))
        best, best_cpu = float("inf"), float("inf")
        for _ in range(max(1, args.repeat)):
            sync()
            start, start_cpu = time.perf_counter(), time.process_time()
            encoder.encode_batch(audio)
            sync()
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        rate = batch * args.seconds / best
        figures[f"batch{batch}"] = rate
        # CPU time of all threads: what the rate would be if every core were ours alone.
        free = batch * args.seconds / best_cpu * encoder.workers if xp is np else rate
        print(f"inference path, batch {batch}: {best:.3f} s for {batch * args.seconds:g} s of audio "
              f"-> {rate:.2f} s/s ({best_cpu:.3f} CPU-s on {encoder.workers} threads: "
              f"{free:.2f} s/s if the cores were free)")
    if xp is np:
        gflop, sgemm, limit = gemm_limit(encoder)
        figures["gemm limit"] = limit
        print(f"GEMM limit: {gflop:.1f} GFLOP per audio second; sgemm at the encoder's shape "
              f"({encoder.cpu_block}x128 by 128x128, {encoder.workers} thread(s)) {sgemm:.1f} GFLOP/s -> "
              f"{limit:.2f} s/s; reached: " + ", ".join(f"batch {k[5:]} {v / limit:.0%}" for k, v in figures.items()
                                                        if k.startswith("batch")))
    if not args.no_reference:
        audio = xp.asarray(rng.uniform(-0.5, 0.5, (1, samples)).astype(np.float32))
        sync()
        start, start_cpu = time.perf_counter(), time.process_time()
        with chainer.no_backprop_mode(), chainer.using_config("train", False):
            encoder.forward(audio)
        sync()
        seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        figures["reference"] = args.seconds / seconds
        print(f"Chainer-functions reference path, batch 1: {seconds:.3f} s -> {figures['reference']:.2f} s/s "
              f"({cpu:.3f} CPU-s)")
        if "batch1" in figures:
            figures["speedup over reference"] = figures["batch1"] / figures["reference"]
    if hasattr(os, "getloadavg"):
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
              "(other processes share the CPUs: compare figures within one run)")
    parts = [f"{k}: {v:.2f}x" if k.startswith("speedup") else f"{k.replace('batch', 'batch ')}: {v:.2f} s/s"
             + (f" ({v / figures['gemm limit']:.0%} of the GEMM limit)" if k.startswith("batch")
                and "gemm limit" in figures else "")
             for k, v in figures.items()]
    print(f"nsynth encoder, {args.seconds:g} s clip, seconds of audio per second: " + ", ".join(parts)
          + f" (Magenta TF about {MAGENTA_TF_SECONDS_PER_SECOND} s/s, target >= 1.6)")
    return 0
