"""Reverse-mode automatic differentiation: a small engine over numpy arrays.

A ``Value`` is one node of a computational graph: it holds an array (``data``), the
nodes it was computed from (``parents``) and its *local backward rule*
(``backward_rule``). Every operation on values (``a + b``, ``a * b``, ``a @ b``,
``a.sum()``, ``a.tanh()``, ``a.mse(target)``, ...) computes its result at once (the
forward pass) and records a new node, so an expression builds its own graph.
``loss.backward()`` then visits the graph from ``loss`` back to the leaves and leaves
``dloss/dnode`` in every node's ``.grad``.

The contract every node obeys, stated once:

- ``node.data``: a float64 ndarray (a scalar is an array of shape ``()``).
- ``node.grad``: an ndarray of the shape of ``node.data``; after ``root.backward()`` it
  holds ``droot/dnode`` (for a non-scalar root: the gradient of the entrywise product
  of ``grad``, the array given to ``backward``, and the root's data, summed).
- ``node.backward_rule(dout)``, with ``dout = droot/dnode`` of the node's own shape,
  returns a tuple with one array per parent, in the order of ``node.parents``: the
  share of ``droot/dparent`` that flows through this node, each of its parent's shape.
  A rule only computes; it never writes to any ``.grad`` (``backward`` does that).
  Leaves (inputs, parameters, constants) have no parents and ``backward_rule = None``.

Gradients are fresh per call: ``backward()`` first sets the ``.grad`` of every node of
the graph to zeros, so calling it twice gives the same gradients and no ``zero_grad`` is
needed between calls (a leaf shared by two *separate* graphs keeps only the gradient of
the last graph it was run on).

The activation and loss nodes reuse the modules of lessons 01 to 04: a node's local
rule is a module's ``backward`` (``Value.apply``). Shape letters: N batch, D in,
M out. Everything is float64: the engine is a checker, not a fast path.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib import activations, losses


def as_value(x) -> Value:
    """``x`` itself when it is a ``Value``, else a new leaf holding ``x`` (a constant)."""
    return x if isinstance(x, Value) else Value(x)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient with respect to an operand of ``shape`` that numpy broadcast.

    When an operation broadcasts an operand of shape ``shape`` (e.g. ``(M,)``, ``(1, M)``
    or ``()``) up to the shape of its result (e.g. ``(N, M)``), ``grad`` is the gradient
    with respect to the *broadcast* operand; this returns the gradient with respect to
    the operand itself.

    Args:
        grad: an array of the broadcast shape, e.g. (N, M).
        shape: the operand's own shape, one numpy can broadcast to ``grad.shape``.

    Returns:
        An array of shape ``shape`` exactly (``grad`` itself when the shapes agree).
    """
    raise NotImplementedError("Exercise autodiff.add (lesson 09): not implemented yet")


def topo_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, ``root`` included, in topological order.

    Args:
        root: the node whose graph to order.

    Returns:
        A list holding each node reachable from ``root`` through ``.parents`` exactly once
        (nodes are compared by identity), every node after all of its parents, so leaves
        come early and ``root`` is last. Nodes that ``root`` does not depend on are not in
        it. A graph as deep as 5000 nodes must work: no recursion (Python stops at about
        1000 nested calls).
    """
    raise NotImplementedError("Exercise autodiff.topo_order (lesson 09): not implemented yet")


class Value:
    """A node of the graph: an array, its parents and its local backward rule.

    Args:
        data: the node's array (anything ``np.asarray`` takes), stored as float64.
        parents: the nodes ``data`` was computed from (empty for a leaf).
        backward_rule: ``rule(dout) -> tuple of arrays``, one per parent (see the module
            docstring), or None for a leaf.
        op: a short label for plots and ``repr`` (``"+"``, ``"*"``, ``"@"``, ...).

    Attributes:
        data, grad (zeros of ``data``'s shape until ``backward`` runs), parents,
        backward_rule, op, label (a name for plots; ``""`` unless set).
    """

    def __init__(self, data, parents: tuple[Value, ...] = (),
                 backward_rule: Callable | None = None, op: str = "", label: str = ""):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self.parents = tuple(parents)
        self.backward_rule = backward_rule
        self.op, self.label = op, label

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self.data.shape

    def __repr__(self) -> str:
        name = f"{self.label!r}, " if self.label else ""
        return f"Value({name}shape={self.shape}, op={self.op!r})"

    def backward(self, grad=None) -> None:
        """Fill ``.grad`` of every node of the graph with the gradient of this node.

        Args:
            grad: ``dL/dself`` to start from, of the shape of ``self.data``; by default an
                array of ones (for a scalar root: ``dself/dself = 1``).

        Afterwards every node ``v`` that this node depends on holds ``v.grad = dL/dv``,
        of ``v``'s shape, where a node used by several others (fan-out) collects the
        contributions of all of them. The ``.grad`` of every node of the graph is reset
        to zeros first (fresh gradients per call, see the module docstring). Uses
        ``topo_order`` and each node's ``backward_rule``; ``data`` is never changed.

        Raises:
            ValueError: if ``grad`` does not have the shape of ``self.data``.
        """
        grad = np.ones_like(self.data) if grad is None else np.array(grad, dtype=np.float64)
        if grad.shape != self.shape:
            raise ValueError(f"expected grad of shape {self.shape}, got {grad.shape}")
        raise NotImplementedError("Exercise autodiff.backward (lesson 09): not implemented yet")

    # -- operations: each computes its result and records its local rule ----------------

    def __add__(self, other) -> Value:
        """``self + other`` with numpy broadcasting (shapes such as (N, M) + (M,))."""
        other = as_value(other)

        def rule(dout):
            """Gradients of both operands, each of its own shape, from ``dout`` (out's)."""
            raise NotImplementedError("Exercise autodiff.add (lesson 09): not implemented yet")

        return Value(self.data + other.data, (self, other), rule, "+")

    def __mul__(self, other) -> Value:
        """``self * other`` elementwise, with numpy broadcasting."""
        other = as_value(other)

        def rule(dout):
            """Gradients of both operands, each of its own shape, from ``dout`` (out's)."""
            raise NotImplementedError("Exercise autodiff.mul (lesson 09): not implemented yet")

        return Value(np.multiply(self.data, other.data), (self, other), rule, "*")

    def __matmul__(self, other) -> Value:
        """``self @ other`` for ``self`` of shape (N, D) and ``other`` of shape (D, M).

        Raises:
            ValueError: unless both are 2-D with matching inner sizes.
        """
        other = as_value(other)
        if self.data.ndim != 2 or other.data.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"expected shapes (N, D) @ (D, M), got {self.shape} @ "
                             f"{other.shape}")

        def rule(dout):
            """Gradients of (N, D) ``self`` and (D, M) ``other`` from (N, M) ``dout``."""
            raise NotImplementedError("Exercise autodiff.matmul (lesson 09): not implemented yet")

        return Value(self.data @ other.data, (self, other), rule, "@")

    def sum(self) -> Value:
        """The sum of all entries: a node of shape ``()``."""

        def rule(dout):
            """The gradient of ``self`` (its shape) from ``dout`` of shape ``()``."""
            raise NotImplementedError("Exercise autodiff.sum (lesson 09): not implemented yet")

        return Value(np.sum(self.data), (self,), rule, "sum")

    # -- provided: built from the operations above ---------------------------------------

    def __radd__(self, other) -> Value:
        return as_value(other) + self

    def __rmul__(self, other) -> Value:
        return as_value(other) * self

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other) -> Value:
        return self + (-as_value(other))

    def __rsub__(self, other) -> Value:
        return as_value(other) + (-self)

    def apply(self, module, *args, op: str = "") -> Value:
        """A node computed by a module of ``nnlib`` with no parameters: its rule is backward.

        ``out = module.forward(self.data, *args)``; the local rule is
        ``module.backward(dout)``. A module caches only its last forward, so give each
        node its own module object (``x.apply(activations.Tanh())``). Losses return a
        float: the node then has shape ``()``.
        """
        out = module.forward(self.data, *args)
        return Value(out, (self,), lambda dout: (module.backward(dout),),
                     op or type(module).__name__.lower())

    def tanh(self) -> Value:
        """``tanh`` entry by entry (lesson 01's ``Tanh``; its rule: lesson 04's backward)."""
        return self.apply(activations.Tanh(), op="tanh")

    def relu(self) -> Value:
        """``max(x, 0)`` entry by entry, through ``activations.ReLU``."""
        return self.apply(activations.ReLU(), op="relu")

    def sigmoid(self) -> Value:
        """The logistic function entry by entry, through ``activations.Sigmoid``."""
        return self.apply(activations.Sigmoid(), op="sigmoid")

    def mse(self, target) -> Value:
        """``losses.MSELoss`` of this node (predictions) against ``target``: shape ``()``."""
        return self.apply(_LossRule(losses.MSELoss()), np.asarray(target), op="mse")

    def softmax_cross_entropy(self, labels) -> Value:
        """``losses.SoftmaxCrossEntropyLoss`` of these logits (N, C) and labels (N,)."""
        return self.apply(_LossRule(losses.SoftmaxCrossEntropyLoss()), np.asarray(labels),
                          op="softmax_ce")


class _LossRule:
    """A loss seen as a module of one input: ``backward(dout)`` passes ``dout`` as dloss."""

    def __init__(self, loss) -> None:
        self.loss = loss

    def forward(self, pred, target):
        """The loss's value, a float."""
        return self.loss.forward(pred, target)

    def backward(self, dout):
        """``dpred`` for the upstream gradient ``dout`` of shape ``()``."""
        return self.loss.backward(float(dout))
