"""Choosing the snapshot of a training run on a *selection* clip set, and intervals over seeds.

One implementation for tools/select_snapshot.py, tools/aggregate_runs.py and `tgan-music compare`:

- ``score_snapshots``: every kept ``snapshot_iter_*.npz`` of a run evaluated on the selection
  clip set (rendered apart from both the training set and the held-out set that the final figures
  use, so choosing never looks at the test music), the scores cached in a JSON file when given;
- ``choose``: among the snapshots whose flicker is at most ``FLICKER_LIMIT`` times the selection
  set's real clips' (issue 12's goal; all of them when none is), the best tempo accuracy within
  8 % first, the Beat Alignment Score (FACT) as the tie-break. Without the flicker bound, the
  shipped seed's chosen snapshot flickered 2.4x the real clips where its sister seeds' did 1.1-1.2x;
- ``interval``: the mean and the half-width of the 95 % Student t interval over training seeds.
"""
import json
import math
import os

import numpy as np

from tgan_music.atomic import write_json
from tgan_music.errors import UserError
from tgan_music.evaluation.evaluate import evaluate_result, json_safe
from tgan_music.training.snapshot import list_snapshots

CACHE_FORMAT = "tgan-music snapshot selection"
FLICKER_LIMIT = 2.0   # a snapshot's flicker over the real clips' at most this (issue 12's goal)


def _finite(value):
    return value if value is not None and isinstance(value, (int, float)) and math.isfinite(value) else -math.inf


def score_snapshots(result_dir, clips, samples=96, cache=None, device=None, log=None):
    """[{snapshot, path, iteration, tempo_acc8, bas_fact, chance_tempo_acc8, chance_bas_fact, flicker,
    real_flicker}] of every kept snapshot of ``result_dir`` on clip set ``clips`` (split ``all``, no
    tempo classifier).

    ``cache``: a JSON path; snapshots already scored there (same clips and samples) are not
    evaluated again, and each new score is added to it at once (an interrupted selection resumes)."""
    snapshots = list_snapshots(result_dir)
    if not snapshots:
        raise UserError(f"{result_dir}: no snapshot_iter_*.npz; train first (`tgan-music train CONFIG --out DIR`)")
    key = {"format": CACHE_FORMAT, "clips": os.path.abspath(clips), "samples": int(samples)}
    known = {}
    if cache and os.path.isfile(cache):
        with open(cache, encoding="utf-8") as f:
            stored = json.load(f)
        if all(stored.get(k) == v for k, v in key.items()):
            # entries from before the flicker was kept are scored again
            known = {s["snapshot"]: s for s in stored.get("scores", []) if "flicker" in s}
    scored = []
    for iteration, path in snapshots:
        name = os.path.basename(path)
        if name not in known:
            result = evaluate_result(path, clips=clips, split="all", samples=samples, use_classifier=False,
                                     device=device, progress=False, write=False)
            rows = result["rows"]
            own, other = rows["generated"], rows["generated_shuffled"]
            known[name] = {"snapshot": name, "iteration": iteration, "tempo_acc8": own.get("tempo_acc8"),
                           "bas_fact": own.get("bas_fact"), "chance_tempo_acc8": other.get("tempo_acc8"),
                           "chance_bas_fact": other.get("bas_fact"), "flicker": own.get("flicker"),
                           "real_flicker": rows.get("real", {}).get("flicker")}
            if cache:
                write_json(cache, json_safe(dict(key, scores=sorted(known.values(), key=lambda s: s["iteration"]))))
        entry = dict(known[name], path=path)
        scored.append(entry)
        if log:
            log(entry)
    return scored


def steady(entry, limit=FLICKER_LIMIT):
    """True when the entry's flicker is at most ``limit`` times its real clips' (or either is unknown)."""
    flicker, real = entry.get("flicker"), entry.get("real_flicker")
    if not (math.isfinite(_finite(flicker)) and math.isfinite(_finite(real))):
        return True
    return flicker <= limit * real


def choose(scored, flicker_limit=FLICKER_LIMIT):
    """The entry of ``score_snapshots`` to keep: among the steady ones (``steady``; all when none
    is), best tempo_acc8, then bas_fact, then the later one."""
    if not scored:
        raise UserError("no snapshot to choose from")
    candidates = [s for s in scored if steady(s, flicker_limit)] or scored
    return max(candidates, key=lambda s: (_finite(s["tempo_acc8"]), _finite(s["bas_fact"]), s["iteration"]))


def select_snapshot(result_dir, clips, samples=96, cache=None, device=None, log=None):
    """(chosen entry, all entries): ``choose(score_snapshots(...))``."""
    scored = score_snapshots(result_dir, clips, samples, cache=cache, device=device, log=log)
    return choose(scored), scored


def interval(values):
    """(mean, half-width of the 95 % t interval) of the finite ``values``; (nan, nan) when none,
    (value, nan) for a single one."""
    v = np.asarray([x for x in values if x is not None and isinstance(x, (int, float)) and math.isfinite(x)],
                   np.float64)
    if v.size == 0:
        return float("nan"), float("nan")
    if v.size == 1:
        return float(v[0]), float("nan")
    from scipy import stats
    return float(v.mean()), float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
