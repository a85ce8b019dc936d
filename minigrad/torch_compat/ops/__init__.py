"""Every op, by family: forward on numpy arrays, backward (the vector-Jacobian product) written in
minigrad ops so that create_graph gives higher derivatives, and jvp (the tangent rule).

Conventions: `grad` is the gradient of the output; backward returns one gradient per input (any
shape that broadcasts: the engine sums it back to the input's shape). jvp receives one tangent per
input (zeros for inputs without one, 0.0 for Python scalars) and returns the output's tangent.
`saves` says what `ctx.saved_tensors` holds: the inputs, the output, or both."""
from ._common import MinValuesIndices, ValuesIndices, _const, wrap_dim  # noqa: F401
from .binary import (  # noqa: F401
    Add, Sub, Rsub, Mul, MulScalar, RDiv, Div, PowScalar, Pow, RPow, pow, Maximum, maximum, Where, where,
    masked, FloorDivide, floor_divide, Remainder, remainder,
)
from .unary import (  # noqa: F401
    Neg, Exp, Log, Sin, Cos, Tanh, TanhGrad, Sigmoid, SigmoidGrad, Relu, Abs, Sqrt, Clamp, clamp, Cast, Clone,
)
from .linalg import (  # noqa: F401
    Dot, dot, Matmul, Mm, Mv, Vm, matmul, mm, mv, VectorNorm, norm,
)
from .reductions import (  # noqa: F401
    _dims, _keep_shape, Sum, SumDim, Mean, MeanDim, MaxAll, MinAll, MaxDim, MinDim, max_dim,
    Cumsum, Prod, ProdDim,
)
from .shape import (  # noqa: F401
    View, reshape, T, Transpose, Permute, Unsqueeze, Squeeze, SqueezeDim, SqueezeDims, squeeze, Expand,
    TInplace, TransposeInplace, SqueezeInplace, SqueezeDimInplace, SqueezeDimsInplace, UnsqueezeInplace, plain_index, _index_name, Index, Select, Slice, UnsqueezeIndex, Alias, Unbind, IndexAdd, getitem, getitem_is_view, Cat, Stack, _select, cat, stack,
)
