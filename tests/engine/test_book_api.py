"""The tensor and nn API the book's chapters 2-4 use, next to torch: numpy-style axis=/keepdims=,
cumsum, prod, mv, torch.normal, normal_/uniform_, Multinomial, Dropout, Flatten, losses with
reduction='none', register_hook, and torch's warnings."""
from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
import torch

from helpers import assert_same, both, outcome


@pytest.mark.parametrize("fn", [
    lambda t: t.arange(12.0).reshape(3, 4).sum(axis=1),
    lambda t: t.arange(12.0).reshape(3, 4).sum(axis=0, keepdims=True),
    lambda t: t.arange(12.0).reshape(3, 4).mean(axis=1, keepdims=True),
    lambda t: t.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]).argmax(axis=1),
    lambda t: t.sum(t.ones(2, 3), axis=1),
    lambda t: t.arange(6).reshape(2, 3).cumsum(axis=0),
    lambda t: t.arange(1.0, 5.0).cumsum(0),
    lambda t: t.arange(1.0, 7.0).reshape(2, 3).prod(1),
    lambda t: t.arange(1, 6).prod(),
    lambda t: t.mv(t.arange(6.0).reshape(2, 3), t.ones(3)),
    lambda t: t.arange(6.0).reshape(2, 3).mv(t.tensor([1.0, 0.0, -1.0])),
    lambda t: t.norm(t.tensor([3.0, -4.0])),
], ids=lambda f: "")
def test_book_tensor_methods_match_torch(mg, fn):
    ours, theirs = both(mg, fn)
    assert_same(ours, theirs)
    assert repr(ours) == repr(theirs)


def test_cumsum_prod_and_mv_gradients_match_torch(mg):
    def run(t):
        a = t.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], requires_grad=True)
        v = t.tensor([1.0, -2.0, 0.5], requires_grad=True)
        (a.cumsum(1) * a.prod(1, keepdim=True)).sum().backward()
        t.mv(a, v).sum().backward()
        return a.grad, v.grad
    for ours, theirs in zip(*both(mg, run)):
        assert_same(ours, theirs)


def test_mv_rejects_a_matrix_as_vector(mg):
    for t in (mg, torch):
        with pytest.raises(RuntimeError, match="vector"):
            t.mv(t.ones(2, 3), t.ones(3, 1))


def test_normal_draws_have_the_requested_shape_mean_and_std(mg):
    x = mg.normal(3.0, 0.5, (20000,))
    assert x.shape == (20000,) and x.dtype == mg.float32
    assert float(x.mean()) == pytest.approx(3.0, abs=0.02)
    assert float(((x - x.mean()) ** 2).mean().sqrt()) == pytest.approx(0.5, rel=0.03)
    per_mean = mg.normal(mg.tensor([0.0, 100.0]), 1.0)
    assert per_mean.shape == (2,) and float(per_mean[1]) > 90
    w = mg.zeros(1000, 20)
    assert w.normal_(0, 0.01) is w and float(w.abs().max()) < 0.1 and float(w.abs().max()) > 0
    assert w.uniform_(-2, -1) is w and float(w.max()) <= -1 and float(w.min()) >= -2


def test_manual_seed_repeats_the_draws(mg):
    mg.manual_seed(7)
    first = (mg.randn(3), mg.rand(2), mg.randint(0, 10, (4,)), mg.randperm(5), mg.normal(0, 1, (2,)))
    mg.manual_seed(7)
    again = (mg.randn(3), mg.rand(2), mg.randint(0, 10, (4,)), mg.randperm(5), mg.normal(0, 1, (2,)))
    for a, b in zip(first, again):
        assert a.equal(b)
    assert sorted(first[3].tolist()) == list(range(5)) and first[3].dtype == mg.int64


def test_multinomial_counts(mg):
    probs = mg.ones(6) / 6
    dist = mg.distributions.multinomial.Multinomial(1000, probs)
    counts = dist.sample()
    assert counts.dtype == mg.float32 and counts.shape == (6,) and float(counts.sum()) == 1000
    many = dist.sample((500,))
    assert many.shape == (500, 6)
    assert np.allclose(many.numpy().mean(0) / 1000, 1 / 6, atol=0.005)
    assert (mg.distributions.multinomial.Multinomial(1, probs).sample((50,)).sum(1) == 1).all()
    assert repr(dist) == repr(torch.distributions.multinomial.Multinomial(1000, torch.ones(6) / 6))


def test_dropout_in_training_and_eval(mg):
    layer = mg.nn.Dropout(0.25)
    x = mg.ones(200, 50, requires_grad=True)
    y = layer(x)
    kept = y.detach().numpy() != 0
    assert 0.7 < kept.mean() < 0.8
    assert np.allclose(y.detach().numpy()[kept], 1 / 0.75)
    y.sum().backward()
    assert_same(x.grad, torch.tensor(y.detach().numpy()))         # ∂y/∂x is the scaled mask
    assert layer.eval()(x) is x
    assert (mg.nn.functional.dropout(x, 1.0).detach().numpy() == 0).all()
    for t in (mg, torch):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            t.nn.Dropout(1.5)


@pytest.mark.parametrize("make", [
    lambda t: t.nn.Dropout(0.3), lambda t: t.nn.Flatten(), lambda t: t.nn.MSELoss(),
    lambda t: t.nn.CrossEntropyLoss(reduction="none"), lambda t: t.nn.Linear(2, 3, bias=False),
    lambda t: t.nn.Sequential(t.nn.Flatten(), t.nn.Linear(4, 2), t.nn.ReLU(), t.nn.Dropout(0.5)),
], ids=lambda f: "")
def test_module_reprs_match_torch(mg, make):
    ours, theirs = both(mg, make)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_loss_modules_match_torch(mg, reduction):
    def run(t):
        logits = t.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]], requires_grad=True)
        pred = t.tensor([1.0, 2.5, -1.0], requires_grad=True)
        ce = t.nn.CrossEntropyLoss(reduction=reduction)(logits, t.tensor([2, 0]))
        mse = t.nn.MSELoss(reduction=reduction)(pred, t.tensor([0.0, 2.0, 1.0]))
        (ce.sum() + mse.sum()).backward()
        return ce, mse, logits.grad, pred.grad
    for ours, theirs in zip(*both(mg, run)):
        assert_same(ours, theirs)
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        mg.nn.MSELoss(reduction="bad")


def test_flatten_module(mg):
    ours, theirs = both(mg, lambda t: t.nn.Flatten()(t.arange(24.0).reshape(2, 3, 4)))
    assert_same(ours, theirs)


def test_register_hook_on_leaf_and_intermediate(mg):
    def run(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_hook(lambda g: g * 10)
        y = x * x
        handle = y.register_hook(lambda g: seen.append(g.clone()))
        y.sum().backward()
        handle.remove()
        (x * x).sum().backward()
        return x.grad, seen[0], len(seen)
    (g, seen, n), (tg, tseen, tn) = both(mg, run)
    assert_same(g, tg)
    assert_same(seen, tseen)
    assert n == tn == 1
    for t in (mg, torch):
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
            t.ones(2).register_hook(lambda g: g)


def test_leaf_hooks_apply_to_autograd_grad_too(mg):
    def run(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 10)
        return t.autograd.grad((x * x).sum(), x)
    assert_same(run(mg)[0], run(torch)[0])


@pytest.mark.parametrize("run", ["grad(z, x)", "grad(z, y)", "grad(z, [x, y])", "grad(z, [y, x])", "backward",
                                 "backward(inputs=[y])", "grad of a tensor above y"])
def test_hooks_and_retained_grads_of_non_leaves_as_torch(mg, run):
    """A non-leaf's hooks run once; its retained .grad is filled by backward and by autograd.grad (after
    the hooks); autograd.grad returns a non-leaf input's gradient after its hooks unless its node runs
    to reach another input."""
    def program(t):
        calls = []
        x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: (calls.append(g.tolist()), g * 10)[1])
        z = (y * y).sum()
        if run == "backward":
            z.backward()
            got = (x.grad,)
        elif run == "backward(inputs=[y])":
            z.backward(inputs=[y])
            got = (y.grad, x.grad)
        elif run == "grad of a tensor above y":
            w = y * 1
            w.retain_grad()
            got = (*t.autograd.grad((w * 3).sum(), x), w.grad)
        else:
            got = eval(f"t.autograd.{run}", {"t": t, "x": x, "y": y, "z": z})
        return [None if g is None else g.tolist() for g in got], y.grad.tolist(), calls
    ours, theirs = both(mg, program)
    assert ours == theirs


def test_grad_of_a_non_leaf_warns_like_torch(mg):
    messages = []
    for t in (mg, torch):
        y = t.ones(2, requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
        assert [w.category for w in caught] == [UserWarning]
        messages.append(str(caught[0].message))
    assert torch_text(messages[1]) == messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = mg.ones(2, requires_grad=True) * 2
        y.retain_grad()
        assert y.grad is None                            # retained: no warning
        assert mg.ones(2, requires_grad=True).grad is None


def test_float_of_a_tensor_requiring_grad_warns_once_like_torch(mg, monkeypatch):
    """torch 2.13: float() warns (once per process); item() and int() do not."""
    monkeypatch.setattr(sys.modules["minigrad.torch_compat.tensor_methods"], "_warned", set())
    x = mg.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert x.item() == 2.0 and int(x) == 2 and f"{x:.1f}" == "2.0"
        assert caught == []
        assert float(x) == 2.0 and float(x * 3) == 6.0 and float(mg.tensor(1.0)) == 1.0
    assert [w.category for w in caught] == [UserWarning]
    assert str(caught[0].message) == ("Converting a tensor with requires_grad=True to a scalar may lead to "
                                      "unexpected behavior.\nConsider using tensor.detach() first.")


def torch_text(message: str) -> str:
    """torch's warning without the C++ location it appends."""
    return message.split(" (Triggered internally at")[0]


def test_indexing_with_a_range_picks_like_a_list(mg):
    def run(t):
        probs = t.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]], requires_grad=True)
        picked = -t.log(probs[range(len(probs)), t.tensor([0, 2])])
        picked.sum().backward()
        return picked, probs.grad, type(probs[range(2)].grad_fn).__name__
    (value, grad, name), (tvalue, tgrad, tname) = both(mg, run)
    assert_same(value, tvalue)
    assert_same(grad, tgrad)
    assert name == tname


def test_optimizer_groups_may_hold_a_single_tensor(mg):
    def run(t):
        t.manual_seed(0)
        net = t.nn.Sequential(t.nn.Linear(3, 1))
        for p, value in zip(net.parameters(), ([[0.5, -1.0, 2.0]], [0.25])):
            with t.no_grad():
                p.copy_(t.tensor(value))
        trainer = t.optim.SGD([{"params": net[0].weight, "weight_decay": 0.1}, {"params": net[0].bias}], lr=0.1)
        loss = ((net(t.ones(4, 3)) - 1) ** 2).mean()
        loss.backward()
        trainer.step()
        return net[0].weight, net[0].bias
    for ours, theirs in zip(*both(mg, run)):
        assert_same(ours, theirs)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        mg.optim.SGD(mg.zeros(2, requires_grad=True), lr=0.1)


# ------------------------------------------------------------------ torch's names, warnings and errors at the edges

SHAPE_OPS = ["a.t()", "a.T", "a.mT", "a.transpose(0, -1)", "a.swapaxes(0, -1)", "a.permute(*reversed(range(a.dim())))",
             "a.reshape(-1)", "a.view(-1)", "a.flatten()", "a.flatten(0, 0)", "a.squeeze()", "a.squeeze(0)",
             "a.squeeze((0,))", "a.unsqueeze(0)", "a.expand(2, *a.shape)", "a[None]", "a[...]", "a[0]", "a[:1]", "a[[0]]",
             "a.view_as(a)", "a.contiguous()"]


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)], ids=str)
def test_shape_ops_grad_fn_names_views_and_errors_match_torch(mg, shape):
    """grad_fn names (t() is TBackward0, squeeze(dim) SqueezeBackward1, ...), which results are views of
    their input (_base), which return the tensor itself, and torch's errors (t() of 3 dims, mT of 1)."""
    def run(t):
        shown = []
        for expr in SHAPE_OPS:
            a = t.ones(shape, requires_grad=True) * 1
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = outcome(lambda: eval(expr, {"a": a}))
            shown.append(y if isinstance(y, str) else
                         (type(y.grad_fn).__name__, tuple(y.shape), y._base is a, y is a))
        return shown
    ours, theirs = both(mg, run)
    for expr, mine, torchs in zip(SHAPE_OPS, ours, theirs):
        assert mine == torchs, expr


def test_T_and_mT_warn_once_like_torch(mg, monkeypatch):
    monkeypatch.setattr(sys.modules["minigrad.torch_compat.tensor_shape"], "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            mg.ones(()).T, mg.ones(()).mT, mg.ones(3).T, mg.ones(2, 1, 3).T, mg.ones(2, 3).T
    shown = [str(w.message) for w in caught]
    assert shown == ["Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                     "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
                     mg.torch_compat.tensor_shape.T_ND]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.ones(3).T
    assert not caught or torch_text(str(caught[0].message)) == mg.torch_compat.tensor_shape.T_ND   # torch's once is per process


@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.1},
                                    {"label_smoothing": 0.2, "reduction": "none"}, {"label_smoothing": 0.3,
                                                                                    "reduction": "sum"}], ids=str)
@pytest.mark.parametrize("target", ["probabilities", "classes"])
def test_cross_entropy_with_class_probabilities_and_label_smoothing(mg, kwargs, target):
    def run(t):
        logits = t.tensor([[0.5, 1.5, 2.0], [1.0, 3.0, 0.25]], requires_grad=True, dtype=t.float64)
        wanted = t.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], dtype=t.float64) if target == "probabilities" \
            else t.tensor([0, 2])
        loss = t.nn.functional.cross_entropy(logits, wanted, **kwargs)
        module = t.nn.CrossEntropyLoss(**kwargs)(logits, wanted)
        loss.sum().backward()
        return loss, module, logits.grad, type(loss.grad_fn).__name__
    ours, theirs = both(mg, run)
    for mine, torchs in zip(ours[:3], theirs[:3]):
        assert_same(mine, torchs)
    assert ours[3] == theirs[3]


DIMS = ["a.unsqueeze(5)", "a.unsqueeze(-3)", "a.unsqueeze(-4)", "a.squeeze(4)", "a.transpose(0, 3)", "a.sum(3)",
        "a.sum(-3)", "a.sum((0, 2))", "a.mean(2)", "a.max(2)", "a.min(-3)", "a.cumsum(2)", "a.prod(2)", "a.prod(-2)",
        "t.cat([a, a], 2)", "t.stack([a, a], 3)", "t.stack([a, a], -3)", "a.flatten(0, 2)", "a.flatten(1, 0)",
        "s.sum(0)", "s.mean(-1)", "s.sum(1)", "s.unsqueeze(1)", "s.unsqueeze(-2)", "s.max(0)", "s.cumsum(0)",
        "s.prod(0)", "s.transpose(0, -1)", "s.transpose(0, 1)", "t.norm(a, dim=2)"]


def test_dims_out_of_range_raise_torchs_error(mg):
    """Dims are checked as torch checks them (numpy's modulo used to wrap unsqueeze(5) and sum(3) silently)."""
    def run(t):
        a, s = t.ones(2, 3), t.ones(())
        shown = []
        for expr in DIMS:
            result = outcome(lambda: eval(expr, {"t": t, "a": a, "s": s}))
            shown.append(result if isinstance(result, str) else tuple(np.shape(result[0] if isinstance(result, tuple)
                                                                                 else result)))
        return shown
    ours, theirs = both(mg, run)
    for expr, mine, torchs in zip(DIMS, ours, theirs):
        assert mine == torchs, expr


@pytest.mark.parametrize("bad", [
    lambda t: t.nn.functional.cross_entropy(t.ones(2, 3), t.tensor([0.0, 2.0])),
    lambda t: t.nn.functional.cross_entropy(t.ones(2, 3), t.ones(2, 3), label_smoothing=1.5),
    lambda t: t.nn.functional.cross_entropy(t.ones(2, 3), t.ones(2, 3, dtype=t.int64)),
    lambda t: t.nn.functional.cross_entropy(t.ones(2, 3), t.ones(2, 2, dtype=t.int64)),
    lambda t: t.tensor(np.array([1, "a"], dtype=object)),
    lambda t: t.tensor(np.array([1.0, 2.0], dtype=object)),
    lambda t: t.as_tensor(np.array(["a", "b"])),
    lambda t: t.from_numpy(np.array([[1, 2], [3]], dtype=object)),
    lambda t: t.ones(())[0],
    lambda t: t.ones(())[:1],
    lambda t: t.ones(())[[0]],
    lambda t: t.ones(3, 1)[:, 1],
    lambda t: t.ones(3)[1, 2],
    lambda t: t.ones(2, 3)[[0, 5]],
], ids=lambda f: "")
def test_errors_at_the_edges_match_torch(mg, bad):
    ours, theirs = both(mg, lambda t: outcome(lambda: bad(t)))
    assert ours == theirs and ":" in ours
