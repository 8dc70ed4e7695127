"""Lesson 09's bugs and correct alternatives: the autodiff engine (``nnlib/autodiff.py``)."""

from bugzoo import bug

BUGS: list = []
ALTERNATIVES: list = []

AD = "autodiff.py"
ACC = "                parent.grad += share\n"
WALK = "        for node in reversed(order):\n"
RESET = "        for node in order:\n            node.grad = np.zeros_like(node.data)\n"
TOPO = ("    order, seen = [], set()\n    stack = [(root, False)]\n    while stack:\n"
        "        node, parents_done = stack.pop()\n        if parents_done:\n"
        "            order.append(node)\n            continue\n        if id(node) in seen:\n"
        "            continue\n        seen.add(id(node))\n        stack.append((node, True))\n"
        "        stack.extend((p, False) for p in node.parents)\n"
        "    return order\n")
RECURSIVE = ("    order, seen = [], set()\n\n    def visit(node):\n        if id(node) in seen:\n"
             "            return\n        seen.add(id(node))\n        for p in node.parents:\n"
             "            visit(p)\n        order.append(node)\n\n    visit(root)\n"
             "    return order\n")
UNB = ("    for axis, size in enumerate(shape):\n        if size == 1 and grad.shape[axis] != 1:\n"
       "            grad = grad.sum(axis=axis, keepdims=True)\n    return grad\n")
ADD = "return unbroadcast(dout, self.shape), unbroadcast(dout, other.shape)"
MUL = ("            return (unbroadcast(dout * other.data, self.shape),\n"
       "                    unbroadcast(dout * self.data, other.shape))\n")
MATMUL = "return dout @ other.data.T, self.data.T @ dout"
SUM = "return (np.full(self.shape, float(dout)),)"
BUGS += [
    bug("backward assigns instead of accumulating", "autodiff.backward", AD, ACC,
        ACC.replace("+=", "="), "fanout_overwritten"),
    bug("backward walks the order forwards", "autodiff.backward", AD, WALK,
        "        for node in order:\n", "backward_order"),
    bug("backward never resets the gradients", "autodiff.backward", AD, RESET, "",
        "grads_not_reset"),
    bug("backward ignores the grad it is given", "autodiff.backward", AD,
        "        self.grad = grad\n", "        self.grad = np.ones_like(self.data)\n",
        "seed_ignored"),
    bug("topo_order by recursion", "autodiff.topo_order", AD, TOPO, RECURSIVE, "recursion"),
    bug("topo_order returns the root first", "autodiff.topo_order", AD, TOPO,
        TOPO.replace("    return order\n", "    return order[::-1]\n"), "topo_reversed"),
    bug("topo_order visits a node twice", "autodiff.topo_order", AD, TOPO,
        TOPO.replace("        if id(node) in seen:\n            continue\n", ""),
        "topo_duplicates"),
    bug("add without unbroadcast", "autodiff.add", AD, ADD, "return dout, dout",
        "no_unbroadcast"),
    bug("unbroadcast forgets the axes of size 1", "autodiff.add", AD, UNB, "    return grad\n",
        "no_unbroadcast"),
    bug("mul uses each operand's own value", "autodiff.mul", AD, MUL,
        MUL.replace("other.data, self", "SELF.data, self").replace(
            "self.data, other", "other.data, other").replace("SELF", "self"), "mul_own_value"),
    bug("matmul transposes swapped", "autodiff.matmul", AD, MATMUL,
        "return dout @ other.data, self.data @ dout", "matmul_transpose"),
    bug("matmul gradients in the wrong order", "autodiff.matmul", AD, MATMUL,
        "return self.data.T @ dout, dout @ other.data.T", "matmul_transpose"),
    bug("sum does not spread dout back", "autodiff.sum", AD, SUM, "return (dout,)",
        "sum_not_spread"),
    bug("mul rule adds to .grad itself", "autodiff.mul", AD, MUL,
        "            self.grad += dout * other.data\n" + MUL, "rule_writes_grad"),
]
ALTERNATIVES += [
    bug("topo_order by Kahn's algorithm (counting children)", "autodiff.topo_order", AD, TOPO,
        "    nodes, k = [root], 0\n    known = {id(root)}\n    while k < len(nodes):\n"
        "        for p in nodes[k].parents:\n            if id(p) not in known:\n"
        "                known.add(id(p))\n                nodes.append(p)\n        k += 1\n"
        "    waiting = {id(n): len({id(p) for p in n.parents}) for n in nodes}\n"
        "    ready = [n for n in nodes if not n.parents]\n    order = []\n"
        "    children = {id(n): [] for n in nodes}\n    for n in nodes:\n"
        "        for pid in {id(p) for p in n.parents}:\n            children[pid].append(n)\n"
        "    while ready:\n        n = ready.pop()\n        order.append(n)\n"
        "        for c in children[id(n)]:\n            waiting[id(c)] -= 1\n"
        "            if waiting[id(c)] == 0:\n                ready.append(c)\n"
        "    return order\n"),
    bug("backward with parent.grad = parent.grad + share", "autodiff.backward", AD, ACC,
        "                parent.grad = parent.grad + share\n"),
    bug("sum through np.ones_like times dout", "autodiff.sum", AD, SUM,
        "return (np.ones_like(self.data) * dout,)"),
]
