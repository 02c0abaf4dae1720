"""Training the sync expert (tgan_music.model.sync) on real clips, before the GAN, then freezing it.

Each step scores a batch of real clips with their own music (label 1) against three kinds of
negatives (label 0), each the error a generator can make:

- ``shifted``: the same clip with its own source's music moved by 0.25-0.75 beat (the clip set's
  other starts; ``ClipDataset.shifted_embedding``): motion that is a fraction of a beat late;
- ``mismatched``: music of another source video: motion at another tempo;
- ``static``: one frame of the clip held still, with its own music: no motion at all.

The video is augmented (colour, translation; one draw per clip, never in time) so the expert
reads the arm's timing rather than a clip's exact pixels, and so that it is not a pixel-exact
target for the generator. Its accuracy on the clip set's ``val`` split (pairs ranked right:
own music above each kind of negative) is printed and saved in ``sync_expert.json``.
"""
import json
import os
import time

import chainer
import chainer.functions as F
import numpy as np

from tgan_music.atomic import atomic_path, write_text
from tgan_music.errors import UserError
from tgan_music.model.sync import build_sync_expert
from tgan_music.training.augment import augment

POLICIES = ("color", "translation")
NEGATIVES = ("shifted", "mismatched", "static")


def held_still(x, rng):
    """Each clip's frame at a random time, repeated over all frames: (N, C, T, H, W)."""
    n, c, t = x.shape[:3]
    k = rng.randint(t, size=n)
    xp = chainer.backend.get_array_module(x)
    still = xp.stack([x[i, :, k[i]] for i in range(n)])[:, :, None]
    return xp.broadcast_to(still, x.shape).copy()


def batch(dataset, indices, rng, device):
    """(videos, own music, shifted music, rows that have it, mismatched music) of ``indices``."""
    examples = [dataset[int(i)] for i in indices]
    x = np.stack([e[0] for e in examples])
    m = np.stack([e[1] for e in examples])
    # A dataset without them (in-memory procedural clips) gives no shifted pairs, and the batch's
    # music rolled by one clip as the mismatched music (as GANUpdater.mismatched does).
    if hasattr(dataset, "shifted_embedding"):
        shifted, ok = dataset.shifted_embedding(indices, rng)
    else:
        shifted, ok = np.zeros_like(m), np.zeros(len(indices), bool)
    mis = dataset.mismatched_embedding(indices, rng) if hasattr(dataset, "mismatched_embedding") else np.roll(m, 1, 0)
    return device.send(x), device.send(m), device.send(shifted), ok, device.send(mis)


def real_logits(expert, x, m, shifted, ok, mis, rng):
    """{'own', 'shifted', 'mismatched', 'static'} -> logits of real clips ``x`` (already augmented),
    and the rows of 'shifted' that have one: one video pass for the three music draws."""
    v = expert.video(x)
    keep = np.flatnonzero(ok)
    out = {"own": expert.score(v, m), "mismatched": expert.score(v, mis),
           "static": expert(held_still(chainer.as_array(x), rng), m)}
    out["shifted"] = expert.score(v[keep], shifted[keep]) if len(keep) else None
    return out, keep


def pair_logits(expert, dataset, indices, rng, device, aug_rng=None):
    """``real_logits`` of the clips ``indices`` of ``dataset`` with their drawn negatives."""
    x, m, shifted, ok, mis = batch(dataset, indices, rng, device)
    if aug_rng is not None:
        x = augment(x, POLICIES, aug_rng).array
    return real_logits(expert, x, m, shifted, ok, mis, rng)


def preference(expert, x, m, mis, shifted, ok):
    """s(x, m) - s(x, m') for every other music m' (another clip's; its own moved by a fraction of
    a beat where ``ok``): > 0 where the clip's own music is preferred. Scores of one video differ
    only through the music, so whatever the video alone adds to them cancels."""
    v = expert.video(x)
    own = expert.score(v, m)
    diffs = [own - expert.score(v, mis)]
    keep = np.flatnonzero(ok) if ok is not None else ()
    if len(keep):
        diffs.append(own[keep] - expert.score(v[keep], shifted[keep]))
    return diffs


def generator_loss(expert, x_fake, m, mis, shifted, ok):
    """G's sync loss: E softplus(s(G, m') - s(G, m)), the generated clip's own music preferred."""
    diffs = preference(expert, x_fake, m, mis, shifted, ok)
    return sum(F.mean(F.softplus(-d)) for d in diffs) / len(diffs)


def discriminator_loss(expert, x_real, m, mis, shifted, ok, x_fake, rng):
    """The expert as a sync discriminator while the GAN trains (``train.sync_train``; Vougioukas et
    al. 2019 train theirs on real in-sync, real off-sync and generated pairs): the pretraining loss on
    real clips plus E softplus(s(G, m) - s(G, m')) on generated ones, the opposite of G's, so that
    a generated clip the expert prefers with its own music for a reason real clips never show (a
    pattern it was not trained on) stops being preferred, and only real-like timing stays."""
    logits, _ = real_logits(expert, x_real, m, shifted, ok, mis, rng)
    diffs = preference(expert, x_fake, m, mis, shifted, ok)
    return loss_of(logits) + sum(F.mean(F.softplus(d)) for d in diffs) / len(diffs)


def loss_of(logits):
    """-log sync(own) - mean over the negatives of log(1 - sync(negative))."""
    negatives = [F.mean(F.softplus(logits[k])) for k in NEGATIVES if logits[k] is not None]
    return F.mean(F.softplus(-logits["own"])) + sum(negatives) / len(negatives)


def accuracy(expert, dataset, device, *, clips=256, seed=0):
    """Fraction of (own, negative) pairs where own music scores higher, per negative kind."""
    rng = np.random.RandomState(seed)
    n = min(clips, len(dataset))
    order = rng.permutation(len(dataset))[:n]
    hits = {k: [] for k in NEGATIVES}
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        for start in range(0, n, 32):
            logits, keep = pair_logits(expert, dataset, order[start:start + 32], rng, device)
            own = chainer.as_array(logits["own"])
            for k in NEGATIVES:
                if logits[k] is None:
                    continue
                ref = own[keep] if k == "shifted" else own
                hits[k].extend((ref > chainer.as_array(logits[k])).tolist())
    return {k: (float(np.mean(v)) if v else None) for k, v in hits.items()}


def train_sync_expert(config, dataset, device, *, val_dataset=None, quiet=False):
    """(expert, report): the config's expert trained for ``train.sync_iterations`` steps on ``dataset``."""
    t = config["train"]
    expert = build_sync_expert(config)
    expert.to_device(device)
    opt = chainer.optimizers.Adam(alpha=t["sync_lr"], beta1=0.5)
    opt.setup(expert)
    rng = np.random.RandomState(config["seed"] + 7)
    aug_rng = np.random.RandomState(config["seed"] + 8)
    start = time.process_time()
    size = min(t["sync_batchsize"], len(dataset))
    losses = []
    for it in range(1, t["sync_iterations"] + 1):
        logits, _ = pair_logits(expert, dataset, rng.choice(len(dataset), size, replace=False), rng, device,
                                aug_rng)
        loss = loss_of(logits)
        if not np.isfinite(float(loss.array)):
            raise UserError(f"sync expert: the loss is {float(loss.array)} at step {it}; lower train.sync_lr")
        expert.cleargrads()
        loss.backward()
        opt.update()
        losses.append(float(loss.array))
        if not quiet and (it % 100 == 0 or it == t["sync_iterations"]):
            print(f"sync expert: step {it}/{t['sync_iterations']}, loss {np.mean(losses[-100:]):.3f}", flush=True)
    report = {"iterations": t["sync_iterations"], "cpu_seconds": time.process_time() - start,
              "final_loss": float(np.mean(losses[-100:])), "args": config["model"]["sync"]}
    if val_dataset is not None:
        report["val_accuracy"] = accuracy(expert, val_dataset, device)
        if not quiet:
            acc = ", ".join(f"{k} {v:.2f}" for k, v in report["val_accuracy"].items() if v is not None)
            print(f"sync expert: val pairs ranked right: {acc}", flush=True)
    return expert, report


def sync_expert_for(config, out, dataset, device, *, val_dataset=None, quiet=False):
    """(frozen expert, CPU seconds spent training it here): ``train.sync_expert`` when set, else
    ``OUT/sync_expert.npz`` when an earlier run of this output directory left one, else trained now
    and saved there (with its report, ``sync_expert.json``)."""
    path = config["train"]["sync_expert"] or os.path.join(out, "sync_expert.npz")
    expert = build_sync_expert(config)
    spent = 0.0
    if os.path.isfile(path):
        try:
            chainer.serializers.load_npz(path, expert)
        except Exception as e:   # a wrong shape or a torn file: say which and what to do
            raise UserError(f"{path}: not a sync expert for this config ({type(e).__name__}: {e}); delete it to "
                            "train a new one, or set train.sync_expert to a matching file") from None
        expert.to_device(device)
    elif config["train"]["sync_expert"]:
        raise UserError(f"train.sync_expert {path}: no such file; train one by leaving train.sync_expert empty")
    else:
        expert, report = train_sync_expert(config, dataset, device, val_dataset=val_dataset, quiet=quiet)
        spent = report["cpu_seconds"]
        os.makedirs(out, exist_ok=True)
        expert.to_device(chainer.get_device("@numpy"))
        with atomic_path(path) as tmp:
            chainer.serializers.save_npz(tmp, expert)
        expert.to_device(device)
        write_text(os.path.join(out, "sync_expert.json"), json.dumps(report, indent=2) + "\n")
    if not config["train"]["sync_train"]:
        expert.disable_update()
    return expert, spent
