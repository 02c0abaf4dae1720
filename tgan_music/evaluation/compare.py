"""`tgan-music compare COMPARE.yaml`: train and evaluate several models on the same data.

The compare YAML is an experiment config (it loads through load_config): its ``data`` section
is the shared clip set, ``evaluate`` the shared evaluation, and ``evaluate.compare`` lists the
runs (``{label, config, set}``: an experiment YAML, relative to the compare YAML, plus
overrides) and the shared settings (iterations, output directory, report path, and how to
synthesize the metronome clip set when ``data.root`` does not exist yet). Steps:

1. the clip set: synthesized (metronome videos -> clips) and embedded when missing;
2. the tempo classifier of the clip set: trained when missing (``<clip set>/tempo_classifier``);
3. each run: ``train()`` into ``<out>/<slug>`` (resuming, so an interrupted compare continues),
   then ``evaluate_result``;
4. the report: a table with the models, the real-data upper bound and the shuffled-music
   chance level, plots next to it (``<report dir>/results/``) and the command of every row.
"""
import json
import os
import re
import shlex
import time

from tgan_music.errors import UserError


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
    runs = config["evaluate"]["compare"]["runs"]
    if not runs:
        raise UserError(f"{compare_path}: evaluate.compare.runs is empty; list the runs as "
                        "{label, config, set: [KEY=VALUE, ...]}")
    parsed, seen = [], set()
    for k, run in enumerate(runs):
        if not isinstance(run, dict) or "label" not in run or "config" not in run:
            raise UserError(f"{compare_path}: evaluate.compare.runs[{k}] must be a mapping with label and config "
                            "(and optionally set: [KEY=VALUE, ...])")
        extra = set(run) - {"label", "config", "set"}
        if extra:
            raise UserError(f"{compare_path}: evaluate.compare.runs[{k}]: unknown key {sorted(extra)[0]!r}; "
                            "allowed: label, config, set")
        overrides = run.get("set") or []
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            raise UserError(f"{compare_path}: evaluate.compare.runs[{k}].set must be a list of 'KEY=VALUE' strings")
        name = slug(run["label"])
        if name in seen:
            raise UserError(f"{compare_path}: two runs are labelled {run['label']!r}; labels must differ")
        seen.add(name)
        parsed.append({"label": str(run["label"]), "config": resolve_config(run["config"], compare_path),
                       "set": list(overrides), "slug": name})
    return parsed


# -- the shared data and classifier -------------------------------------------------------
def ensure_clip_set(config, device, log):
    """The clip set of data.root: synthesized from metronome videos when it does not exist."""
    root = config["data"]["root"]
    if os.path.isfile(os.path.join(root, "dataset.json")):
        return root
    from tgan_music.data.extract import ClipGeometry, extract
    from tgan_music.data.metronome import render_metronome_set
    c = config["evaluate"]["compare"]
    try:
        size = tuple(int(v) for v in c["video_size"].lower().split("x"))
    except ValueError:
        raise UserError(f"evaluate.compare.video_size={c['video_size']!r}: expected WIDTHxHEIGHT, e.g. 160x120") from None
    videos_dir = root.rstrip("/") + "_videos"
    log(f"synthesizing {c['videos']} metronome videos into {videos_dir} (seed {c['video_seed']})")
    paths = render_metronome_set(videos_dir, c["videos"], seed=c["video_seed"], duration=c["video_seconds"],
                                 size=size, workers=None)
    summary = extract(paths, root, ClipGeometry.from_config(config["data"]), log=log)
    if not summary["total_clips"]:
        raise UserError(f"{root}: no clips could be extracted from {videos_dir}")
    return root


def ensure_embeddings(root, config, runs, device, log):
    """Embeds the clip set with the encoder of every conditional run whose cache is missing (librosa only;
    NSynth needs its checkpoint, so its missing cache stops with the embed command to run)."""
    from tgan_music.config import load_config
    from tgan_music.embedding.cache import embed_dataset, open_cache
    from tgan_music.embedding.encoders import build_encoder
    done = set()
    for run in runs:
        rc = load_config(run["config"], run["set"])
        if rc["model"]["conditioning"] == "none":
            continue
        spec = rc["embedding"]["encoder"]
        key = json.dumps(spec, sort_keys=True)
        if key in done:
            continue
        done.add(key)
        try:
            open_cache(root, spec)
        except UserError:
            if spec["name"] != "librosa":
                raise
            log(f"embedding {root} with the {spec['name']} encoder")
            embed_dataset(root, build_encoder(spec, device=device), spec["name"])


def ensure_classifier(root, config, device, log, progress=True):
    from tgan_music.evaluation.classifier import CONFIG, default_directory, load_classifier
    from tgan_music.evaluation.classifier_training import train_classifier
    directory = default_directory(root)
    if not os.path.isfile(os.path.join(directory, CONFIG)):
        log(f"training the tempo classifier of {root}")
        train_classifier(root, directory, config["evaluate"]["classifier"], config["data"], device,
                         quiet=not progress)
    return load_classifier(directory)


# -- the runs ------------------------------------------------------------------------------
def run_overrides(config, run):
    """Overrides that put a run on the shared data (clip set and geometry) and iterations (the
    run's own ``set`` last)."""
    shared = [f"data.root={config['data']['root']}"]
    for key in ("fps", "frames", "height", "width", "channels", "sample_rate", "stride_seconds",
                "val_fraction", "test_fraction"):
        shared.append(f"data.{key}={config['data'][key]}")
    iterations = config["evaluate"]["compare"]["iterations"]
    if iterations is not None:
        shared.append(f"train.iterations={iterations}")
    return shared + run["set"]


def reproduce_command(run, overrides, out, samples):
    sets = " ".join(f"--set {shlex.quote(o)}" for o in overrides)
    return (f"tgan-music train {run['config']} {sets} --out {out} && "
            f"tgan-music evaluate {out} --samples {samples}")


def run_compare(compare_path, overrides=(), device=None, progress=True, log=print):
    """Runs the comparison of ``compare_path``; returns {'report', 'rows', 'runs', 'out'}."""
    import chainer

    from tgan_music.config import load_config
    from tgan_music.evaluation.evaluate import evaluate_result
    from tgan_music.evaluation.report import plot_frames, plot_metrics, results_markdown
    from tgan_music.training.trainer import train

    device = device or chainer.get_device("@numpy")
    config = load_config(compare_path, overrides)
    c = config["evaluate"]["compare"]
    runs = parse_runs(config, compare_path)
    started = time.time()
    root = ensure_clip_set(config, device, log)
    ensure_embeddings(root, config, runs, device, log)
    classifier = ensure_classifier(root, config, device, log, progress)
    samples = config["evaluate"]["samples"]
    results = []
    for run in runs:
        out = os.path.join(c["out"], run["slug"])
        sets = run_overrides(config, run)
        run_config = load_config(run["config"], sets)
        log(f"[{run['label']}] training {run['config']} into {out} "
            f"({run_config['train']['iterations']} iterations)")
        t0 = time.time()
        train(run_config, out, device, quiet=not progress)
        train_seconds = time.time() - t0
        log(f"[{run['label']}] evaluating")
        result = evaluate_result(out, samples=samples, split=config["evaluate"]["split"],
                                 classifier=classifier.directory, device=device, progress=progress,
                                 keep_clip=True)
        results.append({"run": run, "out": out, "result": result, "train_seconds": train_seconds,
                        "command": reproduce_command(run, sets, out, samples)})

    first = results[0]["result"]
    model_rows = [(r["run"]["label"], r["result"]["rows"]["generated"]) for r in results]
    real_row, shuffled_row = first["rows"]["real"], first["rows"]["real_shuffled"]
    report = c["report"]
    plots_dir = os.path.join(os.path.dirname(os.path.abspath(report)), "results")
    os.makedirs(plots_dir, exist_ok=True)
    metrics_png = plot_metrics(os.path.join(plots_dir, "metrics.png"), model_rows, real_row, shuffled_row)
    strips = [("real", first["clip"]["real"])] + [(r["run"]["label"], r["result"]["clip"]["generated"])
                                                  for r in results]
    frames_png = plot_frames(os.path.join(plots_dir, "frames.png"), strips)
    rel = lambda p: os.path.relpath(p, os.path.dirname(os.path.abspath(report)))  # noqa: E731
    geometry = first["geometry"]
    compare_command = "tgan-music compare " + " ".join([compare_path] + [f"--set {shlex.quote(o)}"
                                                                          for o in overrides])
    commands = {r["run"]["label"]: r["command"] for r in results}
    commands["real clips (upper bound)"] = compare_command
    commands["real clips, shuffled music (chance)"] = compare_command
    cls_acc = classifier.info.get("accuracy", {})
    intro = [
        f"Produced by `{compare_command}` in {(time.time() - started) / 60:.1f} min "
        f"(device {device}).",
        "",
        f"- data: `{root}`, {geometry['frames']} frames at {geometry['fps']} fps, "
        f"{geometry['height']}x{geometry['width']}; every model trains on its `train` split and is "
        f"evaluated on {samples} clips generated for the music of the `{first['split']}` split "
        f"({first['conditioning_clips']} clips of source videos no model or classifier trained on).",
        "- training: " + "; ".join(f"{r['run']['label']} {r['result']['iteration']} iterations "
                                     f"({r['train_seconds'] / 60:.1f} min)" for r in results) + ".",
        f"- tempo classifier: `{classifier.directory}`, {classifier.bins.count} log-spaced bins over "
        f"{classifier.bins.low:g}-{classifier.bins.high:g} BPM; accuracy on its validation split "
        f"{_fmt(cls_acc.get('val'))} (within one bin {_fmt(cls_acc.get('val_within_one_bin'))}, "
        f"chance {_fmt(cls_acc.get('chance'))}).",
        "- the real row scores the real held-out clips with their own music (the best a model can "
        "reach on these metrics with this data); the chance row scores them with another clip's music.",
    ]
    notes = [
        "FD and IS are computed on as many clips as the real row has (one per conditioning clip), so "
        "the FD of the real row is the floor that sampling noise alone gives.",
        "Per-run details (all metrics, the generated clips' own chance level): `evaluation.md` in each "
        f"run directory under `{c['out']}`.",
    ]
    text = results_markdown("Results: baseline TGAN vs the conditional models on metronome clips", intro,
                            model_rows, real_row, shuffled_row, commands,
                            [("Metrics per model; solid line: real clips, dashed: chance", rel(metrics_png)),
                             ("One generated clip per model (frames left to right) under a real clip",
                              rel(frames_png))], notes)
    os.makedirs(os.path.dirname(os.path.abspath(report)), exist_ok=True)
    tmp = report + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, report)
    summary = {"report": report, "out": c["out"], "rows": {label: row for label, row in model_rows},
               "real": real_row, "shuffled": shuffled_row, "commands": commands,
               "runs": [{"label": r["run"]["label"], "out": r["out"], "iteration": r["result"]["iteration"],
                         "train_seconds": r["train_seconds"]} for r in results]}
    from tgan_music.evaluation.evaluate import json_safe, write_atomic
    os.makedirs(c["out"], exist_ok=True)
    write_atomic(os.path.join(c["out"], "compare.json"), json.dumps(json_safe(summary), indent=1))
    return summary


def _fmt(value):
    return "-" if value is None else f"{value:.2f}"
