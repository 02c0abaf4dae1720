"""`tgan-music compare COMPARE.yaml`: train and evaluate several models on the same data.

The compare YAML is an experiment config (it loads through load_config): its ``data`` section
is the shared training clip set, ``evaluate`` the shared evaluation, and ``compare``
lists the models (``runs``: ``{label, config, set}``, an experiment YAML relative to the compare
YAML plus overrides), the training seeds, the budget (``cpu_seconds``: equal CPU time, or
``iterations``), and three clip sets kept apart. Steps:

1. the clip sets: the training set (``data.root``), the selection set (``selection.root``) and
   the held-out set (``heldout.root``), each synthesized from metronome videos of its own seed
   when missing, and embedded with the encoder of every conditional run;
2. the tempo classifier of the training set: trained when missing (``<data.root>/tempo_classifier``);
3. each model x seed: ``train()`` into ``<out>/<slug>_s<seed>`` (resuming from its snapshots),
   its snapshot chosen on the selection set (``selection.select_snapshot``: flicker at most 2x the
   real clips', then tempo ±8 %, then BAS) and exported to ``<run>/selected``, which is evaluated
   on the held-out set (``<run>/heldout``) and, with ``songs``, on the songs benchmark
   (``<run>/songs``). ``<run>/compare_state.json`` records what is done, so an interrupted compare continues where it stopped;
4. the report: per model the mean and the 95 % t interval over the seeds, with the real-clip upper
   bound and the shuffled-music chance level in each table, the tempo breakdown, the songs,
   plots (``<report dir>/results/``), the command of every row, the CPU and the budget.
"""
import json
import math
import os
import re
import shlex
import subprocess
import time

import chainer
import numpy as np

from tgan_music.atomic import write_json, write_text
from tgan_music.config import load_config
from tgan_music.data.extract import ClipGeometry, extract
from tgan_music.data.metronome import render_metronome_set
from tgan_music.data.songs import read_song_set
from tgan_music.embedding.cache import embed_dataset, open_cache
from tgan_music.embedding.encoders import build_encoder
from tgan_music.errors import UserError
from tgan_music.evaluation.classifier import CONFIG, default_directory, load_classifier
from tgan_music.evaluation.classifier_training import train_classifier
from tgan_music.evaluation.evaluate import evaluate_result, json_safe
from tgan_music.evaluation.metrics import columns
from tgan_music.evaluation.report import cell, metric_table, plot_frames, plot_metrics, results_markdown
from tgan_music.evaluation.selection import interval, select_snapshot
from tgan_music.evaluation.songs import COLUMNS as SONG_COLUMNS, evaluate_songs
from tgan_music.generation.model import export_model
from tgan_music.training.snapshot import latest_snapshot
from tgan_music.training.trainer import train


def slug(label):
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "run"


def resolve_config(path, compare_path):
    """A run's config path: absolute, relative to the compare YAML, or relative to the working dir."""
    for candidate in (path, os.path.join(os.path.dirname(compare_path), path)):
        if os.path.isabs(candidate) and os.path.isfile(candidate):
            return candidate
    for candidate in (os.path.join(os.path.dirname(compare_path), path), path):
        if os.path.isfile(candidate):
            return os.path.relpath(candidate)
    raise UserError(f"{compare_path}: run config {path!r} not found (relative to the compare YAML or the "
                    "working directory)")


def parse_runs(config, compare_path):
    runs = config["compare"]["runs"]
    if not runs:
        raise UserError(f"{compare_path}: compare.runs is empty; list the runs as "
                        "{label, config, set: [KEY=VALUE, ...]}")
    parsed, seen = [], set()
    for k, run in enumerate(runs):
        if not isinstance(run, dict) or "label" not in run or "config" not in run:
            raise UserError(f"{compare_path}: compare.runs[{k}] must be a mapping with label and config "
                            "(and optionally set: [KEY=VALUE, ...])")
        extra = set(run) - {"label", "config", "set"}
        if extra:
            raise UserError(f"{compare_path}: compare.runs[{k}]: unknown key {sorted(extra)[0]!r}; "
                            "allowed: label, config, set")
        overrides = run.get("set") or []
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            raise UserError(f"{compare_path}: compare.runs[{k}].set must be a list of 'KEY=VALUE' strings")
        name = slug(run["label"])
        if name in seen:
            raise UserError(f"{compare_path}: two runs are labelled {run['label']!r}; labels must differ")
        seen.add(name)
        parsed.append({"label": str(run["label"]), "config": resolve_config(run["config"], compare_path),
                       "set": list(overrides), "slug": name})
    return parsed


# -- the clip sets, their embeddings and the classifier ---------------------------------------
def clip_sets(config):
    """[(role, root, videos, video_seed)]: the training, selection and held-out clip sets (the last
    two only when configured)."""
    c = config["compare"]
    sets = [("training", config["data"]["root"], c["videos"], c["video_seed"])]
    for role in ("selection", "heldout"):
        if c[role]["root"]:
            sets.append((role, c[role]["root"], c[role]["videos"], c[role]["video_seed"]))
    roots = [os.path.abspath(r) for _, r, _, _ in sets]
    if len(set(roots)) != len(roots):
        raise UserError("compare: data.root, selection.root and heldout.root must be three "
                        "different clip sets (the snapshot is chosen on one and reported on another)")
    seeds = [s for _, _, _, s in sets]
    if len(set(seeds)) != len(seeds):
        raise UserError(f"compare: the clip sets' video seeds {seeds} must differ, so that no "
                        "metronome video is in two of them")
    return sets


def ensure_clip_set(root, config, videos, video_seed, log):
    """The clip set ``root``: synthesized from ``videos`` metronome videos (seed ``video_seed``,
    log-uniform tempi over data/metronome.TEMPO_RANGE) with the geometry of ``data`` when missing."""
    if os.path.isfile(os.path.join(root, "dataset.json")):
        return root
    c = config["compare"]
    try:
        size = tuple(int(v) for v in c["video_size"].lower().split("x"))
    except ValueError:
        raise UserError(f"compare.video_size={c['video_size']!r}: expected WIDTHxHEIGHT, e.g. 160x120") from None
    videos_dir = root.rstrip("/") + "_videos"
    log(f"synthesizing {videos} metronome videos into {videos_dir} (seed {video_seed})")
    paths = render_metronome_set(videos_dir, videos, seed=video_seed, duration=c["video_seconds"],
                                 size=size, workers=None, progress=False)
    summary = extract(paths, root, ClipGeometry.from_config(config["data"]), log=log)
    if not summary["total_clips"]:
        raise UserError(f"{root}: no clips could be extracted from {videos_dir}")
    return root


def needs_checkpoint(spec):
    args = spec.get("args") or {}
    return spec["name"] == "nsynth" or args.get("base") == "nsynth"


def run_encoders(runs):
    """The distinct embedding encoder specs of the conditional runs."""
    specs = {}
    for run in runs:
        rc = load_config(run["config"], run["set"])
        if rc["model"]["conditioning"] != "none":
            specs.setdefault(json.dumps(rc["embedding"]["encoder"], sort_keys=True), rc["embedding"]["encoder"])
    return list(specs.values())


def ensure_embeddings(root, specs, device, log):
    """Embeds clip set ``root`` with every encoder of ``specs`` whose cache is missing (librosa and
    rhythm; NSynth needs its checkpoint, so its missing cache stops with the embed command to run)."""
    for spec in specs:
        try:
            open_cache(root, spec)
        except UserError:
            if needs_checkpoint(spec):
                raise
            log(f"embedding {root} with the {json.dumps(spec)} encoder")
            embed_dataset(root, build_encoder(spec, device=device), spec["name"], progress=False)


def ensure_classifier(root, config, device, log, progress=True):
    directory = default_directory(root)
    if not os.path.isfile(os.path.join(directory, CONFIG)):
        log(f"training the tempo classifier of {root}")
        train_classifier(root, directory, config["evaluate"]["classifier"], config["data"], device,
                         quiet=not progress)
    return load_classifier(directory)


# -- the runs ------------------------------------------------------------------------------
def budget(config):
    """(overrides, words) of the training budget every run gets."""
    c = config["compare"]
    if c["cpu_seconds"] and c["iterations"] is not None:
        raise UserError("compare: set cpu_seconds (equal CPU time) or iterations (equal "
                        "iterations), not both; the other one null/0")
    if c["cpu_seconds"]:
        return ([f"train.cpu_seconds={c['cpu_seconds']:g}", f"train.iterations={c['max_iterations']}"],
                f"{c['cpu_seconds']:g} s of process CPU time per run (train.cpu_seconds)")
    if c["iterations"] is not None:
        return [f"train.iterations={c['iterations']}"], f"{c['iterations']} iterations per run"
    return [], "each config's train.iterations"


def run_overrides(config, run, seed):
    """Overrides that put a run on the shared data (clip set and geometry), seed, budget and
    snapshots (the run's own ``set`` last)."""
    c = config["compare"]
    shared = [f"data.root={config['data']['root']}"]
    for key in ("fps", "frames", "height", "width", "channels", "sample_rate", "stride_seconds",
                "val_fraction", "test_fraction"):
        shared.append(f"data.{key}={config['data'][key]}")
    shared.append(f"seed={seed}")
    shared += budget(config)[0]
    if c["selection"]["root"]:
        if c["snapshot_interval"] is not None:
            shared.append(f"train.snapshot_interval={c['snapshot_interval']}")
        shared.append(f"train.snapshots_kept={c['snapshots_kept']}")
    return shared + run["set"]


def run_commands(config, run, sets, out, classifier_dir):
    """The shell commands that reproduce one run (train, select, evaluate on the held-out set and
    the songs), as compare runs them."""
    c, ev = config["compare"], config["evaluate"]
    q = shlex.quote
    sets_ = " ".join(f"--set {q(o)}" for o in sets)
    lines = [f"tgan-music train {q(run['config'])} {sets_} --out {q(out)}"]
    model = os.path.join(out, "selected")
    if c["selection"]["root"]:
        lines.append(f"python tools/select_snapshot.py {q(out)} --clips {q(c['selection']['root'])} "
                     f"--samples {c['selection']['samples']} --export {q(model)}")
    else:
        lines.append(f"python tools/export_model.py {q(out)} {q(model)}")
    if c["heldout"]["root"]:
        clips, split = c["heldout"]["root"], "all"
    else:
        clips, split = config["data"]["root"], ev["split"]
    lines.append(f"tgan-music evaluate {q(model)} --clips {q(clips)} --split {split} --samples {ev['samples']} "
                 f"--classifier {q(classifier_dir)} --out {q(os.path.join(out, 'heldout'))}")
    if c["songs"]:
        lines.append(f"tgan-music evaluate {q(model)} --songs {q(c['songs'])} --seeds {c['songs_seeds']} "
                     f"--duration {c['songs_duration']:g} --out {q(os.path.join(out, 'songs'))}")
    return lines


def _read_json(path):
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def snapshot_cpu_seconds(path):
    """The training CPU seconds a snapshot records (the updater's count), or None."""
    try:
        with np.load(path) as npz:
            for key in ("updater/cpu_seconds", "cpu_seconds"):
                if key in npz.files:
                    return float(npz[key])
    except (OSError, ValueError):
        pass
    return None


def do_run(config, run, seed, classifier, device, progress, log):
    """Trains, selects and evaluates one model x seed, reusing what ``compare_state.json`` records
    as done; returns {label, seed, out, train, chosen, heldout, songs, clip, commands}."""
    c, ev = config["compare"], config["evaluate"]
    name = f"{run['slug']}_s{seed}"
    out = os.path.join(c["out"], name)
    sets = run_overrides(config, run, seed)
    state_path = os.path.join(out, "compare_state.json")
    state = _read_json(state_path) or {}

    def save():
        os.makedirs(out, exist_ok=True)
        write_json(state_path, json_safe(state))

    tag = f"[{run['label']} s{seed}]"
    if state.get("train", {}).get("sets") != sets:
        run_config = load_config(run["config"], sets)
        t = run_config["train"]
        log(f"{tag} training {run['config']} into {out} ("
            + (f"{t['cpu_seconds']:g} CPU s" if t["cpu_seconds"] else f"{t['iterations']} iterations") + ")")
        t0 = time.time()
        result = train(run_config, out, device, quiet=not progress)
        last = latest_snapshot(out)
        state = {"train": {"sets": sets, "iteration": result["iteration"], "snapshot": os.path.basename(last),
                           "cpu_seconds": snapshot_cpu_seconds(last),
                           "wall_seconds": time.time() - t0 + (state.get("train", {}).get("wall_seconds") or 0)
                           if result["resumed_from"] else time.time() - t0}}
        save()
    # The snapshot to report: chosen on the selection set, or the last one.
    if c["selection"]["root"]:
        sel = c["selection"]
        chosen, scored = select_snapshot(out, sel["root"], sel["samples"], device=device,
                                         cache=os.path.join(out, "selection.json"))
        chosen_name = chosen["snapshot"]
        chosen_path = chosen["path"]
        choice = {"snapshot": chosen_name, "iteration": chosen["iteration"], "tempo_acc8": chosen["tempo_acc8"],
                  "bas_fact": chosen["bas_fact"], "candidates": len(scored)}
    else:
        chosen_path = latest_snapshot(out)
        chosen_name = os.path.basename(chosen_path)
        choice = {"snapshot": chosen_name, "iteration": state["train"]["iteration"], "candidates": 1}
    model = os.path.join(out, "selected")
    if state.get("chosen", {}).get("snapshot") != chosen_name or not os.path.isdir(model):
        log(f"{tag} chosen {chosen_name} ({choice['candidates']} snapshot(s) scored); exporting to {model}")
        export_model(chosen_path, model)
        state = {"train": state["train"], "chosen": choice}
        save()
    # The held-out evaluation.
    clips, split = (c["heldout"]["root"], "all") if c["heldout"]["root"] else (config["data"]["root"], ev["split"])
    held_key = {"clips": os.path.abspath(clips), "split": split, "samples": ev["samples"],
                "classifier": os.path.abspath(classifier.directory)}
    held_dir = os.path.join(out, "heldout")
    heldout = _read_json(os.path.join(held_dir, "evaluation.json"))
    clip_path = os.path.join(held_dir, "clip.npz")
    if state.get("heldout") != held_key or heldout is None or not os.path.isfile(clip_path):
        log(f"{tag} evaluating on {clips} ({split})")
        heldout = evaluate_result(model, clips=clips, split=split, samples=ev["samples"],
                                  classifier=classifier.directory, device=device, progress=progress,
                                  keep_clip=True, out=held_dir)
        clip = heldout.pop("clip")
        np.savez(clip_path, real=clip["real"], generated=clip["generated"])
        heldout = json.loads(json.dumps(json_safe(heldout)))
        state["heldout"] = held_key
        save()
    with np.load(clip_path) as npz:
        clip = {"real": npz["real"], "generated": npz["generated"]}
    songs = None
    if c["songs"]:
        songs_key = {"songs": os.path.abspath(c["songs"]), "seeds": c["songs_seeds"],
                     "duration": c["songs_duration"]}
        songs_dir = os.path.join(out, "songs")
        songs = _read_json(os.path.join(songs_dir, "songs_evaluation.json"))
        if state.get("songs") != songs_key or songs is None:
            log(f"{tag} evaluating on the songs of {c['songs']}")
            songs = evaluate_songs(model, c["songs"], seeds=c["songs_seeds"], duration=c["songs_duration"],
                                   out=songs_dir, device=device, progress=progress)
            songs = json.loads(json.dumps(json_safe(songs)))
            state["songs"] = songs_key
            save()
    return {"label": run["label"], "slug": run["slug"], "seed": seed, "out": out, "train": state["train"],
            "chosen": state["chosen"], "heldout": heldout, "songs": songs, "clip": clip,
            "commands": run_commands(config, run, sets, out, classifier.directory)}


_BLAS_LIMIT = None   # a worker's threadpoolctl limiter, kept alive for the worker's life


def _limit_blas_threads():
    # One BLAS thread per job: N jobs on N cores, rather than N jobs x N threads fighting for them.
    from threadpoolctl import threadpool_limits
    global _BLAS_LIMIT
    _BLAS_LIMIT = threadpool_limits(limits=1)


def _run_task(config, run, seed, classifier_dir, device_name):
    return do_run(config, run, seed, load_classifier(classifier_dir), chainer.get_device(device_name),
                  False, print)


def run_parallel(config, tasks, classifier_dir, device, jobs, log):
    """do_run of every (run, seed) of ``tasks``, ``jobs`` at a time in worker processes (no progress
    bars: they would interleave); results in task order. After a failed run the runs not yet
    started are cancelled; those running finish and record their state, so a rerun resumes."""
    import concurrent.futures
    import multiprocessing
    log(f"running {len(tasks)} runs, {jobs} at a time (compare.jobs), one BLAS thread each")
    # spawn: a forked child would inherit the parent's BLAS thread pools and locks.
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_limit_blas_threads) as pool:
        futures = [pool.submit(_run_task, config, run, seed, classifier_dir, str(device)) for run, seed in tasks]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise


# -- aggregation over seeds -------------------------------------------------------------------
def with_octave(row):
    """A row with ``tempo_octave`` (double + half tempo) when it has both."""
    row = dict(row or {})
    if "tempo_octave" not in row and row.get("tempo_double") is not None and row.get("tempo_half") is not None:
        row["tempo_octave"] = row["tempo_double"] + row["tempo_half"]
    return row


def aggregate(rows):
    """{metric: (mean, 95 % half-width)} over ``rows`` (one {metric: value} per seed)."""
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys and isinstance(r[k], (int, float)) and not isinstance(r[k], bool)]
    return {k: interval([r.get(k) for r in rows]) for k in keys}


def by_model(results):
    """[(label, [per-seed results])] in run order."""
    models = {}
    for r in results:
        models.setdefault(r["label"], []).append(r)
    return list(models.items())


def cpu_model():
    """The CPU's model name (``lscpu``, else /proc/cpuinfo), and the number of CPUs."""
    name = None
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        name = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                     if line.lower().startswith("model name")), None)
    except (OSError, subprocess.SubprocessError):
        pass
    if not name and os.path.isfile("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            name = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    return f"{name or 'unknown CPU'}, {os.cpu_count()} CPUs visible"


def _tempo_span(result):
    tempi = [t for t in result.get("per_sample", {}).get("music_tempo_bpm", []) if t is not None]
    return f"{min(tempi):.0f}-{max(tempi):.0f} BPM" if tempi else "unknown tempi"


def tempo_section(models, first):
    """Markdown lines: tempo ±8 % / BAS (FACT) by the music's tempo, mean ± interval over seeds."""
    breakdown = first["heldout"].get("by_tempo")
    if not breakdown:
        return []
    ranges = [b["range"] for b in breakdown["generated"]]
    lines = ["| model | " + " | ".join(f"{r} ({b['clips']} clips)" for r, b in zip(ranges, breakdown["real"])) + " |",
             "|" + " --- |" * (len(ranges) + 1)]
    for label, runs in models:
        cells = []
        for i in range(len(ranges)):
            acc = interval([r["heldout"]["by_tempo"]["generated"][i]["tempo_acc8"] for r in runs])
            bas = interval([r["heldout"]["by_tempo"]["generated"][i]["bas_fact"] for r in runs])
            cells.append(f"{cell(acc, '{:.2f}')} / {cell(bas, '{:.3f}')}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| real clips (upper bound) | " + " | ".join(
        f"{cell(b['tempo_acc8'], '{:.2f}')} / {cell(b['bas_fact'], '{:.3f}')}" for b in breakdown["real"]) + " |")
    return ["Held-out clips by the music's tempo: tempo ±8 % / BAS (FACT) of the generated clips, mean ± 95 % "
            "interval over seeds; the real row is the upper bound.", ""] + lines


SONG_ROWS = (("generated", "{label}"), ("generated_other_song", "{label}, another song's beats (chance)"))


def songs_section(models):
    """Markdown lines: the songs benchmark, mean ± interval over seeds, with the beat bar's rows."""
    runs = [r for _, rs in models for r in rs if r["songs"]]
    if not runs:
        return []
    first = runs[0]["songs"]
    named = []
    for label, rs in models:
        named.append((label, aggregate([r["songs"]["rows"]["generated"] for r in rs if r["songs"]])))
    named.append(("every model, another song's beats (chance)",
                  aggregate([r["songs"]["rows"]["generated_other_song"] for r in runs])))
    named.append(("beat bar (upper bound)", first["rows"]["bar"]))
    named.append(("beat bar, another song's beats (chance)", first["rows"]["bar_other_song"]))
    return [f"{first['songs']} songs of `{first['songs_dir']}`, {first['seeds']} videos each, at most "
            f"{first['duration_limit']:g} s: scored against the score's beats per tempo segment "
            "(tgan_music/evaluation/songs.py). Mean ± 95 % interval over training seeds.", "",
            metric_table(named, "model", columns=SONG_COLUMNS)]


MAIN_KEYS = ("tempo_acc8", "tempo_octave", "bas_fact", "bas_bailando", "phase_error", "flicker", "seed_spread",
             "cls_acc", "fd")


def run_compare(compare_path, overrides=(), device=None, progress=True, log=print):
    """Runs the comparison of ``compare_path``; returns {'report', 'rows', 'runs', 'out', ...}."""
    device = device or chainer.get_device("@numpy")
    config = load_config(compare_path, overrides)
    c = config["compare"]
    runs = parse_runs(config, compare_path)
    seeds = [int(s) for s in c["seeds"]]
    if not seeds or len(set(seeds)) != len(seeds):
        raise UserError(f"compare.seeds {c['seeds']}: list distinct training seeds, e.g. [0, 1, 2]")
    budget_words = budget(config)[1]
    if c["songs"]:
        read_song_set(c["songs"])   # a missing songs benchmark stops here, before hours of training
    started = time.time()
    specs = run_encoders(runs)
    sets = clip_sets(config)
    for role, root, videos, video_seed in sets:
        ensure_clip_set(root, config, videos, video_seed, log)
        ensure_embeddings(root, specs, device, log)
    root = config["data"]["root"]
    classifier = ensure_classifier(root, config, device, log, progress)
    tasks = [(run, seed) for run in runs for seed in seeds]
    if c["jobs"] > 1 and len(tasks) > 1:
        results = run_parallel(config, tasks, classifier.directory, device, c["jobs"], log)
    else:
        results = [do_run(config, run, seed, classifier, device, progress, log) for run, seed in tasks]

    models = by_model(results)
    first = results[0]["heldout"]
    model_rows = [(label, aggregate([with_octave(r["heldout"]["rows"]["generated"]) for r in rs]))
                  for label, rs in models]
    real_row, shuffled_row = with_octave(first["rows"]["real"]), with_octave(first["rows"]["real_shuffled"])
    chance_rows = [(f"{label}, another clip's music (chance)",
                    aggregate([with_octave(r["heldout"]["rows"]["generated_shuffled"]) for r in rs]))
                   for label, rs in models]
    report = c["report"]
    report_dir = os.path.dirname(os.path.abspath(report))
    plots_dir = os.path.join(report_dir, "results")
    os.makedirs(plots_dir, exist_ok=True)
    metrics_png = plot_metrics(os.path.join(plots_dir, "metrics.png"), model_rows, real_row, shuffled_row,
                               keys=("tempo_acc8", "tempo_octave", "bas_fact", "bas_bailando", "flicker",
                                     "seed_spread"))
    strips = [("real", results[0]["clip"]["real"])] + [(label, rs[0]["clip"]["generated"]) for label, rs in models]
    frames_png = plot_frames(os.path.join(plots_dir, "frames.png"), strips)
    rel = lambda p: os.path.relpath(p, report_dir)  # noqa: E731
    geometry = first["geometry"]
    compare_command = "tgan-music compare " + " ".join([compare_path] + [f"--set {shlex.quote(o)}"
                                                                          for o in overrides])
    commands = {}
    for label, rs in models:
        commands[label] = "\n".join(line for r in rs for line in [f"# seed {r['seed']}"] + r["commands"])
    commands["real clips (upper bound), shuffled music (chance)"] = (
        f"{compare_command}\n# the real and shuffled rows of any run's held-out evaluation: "
        f"{os.path.join(results[0]['out'], 'heldout', 'evaluation.md')}")
    cls_acc = classifier.info.get("accuracy", {})
    sel = c["selection"]
    heldout_words = (f"the held-out clip set `{c['heldout']['root']}` (all {first['conditioning_clips']} clips, "
                     f"{c['heldout']['videos']} metronome videos of seed {c['heldout']['video_seed']}, music "
                     f"{_tempo_span(first)})" if c["heldout"]["root"] else
                     f"the `{first['split']}` split of `{root}` ({first['conditioning_clips']} clips, music "
                     f"{_tempo_span(first)})")
    cpu_used = [r["train"].get("cpu_seconds") for r in results if r["train"].get("cpu_seconds") is not None]
    intro = [
        f"Produced by `{compare_command}` (device {device}; CPU: {cpu_model()}); training took "
        f"{sum(r['train'].get('wall_seconds') or 0 for r in results) / 3600:.2f} h of wall time in all, "
        f"the last call {(time.time() - started) / 60:.1f} min (finished steps are reused).",
        "",
        f"- models x training seeds: {len(runs)} x {len(seeds)} (seeds {', '.join(map(str, seeds))}); the "
        "tables give the mean ± the 95 % Student t interval over the seeds (a 3-seed interval is wide).",
        f"- budget: {budget_words}"
        + (f"; CPU time used per run {min(cpu_used):.4g}-{max(cpu_used):.4g} s, "
           f"{sum(cpu_used) / 3600:.2f} h in all" if cpu_used else "") + "; "
        + "; ".join(f"{label}: iterations " + ", ".join(str(r["train"]["iteration"]) for r in rs)
                    for label, rs in models) + ".",
        f"- training data: `{root}` ({c['videos']} metronome videos of seed {c['video_seed']}), "
        f"{geometry['frames']} frames at {geometry['fps']} fps ({geometry['frames'] / geometry['fps']:g} s), "
        f"{geometry['height']}x{geometry['width']}; every model trains on its `train` split.",
        (f"- snapshot selection: every kept snapshot of a run scored on the selection clip set `{sel['root']}` "
         f"({sel['videos']} videos of seed {sel['video_seed']}, {sel['samples']} generated clips); among those that "
         "flicker at most twice the real clips, the best tempo ±8 %, then BAS (FACT), is kept (tgan_music/evaluation/selection.py). Chosen: "
         + "; ".join(f"{label}: " + ", ".join(f"s{r['seed']} it {r['chosen']['iteration']}" for r in rs)
                     for label, rs in models) + "."
         if sel["root"] else "- snapshot: the last one of each run (no selection set)."),
        f"- reported on {heldout_words}: {first['samples']} generated clips per run.",
        f"- tempo classifier: `{classifier.directory}`, {classifier.bins.count} log-spaced bins over "
        f"{classifier.bins.low:g}-{classifier.bins.high:g} BPM; accuracy on its validation split "
        f"{_fmt(cls_acc.get('val'))} (within one bin {_fmt(cls_acc.get('val_within_one_bin'))}, "
        f"chance {_fmt(cls_acc.get('chance'))}).",
        "- the real row scores the real held-out clips with their own music (the best a model can "
        "reach on these metrics with this data); the chance row scores them with another clip's music.",
    ]
    summary_text = c["summary"] or ("*(To be written by whoever ran this comparison: what these tables "
                                    "answer about the seed's question, whether conditioning on music "
                                    "teaches a network rhythm; set compare.summary.)*")
    main_columns = columns(MAIN_KEYS)
    sections = [("Each model's own chance level",
                 ["The generated clips of each model scored against another clip's music: a model that "
                  "follows its music scores above this row.", "",
                  metric_table(chance_rows + [("real clips, shuffled music (chance)", shuffled_row)], "model",
                               columns=main_columns)]),
                ("Per seed", ["tempo ±8 % / BAS (FACT) of each training seed on the held-out set:", "",
                              "| model | " + " | ".join(f"seed {s}" for s in seeds) + " |",
                              "|" + " --- |" * (len(seeds) + 1)]
                 + [f"| {label} | " + " | ".join(
                     f"{_fmt(r['heldout']['rows']['generated'].get('tempo_acc8'))} / "
                     f"{_fmt(r['heldout']['rows']['generated'].get('bas_fact'), 3)}" for r in rs) + " |"
                    for label, rs in models])]
    tempo_lines = tempo_section(models, results[0])
    if tempo_lines:
        sections.append(("By tempo", tempo_lines))
    song_lines = songs_section(models)
    if song_lines:
        sections.append(("Songs benchmark", song_lines))
    notes = [
        "FD and IS are computed on as many clips as the real row has (one per conditioning clip); "
        + ("the FD reference is the held-out set's own `train` split, so the real row's FD is below the "
           "floor that sampling noise alone gives." if c["heldout"]["root"] else
           "the FD of the real row is the floor that sampling noise alone gives."),
        "octave errors: the fraction of clips whose motion runs at twice or half the music's tempo.",
        "Per-run details (all metrics, the generated clips' own chance level): `heldout/evaluation.md` (and "
        f"`songs/songs_evaluation.md`) in each run directory `<slug>_s<seed>` under `{c['out']}`.",
    ] + [str(n) for n in c["notes"]]
    text = results_markdown(c["title"], intro, model_rows, real_row, shuffled_row, commands,
                            [("Metrics per model, mean and 95 % interval over seeds; solid line: real clips, "
                              "dashed: chance", rel(metrics_png)),
                             ("One generated clip per model (seed of the first run, frames left to right) "
                              "under a real clip", rel(frames_png))], notes,
                            sections=sections, summary=summary_text, columns=main_columns, command_section=True)
    os.makedirs(report_dir, exist_ok=True)
    write_text(report, text)
    summary = {"report": report, "out": c["out"], "rows": {label: row for label, row in model_rows},
               "real": real_row, "shuffled": shuffled_row, "chance": dict(chance_rows), "commands": commands,
               "seeds": seeds, "budget": budget_words, "cpu": cpu_model(),
               "runs": [{"label": r["label"], "seed": r["seed"], "out": r["out"], "iteration": r["train"]["iteration"],
                         "cpu_seconds": r["train"].get("cpu_seconds"), "train_seconds": r["train"].get("wall_seconds"),
                         "chosen": r["chosen"]} for r in results]}
    os.makedirs(c["out"], exist_ok=True)
    write_json(os.path.join(c["out"], "compare.json"), json_safe(summary), indent=1)
    return summary


def _fmt(value, digits=2):
    return "-" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.{digits}f}"
