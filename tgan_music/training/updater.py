"""One training iteration: a discriminator step, singular value clipping when due, a generator step."""
import math
import warnings

import chainer
import numpy as np
from chainer.dataset import concat_examples

from tgan_music.errors import UserError


class NonFiniteLoss(UserError):
    """A loss became NaN or inf; the run stops before the update that would spread it."""

    def __init__(self, iteration, which, value):
        self.iteration, self.which, self.value = iteration, which, value
        super().__init__(f"iteration {iteration}: the {which} loss is {value}")


def load_clipper():
    """TGAN's singular value clipping (tgan_music.model.svc), or None when not available."""
    try:
        from tgan_music.model.svc import clip_singular_values
    except ImportError:
        return None
    return clip_singular_values


class GANUpdater(chainer.training.updaters.StandardUpdater):
    """TGAN's schedule: per iteration one D step then one G step, SVC of D every ``svc_freq``.

    The music of a batch conditions both networks; D also scores the real videos with
    mismatched music (drawn by the dataset from other source videos) for the seed's loss.
    z and the mismatched draws come from this updater's own RandomState, which is saved
    in snapshots, so a run is reproducible from its seed and resumes where it stopped."""

    def __init__(self, iterator, gen_optimizer, dis_optimizer, loss, *, conditional, device,
                 svc_freq=0, seed=0, dataset=None):
        super().__init__(iterator, {"gen": gen_optimizer, "dis": dis_optimizer},
                         converter=concat_examples, device=device)
        self.gen = gen_optimizer.target
        self.dis = dis_optimizer.target
        self.loss = loss
        self.conditional = conditional
        self.svc_freq = svc_freq
        self.rng = np.random.RandomState(seed)
        self.dataset = dataset
        self.clip = load_clipper() if svc_freq else None
        if svc_freq and self.clip is None:
            warnings.warn("train.svc_freq is set but tgan_music.model.svc is missing: training without "
                          "singular value clipping")

    def mismatched(self, m, indices):
        """Music of other clips for the real videos: the dataset's draw, else the batch rolled by one."""
        if self.dataset is not None and hasattr(self.dataset, "mismatched_embedding"):
            idx = chainer.backend.CpuDevice().send(indices)
            return self.device.send(self.dataset.mismatched_embedding(idx, self.rng))
        xp = chainer.backend.get_array_module(m)
        return xp.roll(m, 1, axis=0)

    def check(self, loss, which):
        value = float(loss.array)
        if not math.isfinite(value):
            raise NonFiniteLoss(self.iteration + 1, which, value)
        return value

    def update_core(self):
        batch = self.get_iterator("main").next()
        x_real, m, indices = self.converter(batch, self.device)
        if not self.conditional:
            m = None
        n = len(x_real)
        z = self.device.send(self.gen.sample_z(n, self.rng))
        mis = self.mismatched(m, indices) if self.conditional else None
        x_fake = self.gen(z, m)

        # Discriminator step (the fake is detached; real features are shared by both music draws).
        phi_real = self.dis.features(x_real)
        d_real = self.dis.score(phi_real, m)
        d_mis = self.dis.score(phi_real, mis) if self.conditional else None
        d_fake = self.dis(x_fake.array, m)
        loss_dis, _ = self.loss(d_real, d_fake, d_mis)
        dis_value = self.check(loss_dis, "discriminator")
        self.dis.cleargrads()
        loss_dis.backward()
        self.get_optimizer("dis").update()
        if self.clip is not None and (self.iteration + 1) % self.svc_freq == 0:
            self.clip(self.dis)

        # Generator step against the updated discriminator.
        d_fake_g = self.dis(x_fake, m)
        _, loss_gen = self.loss(d_real.array, d_fake_g, None)
        gen_value = self.check(loss_gen, "generator")
        self.gen.cleargrads()
        loss_gen.backward()
        self.get_optimizer("gen").update()

        report = {"dis/loss": dis_value, "gen/loss": gen_value,
                  "dis/real": float(d_real.array.mean()), "dis/fake": float(d_fake.array.mean())}
        if d_mis is not None:
            report["dis/mismatch"] = float(d_mis.array.mean())
        chainer.report(report)

    def serialize(self, serializer):
        super().serialize(serializer)
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
