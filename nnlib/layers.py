"""Layers and the one contract every module of ``nnlib`` obeys.

The module contract
-------------------
A module maps an input array ``x`` to an output array ``out`` and knows how to send a
gradient back through itself:

- ``forward(x) -> out`` computes the output and keeps in a *cache* (attributes of the
  module) exactly what ``backward`` will need. A module remembers its **last** forward
  only: call ``backward`` before the next ``forward``.
- ``backward(dout) -> dx`` takes ``dout = dL/dout`` (same shape as ``out``) and returns
  ``dx = dL/dx`` (same shape as ``x``). For every parameter ``p`` it **adds**
  ``dL/dp`` into ``p.grad`` (``+=``, never ``=``), so a parameter used in two places
  collects both contributions.
- ``parameters() -> list[Parameter]`` lists the trainable parameters (each once).
- ``zero_grad()`` sets every ``p.grad`` to zero; the training loop calls it before each
  backward pass, because ``backward`` only ever accumulates.
- ``module(x)`` is ``module.forward(x)``.

Arrays: shape letters N (batch), D (input features), M (output features). A float32
input stays float32 end to end; integer and boolean inputs are cast to float64. A
``Linear`` layer works in its own dtype (``dtype=`` at construction) and converts its
input to it. A weight is shared by giving two modules the same ``Parameter`` object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from nnlib import init as initializers


def as_float_array(x: object, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float ndarray: floats unchanged (no copy), integers/bools as float64."""
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(f"expected {name} to be an array of numbers, got dtype {arr.dtype}")


def check_shape(x: np.ndarray, expected: tuple, name: str = "x") -> np.ndarray:
    """Raise ``ValueError`` unless ``x.shape`` matches ``expected``.

    ``expected`` holds sizes, or letters such as ``"N"`` for "any size".
    """
    ok = x.ndim == len(expected) and all(
        isinstance(want, str) or have == want for have, want in zip(x.shape, expected, strict=True)
    )
    if not ok:
        shown = "(" + ", ".join(str(n) for n in expected)
        shown += ",)" if len(expected) == 1 else ")"
        raise ValueError(f"expected {name} of shape {shown}, got {tuple(x.shape)}")
    return x


def check_dout(dout: object, out_shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Return ``dout`` as an array of ``dtype``, checking it has the forward output's shape."""
    dout = np.asarray(dout, dtype=dtype)
    if dout.shape != tuple(out_shape):
        raise ValueError(
            f"expected dout of shape {tuple(out_shape)} (the shape of forward's output), "
            f"got {dout.shape}"
        )
    return dout


def cached(owner: object, name: str) -> np.ndarray:
    """``owner.<name>``, cached by ``forward``; a clear ``RuntimeError`` if it is not there."""
    value = getattr(owner, name, None)
    if value is None:
        raise RuntimeError(
            f"{type(owner).__name__}.backward needs self.{name}, which forward caches: "
            "call forward before backward"
        )
    return value


class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    ``value`` is used as given (floats are not copied; integers become float64), so the
    optimisers' in-place updates are seen by everyone holding the array.

    Attributes:
        value: the array (updated in place by the optimisers).
        grad: ``dL/dvalue``, same shape and dtype, starts at zero; ``backward`` adds to it.
        name: a short label such as ``"W"`` or ``"b"``.
    """

    def __init__(self, value: np.ndarray, name: str = "") -> None:
        self.value = as_float_array(value, "value")
        self.grad = np.zeros_like(self.value)
        self.name = name

    def __repr__(self) -> str:
        return f"Parameter(name={self.name!r}, shape={self.value.shape}, dtype={self.value.dtype})"


class Module:
    """Base class of layers and activations; see the module contract above."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the output and cache what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return ``dx`` and add each parameter's gradient into its ``.grad``."""
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def parameters(self) -> list[Parameter]:
        """The trainable parameters; none by default."""
        return []

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to zero, in place."""
        for p in self.parameters():
            p.grad.fill(0)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Same as ``forward(x)``."""
        return self.forward(x)

    def _cached(self, name: str) -> np.ndarray:
        return cached(self, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


INITS = ("default", "xavier", "he", "zeros")


class Linear(Module):
    """Fully connected layer: ``out = x @ W + b``.

    Args:
        in_features: D, the number of input features.
        out_features: M, the number of output features.
        rng: ``np.random.Generator`` used to initialise ``W``.
        init: how to initialise ``W``: ``"default"`` (normal, ``std = 1/sqrt(D)``),
            ``"xavier"``, ``"he"``, ``"zeros"``, or a callable ``init(shape, rng)``
            returning an array of shape ``(D, M)``. ``b`` always starts at zero.
        dtype: float64 (default) or float32, for the parameters and the computation.

    Attributes:
        W: ``Parameter`` of shape (D, M).
        b: ``Parameter`` of shape (M,).
    """

    def __init__(self, in_features: int, out_features: int, *, rng: np.random.Generator,
                 init: str | Callable = "default", dtype=np.float64) -> None:
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
                raise ValueError(f"expected {name} to be a positive integer, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = initializers.check_dtype(dtype)
        initializers.check_rng(rng)
        shape = (self.in_features, self.out_features)
        self.W = Parameter(make_weight(init, shape, rng, dtype), "W")
        self.b = Parameter(initializers.zeros(self.out_features, dtype), "b")
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Affine map ``out = x @ W + b``; caches ``x`` for ``backward``.

        Args:
            x: input of shape (N, D); converted to the layer's dtype.

        Returns:
            out: shape (N, M).
        """
        x = check_shape(np.asarray(x, dtype=self.W.value.dtype), ("N", self.in_features))
        raise NotImplementedError("Exercise linear.forward (lesson 01): not implemented yet")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Gradients of ``out = x @ W + b``, using the ``x`` cached by ``forward``.

        Adds ``dL/dW`` (D, M) into ``W.grad`` and ``dL/db`` (M,) into ``b.grad``.

        Args:
            dout: upstream gradient ``dL/dout`` of shape (N, M).

        Returns:
            dx: ``dL/dx``, shape (N, D). ``W.grad`` and ``b.grad`` are increased in place.
        """
        x = self._cached("_x")
        dout = check_dout(dout, (x.shape[0], self.out_features), self.W.value.dtype)
        raise NotImplementedError("Exercise linear.backward (lesson 04): not implemented yet")

    def parameters(self) -> list[Parameter]:
        """``[W, b]``."""
        return [self.W, self.b]

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"


def make_weight(init: str | Callable, shape: tuple[int, int], rng: np.random.Generator,
                dtype: np.dtype) -> np.ndarray:
    """Initial ``W`` of ``shape`` according to ``init`` (see ``Linear``)."""
    if callable(init):
        w = np.asarray(init(shape, rng), dtype=dtype)
        return check_shape(w, shape, "the array returned by init")
    if init == "default":
        return initializers.normal(shape, 1.0 / np.sqrt(shape[0]), rng, dtype)
    if init == "xavier":
        return initializers.xavier_normal(shape, rng, dtype)
    if init == "he":
        return initializers.he_normal(shape, rng, dtype)
    if init == "zeros":
        return initializers.zeros(shape, dtype)
    raise ValueError(f"expected init to be one of {', '.join(INITS)} or a callable, got {init!r}")


class Sequential(Module):
    """Modules applied one after the other: ``out = f_K(...f_2(f_1(x)))``.

    Iterable, indexable (``model[0]``; a slice gives a ``Sequential``) and ``len(model)``
    is the number of modules.
    """

    def __init__(self, *modules: Module) -> None:
        first: dict[int, int] = {}
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"expected module {i} to be a Module, got {type(m).__name__}")
            if id(m) in first:
                raise ValueError(
                    f"expected each module once, got module {first[id(m)]} again at position "
                    f"{i}: a module caches only its last forward, so make a new one (to share "
                    "weights, give the new module the same Parameter objects)"
                )
            first[id(m)] = i
        self.modules = list(modules)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Feed ``x`` through every module in order and return the last output."""
        raise NotImplementedError("Exercise sequential.forward (lesson 01): not implemented yet")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Backpropagate ``dout`` through every module; return ``dx``.

        Args:
            dout: ``dL/dout``, the shape of the last module's output.

        Returns:
            dx: ``dL/dx``, the shape of ``forward``'s input. Every module's own
            ``backward`` adds its parameter gradients into their ``.grad``.
        """
        raise NotImplementedError("Exercise sequential.backward (lesson 04): not implemented yet")

    def parameters(self) -> list[Parameter]:
        """The parameters of all modules in order, each shared parameter listed once."""
        seen: dict[int, Parameter] = {}
        for module in self.modules:
            for p in module.parameters():
                seen.setdefault(id(p), p)
        return list(seen.values())

    def __len__(self) -> int:
        return len(self.modules)

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return Sequential(*self.modules[index])
        return self.modules[index]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {m!r}" for i, m in enumerate(self.modules))
        return f"Sequential({inner}\n)"
