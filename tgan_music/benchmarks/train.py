"""`tgan-music bench train CONFIG`: seconds per training iteration and videos per second.

Times the updater alone (one D step, one G step, SVC when due; no logging, snapshots or
previews) on in-memory procedural clips of the config's geometry, so the figure is the
networks' cost and not the disk's. ``--data`` times the config's own clip set instead."""
import time

from tgan_music.cli.common import add_config_arguments, add_device_argument

HELP = "seconds per training iteration and videos per second"


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--iterations", type=int, default=10, help="timed iterations (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations first (default 2)")
    parser.add_argument("--data", action="store_true", help="read the config's clip set (data.root) "
                        "instead of in-memory procedural clips")


def run(args):
    import tempfile

    from tgan_music.cli.common import load_config_from_args
    from tgan_music.device import select_device
    from tgan_music.training.toy_data import SyntheticClips, toy_geometry
    from tgan_music.training.trainer import build_trainer

    config = load_config_from_args(args)
    config["train"]["preview_interval"] = 0
    device = select_device(args.device)
    dataset = None if args.data else SyntheticClips(toy_geometry(config), n=max(8, config["train"]["batchsize"]),
                                                    dims=config["embedding"]["dims"], seed=config["seed"])
    with tempfile.TemporaryDirectory() as out:
        trainer, parts = build_trainer(config, out, device, dataset=dataset, quiet=True)
        updater = parts["updater"]
        for _ in range(args.warmup):
            updater.update()
        times = []
        for _ in range(args.iterations):
            start = time.perf_counter()
            updater.update()
            _sync(device)
            times.append(time.perf_counter() - start)
    batch = config["train"]["batchsize"]
    per_iter = sum(times) / len(times)
    d = config["data"]
    print(f"iterations timed: {len(times)} (after {args.warmup} warm-up), min {min(times):.3f} s, "
          f"max {max(times):.3f} s; svc every {config['train']['svc_freq']} iterations")
    print(f"bench train {args.config}: {per_iter:.3f} s/iteration, {batch / per_iter:.1f} videos/s "
          f"(batch {batch}, {d['frames']}x{d['height']}x{d['width']}, conditioning "
          f"{config['model']['conditioning']}, device {device})")


def _sync(device):
    xp = device.xp
    if xp.__name__ == "cupy":
        xp.cuda.Device().synchronize()
