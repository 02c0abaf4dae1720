"""Evaluating a trained model: generated clips conditioned on held-out music, against real clips.

``evaluate_result(result_dir)`` generates ``evaluate.samples`` clips conditioned on the music
of the held-out split (``evaluate.split``, default test: source videos neither the GAN nor
the tempo classifier trained on), cycling through its clips with a fresh z each round, and
scores four rows on the same clips and music:

- ``generated``: each generated clip against its conditioning music,
- ``generated_shuffled``: the same clips against another clip's music (the model's chance level),
- ``real``: the real held-out clips against their own music (the upper bound),
- ``real_shuffled``: the real clips against another clip's music (the data's chance level).

Metrics: the rhythm metrics (scoring.py, docs/metrics.md); from the tempo classifier
(classifier.py): ``cls_acc`` (predicted bin = the bin of the music's tempo), ``cls_acc1``
(within one bin), ``fd`` (Fréchet distance of its features to real training-split clips) and
``is`` (Inception-style score). Writes ``evaluation.json`` and ``evaluation.md`` (atomically).
"""
import json
import math
import os

import numpy as np

from tgan_music import video
from tgan_music.atomic import write_text
from tgan_music.data.dataset import build_dataset
from tgan_music.embedding.cache import open_cache
from tgan_music.errors import UserError
from tgan_music.evaluation import beats as beats_mod
from tgan_music.evaluation.classifier import default_directory, load_classifier
from tgan_music.evaluation.fid import frechet_distance, inception_score
from tgan_music.evaluation.metrics import keys_of
from tgan_music.evaluation.motion import frame_change, picture_spread, seed_spread, to_grey
from tgan_music.evaluation.report import evaluation_markdown
from tgan_music.evaluation.scoring import rhythm_metrics_from_config, shuffled_pairs
from tgan_music.generation.model import generate_videos, load_generator
from tgan_music.training.snapshot import snapshot_iteration

RHYTHM_KEYS = keys_of("rhythm")
CLASSIFIER_KEYS = keys_of("classifier")
ROWS = ("generated", "generated_shuffled", "real", "real_shuffled")
JSON_NAME, MARKDOWN_NAME = "evaluation.json", "evaluation.md"


# -- the model --------------------------------------------------------------------------
def load_model(result_dir, device):
    """(generator, config, snapshot, EmbeddingStats, model directory) of a training result
    directory or one of its snapshots.

    The embedding statistics come from ``embedding_stats.npz`` when training wrote one; else
    None (the evaluation then standardises with the clip set's statistics, as training did)."""
    if not os.path.exists(result_dir):
        raise UserError(f"{result_dir}: no such result directory; pass a directory written by "
                        "`tgan-music train CONFIG --out DIR` (or one of its snapshot_iter_*.npz)")
    model = load_generator(result_dir, device, require_stats=False)
    return model.gen, model.config, model.snapshot, model.stats, model.result_dir


def generate_clips(gen, dataset, indices, conditional, seed, batchsize=16, progress=True):
    """float32 (n, C, T, H, W) in [-1, 1]: one clip per example index, z from ``seed`` (the
    music as the dataset standardises it)."""
    z = gen.sample_z(len(indices), np.random.RandomState(seed))
    music = None
    if conditional:
        music = np.stack([dataset.embedding(int(i)) for i in indices]).astype(np.float32)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(indices), desc="generating", unit="clip")
    try:
        return generate_videos(gen, z, music, batchsize, bar)
    finally:
        if bar is not None:
            bar.close()


def to_uint8_frames(videos):
    """(n, C, T, H, W) in [-1, 1] -> list of uint8 (T, H, W, C), as a written video would hold them."""
    return [video.to_uint8_frames(v) for v in videos]


# -- the scores -------------------------------------------------------------------------
def _means(summary, keys=RHYTHM_KEYS):
    return {k: summary[k]["mean"] for k in keys if k in summary}


def rhythm_rows(scorer, generated, real, first, audios, ticks, tempi, fps, sample_rate, progress):
    """{row: {metric: mean}} of the rhythm metrics, and the generated clips' full score_clips result.

    ``generated``/``audios``/``ticks``/``tempi``: per sample; ``real``: the distinct conditioning
    clips, ``first``: for each, the position of a sample conditioned on it (its music)."""
    gen = scorer.score(generated, audios, fps, sample_rate, ticks=ticks, tempi=tempi, progress=progress)
    rows = {"generated": _means(gen["real"]), "generated_shuffled": _means(gen.get("shuffled", {}))}
    ref = scorer.score(real, [audios[p] for p in first], fps, sample_rate, ticks=[ticks[p] for p in first],
                       tempi=[tempi[p] for p in first], progress=progress)
    rows["real"] = _means(ref["real"])
    rows["real_shuffled"] = _means(ref.get("shuffled", {}))
    return rows, gen, ref


def flicker_rows(rows, videos, real_videos, other_seed):
    """Adds flicker (generated and real) and the generated clips' seed spread (``other_seed``: the
    same music with other z) to ``rows``."""
    grey = [to_grey(v) for v in to_uint8_frames(videos)]
    rows["generated"]["flicker"] = float(np.mean([frame_change(g) for g in grey]))
    rows["real"]["flicker"] = float(np.mean([frame_change(to_grey(v)) for v in real_videos]))
    other = [to_grey(v) for v in to_uint8_frames(other_seed)]
    rows["generated"]["seed_spread"] = float(np.mean([seed_spread([a, b]) for a, b in zip(grey, other)]))
    rows["generated"]["picture_spread"] = picture_spread(to_uint8_frames(videos), real_videos)


# Music tempo ranges for the breakdown: below 60 BPM a 2 s clip shows less than one swing;
# above 150 a beat spans few frames at 8-12 fps.
TEMPO_RANGES = ((0.0, 60.0), (60.0, 150.0), (150.0, math.inf))


def by_tempo(per_clip, tempi, keys=("tempo_acc8", "bas_fact")):
    """[{range, clips, metric: mean}] of per-clip scores grouped by the music's tempo."""
    out = []
    for lo, hi in TEMPO_RANGES:
        label = f"< {hi:g}" if lo == 0 else (f">= {lo:g}" if math.isinf(hi) else f"{lo:g}-{hi:g}")
        chosen = [row for row, t in zip(per_clip, tempi) if t is not None and lo <= t < hi]
        entry = {"range": f"{label} BPM", "clips": len(chosen)}
        for key in keys:
            values = [row[key] for row in chosen if row.get(key) is not None and math.isfinite(row[key])]
            entry[key] = float(np.mean(values)) if values else None
        out.append(entry)
    return out


def classifier_rows(classifier, generated, heldout, indices, reference, fps, shuffled_pairs):
    """{row: {cls_acc, cls_acc1, fd, is}} from the tempo classifier."""
    bins = classifier.bins
    labels = bins.bin_of([heldout.row(int(i)).get("tempo_bpm") for i in indices])
    probs, feats = classifier.predict(generated, fps)
    uniq = np.unique(indices)
    real_probs, real_feats = classifier.predict_clips(heldout, uniq, fps)
    real_labels = bins.bin_of([heldout.row(int(i)).get("tempo_bpm") for i in uniq])
    ref_feats = reference

    def acc(predicted, wanted):
        known = wanted >= 0
        if not known.any():
            return float("nan"), float("nan")
        p, w = predicted[known], wanted[known]
        return float(np.mean(p == w)), float(np.mean(np.abs(p - w) <= 1))

    def shuffled(predicted, wanted, count):
        pairs = [(v, a) for v, a in shuffled_pairs(count) if v < len(predicted)]
        if not pairs:
            return float("nan"), float("nan")
        return acc(np.array([predicted[v] for v, _ in pairs]), np.array([wanted[a] for _, a in pairs]))

    gen_pred, real_pred = probs.argmax(axis=1), real_probs.argmax(axis=1)
    rows = {"generated": {}, "generated_shuffled": {}, "real": {}, "real_shuffled": {}}
    rows["generated"]["cls_acc"], rows["generated"]["cls_acc1"] = acc(gen_pred, labels)
    rows["generated_shuffled"]["cls_acc"], rows["generated_shuffled"]["cls_acc1"] = shuffled(
        gen_pred, labels, len(gen_pred))
    rows["real"]["cls_acc"], rows["real"]["cls_acc1"] = acc(real_pred, real_labels)
    rows["real_shuffled"]["cls_acc"], rows["real_shuffled"]["cls_acc1"] = shuffled(
        real_pred, real_labels, len(real_pred))
    # FD is biased upwards for small sets: the generated clips are scored on as many clips as the
    # real row has (the first sample of each conditioning clip), so the two rows compare.
    rows["generated"]["fd"] = frechet_distance(feats[first_positions(indices)], ref_feats)
    rows["real"]["fd"] = frechet_distance(real_feats, ref_feats)
    rows["generated"]["is"] = inception_score(probs)
    rows["real"]["is"] = inception_score(real_probs)
    predictions = {"generated_bins": gen_pred.tolist(), "music_bins": labels.tolist()}
    return rows, predictions


def first_positions(indices):
    """Positions of the first sample conditioned on each distinct clip, in clip order."""
    first = {}
    for pos, i in enumerate(indices):
        first.setdefault(int(i), pos)
    return np.array([first[c] for c in sorted(first)], dtype=np.int64)


def reference_features(classifier, clip_root, config, count, fps):
    """Classifier features of up to ``count`` real clips of the training split (evenly spaced)."""
    train = build_dataset(config, "train", None, root=clip_root)
    picks = np.unique(np.linspace(0, len(train) - 1, min(count, len(train))).round().astype(int))
    return classifier.predict_clips(train, picks, fps)[1], len(picks)


# -- the whole evaluation ---------------------------------------------------------------
def evaluate_result(result_dir, *, clips=None, samples=None, split=None, classifier=None,
                    use_classifier=True, device=None, progress=True, write=True, keep_clip=False, out=None):
    """Evaluates the model in ``result_dir`` (see the module docstring); returns the result dict
    and, when ``write``, stores it as ``evaluation.json`` + ``evaluation.md`` there (or in ``out``).

    ``clips``: clip set (default: the model's data.root); ``classifier``: tempo classifier
    directory (default: ``<clip set>/tempo_classifier``); ``use_classifier=False`` skips it;
    ``keep_clip`` adds ``clip: {real, generated}`` (uint8 (T, H, W, C), not written) for figures."""
    import chainer


    device = device or chainer.get_device("@numpy")
    gen, config, snapshot, stats, model_dir = load_model(result_dir, device)
    ev = config["evaluate"]
    samples = int(samples or ev["samples"])
    split = split or ev["split"]
    root = clips or config["data"]["root"]
    if not os.path.isfile(os.path.join(root, "dataset.json")):
        raise UserError(f"{root}: not a clip set (no dataset.json); pass --clips CLIPSET (the model's "
                        "data.root is used by default)")
    tempo_classifier = None
    if use_classifier:
        # Found (or missing) before the slow part starts.
        tempo_classifier = load_classifier(classifier or default_directory(root), device)
    conditional = config["model"]["conditioning"] != "none"
    embeddings = None
    if conditional:
        embeddings = open_cache(root, config["embedding"]["encoder"], config["embedding"]["dims"])
    # The model's training statistics; without them the clip set's, as training did.
    heldout = build_dataset(config, split, embeddings, root=root, stats=stats)
    data = heldout.geometry
    fps, sample_rate = data["fps"], data["sample_rate"]
    seconds = data["frames"] / fps
    indices = np.arange(samples) % len(heldout)

    videos = generate_clips(gen, heldout, indices, conditional, ev["seed"], progress=progress)
    rows_ = [heldout.row(int(i)) for i in indices]
    audios = [heldout.audio(int(i)) for i in indices]
    ticks = [beats_mod.clip_ticks(r, seconds) for r in rows_]
    tempi = [r.get("tempo_bpm") for r in rows_]
    first = {}  # each distinct conditioning clip -> the position of its first sample
    for pos, i in enumerate(indices):
        first.setdefault(int(i), pos)
    distinct = sorted(first)
    real_videos = [np.asarray(heldout.store.video(heldout.clip_index(c))) for c in distinct]

    scorer = rhythm_metrics_from_config(ev)
    rows, gen_rhythm, real_rhythm = rhythm_rows(scorer, to_uint8_frames(videos), real_videos,
                                                [first[c] for c in distinct], audios, ticks, tempi, fps,
                                                sample_rate, progress)
    flicker_rows(rows, videos, real_videos, generate_clips(gen, heldout, indices, conditional, ev["seed"] + 1,
                                                           progress=False))
    tempo_breakdown = {"generated": by_tempo(gen_rhythm["per_clip"], tempi),
                       "real": by_tempo(real_rhythm["per_clip"], [tempi[first[c]] for c in distinct])}

    classifier_info = None
    predictions = None
    if tempo_classifier is not None:
        ref, n_ref = reference_features(tempo_classifier, root, config, ev["fd_reference_clips"], fps)
        pairs = lambda count: shuffled_pairs(count, ev["shuffle_rounds"], ev["seed"])  # noqa: E731
        cls_rows, predictions = classifier_rows(tempo_classifier, videos, heldout, indices, ref, fps, pairs)
        for name, values in cls_rows.items():
            rows[name].update(values)
        classifier_info = {
            "directory": os.path.abspath(tempo_classifier.directory),
            "bins": tempo_classifier.bins.describe(),
            "val_accuracy": tempo_classifier.info.get("accuracy", {}).get("val"),
            "fd_reference": f"{n_ref} real clips of the train split",
            "resampling": tempo_classifier.geometry_note(fps, data["height"], data["width"]) or "none",
        }

    result = {
        "result_dir": os.path.abspath(result_dir),
        "name": config["name"],
        "conditioning": config["model"]["conditioning"],
        "snapshot": os.path.basename(snapshot),
        "iteration": snapshot_iteration(snapshot),
        "clip_set": os.path.abspath(root),
        "split": split,
        "samples": samples,
        "conditioning_clips": len(distinct),
        "geometry": {k: data[k] for k in ("fps", "frames", "height", "width")},
        "embedding_statistics": "embedding_stats.npz" if stats is not None else "clip set (as in training)",
        "rhythm_settings": {k: v for k, v in gen_rhythm["settings"].items()},
        "classifier": classifier_info,
        "rows": rows,
        "by_tempo": tempo_breakdown,
        "per_sample": {"clip": [heldout.clip_index(int(i)) for i in indices],
                       "music_tempo_bpm": tempi,
                       "video_tempo_bpm": [r["video_tempo_bpm"] for r in gen_rhythm["per_clip"]],
                       **(predictions or {})},
    }
    if write:
        if out:
            os.makedirs(out, exist_ok=True)
        write_evaluation(out or model_dir, result)
    if keep_clip:
        result["clip"] = {"real": real_videos[0], "generated": to_uint8_frames(videos[:1])[0]}
    return result


def json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


def write_evaluation(result_dir, result):
    write_text(os.path.join(result_dir, JSON_NAME), json.dumps(json_safe(result), indent=1))
    write_text(os.path.join(result_dir, MARKDOWN_NAME), evaluation_markdown(result))
