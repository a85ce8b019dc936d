"""With the same manual_seed, minigrad draws torch's numbers, bit for bit: randn, rand, randint,
randperm, normal, normal_/uniform_, nn.Linear's initial weights, a shuffling DataLoader. Float32
normals of 16+ elements follow torch's AVX2 kernel (x86 with AVX2 or AVX-512, where torch uses it)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

AVX2_KERNEL = torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def draws(lib, seed, make):
    lib.manual_seed(seed)
    values = make(lib)
    return [np.asarray(v.detach().numpy() if hasattr(v, "detach") else v) for v in values]


def assert_same_draws(mg, seed, make):
    for ours, theirs in zip(draws(mg, seed, make), draws(torch, seed, make)):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


SEEDS = st.integers(0, 2 ** 63 - 1)


@given(seed=SEEDS, n=st.integers(0, 40), dtype=st.sampled_from(["float32", "float64"]))
def test_randn_and_rand_draw_torchs_numbers(mg, seed, n, dtype):
    if n >= 16 and dtype == "float32" and not AVX2_KERNEL:
        pytest.skip("torch uses the C library's log/sin/cos on this CPU")
    assert_same_draws(mg, seed, lambda t: (t.randn(n, dtype=getattr(t, dtype)), t.rand(n, dtype=getattr(t, dtype)),
                                           t.randn(3), t.randn(1)))


@given(seed=SEEDS, low=st.integers(-5, 5), span=st.sampled_from([1, 2, 7, 1000, 2 ** 33]), n=st.integers(1, 50))
def test_randint_and_randperm_draw_torchs_numbers(mg, seed, low, span, n):
    assert_same_draws(mg, seed, lambda t: (t.randint(low, low + span, (n,)), t.randperm(n), t.randint(4, (2, 3))))


@pytest.mark.skipif(not AVX2_KERNEL, reason="torch uses the C library's log/sin/cos on this CPU")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_fills_and_normal_draw_torchs_numbers(mg, dtype):
    def make(t):
        dt = getattr(t, dtype)
        return (t.zeros(3, 50, dtype=dt).normal_(1.5, 0.3), t.zeros(5, dtype=dt).normal_(-2, 7),
                t.zeros(100, dtype=dt).uniform_(-2, 5), t.normal(0, 0.01, (4, 30)), t.normal(t.zeros(20), 2.0))
    for seed in (0, 42):
        assert_same_draws(mg, seed, make)


@pytest.mark.skipif(not AVX2_KERNEL, reason="torch uses the C library's log/sin/cos on this CPU")
def test_linear_layers_and_init_start_from_torchs_weights(mg):
    def make(t):
        net = t.nn.Sequential(t.nn.Flatten(), t.nn.Linear(784, 256), t.nn.ReLU(), t.nn.Linear(256, 10))
        extra = t.zeros(10, 20)
        t.nn.init.xavier_uniform_(extra)
        return [p for p in net.parameters()] + [extra, t.nn.init.kaiming_normal_(t.zeros(30, 40))]
    assert_same_draws(mg, 1, make)


@pytest.mark.parametrize("with_generator", [False, True])
def test_a_shuffling_loader_visits_samples_in_torchs_order(mg, with_generator):
    def make(t):
        dataset = t.utils.data.TensorDataset(t.arange(23.0))
        generator = t.Generator().manual_seed(5) if with_generator else None
        loader = t.utils.data.DataLoader(dataset, batch_size=4, shuffle=True, generator=generator)
        epochs = [t.cat([x for (x,) in loader]) for _ in range(2)]
        return epochs + [next(iter(loader))[0], t.rand(3)]
    assert_same_draws(mg, 0, make)


def test_a_fresh_process_starts_from_torchs_default_seed(mg):
    assert mg.Generator().initial_seed() == torch.Generator().initial_seed()
    np.testing.assert_array_equal(mg.randn(5, generator=mg.Generator()).numpy(),
                                  torch.randn(5, generator=torch.Generator()).numpy())
