"""torch.distributions, the part the book uses: Multinomial."""
from . import multinomial  # noqa: F401
from .multinomial import Multinomial  # noqa: F401
