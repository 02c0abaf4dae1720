"""Loss signs: each loss rewards D for scoring real+matching high and fake / mismatched low,
and rewards G for a high score of its fakes."""
import chainer
import numpy as np
import pytest

from tgan_music.registry import registry
from tgan_music.training.losses import build_loss, conditional_logistic, hinge, wgan


def scores(*values):
    return [chainer.Variable(np.asarray(v, np.float32)) for v in values]


@pytest.mark.parametrize("name,args", [("wgan", {"mismatch_weight": 1.0}), ("conditional_logistic", {}),
                                       ("hinge", {})])
def test_gradient_signs(name, args):
    loss = build_loss({"name": name, "args": args})
    real, fake, mis = scores([0.5, -0.2], [0.1, 0.3], [0.2, -0.4])
    loss_dis, loss_gen = loss(real, fake, mis)
    loss_dis.backward()
    assert (real.grad < 0).all(), "D must push real + matching music up"
    assert (fake.grad > 0).all(), "D must push fakes down"
    assert (mis.grad > 0).all(), "D must push real + mismatched music down"
    fake.cleargrad()
    loss_gen.backward()
    assert (fake.grad < 0).all(), "G must push its fakes' scores up"


def test_conditional_logistic_values():
    # r = sigmoid(s); a perfect evaluator has loss -> 0, a confused one 3 log 2 (a = b = 1).
    real, fake, mis = scores([20.0], [-20.0], [-20.0])
    loss_dis, loss_gen = conditional_logistic(real, fake, mis)
    assert float(loss_dis.array) == pytest.approx(0, abs=1e-6)
    assert float(loss_gen.array) == pytest.approx(20, rel=1e-4)
    zero = scores([0.0], [0.0], [0.0])
    assert float(conditional_logistic(*zero)[0].array) == pytest.approx(3 * np.log(2), rel=1e-5)
    assert float(conditional_logistic(*zero, a=0.5, b=0.0)[0].array) == pytest.approx(1.5 * np.log(2), rel=1e-5)
    # Without music the mismatch term is absent.
    assert float(conditional_logistic(*zero[:2])[0].array) == pytest.approx(2 * np.log(2), rel=1e-5)


def test_wgan_and_hinge_values():
    real, fake, mis = scores([1.0, 3.0], [0.5, -0.5], [2.0, 2.0])
    loss_dis, loss_gen = wgan(real, fake)
    assert float(loss_dis.array) == pytest.approx(-2.0)
    assert float(loss_gen.array) == pytest.approx(0.0)
    assert float(wgan(real, fake, mis, mismatch_weight=0.5)[0].array) == pytest.approx(-1.0)
    loss_dis, _ = hinge(real, fake, mis, mismatch_weight=0.0)
    assert float(loss_dis.array) == pytest.approx((0 + 0) / 2 + (1.5 + 0.5) / 2)


def test_losses_are_registered_with_config_arguments():
    names = registry("loss").names()
    assert {"wgan", "conditional_logistic", "hinge"} <= set(names)
    assert set(registry("loss").parameters("conditional_logistic")) == {"a", "b", "c"}


@pytest.mark.parametrize("name", ["conditional_logistic", "hinge", "wgan"])
def test_shifted_music_term_penalises_d_for_trusting_a_shifted_pair(name):
    loss = build_loss({"name": name, "args": {"shift_weight": 1.0} if name == "wgan" else {}})
    real, fake, mis = (np.full(4, v, np.float32) for v in (1.0, -1.0, -1.0))
    base, g = loss(real, fake, mis, None)
    fooled, g2 = loss(real, fake, mis, np.full(2, 2.0, np.float32))
    caught, _ = loss(real, fake, mis, np.full(2, -2.0, np.float32))
    assert float(fooled.array) > float(caught.array) and float(g.array) == float(g2.array)
    empty, _ = loss(real, fake, mis, np.zeros(0, np.float32))
    assert float(empty.array) == pytest.approx(float(base.array))
