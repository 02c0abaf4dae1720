"""Loading a trained generator for generation: a result directory, a snapshot, or the shipped model.

A result directory (written by ``tgan-music train``) holds ``config.yaml``, the newest
``snapshot_iter_*.npz`` and ``embedding_stats.npz`` (the mean/std that standardised the
music embeddings in training, which generation must apply too).
"""
import os

import numpy as np

from tgan_music.atomic import atomic_path, write_text
from tgan_music.config import load_config
from tgan_music.embedding.stats import FILE_NAME as STATS_FILE
from tgan_music.embedding.stats import EmbeddingStats
from tgan_music.errors import UserError, as_user_error
from tgan_music.model.build import build_networks
from tgan_music.training.snapshot import latest_snapshot, list_snapshots

# The model that ships with the package (trained by `tgan-music train` on the metronome set).
SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets", "model")


# A model directory may hold just the generator's weights (what `export_model` writes).
GENERATOR_FILE = "generator.npz"
# What export_model copies beside the weights: the config, music statistics and the record.
MODEL_FILES = ("config.yaml", STATS_FILE, "run_info.json", "log", "loss.png", "scores.png")


class TrainedGenerator:
    """A generator with the config and the embedding statistics it was trained with."""

    def __init__(self, config, gen, snapshot, stats=None, result_dir=None):
        self.config, self.gen, self.snapshot = config, gen, snapshot
        self.result_dir = result_dir   # the directory of config.yaml, embedding_stats.npz, log
        self.stats = stats             # EmbeddingStats of training, or None

    @property
    def conditioning(self):
        return self.config["model"]["conditioning"]

    def normalize(self, embeddings):
        if self.stats is None or not self.config["embedding"].get("normalize", True):
            return embeddings.astype(np.float32)
        return self.stats.apply(embeddings)


def _resolve(model):
    """(result_dir, snapshot_path) for a directory, a snapshot file, or None (the shipped model)."""
    if model is None:
        if not os.path.isfile(os.path.join(SHIPPED_MODEL, "config.yaml")):
            raise UserError("no model given and this install has no shipped model; pass --model RESULT_DIR "
                            "(a directory written by `tgan-music train`) or a snapshot .npz")
        model = SHIPPED_MODEL
    if os.path.isdir(model):
        exported = os.path.join(model, GENERATOR_FILE)
        snapshot = exported if os.path.isfile(exported) else latest_snapshot(model)
        if snapshot is None and not os.path.isfile(os.path.join(model, "config.yaml")):
            raise UserError(f"{model}: not a training result (no config.yaml, no snapshot_iter_*.npz); "
                            "pass a directory written by `tgan-music train CONFIG --out DIR`")
        if snapshot is None:
            raise UserError(f"{model}: no snapshot_iter_*.npz in this directory; train it first "
                            "(`tgan-music train CONFIG --out DIR`) or pass a snapshot file")
        return model, snapshot
    if os.path.isfile(model):
        return os.path.dirname(os.path.abspath(model)), model
    raise UserError(f"--model {model}: no such file or directory; pass a training result directory or a snapshot")


def _older_snapshot(snapshot):
    """The newest snapshot beside ``snapshot`` other than it (None when there is none)."""
    others = [p for _, p in list_snapshots(os.path.dirname(os.path.abspath(snapshot)))
              if os.path.abspath(p) != os.path.abspath(snapshot)]
    return others[-1] if others else None


def load_generator(model=None, device=None, require_stats=True):
    """The TrainedGenerator of ``model`` (None = the shipped model) on ``device``.

    Without ``require_stats`` a conditional model lacking ``embedding_stats.npz`` loads with
    stats None (the caller then standardises with its clip set's statistics)."""
    import chainer

    result_dir, snapshot = _resolve(model)
    config_path = os.path.join(result_dir, "config.yaml")
    if not os.path.isfile(config_path):
        raise UserError(f"{result_dir}: no config.yaml beside the snapshot; a model is a directory written "
                        "by `tgan-music train` (config.yaml + snapshot_iter_*.npz)")
    config = load_config(config_path)
    gen, _ = build_networks(config)
    try:
        with np.load(snapshot) as npz:
            keys = set(npz.files)
        # G_ema when the snapshot has one (train.ema), else G; an exported generator.npz has no prefix.
        prefix = next((p for p in ("updater/model:gen_ema/", "updater/model:gen/")
                       if any(k.startswith(p) for k in keys)), "")
        chainer.serializers.load_npz(snapshot, gen, path=prefix)
    except Exception as e:
        damaged = as_user_error(e, snapshot, "reading")
        if damaged is not None and not isinstance(e, UserError):
            older = _older_snapshot(snapshot)
            hint = f"; pass --model {older} (the previous snapshot)" if older else ""
            raise UserError(f"{damaged}{hint}") from None
        if not isinstance(e, (KeyError, ValueError, OSError)):
            raise
        raise UserError(f"{snapshot}: does not hold the generator of {config_path} "
                        f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
                        "pass the result directory it was trained in") from None
    stats = None
    if config["model"]["conditioning"] != "none" and config["embedding"].get("normalize", True):
        stats = EmbeddingStats.load(result_dir)
        if stats is None and require_stats:
            raise UserError(f"{result_dir}: no embedding_stats.npz (the music statistics used in training); "
                            "it is written by `tgan-music train`: re-run training for a few iterations to write it")
    if device is not None:
        gen.to_device(device)
    return TrainedGenerator(config, gen, snapshot, stats, result_dir)


def portable_config(src, dest=None):
    """Writes the config ``src`` to ``dest`` (default: in place) without what names a file of the
    run that made it: a shared ``train.sync_expert`` would not exist where the model is used
    (``make demo`` trains its config)."""
    import yaml

    from tgan_music.config import dump_config
    with open(src, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    if (config.get("train") or {}).get("sync_expert"):
        config["train"]["sync_expert"] = ""
    dump_config(config, dest or src)


def export_model(result_dir, out_dir):
    """Writes a compact model directory: the generator's weights of the newest snapshot in
    ``result_dir`` (or of the snapshot file ``result_dir`` names; no discriminator, no optimizer
    state) as generator.npz, plus MODEL_FILES. Returns (out_dir, snapshot it came from)."""
    import shutil

    import chainer
    model = load_generator(result_dir)
    result_dir = model.result_dir
    os.makedirs(out_dir, exist_ok=True)
    import io

    buffer = io.BytesIO()
    chainer.serializers.save_npz(buffer, model.gen, compression=True)
    with atomic_path(os.path.join(out_dir, GENERATOR_FILE), durable=True, unique=True) as tmp:
        with open(tmp, "wb") as f:
            f.write(buffer.getbuffer())
    for name in MODEL_FILES:
        src = os.path.join(result_dir, name)
        if os.path.isfile(src) and name == "config.yaml":
            portable_config(src, os.path.join(out_dir, name))
        elif os.path.isfile(src):
            with atomic_path(os.path.join(out_dir, name), unique=True) as tmp:
                shutil.copyfile(src, tmp)
    write_text(os.path.join(out_dir, "SOURCE.txt"), f"generator weights of {os.path.basename(model.snapshot)}\n",
               unique=True)
    return out_dir, model.snapshot


def generate_videos(gen, z, music=None, batch=16, progress=None):
    """The generator in test mode over ``z`` (n, z_dims) and ``music`` (n, frames, dims) or None,
    ``batch`` at a time: float32 numpy (n, C, T, H, W) in [-1, 1]. ``progress`` (a tqdm bar or
    None) advances by the clips made."""
    import chainer
    cpu, xp = chainer.backend.CpuDevice(), gen.xp
    out = []
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        for s in range(0, len(z), batch):
            m = None if music is None else xp.asarray(music[s:s + batch])
            out.append(cpu.send(gen(xp.asarray(z[s:s + batch]), m).array))
            if progress is not None:
                progress.update(len(out[-1]))
    return np.concatenate(out)
