"""torch.utils: the data package (TensorDataset, DataLoader)."""
from . import data  # noqa: F401
