"""`tgan-music bench train CONFIG`: seconds per training iteration and videos per second.

Times the updater alone (one D step, one G step, SVC when due; no logging, snapshots or
previews) on in-memory procedural clips of the config's geometry, so the figure is the
networks' cost and not the disk's. ``--data`` times the config's own clip set instead.

``--procs 1,2`` times the same global batch (``train.batchsize``) on 1 process and on P
MPI processes (ChainerMN, ``--communicator``, default naive) and prints the speedup; each
run is a fresh ``mpiexec`` job with the machine's cores shared among its processes.

On the CPU, ``--set train.cpu_kernels=chainer`` times Chainer's own convolution kernels instead of
the native ones (tgan_music.model.kernels); the last line names the kernels timed.

``--vs-torch`` times the same iteration in PyTorch (tgan_music.benchmarks.torch_mirror: the
Chainer iteration recorded and replayed with torch ops), alternating the two ``--rounds`` times
at each ``--threads`` count, and prints both s/iteration and the ratio on its last line."""
import os
import re
import subprocess
import sys
import statistics
import tempfile
import time

from tgan_music.arguments import add_config_arguments, add_device_argument, load_config_from_args
from tgan_music.device import select_device
from tgan_music.distributed import add_communicator_argument, rank_device_id, run_on_every_rank, start_distributed
from tgan_music.errors import UserError

HELP = "seconds per training iteration and videos per second"


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--iterations", type=int, default=10, help="timed iterations (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations first (default 2)")
    parser.add_argument("--data", action="store_true", help="read the config's clip set (data.root) "
                        "instead of in-memory procedural clips")
    parser.add_argument("--procs", default=None, metavar="P,P,...",
                        help="time 1 and P MPI processes (mpiexec, same global batch) and print the speedup, "
                             "e.g. --procs 1,2")
    add_communicator_argument(parser)
    parser.add_argument("--vs-torch", action="store_true",
                        help="also time the same iteration in PyTorch (tgan_music/benchmarks/torch_mirror.py; "
                             "needs the bench extra), alternating runs, and print the ratio")
    parser.add_argument("--threads", default="1", metavar="T,T,...",
                        help="with --vs-torch: BLAS/torch threads to time at, e.g. 1,2 (default 1)")
    parser.add_argument("--by-layer", action="store_true",
                        help="with --vs-torch: also time every distinct convolution and deconvolution alone, "
                             "forward + backward, on both sides (one thread), and print the table")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --vs-torch: alternations of the two (default 3); each times --iterations")


def procedural_clips(config):
    """In-memory clips of the config's geometry: the networks' cost, not the disk's."""
    from tgan_music.data.synthetic import SyntheticClips, toy_geometry
    return SyntheticClips(toy_geometry(config), n=max(8, config["train"]["batchsize"]),
                          dims=config["embedding"]["dims"], seed=config["seed"])


def bench_config(args):
    """The config timed: no previews, and a sync expert (when the config has one) of one training
    step, since its weights do not change what an iteration costs (1,200 steps take minutes)."""
    config = load_config_from_args(args)
    config["train"]["preview_interval"] = 0
    config["train"]["sync_iterations"] = 1
    return config


def run(args):
    if args.procs:
        return run_procs(args)
    if args.vs_torch:
        return run_vs_torch(args)
    # heavy (chainer): `--help` imports this module (through cli/bench.py)
    from tgan_music.training.trainer import build_trainer

    config = bench_config(args)
    dist = start_distributed(args)

    def work():
        device = select_device(rank_device_id(args.device, dist))
        dataset = None if args.data else procedural_clips(config)
        with tempfile.TemporaryDirectory() as out:
            trainer, parts = build_trainer(config, out, device, dataset=dataset, quiet=True, dist=dist)
            updater = parts["updater"]
            for _ in range(args.warmup):
                updater.update()
            times = []
            for _ in range(args.iterations):
                start = time.perf_counter()
                updater.update()   # under MPI its collectives keep the ranks in step
                _sync(device)
                times.append(time.perf_counter() - start)
        return device, times

    device, times = run_on_every_rank(dist, work, verbose=getattr(args, "verbose", False))
    if dist is not None and not dist.is_root:
        return
    ranks = f", {dist.size} processes ({dist.name})" if dist is not None else ""
    if device.xp.__name__ == "numpy":   # train.cpu_kernels (--set train.cpu_kernels=chainer); auto as resolved
        from tgan_music.model.links import get_cpu_kernels
        ranks += f", cpu kernels {get_cpu_kernels()}"
    batch = config["train"]["batchsize"]
    per_iter = sum(times) / len(times)
    d = config["data"]
    print(f"iterations timed: {len(times)} (after {args.warmup} warm-up), min {min(times):.3f} s, "
          f"max {max(times):.3f} s; svc every {config['train']['svc_freq']} iterations")
    print(f"bench train {args.config}: {per_iter:.3f} s/iteration, {batch / per_iter:.1f} videos/s "
          f"(batch {batch}, {d['frames']}x{d['height']}x{d['width']}, conditioning "
          f"{config['model']['conditioning']}, device {device}{ranks})")


def run_procs(args):
    """Runs this benchmark once per process count (a fresh job each) and prints the speedups."""
    from tgan_music.training.distributed import mpiexec_command, mpiexec_env
    try:
        counts = sorted({int(p) for p in args.procs.split(",")})
    except ValueError:
        raise UserError(f"--procs {args.procs}: give process counts separated by commas, e.g. --procs 1,2") from None
    if not counts or counts[0] < 1:
        raise UserError(f"--procs {args.procs}: process counts must be >= 1")
    cores = os.cpu_count() or 1
    base = [sys.executable, "-m", "tgan_music", "bench", "train", args.config,
            "--iterations", str(args.iterations), "--warmup", str(args.warmup), "--device", str(args.device)]
    for item in args.overrides:
        base += ["--set", item]
    if args.data:
        base.append("--data")
    communicator = args.communicator or ("naive" if args.device < 0 else "pure_nccl")
    label = "CPU" if args.device < 0 else "GPU"
    per_iteration, batch = {}, None
    for p in counts:
        threads = max(1, cores // p)   # the cores are shared among the processes, not oversubscribed
        if p == 1:
            command = base
        else:
            command = mpiexec_command(p, base + ["--communicator", communicator])
            if command is None:
                raise UserError("--procs: mpiexec is not on PATH; install OpenMPI (tools/bootstrap.sh) "
                                "and the mpi extra (pip install -e '.[mpi]')")
        done = subprocess.run(command, env=mpiexec_env(threads=threads), capture_output=True, text=True)
        lines = done.stdout.strip().splitlines()
        match = re.search(r"([\d.]+) s/iteration, [\d.]+ videos/s \(batch (\d+)", lines[-1] if lines else "")
        if done.returncode != 0 or match is None:
            problem = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise UserError(f"bench train with {p} process(es) failed: {problem}")
        per_iteration[p], batch = float(match.group(1)), int(match.group(2))
        print(f"{p} process(es), {threads} thread(s) each: {per_iteration[p]:.3f} s/iteration, "
              f"{batch / per_iteration[p]:.1f} videos/s", flush=True)
    first = counts[0]
    figures = ", ".join(f"{p} proc {per_iteration[p]:.3f} s/it" for p in counts)
    speedups = ", ".join(f"{p}-process speedup {per_iteration[first] / per_iteration[p]:.2f}x"
                         for p in counts if p != first)
    print(f"bench train {args.config} --procs {args.procs} ({label}, {cores} cores, {communicator} communicator, "
          f"global batch {batch}): {figures}; {speedups or 'no other process count'}")


def run_vs_torch(args):
    """Times the config's iteration in Chainer (its own cpu kernels) and in the PyTorch mirror,
    alternating ``--rounds`` times at each thread count; prints both and the ratio."""
    try:
        import torch
    except ImportError:
        raise UserError("bench train --vs-torch needs PyTorch 2.13.0 (CPU): EXTRAS=test,bench tools/bootstrap.sh") from None
    from threadpoolctl import threadpool_limits
    from tgan_music.benchmarks.torch_mirror import Recording, TorchIteration
    from tgan_music.model.links import set_cpu_kernels

    if args.device >= 0 or args.data:
        raise UserError("bench train --vs-torch times the CPU on procedural clips; drop --device/--data")
    try:
        threads = [int(t) for t in args.threads.split(",")]
    except ValueError:
        raise UserError(f"--threads {args.threads}: give thread counts separated by commas, e.g. 1,2") from None
    if not threads or min(threads) < 1 or args.rounds < 1 or args.iterations < 1:
        raise UserError("--threads, --rounds and --iterations must be >= 1")
    config = bench_config(args)
    recording = Recording(config, procedural_clips(config))
    mirror = TorchIteration(recording)
    counts = (recording.gen, recording.dis)
    print(f"parameters: chainer G {sum(p.size for p in counts[0].params())}, D "
          f"{sum(p.size for p in counts[1].params())}; torch G {mirror.parameter_count(counts[0])}, D "
          f"{mirror.parameter_count(counts[1])}; recorded losses chainer "
          + ", ".join(f"{v:.6f}" for v in recording.losses) + ", torch "
          + ", ".join(f"{v:.6f}" for v in mirror.step()), flush=True)
    # Chainer's side is the recording's own updater, at the recorded iteration (the sync loss on),
    # under the config's kernels: the same work the mirror replays.
    updater = recording.updater
    kernels = set_cpu_kernels(config["train"]["cpu_kernels"])
    ratios = []
    for t in threads:
        torch.set_num_threads(t)
        with threadpool_limits(limits=t):
            for _ in range(args.warmup):
                updater.update()
                mirror.step()
            ours, theirs = [], []
            for _ in range(args.rounds):   # alternated: a busy spell of the machine hits both
                ours.append(_time_per_iteration(updater.update, args.iterations))
                theirs.append(_time_per_iteration(mirror.step, args.iterations))
        a, b = statistics.median(ours), statistics.median(theirs)
        ratios.append(f"{t} thread(s) {a:.3f} vs {b:.3f} s/it = {a / b:.2f}x")
        print(f"{t} thread(s): chainer ({kernels} kernels) {a:.3f} s/it (rounds "
              + ", ".join(f"{v:.3f}" for v in ours) + f"), torch {torch.__version__} {b:.3f} s/it (rounds "
              + ", ".join(f"{v:.3f}" for v in theirs) + f"): ratio {a / b:.2f}x", flush=True)
    if args.by_layer:
        from tgan_music.benchmarks.torch_mirror import layer_times
        torch.set_num_threads(1)
        with threadpool_limits(limits=1):
            rows = layer_times(recording)
        total = sum(n * a for _, n, a, _ in rows), sum(n * b for _, n, _, b in rows)
        print("layer (forward + backward, 1 thread) | per iteration | chainer ms | torch ms | ratio")
        for label, n, a, b in rows:
            print(f"{label} | {n} | {1e3 * a:.2f} | {1e3 * b:.2f} | {a / b:.2f}x")
        print(f"all convolutions, per iteration: chainer {total[0]:.3f} s, torch {total[1]:.3f} s "
              f"({total[0] / total[1]:.2f}x)", flush=True)
    recording.close()
    d = config["data"]
    print(f"bench train {args.config} --vs-torch (batch {config['train']['batchsize']}, "
          f"{d['frames']}x{d['height']}x{d['width']}, median of {args.rounds} rounds of {args.iterations} "
          f"iterations): " + "; ".join(ratios))


def _time_per_iteration(step, iterations):
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    return (time.perf_counter() - start) / iterations


def _sync(device):
    xp = device.xp
    if xp.__name__ == "cupy":
        xp.cuda.Device().synchronize()
