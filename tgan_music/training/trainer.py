"""Building and running a Chainer Trainer from an experiment config."""
import copy
import os
import random
import sys

import chainer
import numpy as np
from chainer.training import extensions

from tgan_music.data.dataset import build_dataset
from tgan_music.embedding.cache import open_cache
from tgan_music.errors import UserError
from tgan_music.model.build import build_frame_discriminator, build_networks
from tgan_music.model.links import get_cpu_kernels, set_cpu_kernels
from tgan_music.results import write_run_info
from tgan_music.training.augment import check_policies
from tgan_music.training.losses import build_loss
from tgan_music.training.metrics_hook import EvaluationContext, Metrics, build_metrics
from tgan_music.training.preview import Preview
from tgan_music.training.snapshot import Snapshot, latest_snapshot, resume
from tgan_music.training.sync_expert import sync_expert_for
from tgan_music.training.triggers import StopTrigger, every_and_last
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
    return open_cache(config["data"]["root"], config["embedding"]["encoder"], dims=config["embedding"]["dims"])


def make_optimizer(config, link, lr_scale=1.0):
    t = config["train"]
    lr = t["lr"] * lr_scale
    if t["optimizer"] == "adam":
        opt = chainer.optimizers.Adam(alpha=lr, beta1=t["beta1"])
    else:
        opt = chainer.optimizers.RMSprop(lr=lr)
    opt.setup(link)
    return opt


def build_trainer(config, out, device, *, embeddings=None, dataset=None, quiet=False, dist=None):
    """(trainer, parts) for ``config`` writing into ``out``; ``parts`` holds gen, dis, dataset.

    ``dist`` (tgan_music.training.distributed.Distributed): train data-parallel over MPI
    ranks; ``train.batchsize`` is the global batch, split over the ranks, and only rank 0
    gets the extensions that write (log, plots, snapshots, previews, metrics)."""

    t = config["train"]
    conditional = config["model"]["conditioning"] != "none"
    set_cpu_kernels(t["cpu_kernels"])
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
    multi_node_bn = dist is not None and t["multi_node_bn"]
    if dist is not None:
        dist.local_slice(t["batchsize"])   # a batch that does not split stops here, on every rank
        if multi_node_bn:
            from tgan_music.training.distributed import use_multi_node_batch_normalization
            use_multi_node_batch_normalization(gen, dist.comm)
            use_multi_node_batch_normalization(dis, dist.comm)
    gen.to_device(device)
    dis.to_device(device)
    check_policies(t["augment"])
    if not 0.0 <= t["ema"] < 1.0:
        raise UserError(f"train.ema {t['ema']}: use a decay in [0, 1) (0 = off), e.g. 0.99")
    gen_ema = copy.deepcopy(gen) if t["ema"] else None
    gen_opt, dis_opt = make_optimizer(config, gen), make_optimizer(config, dis, t["dis_lr_scale"])
    if t["frame_warmup"] and not t["frame_weight"]:
        raise UserError(f"train.frame_warmup {t['frame_warmup']} needs the frame discriminator: set "
                        "train.frame_weight > 0 (e.g. 1.0) or train.frame_warmup=0")
    frame_dis, frame_opt = build_frame_discriminator(config), None
    if frame_dis is not None:
        frame_dis.to_device(device)
        frame_opt = make_optimizer(config, frame_dis, t["dis_lr_scale"])
    sync, sync_cpu, sync_opt = None, 0.0, None
    if t["sync_weight"]:
        if not conditional:
            raise UserError("train.sync_weight needs music: model.conditioning is 'none'; set train.sync_weight=0")
        val = None   # the expert's check; none without a val split of stored clips
        if getattr(dataset, "embeddings", None) is not None and getattr(dataset, "root", None):
            try:   # the training set's own clips (not data.root: a dataset passed in may hold others)
                val = build_dataset(config, "val", dataset.embeddings, root=dataset.root)
            except UserError:
                pass
        # Every rank trains the same expert (same seed, same data), so none waits on another's file.
        sync, sync_cpu = sync_expert_for(config, out, dataset, device, val_dataset=val,
                                         quiet=quiet or (dist is not None and not dist.is_root))
        if t["sync_train"]:
            sync_opt = chainer.optimizers.Adam(alpha=t["sync_gan_lr"], beta1=0.5)
            sync_opt.setup(sync)
    if dist is not None:
        from tgan_music.training.distributed import multi_node_optimizer
        gen_opt, dis_opt = multi_node_optimizer(gen_opt, dist), multi_node_optimizer(dis_opt, dist)
        if frame_opt is not None:
            frame_opt = multi_node_optimizer(frame_opt, dist)
        if sync_opt is not None:
            sync_opt = multi_node_optimizer(sync_opt, dist)
    # The iterator yields example indices (the same ones on every rank); the updater loads
    # the examples of its own slice of the batch.
    iterator = chainer.iterators.SerialIterator(
        range(len(dataset)), t["batchsize"], shuffle=None,
        order_sampler=SeededOrderSampler(config["seed"]))
    updater = GANUpdater(iterator, gen_opt, dis_opt, loss, conditional=conditional, device=device,
                         dataset=dataset, svc_freq=t["svc_freq"], seed=config["seed"], dist=dist,
                         multi_node_bn=multi_node_bn, augment=t["augment"], shift_mismatch=t["shift_mismatch"],
                         gen_ema=gen_ema, ema_beta=t["ema"], cpu_seconds=t["cpu_seconds"],
                         r1_gamma=t["r1_gamma"], r1_interval=t["r1_interval"], sync=sync,
                         sync_weight=t["sync_weight"], sync_optimizer=sync_opt, sync_start=t["sync_start"],
                         frame_optimizer=frame_opt, frame_weight=t["frame_weight"], frame_samples=t["frame_samples"],
                         frame_warmup=t["frame_warmup"], frame_warmup_z=t["frame_warmup_z"])
    # The expert's training is part of the run's CPU budget (a resumed run's snapshot holds the total).
    updater.cpu_seconds += sync_cpu
    total = t["iterations"]
    trainer = chainer.training.Trainer(updater, StopTrigger(total), out=out)
    # What is shown and scored: G_ema when there is one (stylegan2-ada), else G.
    shown = gen_ema if gen_ema is not None else gen
    parts = {"gen": gen, "dis": dis, "frame_dis": frame_dis, "gen_ema": gen_ema, "shown": shown, "dataset": dataset,
             "updater": updater}
    if dist is not None and not dist.is_root:
        return trainer, parts

    log_every = (max(1, min(t["log_interval"], total)), "iteration")
    trainer.extend(extensions.LogReport(trigger=log_every))
    keys = ["dis/loss", "gen/loss"] + (["gen/sync"] if sync is not None else []) + (
        ["sync/loss"] if sync_opt is not None else []) + (["frame/loss", "gen/frame"] if frame_dis is not None else [])
    trainer.extend(extensions.PlotReport(keys, "iteration", trigger=log_every, filename="loss.png"))
    scores = ["dis/real", "dis/fake"] + (["dis/mismatch"] if conditional else []) + (
        ["dis/shifted"] if updater.shift_mismatch else [])
    trainer.extend(extensions.PlotReport(scores, "iteration", trigger=log_every, filename="scores.png"))
    if not quiet:
        # out= the stream of now: Chainer's default is sys.stdout as it was when chainer was imported
        trainer.extend(extensions.PrintReport(["epoch", "iteration"] + keys + scores + ["elapsed_time"],
                                              out=sys.stdout))
        trainer.extend(extensions.ProgressBar(update_interval=1, out=sys.stdout))
    trainer.extend(Snapshot((gen, dis), t["snapshot_interval"], total, t["snapshots_kept"]))
    if t["preview_interval"] > 0:
        preview = Preview(shown, dataset, device, conditional=conditional, fps=config["data"]["fps"],
                          clips=t["preview_clips"], samples=t["preview_samples"], seed=config["seed"])
        trainer.extend(preview, trigger=every_and_last(t["preview_interval"], total))
    if metrics:
        context = EvaluationContext(shown, dataset, config, device, conditional)
        interval = t["metrics_interval"] or total
        trainer.extend(Metrics(metrics, context), trigger=every_and_last(interval, total))
    return trainer, parts


def save_embedding_statistics(out, dataset):
    """Writes the EmbeddingStats that standardised the music in training (generation applies them too)."""
    stats = getattr(dataset, "stats", None)
    return None if stats is None else stats.save(out)


def train(config, out, device=None, *, embeddings=None, dataset=None, quiet=False, dist=None):
    """Trains ``config`` into ``out``, resuming from the newest snapshot there.

    Returns {'iteration', 'resumed_from', 'out', 'gen', 'dis'}. A NaN/inf loss raises UserError naming
    the last good snapshot. Under MPI (``dist``) every rank calls this with the same
    arguments; ``out`` must be the same directory for all of them (every rank resumes
    from the same snapshot), and only rank 0 writes into it."""
    device = device or chainer.get_device("@numpy")
    root = dist is None or dist.is_root
    trainer, parts = build_trainer(config, out, device, embeddings=embeddings, dataset=dataset,
                                   quiet=quiet or not root, dist=dist)
    if root:
        os.makedirs(out, exist_ok=True)
    if dist is not None:
        dist.barrier()   # rank 0 has removed stale temporary snapshots before anyone reads
    resumed = resume(trainer, out, clean=root)
    if root:
        info = {"device": str(device), "resumed_from": resumed,
                "cpu_kernels": get_cpu_kernels()}   # train.cpu_kernels as resolved (auto)
        if dist is not None:
            info.update(processes=dist.size, communicator=dist.name,
                        multi_node_bn=bool(config["train"]["multi_node_bn"]))
        write_run_info(out, config, info)
        save_embedding_statistics(out, parts["dataset"])
    if resumed and not quiet and root:
        print(f"resuming from {resumed} (iteration {trainer.updater.iteration})", flush=True)
    try:
        trainer.run(show_loop_exception_msg=False)
    except NonFiniteLoss as e:
        good = latest_snapshot(out)
        error = UserError(f"{e}; training stopped. The last good snapshot is {good or 'none (none written yet)'}; "
                          "lower train.lr or change train.loss, then run the same command to resume from it")
        error.every_rank = True   # the loss is averaged over the ranks: all of them stop here together
        raise error from None
    return {"iteration": trainer.updater.iteration, "resumed_from": resumed, "out": out,
            "gen": parts["gen"], "dis": parts["dis"], "frame_dis": parts["frame_dis"]}
