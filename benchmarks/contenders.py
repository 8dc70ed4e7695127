"""The contenders: one function per (library, task), each returning seconds and accuracy.

Every trainer runs the same textbook loop on the same arrays: shuffle, then for each
minibatch forward -> loss -> zero_grad -> backward -> step. Only the loop is timed; data
conversion and model construction happen before the clock starts (scikit-learn's
``fit`` also validates its input and initialises its weights inside the timed call: that
is the price of its API, and is small next to the training it does).

The caller has already pinned the thread count and put the reference ``nnlib`` first on
``sys.path``. PyTorch and scikit-learn are optional: ``available()`` says which are here.
"""

from __future__ import annotations

import importlib.util
import time
import warnings

import numpy as np

from nnlib import activations, data, layers, losses, optim, train

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = [time.perf_counter]


def set_clock(name: str) -> None:
    """Time with the wall clock or this process's CPU time (``CLOCKS``).

    With every contender pinned to one thread, CPU time is what the code costs, and it
    stays put when other jobs compete for the cores; wall time counts their turns too.
    """
    _clock[0] = CLOCKS[name]


def clock() -> float:
    return _clock[0]()


def available(name: str) -> bool:
    """True when the package ``name`` can be imported."""
    return importlib.util.find_spec(name) is not None


# -- data -------------------------------------------------------------------------------

def digits_split(dtype, seed: int = 0, test_fraction: float = 0.2):
    """The 8x8 digits, shuffled once and split, standardized with training statistics.

    Returns:
        (X_train, y_train, X_test, y_test): X of ``dtype``, y int64.
    """
    X, y = data.load_digits()
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, tr = order[:n_test], order[n_test:]
    X_train, X_test = data.standardize(X[tr], X[test])
    return X_train.astype(dtype), y[tr], X_test.astype(dtype), y[test]


def random_problem(n: int, d: int, classes: int, dtype, seed: int = 0):
    """Gaussian inputs (n, d) of ``dtype`` and uniform labels in ``0..classes-1``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    return X, rng.integers(0, classes, n)


# -- nnlib ------------------------------------------------------------------------------

def nnlib_mlp(sizes, dtype, seed: int):
    """``Linear -> ReLU -> ... -> Linear`` with He initialisation, in ``dtype``."""
    rng = np.random.default_rng(seed)
    mods = []
    for i, (d, m) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        mods.append(layers.Linear(d, m, rng=rng, init="he", dtype=dtype))
        if i < len(sizes) - 2:
            mods.append(activations.ReLU())
    return layers.Sequential(*mods)


def nnlib_train(problem, cfg, dtype, seed: int):
    """Train the reference nnlib for ``cfg.epochs`` epochs with ``train.fit``.

    Returns:
        (seconds, test accuracy or None).
    """
    X, y, X_test, y_test = problem
    model = nnlib_mlp(cfg.sizes, dtype, seed)
    loss_fn = losses.SoftmaxCrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    rng = np.random.default_rng(seed + 1)
    start = clock()
    train.fit(model, loss_fn, opt, X, y, epochs=cfg.epochs, batch_size=cfg.batch,
              rng=rng, metric=None, progress=False)
    seconds = clock() - start
    acc = None if X_test is None else train.accuracy(train.predict(model, X_test), y_test)
    return seconds, acc


def nnlib_step(sizes, batch: int, dtype, steps: int, seed: int = 0) -> float:
    """Seconds per training step on one fixed batch (no data movement)."""
    X, y = random_problem(batch, sizes[0], sizes[-1], dtype, seed)
    model = nnlib_mlp(sizes, dtype, seed)
    loss_fn = losses.SoftmaxCrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    start = clock()
    for _ in range(steps):
        loss_fn.forward(model.forward(X), y)
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
    return (clock() - start) / steps


def nnlib_page_faults(sizes, batch: int, dtype, steps: int = 50, seed: int = 0) -> float:
    """Minor page faults per nnlib training step (memory the allocator gave back and takes
    again from the kernel), after a few warm-up steps; 0 on systems without ``resource``."""
    try:
        import resource
    except ImportError:
        return 0.0
    nnlib_step(sizes, batch, dtype, 5, seed)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    nnlib_step(sizes, batch, dtype, steps, seed)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def gemm_step(sizes, batch: int, dtype, steps: int, seed: int = 0) -> float:
    """Seconds per step of the matrix products alone: the BLAS limit of one step.

    Per layer (D -> M): ``x @ W`` (forward), ``x.T @ dout`` (dW) and ``dout @ W.T``
    (dx), with the layouts nnlib uses (transposes are views, BLAS reads them as such),
    into preallocated outputs: no temporaries, nothing but the products.
    """
    rng = np.random.default_rng(seed)
    shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
    xs = [rng.standard_normal((batch, d)).astype(dtype) for d, _ in shapes]
    ws = [rng.standard_normal((d, m)).astype(dtype) for d, m in shapes]
    douts = [rng.standard_normal((batch, m)).astype(dtype) for _, m in shapes]
    outs = [(np.empty((batch, m), dtype), np.empty((d, m), dtype), np.empty((batch, d), dtype))
            for d, m in shapes]
    start = clock()
    for _ in range(steps):
        for x, w, dout, (out, dw, dx) in zip(xs, ws, douts, outs, strict=True):
            np.matmul(x, w, out=out)
            np.matmul(x.T, dout, out=dw)
            np.matmul(dout, w.T, out=dx)
    return (clock() - start) / steps


# -- PyTorch ----------------------------------------------------------------------------

def torch_mlp(sizes, dtype, seed: int):
    """The same network in PyTorch, starting from the nnlib model's initial weights."""
    import torch

    ref = nnlib_mlp(sizes, dtype, seed)
    mods = []
    for module in ref:
        if isinstance(module, layers.Linear):
            lin = torch.nn.Linear(module.in_features, module.out_features)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(module.W.value.T.copy()))
                lin.bias.copy_(torch.from_numpy(module.b.value.copy()))
            mods.append(lin)
        else:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods).to(torch_dtype(dtype))


def torch_dtype(dtype):
    import torch

    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[
        np.dtype(dtype)]


def torch_train(problem, cfg, dtype, seed: int):
    """Train with PyTorch on the CPU: same loop, shuffle per epoch, SGD with momentum."""
    import torch

    X, y, X_test, y_test = problem
    model = torch_mlp(cfg.sizes, dtype, seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(seed + 1)
    start = clock()
    for _ in range(cfg.epochs):
        order = torch.randperm(len(Xt), generator=gen)
        for i in range(0, len(Xt), cfg.batch):
            idx = order[i : i + cfg.batch]
            loss = loss_fn(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = clock() - start
    acc = None
    if X_test is not None:
        with torch.no_grad():
            pred = model(torch.from_numpy(X_test)).argmax(dim=1).numpy()
        acc = float(np.mean(pred == y_test))
    return seconds, acc


def torch_step(sizes, batch: int, dtype, steps: int, seed: int = 0) -> float:
    """Seconds per PyTorch training step on one fixed batch."""
    import torch

    X, y = random_problem(batch, sizes[0], sizes[-1], dtype, seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    model = torch_mlp(sizes, dtype, seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    start = clock()
    for _ in range(steps):
        loss = loss_fn(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (clock() - start) / steps


# -- scikit-learn -----------------------------------------------------------------------

def sklearn_train(problem, cfg, dtype, seed: int):
    """``MLPClassifier`` with the same architecture, plain SGD momentum and fixed epochs.

    ``max_iter`` is the number of epochs; ``tol=0`` with ``n_iter_no_change`` above it
    turns the convergence test off, ``alpha=0`` the L2 penalty, so every run does exactly
    ``cfg.epochs`` epochs. Its weights start from its own (Glorot uniform) initialisation.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y, X_test, y_test = problem
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(cfg.sizes[1:-1]), activation="relu", solver="sgd",
        alpha=0.0, batch_size=cfg.batch, learning_rate="constant",
        learning_rate_init=cfg.lr, momentum=cfg.momentum, nesterovs_momentum=False,
        max_iter=cfg.epochs, tol=0.0, n_iter_no_change=cfg.epochs + 1,
        early_stopping=False, shuffle=True, random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = clock()
        clf.fit(X, y)
        seconds = clock() - start
    if clf.n_iter_ != cfg.epochs or clf.coefs_[0].dtype != np.dtype(dtype):
        raise RuntimeError(f"MLPClassifier ran {clf.n_iter_} epochs in {clf.coefs_[0].dtype}, "
                           f"expected {cfg.epochs} in {np.dtype(dtype)}")
    acc = None if X_test is None else float(np.mean(clf.predict(X_test) == y_test))
    return seconds, acc
