"""nn.init with torch's fan and gain rules, nn.Linear initialised as torch does, Module.apply."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch


def bound_and_std(values: np.ndarray) -> tuple[float, float]:
    return float(np.abs(values).max()), float(values.std())


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3, 3), (2, 7)])
def test_fans_and_gains_match_torch(mg, shape):
    ours = mg.nn.init._calculate_fan_in_and_fan_out(mg.zeros(shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    for nonlinearity, param in [("linear", None), ("relu", None), ("tanh", None), ("leaky_relu", None),
                                ("leaky_relu", math.sqrt(5)), ("sigmoid", None), ("selu", None)]:
        assert mg.nn.init.calculate_gain(nonlinearity, param) == pytest.approx(
            torch.nn.init.calculate_gain(nonlinearity, param))


def test_fans_need_two_dims(mg):
    for t in (mg, torch):
        with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
            t.nn.init.xavier_uniform_(t.zeros(3))


@pytest.mark.parametrize("init,kwargs,expected_bound", [
    ("uniform_", {"a": -0.3, "b": 0.3}, 0.3),
    ("xavier_uniform_", {}, math.sqrt(6 / (200 + 300))),
    ("kaiming_uniform_", {}, math.sqrt(6 / 200)),                 # a=0: leaky_relu's gain is √2
    ("kaiming_uniform_", {"a": math.sqrt(5)}, 1 / math.sqrt(200)),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(6 / 300)),
])
def test_uniform_initialisers_fill_up_to_torchs_bound(mg, init, kwargs, expected_bound):
    w = mg.zeros(300, 200, requires_grad=True)
    assert getattr(mg.nn.init, init)(w, **kwargs) is w
    bound, std = bound_and_std(w.detach().numpy())
    assert expected_bound * 0.97 < bound <= expected_bound
    assert std == pytest.approx(expected_bound / math.sqrt(3), rel=0.05)
    assert w.requires_grad and w.grad_fn is None


@pytest.mark.parametrize("init,kwargs,expected_std", [
    ("normal_", {"mean": 0.0, "std": 0.01}, 0.01),
    ("xavier_normal_", {"gain": 2.0}, 2.0 * math.sqrt(2 / (200 + 300))),
    ("kaiming_normal_", {"nonlinearity": "relu"}, math.sqrt(2 / 200)),
])
def test_normal_initialisers_have_torchs_std(mg, init, kwargs, expected_std):
    w = mg.nn.Linear(200, 300).weight
    getattr(mg.nn.init, init)(w, **kwargs)
    assert float(w.detach().numpy().std()) == pytest.approx(expected_std, rel=0.05)
    assert abs(float(w.detach().numpy().mean())) < expected_std * 0.05


def test_constant_initialisers(mg):
    w = mg.nn.Linear(3, 2).weight
    for init, value in [("zeros_", 0.0), ("ones_", 1.0)]:
        getattr(mg.nn.init, init)(w)
        assert (w.detach().numpy() == value).all()
    mg.nn.init.constant_(w, 0.25)
    assert (w.detach().numpy() == 0.25).all()


def test_linear_is_initialised_like_torch(mg):
    layer = mg.nn.Linear(64, 500)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    bound = 1 / math.sqrt(64)                   # kaiming_uniform_(a=√5) and the bias rule both give 1/√in
    assert w.dtype == b.dtype == np.float32
    assert bound * 0.97 < np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert float(w.std()) == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_module_apply_visits_children_then_the_module(mg):
    net = mg.nn.Sequential(mg.nn.Linear(4, 3), mg.nn.ReLU(), mg.nn.Sequential(mg.nn.Linear(3, 2)))
    seen = []

    def init_weights(m):
        seen.append(type(m).__name__)
        if type(m) is mg.nn.Linear:
            mg.nn.init.normal_(m.weight, std=0.01)
            mg.nn.init.zeros_(m.bias)
    assert net.apply(init_weights) is net
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]
    assert (net[2][0].bias.detach().numpy() == 0).all()
    assert np.abs(net[0].weight.detach().numpy()).max() < 0.1
