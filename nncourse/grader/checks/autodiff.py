"""Checks of lesson 09: the reverse-mode engine ``nnlib.autodiff``.

No check needs the reference: every gradient is compared with central differences in
float64 computed here, on the trusted side, of the *true* function (numpy's own ``+``,
``*``, ``@``, ``sum``, or the grader's graph operations re-evaluated here).

``autodiff.topo_order``: graphs built from the grader's operations (``probes_autodiff.OPS``,
no exercise among them) with fan-out, a node used twice by one node, a node the root does
not depend on, and (in the public variant, which every grading runs: it is the same at
every seed) a chain of 5000 nodes (no recursion limit). The order must hold every
node the root depends on once, each after its parents, the root last, nothing else. No
stand-in is needed: ``topo_order`` uses nothing of the other exercises.

``autodiff.backward``: the same kind of graphs (every node an ancestor of the root), run
with the student's ``backward`` and a random upstream ``grad``; the grader's operations
stand in for the local rules and the probe's creation order stands in for
``topo_order``, so only the walk and the accumulation are graded. Every node's ``.grad``
is compared with central differences of the graph re-evaluated here; a second
``backward`` must give the same gradients (reset); a chain of 5000 nodes must work
(public variant only, as for ``topo_order``).

``autodiff.add``, ``autodiff.mul``, ``autodiff.matmul``, ``autodiff.sum``: the node's
``backward_rule`` is called directly on one node (no ``backward``, no ``topo_order``) and
its shares are compared with central differences of the true operation, contracted with
a random ``dout``. ``add`` covers broadcasting (``(N, M) + (M,)``, ``(N, 1) + (1, M)``,
``(M,) + (N, M)``, ``(N, M) + ()``), which is where ``unbroadcast`` is graded. ``mul`` is
checked on operands of equal shapes with a stand-in ``unbroadcast`` that accepts only
equal shapes, so a wrong ``unbroadcast`` costs ``add``'s points only, and once on
broadcast operands with a stand-in that returns zeros of the shape asked for, where only
the shares' shapes are graded (each share must go through ``unbroadcast``); ``matmul``
and ``sum`` call no other exercise.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks import numeric as nm
from nncourse.grader.checks.activations import no_mutation
from nncourse.grader.checks.base import Call, Check, Failure, require
from nncourse.grader.checks.diagnose import diagnose

CHAIN = 5000
FORWARD = {  # the grader's graph operations, re-evaluated here for finite differences
    "sin": lambda c, a: np.sin(a), "scale": lambda c, a: c * a,
    "expmix": lambda c, a, b: a * np.exp(c * b),
    "sinsq": lambda c, a, b: np.sin(a) + c * b * b,
}


def engine_result(result, what: str):
    """``require``, with a recursion-limit error named as such."""
    if not result.ok and result.error_type == "RecursionError":
        raise Failure(f"{what} raised RecursionError on a deep graph (a chain of {CHAIN} "
                      "nodes)", "recursion", status="error")
    return require(result, what)


def random_graph(rng: np.random.Generator, leaves: int, ops: int, closed: bool) -> list:
    """A random graph spec; ``closed``: every node is an ancestor of the last one."""
    spec = [["leaf", [], 0.0] for _ in range(leaves)]
    for _ in range(ops):
        k = len(spec)
        if rng.random() < 0.5:
            spec.append([str(rng.choice(["sin", "scale"])), [int(rng.integers(k))],
                         float(rng.choice([-1.5, 0.5, 2.0]))])
        else:
            spec.append([str(rng.choice(["expmix", "sinsq"])),
                         [int(rng.integers(k)), int(rng.integers(k))], 0.4])
    if closed:  # tie every node without a child into the root
        used = {j for _, parents, _ in spec for j in parents}
        loose = [i for i in range(len(spec)) if i not in used]
        while len(loose) > 1:
            spec.append(["sinsq", [loose.pop(), loose.pop()], 0.3])
            loose.append(len(spec) - 1)
    return spec


def ancestors(spec: list, root: int) -> set[int]:
    """The indices ``root`` depends on, ``root`` included."""
    found, todo = set(), [root]
    while todo:
        i = todo.pop()
        if i not in found:
            found.add(i)
            todo.extend(spec[i][1])
    return found


def evaluate(spec: list, inputs: dict, fixed: dict | None = None) -> list[np.ndarray]:
    """Every node's array; ``fixed[i]`` replaces node i's (for its partial derivative)."""
    fixed, values = fixed or {}, []
    for i, (op, parents, c) in enumerate(spec):
        if i in fixed:
            values.append(fixed[i])
        elif op == "leaf":
            values.append(inputs[f"x{i}"])
        else:
            values.append(FORWARD[op](c, *(values[j] for j in parents)))
    return values


def central(f, x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar ``f`` at every entry of ``x`` (float64)."""
    x = np.array(x, dtype=np.float64)
    steps = np.eye(x.size).reshape(x.size, *x.shape) * nm.H  # one coordinate each
    return np.array([(f(x + s) - f(x - s)) / (2 * nm.H) for s in steps]).reshape(x.shape)


def node_gradients(spec: list, inputs: dict, grad: np.ndarray) -> list[np.ndarray]:
    """``d sum(grad * root) / d node`` for every node, by central differences."""
    values = evaluate(spec, inputs)
    return [central(lambda v, i=i: float(np.sum(grad * evaluate(spec, inputs, {i: v})[-1])),
                    values[i]) for i in range(len(spec))]


def graph_inputs(rng, spec: list, shape: tuple) -> dict:
    """Leaf arrays for ``spec`` and the upstream ``grad``."""
    inputs = {f"x{i}": rng.uniform(-1.2, 1.2, shape) for i, (op, _, _) in enumerate(spec)
              if op == "leaf"}
    inputs["grad"] = rng.standard_normal(shape)
    return inputs


class TopoOrder(Check):
    """``topo_order``: each node once, after its parents, root last, nothing else."""

    public = [{"seed": 90, "n": 2, "m": 3}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng, shape = variant.rng(), (variant["n"], variant["m"])
        fan = [["leaf", [], 0.0], ["leaf", [], 0.0], ["sin", [0], 0.0], ["expmix", [2, 1], 0.4],
               ["scale", [1], 2.0], ["sinsq", [2, 3], 0.5], ["sinsq", [0, 0], 0.5],
               ["expmix", [5, 6], 0.3]]
        specs = [(fan, 7), (fan, 3), (random_graph(rng, 3, 12, closed=False), None)]
        calls = [Call("autodiff_topo", {"nodes": s, "root": len(s) - 1 if r is None else r},
                      {k: v for k, v in graph_inputs(rng, s, shape).items() if k != "grad"},
                      label="graph") for s, r in specs]
        if variant.public:  # the deep chain is the same at every seed: checked once
            calls.append(Call("autodiff_topo", {"chain": CHAIN},
                              {"x0": rng.standard_normal(2)}, label="chain"))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for call, result in zip(calls, got, strict=False):
            result = engine_result(result, "topo_order(root)")
            order = [int(i) for i in np.asarray(result["order"]).ravel()]
            if call.label == "chain":
                spec, root = [["leaf", [], 0.0]] + [["scale", [i], 1.0] for i in range(CHAIN)], \
                    CHAIN
            else:
                spec, root = call.args["nodes"], call.args["root"]
            shown = f"topo_order(root) on a graph of {len(spec)} nodes"
            if variant.public and call.label == "graph" and len(spec) < 10:
                shown += " (node: parents) " + ", ".join(
                    f"{i}: {tuple(p)}" for i, (_, p, _) in enumerate(spec[:root + 1]))
            need = ancestors(spec, root)
            if -1 in order:
                raise Failure(f"{shown} returned something that is not a node of the graph",
                              "topo_not_node")
            if len(order) != len(set(order)):
                twice = sorted({i for i in order if order.count(i) > 1})[:5]
                raise Failure(f"{shown} lists node(s) {twice} more than once (each node once)",
                              "topo_duplicates")
            if set(order) != need:
                missing, extra = sorted(need - set(order)), sorted(set(order) - need)
                raise Failure(f"{shown}: " + (f"node(s) {missing[:5]} that the root depends on "
                              "are missing" if missing else f"node(s) {extra[:5]} that the "
                              "root does not depend on are listed"),
                              "topo_missing" if missing else "topo_extra")
            position = {i: k for k, i in enumerate(order)}
            late = [(j, i) for i in order for j in spec[i][1] if position[j] > position[i]]
            if late:
                j, i = late[0]
                backwards = order[0] == root  # root first: the order backward walks
                raise Failure(f"{shown}: node {i} comes before its parent {j} (every node must "
                              "come after all of its parents, the root last)",
                              "topo_reversed" if backwards else "topo_parent_after")


class Backward(Check):
    """``Value.backward``: every ``.grad`` by central differences, accumulated, reset."""

    public = [{"seed": 91, "n": 2, "m": 3}]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng, shape = variant.rng(), (variant["n"], variant["m"])
        chain = [["leaf", [], 0.0], ["sin", [0], 0.0], ["scale", [1], -1.5], ["sin", [2], 0.0]]
        twice = [["leaf", [], 0.0], ["sinsq", [0, 0], 0.7]]
        # a leaf made after other nodes: a walk that stops at the first leaf is seen
        fan = [["leaf", [], 0.0], ["sin", [0], 0.0], ["leaf", [], 0.0], ["expmix", [1, 2], 0.4],
               ["sinsq", [1, 3], 0.5], ["expmix", [4, 0], 0.3]]
        specs = [("chain", chain), ("twice", twice), ("fan-out", fan),
                 ("random", random_graph(rng, 3, 8, closed=True))]
        calls = [Call("autodiff_backward", {"nodes": s}, graph_inputs(rng, s, shape), label=k)
                 for k, s in specs]
        if variant.public:  # the deep chain is the same at every seed: checked once
            calls.append(Call("autodiff_backward", {"chain": CHAIN},
                              {"x0": rng.standard_normal(2), "grad": rng.standard_normal(2)},
                              label="deep"))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        for call, result in zip(calls, got, strict=False):
            result = engine_result(result, "root.backward(grad)")
            if bool(result["changed:data"]):
                raise Failure("root.backward(grad) changed the .data of a node; only the "
                              ".grad of the nodes may change")
            if call.label == "deep":
                self.judge_deep(call, result)
                continue
            spec, grad = call.args["nodes"], call.inputs["grad"]
            wants = node_gradients(spec, call.inputs, grad)
            shown = {"chain": "a chain x -> sin -> scale -> sin (no fan-out)",
                     "twice": "y = sin(x) + 0.7 x * x, as one node whose parents are (x, x)",
                     "fan-out": "a graph where two nodes are used twice",
                     "random": f"a random graph of {len(spec)} nodes"}[call.label]
            for i, w in enumerate(wants):
                g = np.asarray(result[f"grad{i}"], dtype=np.float64)
                what = f"node {i}'s .grad after root.backward(grad) on {shown}"
                nm.check_shape(g, w.shape, what)
                if nm.close(g, w, 1e-5, 1e-7):
                    continue
                raise Failure(f"{what} differs from central differences"
                              + (":\n" + nm.worst_entries(g, w) if variant.public else ""),
                              self.code(call, result, wants, i))
            for i, w in enumerate(wants):
                again = np.asarray(result[f"2:grad{i}"], dtype=np.float64)
                if not nm.close(again, w, 1e-5, 1e-7):
                    doubled = nm.close(again, 2 * w, 1e-5, 1e-7)
                    raise Failure(f"a second root.backward(grad) on {shown} gave node {i} "
                                  "another .grad than the first" + (" (twice as large)"
                                                                    if doubled else ""),
                                  "grads_not_reset")

    @staticmethod
    def code(call, result, wants, i):
        """The likely bug behind node ``i``'s wrong gradient."""
        spec, grad = call.args["nodes"], call.inputs["grad"]
        last = len(spec) - 1
        root = np.asarray(result[f"grad{last}"], dtype=np.float64)
        if not nm.close(root, grad, 1e-9, 1e-12):
            return "seed_ignored" if nm.close(root, np.ones_like(root), 1e-9, 1e-12) else None
        if call.label == "twice":  # x's share through one parent slot only
            x = call.inputs["x0"]
            c = spec[1][2]
            one = [central(lambda v: float(np.sum(grad * FORWARD["sinsq"](c, v, x))), x),
                   central(lambda v: float(np.sum(grad * FORWARD["sinsq"](c, x, v))), x)]
            if any(nm.close(result["grad0"], s, 1e-5, 1e-7) for s in one):
                return "fanout_overwritten"
        zero = [j for j in range(last) if not np.any(np.asarray(result[f"grad{j}"]))
                and np.any(np.abs(wants[j]) > 1e-6)]
        if zero:
            return "backward_order"
        return diagnose(result[f"grad{i}"], wants[i])  # a sign or a factor 2

    @staticmethod
    def judge_deep(call, result):
        """The chain of ``CHAIN`` scales: the leaf's gradient is the product of the scales."""
        factor = float(np.prod([1.001 if i % 2 else -0.999 for i in range(CHAIN)]))
        w = call.inputs["grad"] * factor
        g = np.asarray(result["grad0"], dtype=np.float64)
        nm.check_shape(g, w.shape, "the leaf's .grad after backward on a deep chain")
        if not nm.close(g, w, 1e-8, 1e-12):
            raise Failure(f"on a chain of {CHAIN} nodes the leaf's .grad is "
                          f"{np.round(g, 6).tolist()}, expected {np.round(w, 6).tolist()}")


class Rule(Check):
    """One operation's local rule against central differences of the true operation."""

    TRUE = {"add": np.add, "mul": np.multiply, "matmul": np.matmul,
            "sum": lambda a: np.sum(a)}

    def __init__(self, op: str):
        self.op = op
        self.public = [{"seed": {"add": 92, "mul": 93, "matmul": 94, "sum": 95}[op], "n": 2,
                        "d": 4, "m": 3}]

    def shapes(self, n, d, m):
        """The operand shapes of each call."""
        return {"add": [((n, m), (n, m)), ((n, m), (m,)), ((n, 1), (1, m)), ((m,), (n, m)),
                        ((n, m), ())],
                "mul": [((n, m), (n, m)), ((n, d), (n, d))],
                "matmul": [((n, d), (d, m)), ((d, d), (d, d))],
                "sum": [((n, m),), ((d,),)]}[self.op]

    def plan(self, variant):
        """The calls of one variant (see ``Check.plan``)."""
        rng = variant.rng()
        calls = []
        for shapes in self.shapes(variant["n"], variant["d"], variant["m"]):
            inputs = {k: rng.uniform(-2, 2, s) for k, s in zip("ab", shapes, strict=False)}
            out = self.TRUE[self.op](*inputs.values())
            inputs["dout"] = rng.standard_normal(np.shape(out))
            calls.append(Call("autodiff_rule", {"op": self.op}, inputs))
        if self.op == "mul":  # broadcast operands: does the rule unbroadcast each share?
            n, m = variant["n"], variant["m"]
            inputs = {"a": rng.uniform(-2, 2, (n, m)), "b": rng.uniform(-2, 2, m),
                      "dout": rng.standard_normal((n, m))}
            calls.append(Call("autodiff_rule", {"op": "mul", "shapes_only": True}, inputs,
                              label="shapes_only"))
        return calls

    def judge(self, variant, calls, got, want):
        """Raise ``Failure`` at the first problem (see ``Check.judge``)."""
        symbol = {"add": "a + b", "mul": "a * b", "matmul": "a @ b", "sum": "a.sum()"}[self.op]
        for call, result in zip(calls, got, strict=False):
            ins = call.inputs
            shapes = " and ".join(f"{k} of shape {ins[k].shape}" for k in ("a", "b") if k in ins)
            shown = f"the rule of {symbol} for {shapes}"
            try:
                result = require(result, shown)
            except Failure as failure:  # a product of the wrong shapes inside the rule
                if failure.verdict.diagnosis == "matmul_shapes" and self.op == "matmul":
                    failure.verdict.diagnosis = "matmul_transpose"
                raise
            no_mutation(result, ["dout"], shown)
            if bool(result["mutated:inputs"]):
                raise Failure(f"{shown} changed the .data of an operand", "mutated_input")
            if bool(result["wrote_grad"]):
                raise Failure(f"{shown} wrote to an operand's .grad", "rule_writes_grad")
            operands = [ins[k] for k in ("a", "b") if k in ins]
            dout = ins["dout"]
            for i, x in enumerate(operands):
                def f(v, i=i, operands=operands, dout=dout):
                    args = list(operands)
                    args[i] = v
                    return float(np.sum(dout * self.TRUE[self.op](*args)))
                g = np.asarray(result[f"d{i}"], dtype=np.float64)
                what = f"{shown}: the gradient of {'ab'[i]}"
                if call.label == "shapes_only":  # the stand-in unbroadcast gives zeros
                    if g.shape != x.shape:
                        raise Failure(f"{what} has shape {g.shape}, expected {x.shape} (the "
                                      f"shape of {'ab'[i]})", "no_unbroadcast")
                    continue
                w = central(f, x)
                if g.shape != w.shape:
                    code = {"add": "no_unbroadcast", "sum": "sum_not_spread",
                            "matmul": "matmul_transpose"}.get(self.op, "wrong_shape")
                    if self.op == "add" and g.shape != np.shape(dout):
                        code = "wrong_shape"
                    raise Failure(f"{what} has shape {g.shape}, expected {w.shape} (the shape "
                                  f"of {'ab'[i]})", code)
                if nm.close(g, w, 1e-5, 1e-7):
                    continue
                text = f"{what} differs from central differences"
                if variant.public:
                    text += ":\n" + nm.worst_entries(g, w)
                raise Failure(text, self.code(operands, dout, i, g, w))

    def code(self, operands, dout, i, g, w):
        """The likely bug behind a wrong gradient of operand ``i``."""
        if self.op == "mul":
            return diagnose(g, w, candidates={"mul_own_value": dout * operands[i],
                                              "no_upstream": operands[1 - i]})
        if self.op == "matmul":
            a, b = operands
            wrong = [dout @ b, b.T @ dout, b @ dout, dout.T @ b] if i == 0 else \
                [a @ dout, dout @ a.T, dout.T @ a, a.T @ dout.T]
            for candidate in wrong:
                if candidate.shape == g.shape and nm.close(g, candidate, 1e-6, 1e-9):
                    return "matmul_transpose"
            return diagnose(g, w)
        if self.op == "sum":
            return diagnose(g, w, candidates={"no_upstream": np.ones_like(w)})
        return diagnose(g, w, n=int(np.size(dout) // max(np.size(operands[i]), 1)) or None)


TOPO_ORDER = TopoOrder()
BACKWARD = Backward()
ADD = Rule("add")
MUL = Rule("mul")
MATMUL = Rule("matmul")
SUM = Rule("sum")
