"""GAN losses as plain functions, chosen by name (``train.loss``).

Each takes the discriminator's raw scores: ``d_real`` (real video, its own music),
``d_fake`` (generated video, the music it was made for), ``d_mismatch`` (real video,
music of another clip; None for unconditional models) and ``d_shift`` (real video, its own
music moved by a fraction of a beat: a phase-mismatched pair; None when off) and returns
``(loss_dis, loss_gen)``, both minimised. Keyword-only arguments are config-settable.
"""
import chainer.functions as F

from tgan_music.registry import registry


def _term(weight, scores, fn):
    """weight * E fn(scores), or 0 when the term is off or has no scores."""
    if scores is None or not weight or scores.shape[0] == 0:
        return 0
    return weight * F.mean(fn(scores))


@registry("loss").register("wgan")
def wgan(d_real, d_fake, d_mismatch=None, d_shift=None, *, mismatch_weight: float = 0.0,
         shift_weight: float = 0.0):
    """TGAN's WGAN loss: L_D = -E D(real) + E D(fake) [+ w E D(real, mismatched music)]
    [+ w_s E D(real, shifted music)], L_G = -E D(fake). SVC keeps D (roughly) 1-Lipschitz."""
    loss_dis = -F.mean(d_real) + F.mean(d_fake)
    loss_dis = loss_dis + _term(mismatch_weight, d_mismatch, lambda s: s) + _term(shift_weight, d_shift, lambda s: s)
    return loss_dis, -F.mean(d_fake)


@registry("loss").register("conditional_logistic")
def conditional_logistic(d_real, d_fake, d_mismatch=None, d_shift=None, *, a: float = 1.0, b: float = 1.0,
                         c: float = 1.0):
    """The seed's loss after Dai et al.: r = sigmoid(score); D maximises
    log r(real, match) + a log(1 - r(fake)) + b log(1 - r(real, mismatch)), so real + matching
    music -> 1, fake -> 0, real + mismatched music -> 0. G maximises log r(fake) (the
    non-saturating form). Without music (d_mismatch None) it is the plain logistic GAN loss."""
    # -log sigmoid(s) = softplus(-s); -log(1 - sigmoid(s)) = softplus(s)
    # c: the same for real + its own music moved by a fraction of a beat -> 0.
    loss_dis = F.mean(F.softplus(-d_real)) + a * F.mean(F.softplus(d_fake))
    loss_dis = loss_dis + _term(b, d_mismatch, F.softplus) + _term(c, d_shift, F.softplus)
    return loss_dis, F.mean(F.softplus(-d_fake))


@registry("loss").register("hinge")
def hinge(d_real, d_fake, d_mismatch=None, d_shift=None, *, mismatch_weight: float = 1.0,
          shift_weight: float = 1.0):
    """Hinge loss: L_D = E relu(1 - D(real)) + E relu(1 + D(fake)) [+ w E relu(1 + D(mismatch))]
    [+ w_s E relu(1 + D(shifted))], L_G = -E D(fake)."""
    loss_dis = F.mean(F.relu(1.0 - d_real)) + F.mean(F.relu(1.0 + d_fake))
    def negative(s):
        return F.relu(1.0 + s)
    loss_dis = loss_dis + _term(mismatch_weight, d_mismatch, negative) + _term(shift_weight, d_shift, negative)
    return loss_dis, -F.mean(d_fake)


def build_loss(spec):
    """The loss function of a ``{name, args}`` spec, with its args bound."""
    import functools
    fn = registry("loss").get(spec["name"], where="train.loss: ")
    return functools.partial(fn, **(spec.get("args") or {}))
