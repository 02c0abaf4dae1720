"""Building and running a Chainer Trainer from an experiment config."""
import os
import random

import chainer
import numpy as np
from chainer.training import extensions

from tgan_music.errors import UserError
from tgan_music.training.losses import build_loss
from tgan_music.training.snapshot import Snapshot, latest_snapshot, resume
from tgan_music.training.updater import GANUpdater, NonFiniteLoss, SeededOrderSampler


def seed_everything(seed, device):
    """Same seed, same initial weights and the same first iterations (on one device)."""
    random.seed(seed)
    np.random.seed(seed)
    if device.xp is not np:
        device.xp.random.seed(seed)


def load_embeddings(config):
    """The music embeddings of the config's clip set, or None for unconditional models."""
    if config["model"]["conditioning"] == "none":
        return None
    try:
        from tgan_music.embedding.cache import open_cache
    except ImportError:
        raise UserError("conditional training needs tgan_music.embedding.cache, which this install lacks; "
                        "set model.conditioning=none for the baseline") from None
    return open_cache(config["data"]["root"], config["embedding"]["encoder"], dims=config["embedding"]["dims"])


def make_optimizer(config, link):
    t = config["train"]
    if t["optimizer"] == "adam":
        opt = chainer.optimizers.Adam(alpha=t["lr"], beta1=t["beta1"])
    else:
        opt = chainer.optimizers.RMSprop(lr=t["lr"])
    opt.setup(link)
    return opt


def build_trainer(config, out, device, *, embeddings=None, dataset=None, quiet=False):
    """(trainer, parts) for ``config`` writing into ``out``; ``parts`` holds gen, dis, dataset."""
    from tgan_music.data.dataset import build_dataset
    from tgan_music.model.build import build_networks
    from tgan_music.training.metrics_hook import EvaluationContext, Metrics, build_metrics
    from tgan_music.training.preview import Preview

    t = config["train"]
    conditional = config["model"]["conditioning"] != "none"
    seed_everything(config["seed"], device)
    loss = build_loss(t["loss"])
    metrics = build_metrics(t["metrics"])
    if dataset is None:
        if embeddings is None:
            embeddings = load_embeddings(config)
        dataset = build_dataset(config, "train", embeddings if conditional else None)
    if conditional and getattr(dataset, "dims", config["embedding"]["dims"]) != config["embedding"]["dims"]:
        raise UserError(f"embedding.dims is {config['embedding']['dims']} but the embeddings of "
                        f"{config['data']['root']} have {dataset.dims}; set embedding.dims={dataset.dims}")
    gen, dis = build_networks(config)
    gen.to_device(device)
    dis.to_device(device)
    iterator = chainer.iterators.SerialIterator(
        dataset, t["batchsize"], shuffle=None,
        order_sampler=SeededOrderSampler(config["seed"]))
    updater = GANUpdater(iterator, make_optimizer(config, gen), make_optimizer(config, dis), loss,
                         conditional=conditional, device=device, svc_freq=t["svc_freq"],
                         seed=config["seed"], dataset=dataset)
    total = t["iterations"]
    trainer = chainer.training.Trainer(updater, (total, "iteration"), out=out)

    log_every = (max(1, min(t["log_interval"], total)), "iteration")
    trainer.extend(extensions.LogReport(trigger=log_every))
    keys = ["dis/loss", "gen/loss"]
    trainer.extend(extensions.PlotReport(keys, "iteration", trigger=log_every, filename="loss.png"))
    scores = ["dis/real", "dis/fake"] + (["dis/mismatch"] if conditional else [])
    trainer.extend(extensions.PlotReport(scores, "iteration", trigger=log_every, filename="scores.png"))
    if not quiet:
        trainer.extend(extensions.PrintReport(["epoch", "iteration"] + keys + scores + ["elapsed_time"]))
        trainer.extend(extensions.ProgressBar(update_interval=1))
    trainer.extend(Snapshot((gen, dis), t["snapshot_interval"], total, t["snapshots_kept"]))
    if t["preview_interval"] > 0:
        preview = Preview(gen, dataset, device, conditional=conditional, fps=config["data"]["fps"],
                          clips=t["preview_clips"], samples=t["preview_samples"], seed=config["seed"])
        trainer.extend(preview, trigger=_every_and_last(t["preview_interval"], total))
    if metrics:
        context = EvaluationContext(gen, dataset, config, device, conditional)
        interval = t["metrics_interval"] or total
        trainer.extend(Metrics(metrics, context), trigger=_every_and_last(interval, total))
    return trainer, {"gen": gen, "dis": dis, "dataset": dataset, "updater": updater}


def _every_and_last(interval, total):
    def due(trainer):
        it = trainer.updater.iteration
        return it > 0 and (it % interval == 0 or it >= total)
    return due


def save_embedding_statistics(out, dataset):
    """Writes the mean/std that standardised the music in training (generation applies them too)."""
    mean, std = getattr(dataset, "statistics", (None, None))
    if mean is None:
        return None
    path = os.path.join(out, "embedding_stats.npz")
    tmp = path + ".tmp.npz"
    np.savez(tmp, mean=np.asarray(mean, np.float32), std=np.asarray(std, np.float32))
    os.replace(tmp, path)
    return path


def train(config, out, device=None, *, embeddings=None, dataset=None, quiet=False):
    """Trains ``config`` into ``out``, resuming from the newest snapshot there.

    Returns {'iteration', 'resumed_from', 'out'}. A NaN/inf loss raises UserError naming
    the last good snapshot."""
    from tgan_music.results import write_run_info
    device = device or chainer.get_device("@numpy")
    trainer, parts = build_trainer(config, out, device, embeddings=embeddings, dataset=dataset, quiet=quiet)
    os.makedirs(out, exist_ok=True)
    resumed = resume(trainer, out)
    write_run_info(out, config, {"device": str(device), "resumed_from": resumed})
    save_embedding_statistics(out, parts["dataset"])
    if resumed and not quiet:
        print(f"resuming from {resumed} (iteration {trainer.updater.iteration})", flush=True)
    try:
        trainer.run(show_loop_exception_msg=False)
    except NonFiniteLoss as e:
        good = latest_snapshot(out)
        raise UserError(f"{e}; training stopped. The last good snapshot is {good or 'none (none written yet)'}; "
                        "lower train.lr or change train.loss, then run the same command to resume from it") from None
    return {"iteration": trainer.updater.iteration, "resumed_from": resumed, "out": out}
