"""Worker side, lesson 09: probes of the ``nnlib.autodiff`` engine.

Graphs for ``topo_order`` and ``backward`` are built from the submission's ``Value``
constructor with the grader's own elementwise operations (``OPS``: a sine, a scale, a
product with an exponential, a sum of a sine and a square), none of which is an
exercise, so ``backward`` is graded without the student's local rules. While
``backward`` is graded, ``autodiff.topo_order`` is replaced by a stand-in that returns
the nodes in the order the probe created them (a valid order of that one graph, no
sorting), so a wrong ``topo_order`` costs its own points only. The local rules
(``add``, ``mul``, ``matmul``, ``sum``) are called directly on one node, without
``backward``; for ``mul`` the provided ``unbroadcast`` (part of ``add``) is replaced by a
stand-in that only accepts equal shapes. Everything returned is plain arrays: the
trusted side computes the finite differences and the verdicts.
"""

from __future__ import annotations

import importlib

import numpy as np

from nncourse.grader.inside.calling import as_numbers, changed, probe

# name -> (forward of the parents' arrays, local rule: dout and the parents' arrays -> shares)
OPS = {
    "sin": (lambda c, a: np.sin(a), lambda c, g, a: (g * np.cos(a),)),
    "scale": (lambda c, a: c * a, lambda c, g, a: (c * g,)),
    "expmix": (lambda c, a, b: a * np.exp(c * b),
               lambda c, g, a, b: (g * np.exp(c * b), g * a * c * np.exp(c * b))),
    "sinsq": (lambda c, a, b: np.sin(a) + c * b * b,
              lambda c, g, a, b: (g * np.cos(a), 2 * c * g * b)),
}


def autodiff_module():
    """The submission's ``nnlib.autodiff``."""
    return importlib.import_module("nnlib.autodiff")


def build(spec, a):
    """The nodes of ``spec`` (``[op, parent indices, constant]`` each; ``leaf`` takes ``x<i>``)."""
    value = autodiff_module().Value
    nodes = []
    for i, (op, parents, c) in enumerate(spec):
        if op == "leaf":
            nodes.append(value(a[f"x{i}"].copy()))
            continue
        forward, rule = OPS[op]
        ps = [nodes[j] for j in parents]

        def local(g, ps=ps, rule=rule, c=c):
            return rule(c, np.asarray(g, dtype=np.float64), *(p.data for p in ps))

        nodes.append(value(forward(c, *(p.data for p in ps)), tuple(ps), local, op))
    return nodes


def chain_spec(length: int) -> list:
    """One leaf, then ``length`` nodes each scaling the one before by 1.001 and -0.999."""
    return [["leaf", [], 0.0]] + [["scale", [i], 1.001 if i % 2 else -0.999]
                                  for i in range(length)]


@probe
def autodiff_topo(args, a):
    """``topo_order(root)`` as node indices (``-1``: a node the probe did not build)."""
    spec = chain_spec(args["chain"]) if "chain" in args else args["nodes"]
    nodes = build(spec, a)
    root = nodes[args.get("root", len(nodes) - 1)]
    index = {id(n): i for i, n in enumerate(nodes)}
    order = autodiff_module().topo_order(root)
    if order is None or isinstance(order, np.ndarray):
        raise TypeError(f"topo_order returned {type(order).__name__}, expected a list of nodes")
    return {"order": np.array([index.get(id(n), -1) for n in order], dtype=np.int64)}


@probe
def autodiff_backward(args, a):
    """``root.backward(grad)`` twice on one graph, with the stand-in order; every ``.grad``."""
    module = autodiff_module()
    spec = chain_spec(args["chain"]) if "chain" in args else args["nodes"]
    nodes = build(spec, a)
    root, data = nodes[-1], [n.data.copy() for n in nodes]

    def stand_in(node):
        if node is not root:
            raise RuntimeError("the grader's stand-in for topo_order orders only the graph's "
                               "root: call topo_order(self) once, in backward")
        return list(nodes)

    original, module.topo_order = module.topo_order, stand_in
    try:
        result = {}
        for run in ("", "2:"):
            root.backward(a["grad"].copy())
            for i, n in enumerate(nodes):
                result[f"{run}grad{i}"] = as_numbers(n.grad, f"node {i}'s .grad").copy()
    finally:
        module.topo_order = original
    result["changed:data"] = np.array(any(changed(d, n.data)
                                          for d, n in zip(data, nodes, strict=True)))
    return result


def same_shape_only(grad, shape):
    """The stand-in for ``unbroadcast`` while ``mul`` is graded: equal shapes only."""
    grad = np.asarray(grad)
    if grad.shape != tuple(shape):
        raise RuntimeError(f"the grader's stand-in for unbroadcast got {grad.shape} for an "
                           f"operand of shape {tuple(shape)}: multiply's operands have "
                           "equal shapes in this check")
    return grad


def zeros_of_shape(grad, shape):
    """The stand-in for ``unbroadcast`` in ``mul``'s broadcast call: zeros of the shape.

    Only the shares' shapes are graded there, so it need not be (and is not) a solution.
    """
    return np.zeros(tuple(shape))


@probe
def autodiff_rule(args, a):
    """One node's ``backward_rule(dout)``, called directly: the shares it returns.

    ``args["op"]``: ``add``, ``mul``, ``matmul`` or ``sum``. Returns ``out`` (the node's
    data), ``d0`` (``d1``) for the parents, flags for changed inputs and for a rule that
    wrote to a ``.grad`` itself.
    """
    module, op = autodiff_module(), args["op"]
    operands = [module.Value(a[k].copy()) for k in ("a", "b") if k in a]
    original = module.unbroadcast
    if op == "mul":
        module.unbroadcast = zeros_of_shape if args.get("shapes_only") else same_shape_only
    try:
        first = operands[0]
        out = {"add": lambda: first + operands[1], "mul": lambda: first * operands[1],
               "matmul": lambda: first @ operands[1], "sum": lambda: first.sum()}[op]()
        dout = a["dout"].copy()
        shares = out.backward_rule(dout)
    finally:
        module.unbroadcast = original
    if isinstance(shares, np.ndarray) or not isinstance(shares, (tuple, list)):
        raise TypeError(f"the rule of {op} returned {type(shares).__name__}; expected a tuple "
                        "with one gradient per parent" + (", (dx,) for sum's one parent"
                                                          if op == "sum" else ""))
    if len(shares) != len(operands):
        raise TypeError(f"the rule of {op} returned {len(shares)} gradients for "
                        f"{len(operands)} parent(s)")
    result = {"out": as_numbers(out.data, f"{op}'s node data")}
    for i, share in enumerate(shares):
        result[f"d{i}"] = as_numbers(share, f"the rule of {op}, gradient {i}").copy()
    result["mutated:dout"] = np.array(changed(a["dout"], dout))
    result["mutated:inputs"] = np.array(any(
        changed(a[k], v.data) for k, v in zip("ab", operands, strict=False)))
    result["wrote_grad"] = np.array(any(np.any(v.grad != 0) for v in operands))
    return result
