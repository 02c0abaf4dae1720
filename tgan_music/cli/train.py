"""`tgan-music train CONFIG`: train a model, resuming automatically from the newest snapshot.

Under MPI: `mpiexec -n N tgan-music train CONFIG --communicator naive` (docs/distributed.md)."""
import os
import sys

from tgan_music.arguments import add_config_arguments, add_device_argument, load_config_from_args
from tgan_music.device import select_device
from tgan_music.distributed import add_communicator_argument, rank_device_id, run_on_every_rank, start_distributed
from tgan_music.errors import UserError
from tgan_music.locking import directory_lock

HELP = "Train a model from an experiment YAML"


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="result directory (default results/<config name>); a run killed there "
                             "resumes from its newest snapshot when started again")
    add_communicator_argument(parser)


def check_resumed_config(config, out, log=None):
    """Refuses to resume ``out`` with another seed (its snapshots continue the old seed's run,
    and config.yaml would say otherwise); names the other keys that changed (config.yaml is
    rewritten with them). Nothing to check when ``out`` has no snapshot yet."""
    import yaml

    # heavy (chainer): `--help` imports this module
    from tgan_music.training.snapshot import latest_snapshot
    stored_path = os.path.join(out, "config.yaml")
    snapshot = latest_snapshot(out) if os.path.isdir(out) else None
    if snapshot is None or not os.path.isfile(stored_path):
        return []
    try:
        with open(stored_path, encoding="utf-8") as f:
            stored = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError):
        return []   # an unreadable record is rewritten below
    if stored.get("seed") != config["seed"]:
        raise UserError(f"{out}: resuming {os.path.basename(snapshot)} of a run with seed {stored.get('seed')}, "
                        f"but the config says seed {config['seed']}; use another --out for a new seed, or "
                        f"--set seed={stored.get('seed')} to resume this run")
    changed = [f"{key} {a!r} -> {b!r}" for key, a, b in _differences(stored, config)]
    if changed:
        (log or (lambda line: print(line, file=sys.stderr, flush=True)))(
            f"note: resuming {out} with a changed config ({'; '.join(changed)}); {stored_path} is updated")
    return changed


def _differences(old, new, prefix=""):
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            yield from _differences(a, b, f"{prefix}{key}.")
        elif a != b and not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and list(a) == list(b)):
            yield f"{prefix}{key}", a, b


def run(args):
    config = load_config_from_args(args)
    import contextlib

    import numpy as np

    from tgan_music.training.trainer import train
    dist = start_distributed(args)
    out = args.out or os.path.join("results", config["name"])

    def work():
        with contextlib.ExitStack() as stack:
            if dist is None or dist.is_root:
                # One writer per result directory: a second `train --out DIR` is refused at once.
                stack.enter_context(directory_lock(out, "training"))
                check_resumed_config(config, out)
            device = select_device(rank_device_id(args.device, dist))
            # A diverging run is stopped by the NaN check with one line; numpy's overflow and
            # invalid-value warnings on the way there would only come before it.
            stack.enter_context(np.errstate(over="ignore", invalid="ignore", divide="ignore"))
            return train(config, out, device, dist=dist)

    result = run_on_every_rank(dist, work, verbose=getattr(args, "verbose", False))
    if dist is None or dist.is_root:
        ranks = f" on {dist.size} processes" if dist is not None else ""
        print(f"trained to iteration {result['iteration']}{ranks}; results in {out} "
              f"(log, loss.png, preview/, snapshot_iter_*.npz)")
    sys.stdout.flush()
