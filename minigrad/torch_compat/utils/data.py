"""torch.utils.data, the smallest faithful version: Dataset, TensorDataset and a single-process
DataLoader (batch_size, shuffle with an optional generator, drop_last; batches stacked like torch's
default collate)."""
from __future__ import annotations

import math

from .. import random
from ..ops import stack
from ...tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "DataLoader"]


class Dataset:
    """A map-style dataset: `__getitem__(i)` and `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class TensorDataset(Dataset):
    """Sample i is (t[i] for t in tensors); every tensor has the same first dimension."""

    def __init__(self, *tensors: Tensor):
        if any(t.size(0) != tensors[0].size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class DataLoader:
    """Batches of a dataset, in order or (shuffle=True) in a new random order each epoch, drawn from
    `generator` or the default generator. Single process: num_workers is accepted and ignored."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, generator=None, **kwargs):
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError("minigrad's DataLoader supports batch_size, shuffle and drop_last only "
                                      "(no sampler, no batch_sampler)")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.shuffle, self.generator = bool(shuffle), generator
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else default_collate

    def _order(self) -> list:
        """The epoch's order, drawing what torch's loader draws: a base seed for workers from the
        loader's generator, then (shuffle without a generator) a seed for a fresh generator, whose
        randperm gives the order."""
        n = len(self.dataset)
        random.random_seed(self.generator)
        if not self.shuffle:
            return list(range(n))
        generator = self.generator
        if generator is None:
            generator = random.Generator().manual_seed(random.random_seed())
        return random.randperm(n, generator=generator).tolist()

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:                     # no batching: samples one by one
            for i in order:
                yield self.dataset[i]
            return
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if len(indices) < self.batch_size and self.drop_last:
                break
            yield self.collate_fn([self.dataset[i] for i in indices])
        if self.shuffle and self.generator is not None:     # torch's sampler draws one more permutation
            random.randperm(len(order), generator=self.generator)    # once it is exhausted

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


def default_collate(samples: list):
    """Stack a list of samples along a new first dim: tensors and numbers become one tensor, tuples
    and lists of them become a list of stacked tensors (what torch's default_collate gives)."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples, 0)
    if isinstance(first, (tuple, list)):
        return [default_collate(list(column)) for column in zip(*samples)]
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    from ..creation import tensor
    return tensor(samples)
