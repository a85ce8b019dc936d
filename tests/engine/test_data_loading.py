"""minigrad.utils.data as a training loop uses it: TensorDataset, DataLoader with batch_size,
shuffle (with a generator), drop_last, and torch's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import assert_same


def dataset(t, n=10):
    features = t.arange(float(n * 2)).reshape(n, 2)
    return t.utils.data.TensorDataset(features, t.arange(n))


@pytest.mark.parametrize("batch_size,drop_last", [(4, False), (4, True), (5, False), (1, False), (12, False)])
def test_in_order_batches_match_torch(mg, batch_size, drop_last):
    ours = list(mg.utils.data.DataLoader(dataset(mg), batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(dataset(torch), batch_size=batch_size, drop_last=drop_last))
    assert len(ours) == len(theirs)
    assert len(mg.utils.data.DataLoader(dataset(mg), batch_size, drop_last=drop_last)) == len(theirs)
    for (x, y), (tx, ty) in zip(ours, theirs):
        assert_same(x, tx)
        assert_same(y, ty)


def test_a_sample_is_a_tuple_of_rows(mg):
    x, y = dataset(mg)[3]
    assert_same(x, dataset(torch)[3][0])
    assert_same(y, dataset(torch)[3][1])
    assert len(dataset(mg)) == 10


def test_shuffle_covers_every_sample_once_per_epoch_in_a_new_order(mg):
    loader = mg.utils.data.DataLoader(dataset(mg, 50), batch_size=7, shuffle=True)
    epochs = [np.concatenate([y.numpy() for _, y in loader]) for _ in range(2)]
    for labels in epochs:
        assert sorted(labels.tolist()) == list(range(50))
    assert not np.array_equal(epochs[0], epochs[1])
    for x, y in loader:                                  # features stay with their labels
        assert_same(x, torch.stack([torch.tensor([2.0 * i, 2.0 * i + 1]) for i in y.tolist()]))


def test_a_seeded_generator_repeats_the_order(mg):
    def order(seed):
        g = mg.Generator().manual_seed(seed)
        loader = mg.utils.data.DataLoader(dataset(mg, 20), batch_size=6, shuffle=True, generator=g)
        return np.concatenate([y.numpy() for _, y in loader]).tolist()
    assert order(3) == order(3)
    assert order(3) != order(4)


def test_errors_match_torch(mg):
    for t in (mg, torch):
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            t.utils.data.TensorDataset(t.zeros(3), t.zeros(4))
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            t.utils.data.DataLoader(dataset(t), batch_size=0)
