"""One training iteration: a discriminator step, singular value clipping when due, a generator step."""
import math
import time

import chainer
import chainer.functions as F
import numpy as np
from chainer.dataset import concat_examples

from tgan_music.errors import UserError
from tgan_music.model.functions import pick_frames
from tgan_music.model.svc import clip_singular_values
from tgan_music.training.augment import augment
from tgan_music.training import sync_expert


class NonFiniteLoss(UserError):
    """A loss became NaN or inf; the run stops before the update that would spread it."""

    def __init__(self, iteration, which, value):
        self.iteration, self.which, self.value = iteration, which, value
        super().__init__(f"iteration {iteration}: the {which} loss is {value}")


class GANUpdater(chainer.training.updaters.StandardUpdater):
    """TGAN's schedule: per iteration one D step then one G step, SVC of D every ``svc_freq``.

    The music of a batch conditions both networks; D also scores the real videos with
    mismatched music (drawn by the dataset from other source videos) for the seed's loss.
    z and the mismatched draws come from this updater's own RandomState, which is saved
    in snapshots, so a run is reproducible from its seed and resumes where it stopped."""

    def __init__(self, iterator, gen_optimizer, dis_optimizer, loss, *, conditional, device,
                 dataset, svc_freq=0, seed=0, dist=None, multi_node_bn=False, augment=(),
                 shift_mismatch=False, gen_ema=None, ema_beta=0.0, cpu_seconds=0.0, r1_gamma=0.0, r1_interval=16,
                 sync=None, sync_weight=0.0, sync_optimizer=None, sync_start=0,
                 frame_optimizer=None, frame_weight=0.0, frame_samples=4, frame_warmup=0,
                 frame_warmup_z=1):
        optimizers = {"gen": gen_optimizer, "dis": dis_optimizer}
        if sync_optimizer is not None:   # train.sync_train; its weights and state travel in the snapshots
            optimizers["sync"] = sync_optimizer
        if frame_optimizer is not None:  # train.frame_weight: the frame discriminator, in the snapshots too
            optimizers["frame_dis"] = frame_optimizer
        super().__init__(iterator, optimizers, converter=concat_examples, device=device)
        self.gen = gen_optimizer.target
        self.dis = dis_optimizer.target
        # The frame discriminator (model.discriminator.FrameDiscriminator) and its weight in G's loss.
        self.frame_dis = frame_optimizer.target if frame_optimizer is not None else None
        self.frame_weight, self.frame_samples = float(frame_weight), int(frame_samples)
        self.frame_warmup = int(frame_warmup) if self.frame_dis is not None else 0
        self.frame_warmup_z = int(frame_warmup_z)
        # D(T(x)) for real and fake alike (tgan_music.training.augment); its own RandomState.
        self.augment = list(augment)
        self.aug_rng = np.random.RandomState(seed + 1)
        self.shift_mismatch = bool(shift_mismatch) and conditional and hasattr(dataset, "shifted_embedding")
        # G_ema: the moving average of G's weights that previews, metrics, export and generate use.
        self.gen_ema, self.ema_beta = gen_ema, float(ema_beta)
        self.r1_gamma, self.r1_interval = float(r1_gamma), max(1, int(r1_interval))
        # The frozen sync expert (tgan_music.training.sync_expert) and its weight in G's loss.
        self.sync, self.sync_weight = (sync, float(sync_weight)) if conditional and sync_weight else (None, 0.0)
        self.sync_start = int(sync_start)
        # Beat-shifted music is drawn for D's shift term and for the sync losses, where the data has it.
        self.draw_shifted = self.shift_mismatch or (self.sync is not None and hasattr(dataset, "shifted_embedding"))
        # Process CPU time spent in updates (all threads), for train.cpu_seconds; in snapshots.
        self.cpu_limit, self.cpu_seconds = float(cpu_seconds), 0.0
        self.loss = loss
        self.conditional = conditional
        self.svc_freq = svc_freq
        self.rng = np.random.RandomState(seed)
        self.dataset = dataset
        # Under MPI (``dist``, tgan_music.training.distributed) the iterator yields the same
        # global batch of example indices on every rank and each rank loads its own slice.
        self.dist = dist
        self.multi_node_bn = multi_node_bn
        self.clip = clip_singular_values if svc_freq else None

    @property
    def out_of_time(self):
        return self.cpu_limit > 0 and self.cpu_seconds >= self.cpu_limit

    def update(self):
        start = time.process_time()
        super().update()
        self.cpu_seconds += time.process_time() - start

    def local(self, global_batch):
        """This rank's part of an array that holds one row per example of the global batch."""
        return global_batch if self.dist is None else global_batch[self.dist.local_slice(len(global_batch))]

    def mean_over_ranks(self, values):
        return values if self.dist is None else self.dist.mean(values)

    def mismatched(self, m, global_indices):
        """Music of other clips for the real videos: the dataset's draw, else the batch rolled by one.

        The draw is made for the whole global batch (same RandomState on every rank) and
        sliced, so every rank gets different clips and the run equals the 1-rank run."""
        if hasattr(self.dataset, "mismatched_embedding"):
            drawn = self.dataset.mismatched_embedding(global_indices, self.rng)
            return self.device.send(self.local(drawn))
        xp = chainer.backend.get_array_module(m)
        return xp.roll(m, 1, axis=0)

    def shifted(self, global_indices):
        """(music moved by a fraction of a beat, rows that have it) for this rank's examples."""
        drawn, ok = self.dataset.shifted_embedding(global_indices, self.rng)
        return self.device.send(self.local(drawn)), self.local(ok)

    def r1_penalty(self, x_real, m):
        """Lazy R1: r1_interval * gamma / 2 * E |grad_x D(x_real, m)|^2, with double backprop."""
        x = chainer.Variable(chainer.as_array(x_real))
        d = self.dis(x, m)
        grad, = chainer.grad([F.sum(d)], [x], enable_double_backprop=True)
        penalty = F.mean(F.sum(F.reshape(grad * grad, (grad.shape[0], -1)), axis=1))
        chainer.report({"dis/r1": float(penalty.array)})
        return 0.5 * self.r1_gamma * self.r1_interval * penalty

    def frame_scores(self, clips):
        """The frame discriminator's scores of ``frame_samples`` frames of each clip, at random times."""
        return self.frame_dis(pick_frames(clips, self.frame_samples, self.aug_rng))

    def frame_gen_loss(self, fake):
        """G's part of the loss against the frame discriminator (it reads only the fake scores)."""
        d = self.frame_scores(fake)
        return self.loss(d.array, d)[1]

    def frame_step(self, real, fake):
        """One step of the frame discriminator on frames, at random times, of the (augmented,
        as D saw them) real and fake clips; returns its loss."""
        loss, _ = self.loss(self.frame_scores(real), self.frame_scores(fake))
        value, = self.mean_over_ranks([float(loss.array)])
        self.check(value, "frame discriminator")
        self.frame_dis.cleargrads()
        loss.backward()
        self.get_optimizer("frame_dis").update()
        return value

    def picture_step(self, x_real, x_fake, aug):
        """An iteration of ``train.frame_warmup``: G against the frame discriminator alone, while
        D, SVC and the sync loss wait. Against the 3-D D from the start, G hopped from one picture
        to the next, the same for every z; against a frame D it learns varied pictures in a few
        hundred steps that cost about a third of a full one."""
        frame_value = self.frame_step(aug(x_real), aug(x_fake.array))
        loss = self.frame_gen_loss(aug(x_fake))
        value, = self.mean_over_ranks([float(loss.array)])
        self.check(value, "generator")
        self.gen.cleargrads()
        loss.backward()
        self.get_optimizer("gen").update()
        if self.dist is not None and not self.multi_node_bn:
            self.dist.average_persistents(self.gen)
        if self.gen_ema is not None:
            self.update_ema()
        chainer.report({"frame/loss": frame_value, "gen/frame": value})

    def warmup_inputs(self, z, m, global_batch):
        """(z, m) of the warm-up's fakes: with ``frame_warmup_z`` k > 1, k - 1 more z per clip (drawn
        for the global batch, then this rank's rows, as z is) with the clip's music repeated: more
        distinct pictures per frame-D step, which is what the warm-up is for (the same G inside the
        updater reached a picture spread of 0.05 at 16 z a step, a loop of 32 z a step 0.10-0.19)."""
        k = self.frame_warmup_z
        if k == 1:
            return z, m
        xp = chainer.backend.get_array_module(z)
        extra = self.gen.sample_z(global_batch * (k - 1), self.rng).reshape(k - 1, global_batch, -1)
        z = xp.concatenate([z] + [self.device.send(self.local(e)) for e in extra])
        return z, (None if m is None else xp.concatenate([m] * k))

    def sync_scale(self):
        """0 before ``sync_start``, then a linear ramp to 1 over as many iterations: G first learns
        the scene from D alone (from the first iteration on, the sync loss turned it into a grey
        texture that the expert scored as in time)."""
        if not self.sync_start:
            return 1.0
        # counted from the end of train.frame_warmup, when D and the sync loss start
        return min(1.0, max(0.0, (self.iteration - self.frame_warmup) / self.sync_start - 1.0))

    def sync_augment(self, x):
        return augment(x, sync_expert.POLICIES, self.aug_rng)

    def update_ema(self):
        """ema = beta ema + (1 - beta) G for the weights; BN's running statistics are copied."""
        beta = self.ema_beta
        for (name, p), (_, q) in zip(sorted(self.gen.namedparams()), sorted(self.gen_ema.namedparams())):
            q.array *= beta
            q.array += (1 - beta) * p.array
        src = dict(self.gen.namedlinks())
        for name, link in self.gen_ema.namedlinks():
            for key in link._persistent:
                value = getattr(src[name], key)
                setattr(link, key, value.copy() if hasattr(value, "copy") else value)

    def check(self, value, which):
        """Raises NonFiniteLoss for a NaN/inf loss (under MPI the mean over the ranks, so that
        every rank stops at the same iteration)."""
        if not math.isfinite(value):
            raise NonFiniteLoss(self.iteration + 1, which, value)
        return value

    def update_core(self):
        global_indices = np.asarray(self.get_iterator("main").next(), np.int64)
        examples = [self.dataset[int(i)] for i in self.local(global_indices)]
        x_real, m, _ = self.converter(examples, self.device)
        if not self.conditional:
            m = None
        # z for the whole global batch from the RandomState every rank shares, then this
        # rank's rows: ranks draw different z, and the run is reproducible for any rank count.
        z = self.device.send(self.local(self.gen.sample_z(len(global_indices), self.rng)))
        # One augmentation draw per clip for each D pass (DiffAugment); none when train.augment is [].
        aug = (lambda x: augment(x, self.augment, self.aug_rng)) if self.augment else (lambda x: x)
        if self.iteration < self.frame_warmup:
            return self.picture_step(x_real, self.gen(*self.warmup_inputs(z, m, len(global_indices))), aug)
        mis = self.mismatched(m, global_indices) if self.conditional else None
        shifted, shift_ok = self.shifted(global_indices) if self.draw_shifted else (None, None)
        x_fake = self.gen(z, m)

        # Discriminator step (the fake is detached). Real features are shared by all music draws,
        # unless D reads the music at its input (music_input): then each draw is a pass of its own.
        x_aug = aug(x_real)
        stem_real = self.dis.stem(x_aug)
        phi_real = self.dis.trunk(stem_real, m)
        d_real = self.dis.score(phi_real, m)

        def real_with(music, rows=None):
            if getattr(self.dis, "music_input", 0):   # the stem, which does not read the music, is shared
                return self.dis.score(self.dis.trunk(stem_real if rows is None else stem_real[rows], music), music)
            return self.dis.score(phi_real if rows is None else phi_real[rows], music)

        d_mis = real_with(mis) if self.conditional else None
        d_shift = None
        if self.shift_mismatch and shift_ok.any():
            keep = np.flatnonzero(shift_ok)
            d_shift = real_with(shifted[keep], keep)
        fake_aug = aug(x_fake.array)
        d_fake = self.dis(fake_aug, m)
        loss_dis, _ = self.loss(d_real, d_fake, d_mis, d_shift)
        if self.r1_gamma and self.iteration % self.r1_interval == 0:
            loss_dis = loss_dis + self.r1_penalty(x_aug, m)
        dis_value, = self.mean_over_ranks([float(loss_dis.array)])
        self.check(dis_value, "discriminator")
        self.dis.cleargrads()
        loss_dis.backward()
        self.get_optimizer("dis").update()    # under MPI: gradients averaged over the ranks
        if self.clip is not None and (self.iteration + 1) % self.svc_freq == 0:
            if self.dist is not None and not self.multi_node_bn:
                self.dist.average_persistents(self.dis)   # SVC clamps BN gammas by these
            self.clip(self.dis)

        if self.frame_dis is not None:
            frame_value = self.frame_step(x_aug, fake_aug)

        sync_on = self.sync is not None and self.sync_scale() > 0
        if sync_on and "sync" in self._optimizers:
            # train.sync_train: the expert goes on learning, now with the generated clips as well.
            loss_e = sync_expert.discriminator_loss(self.sync, self.sync_augment(x_real).array, m, mis, shifted,
                                                    shift_ok, self.sync_augment(x_fake.array).array, self.aug_rng)
            self.sync.cleargrads()
            loss_e.backward()
            self.get_optimizer("sync").update()
            chainer.report({"sync/loss": self.check(float(loss_e.array), "sync expert")})

        # Generator step against the updated discriminator.
        fake_g_aug = aug(x_fake)
        d_fake_g = self.dis(fake_g_aug, m)
        _, loss_gen = self.loss(d_real.array, d_fake_g, None)
        if self.frame_dis is not None:
            loss_frame = self.frame_gen_loss(fake_g_aug)
            loss_gen = loss_gen + self.frame_weight * loss_frame
            report_frame = float(loss_frame.array)
        sync_value = None
        if sync_on:
            # The sync expert's loss, relative (tgan_music.training.sync_expert.generator_loss): an
            # absolute -log sync(G(z, m), m) was met within 80 iterations by fakes the frozen expert
            # had never seen. On clips augmented as the expert was trained.
            loss_sync = sync_expert.generator_loss(self.sync, self.sync_augment(x_fake), m, mis, shifted, shift_ok)
            sync_value = float(loss_sync.array)
            loss_gen = loss_gen + self.sync_weight * self.sync_scale() * loss_sync
        scores = [float(d_real.array.mean()), float(d_fake.array.mean())]
        if d_mis is not None:
            scores.append(float(d_mis.array.mean()))
        if d_shift is not None:
            scores.append(float(d_shift.array.mean()))
        gen_value, *scores = self.mean_over_ranks([float(loss_gen.array)] + scores)
        self.check(gen_value, "generator")
        self.gen.cleargrads()
        loss_gen.backward()
        self.get_optimizer("gen").update()
        if self.dist is not None and not self.multi_node_bn:
            self.dist.average_persistents(self.gen, self.dis)
        if self.gen_ema is not None:
            self.update_ema()

        report = {"dis/loss": dis_value, "gen/loss": gen_value, "dis/real": scores[0], "dis/fake": scores[1]}
        if d_mis is not None:
            report["dis/mismatch"] = scores[2]
        if d_shift is not None:
            report["dis/shifted"] = scores[3]
        if sync_value is not None:
            report["gen/sync"], = self.mean_over_ranks([sync_value])
        if self.frame_dis is not None:
            report["frame/loss"], report["gen/frame"] = self.mean_over_ranks([frame_value, report_frame])
        chainer.report(report)

    def serialize(self, serializer):
        super().serialize(serializer)
        if self.gen_ema is not None:
            self.gen_ema.serialize(serializer["model:gen_ema"])
        serialize_random_state(serializer["aug_rng"], self.aug_rng)
        self.cpu_seconds = float(serializer("cpu_seconds", self.cpu_seconds))
        # The random states travel with the snapshot so a resumed run draws (z, mismatched
        # music, epoch order) exactly what the uninterrupted run would have.
        serialize_random_state(serializer["rng"], self.rng)
        sampler = getattr(self.get_iterator("main"), "order_sampler", None)
        if isinstance(sampler, SeededOrderSampler):
            serialize_random_state(serializer["order_rng"], sampler.rng)


class SeededOrderSampler(chainer.iterators.OrderSampler):
    """Shuffles every epoch from its own RandomState (saved in snapshots by GANUpdater)."""

    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)

    def __call__(self, current_order, current_position):
        return self.rng.permutation(len(current_order))


def serialize_random_state(serializer, rng):
    """Saves or restores a numpy RandomState through a Chainer serializer."""
    name, keys, pos, has_gauss, gauss = rng.get_state()
    keys = serializer("keys", keys)
    scalars = serializer("scalars", np.asarray([pos, has_gauss], np.int64))
    gauss = serializer("gauss", np.asarray(gauss, np.float64))
    if isinstance(serializer, chainer.serializer.Deserializer):
        rng.set_state((name, np.asarray(keys, np.uint32), int(scalars[0]), int(scalars[1]), float(gauss)))
