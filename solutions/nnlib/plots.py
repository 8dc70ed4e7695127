"""Plots for the lessons: learning curves, decision boundaries, gradients, digits.

Every function draws into the ``Axes`` it is given (or a new figure), returns the
``Axes`` or ``Figure`` it drew on, and never calls ``plt.show()``: a notebook shows the
figure at the end of the cell, a script saves it with ``fig.savefig``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from nnlib.metrics import predicted_labels, true_labels


def _new_axes(ax, figsize=(5, 4)):
    """``ax``, or the Axes of a new figure when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _grid(n: int, ncols: int, panel_size: tuple[float, float]):
    """A new figure with ``n`` Axes in rows of ``ncols``; returns (fig, list of n Axes)."""
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    width, height = panel_size
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.remove()
    return fig, list(axes.ravel()[:n])


def _series(values) -> dict[str, np.ndarray]:
    """A dict ``{label: values}``; a single unlabelled sequence gets the label ''."""
    if isinstance(values, dict):
        return {str(k): v for k, v in values.items()}
    return {"": values}


def _history_field(history, name: str, default=()):
    """``history[name]`` for a dict, ``history.name`` otherwise; ``default`` if missing."""
    if isinstance(history, dict):
        return history.get(name, default)
    return getattr(history, name, default)


def plot_history(history):
    """Learning curves: loss, and accuracy when recorded, per epoch, train vs validation.

    Args:
        history: a ``train.History`` (or a dict with the same keys: ``train_loss``,
            ``val_loss``, ``train_acc``, ``val_acc``, optionally ``best_epoch``).

    Returns:
        The ``Figure``: one panel for the loss, a second for the accuracy if any was
        recorded. A dotted vertical line marks the best epoch of early stopping.
    """
    panels = [("loss", "train_loss", "val_loss"), ("accuracy", "train_acc", "val_acc")]
    panels = [p for p in panels
              if len(_history_field(history, p[1])) or len(_history_field(history, p[2]))]
    if not panels:
        raise ValueError("expected a history with at least one recorded epoch, got none")
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
    for ax, (title, train_name, val_name) in zip(axes[0], panels, strict=True):
        for name, label in ((train_name, "train"), (val_name, "validation")):
            values = _history_field(history, name)
            if len(values):
                ax.plot(np.arange(1, len(values) + 1), values, label=label)
        ax.set(title=title, xlabel="epoch", ylabel=title)
        ax.legend()
    best = _history_field(history, "best_epoch", None)
    if best is not None:
        axes[0, 0].axvline(best + 1, color="gray", linestyle=":", label="best epoch")
    fig.tight_layout()
    return fig


def plot_decision_boundary(model_or_predict_fn, X, y, ax=None, resolution: int = 200):
    """Colour the plane by the class the model predicts, with the data on top.

    Args:
        model_or_predict_fn: a ``Module`` or a function mapping (G, 2) points to outputs
            (G, C) or (G, 1) / (G,) (one binary logit, class 1 where it is > 0).
        X: 2-D inputs, shape (N, 2).
        y: class labels (N,) or (N, 1).
        ax: the Axes to draw on; a new figure when None.
        resolution: grid points along each axis.

    Returns:
        The ``Axes``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"expected X of shape (N, 2), got {X.shape}")
    labels = true_labels(y)
    predict = getattr(model_or_predict_fn, "forward", model_or_predict_fn)
    low, high = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (high - low) + 1e-9
    g0, g1 = np.meshgrid(
        np.linspace(low[0] - pad[0], high[0] + pad[0], resolution),
        np.linspace(low[1] - pad[1], high[1] + pad[1], resolution),
    )
    grid_labels = predicted_labels(predict(np.column_stack([g0.ravel(), g1.ravel()])))
    k = int(max(labels.max(), grid_labels.max())) + 1
    cmap = ListedColormap([plt.get_cmap("tab10")(i % 10) for i in range(k)])
    ax = _new_axes(ax)
    ax.contourf(g0, g1, grid_labels.reshape(g0.shape), levels=np.arange(k + 1) - 0.5,
                cmap=cmap, alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap=cmap, vmin=-0.5, vmax=k - 0.5,
               s=12, edgecolors="k", linewidths=0.3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title="decision boundary")
    return ax


def plot_gradient_norms(norms_by_layer, ax=None):
    """Gradient size per layer, on a log scale: vanishing gradients slope down to the input.

    Args:
        norms_by_layer: one norm per layer, input side first (``diagnostics.gradient_norms``),
            or a dict ``{label: norms}`` to compare networks (e.g. sigmoid vs ReLU).
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The ``Axes``, one line per network.
    """
    ax = _new_axes(ax)
    series = _series(norms_by_layer)
    for label, norms in series.items():
        norms = np.asarray(norms, dtype=np.float64)
        ax.plot(np.arange(1, len(norms) + 1), norms, marker="o", label=label or None)
    ax.set_yscale("log")
    ax.set(xlabel="layer (1 = next to the input)", ylabel=r"$\|\partial L / \partial W\|$",
           title="gradient norm per layer")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if any(series):
        ax.legend()
    return ax


def plot_activation_histograms(activations_by_layer, bins: int = 50, ncols: int = 5,
                               xlim: tuple[float, float] | None = None):
    """One histogram per layer of the values its units output, with their mean and std.

    Saturated sigmoids pile up at 0 and 1, dying signals shrink towards 0 layer by layer.

    Args:
        activations_by_layer: a list of arrays, one per layer (``diagnostics.layer_outputs``),
            or a dict ``{name: array}``.
        bins: histogram bins (a number, or the bin edges).
        ncols: panels per row.
        xlim: ``(low, high)``: one x-axis shared by all panels, so that widths can be
            compared between layers. A number of ``bins`` is then spread over
            ``[low, high]``, and values outside are counted in the first or last bin
            (the mean and std in the titles use the values as they are). None: each
            panel chooses its own range.

    Returns:
        The ``Figure``, one Axes per layer.
    """
    layers = activations_by_layer
    if not isinstance(layers, dict):
        layers = {f"layer {k}": a for k, a in enumerate(layers, start=1)}
    if not layers:
        raise ValueError("expected at least one layer's activations, got none")
    if xlim is not None:
        low, high = (float(v) for v in xlim)
        if not low < high:
            raise ValueError(f"expected xlim = (low, high) with low < high, got {xlim}")
        if np.ndim(bins) == 0:
            bins = np.linspace(low, high, int(bins) + 1)
    fig, axes = _grid(len(layers), ncols, (3, 2.5))
    for ax, (name, values) in zip(axes, layers.items(), strict=True):
        values = np.asarray(values, dtype=np.float64).ravel()
        shown = values if xlim is None else np.clip(values, low, high)
        ax.hist(shown, bins=bins)
        if xlim is not None:
            ax.set_xlim(low, high)
        ax.set_title(f"{name}\nmean {values.mean():.2g}, std {values.std():.2g}", fontsize=9)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(cm, labels=None, ax=None):
    """The confusion matrix as an image, each cell annotated with its count.

    Args:
        cm: (C, C) counts, rows true classes, columns predicted (``diagnostics.confusion_matrix``).
        labels: C class names; ``0..C-1`` when None.
        ax: the Axes to draw on; a new figure when None.

    Returns:
        The ``Axes``.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"expected a square matrix (C, C), got shape {cm.shape}")
    labels = [str(c) for c in (range(len(cm)) if labels is None else labels)]
    if len(labels) != len(cm):
        raise ValueError(f"expected {len(cm)} labels, got {len(labels)}")
    ax = _new_axes(ax, figsize=(5, 5))
    ax.imshow(cm, cmap="Blues")
    dark = cm > cm.max() / 2
    for i, j in np.ndindex(cm.shape):
        ax.text(j, i, f"{cm[i, j]}", ha="center", va="center", fontsize=8,
                color="white" if dark[i, j] else "black")
    ticks = np.arange(len(cm))
    ax.set(xticks=ticks, yticks=ticks, xticklabels=labels, yticklabels=labels,
           xlabel="predicted", ylabel="true", title="confusion matrix")
    return ax


def plot_digits(images, labels, predictions=None, ncols: int = 10):
    """A grid of digit images titled with their labels (and predictions, red when wrong).

    Args:
        images: K square images, shape (K, S*S) (rows of ``load_digits``'s X) or (K, S, S).
        labels: true labels, shape (K,).
        predictions: predicted labels (K,), or None.
        ncols: images per row.

    Returns:
        The ``Figure``, one Axes per image.
    """
    images = np.asarray(images, dtype=np.float64)
    side = int(round(np.sqrt(images[0].size))) if len(images) else 0
    if len(images) == 0 or side * side != images[0].size:
        raise ValueError(f"expected K >= 1 square images, got shape {images.shape}")
    if len(labels) != len(images) or (predictions is not None and len(predictions) != len(labels)):
        raise ValueError("expected one label (and prediction) per image")
    fig, axes = _grid(len(images), ncols, (1.1, 1.3))
    for k, ax in enumerate(axes):
        ax.imshow(images[k].reshape(side, side), cmap="gray_r")
        ax.set_axis_off()
        if predictions is None:
            ax.set_title(f"{labels[k]}", fontsize=9)
        else:
            wrong = predictions[k] != labels[k]
            ax.set_title(f"{predictions[k]} ({labels[k]})", fontsize=9,
                         color="red" if wrong else "black")
    if predictions is not None:
        fig.suptitle("predicted (true)", fontsize=10)
    fig.tight_layout()
    return fig


def _graph_nodes(root) -> list:
    """The nodes ``root`` depends on (breadth first from ``root``), each once."""
    nodes, known, k = [root], {id(root)}, 0
    while k < len(nodes):
        for parent in nodes[k].parents:
            if id(parent) not in known:
                known.add(id(parent))
                nodes.append(parent)
        k += 1
    return nodes


def _node_text(node) -> str:
    """A node's box: its label or operation, then its value and gradient when scalar."""
    name = node.label or node.op or "leaf"
    if node.data.size == 1:
        value, grad = float(node.data.ravel()[0]), float(node.grad.ravel()[0])
        return f"{name}\n{value:.3g}  (grad {grad:.3g})"
    return f"{name}\nshape {node.data.shape}"


def plot_graph(root, ax=None):
    """Draw the computational graph of an ``autodiff.Value``: leaves left, ``root`` right.

    Each box is a node: its ``label`` (or its operation, or "leaf") with, for a scalar
    node, its value and ``.grad``, and otherwise its shape. An arrow runs from each parent
    to the node computed from it; a node's column is the length of the longest path
    from a leaf to it. Meant for small expressions (a few dozen nodes).

    Args:
        root: the ``Value`` whose graph to draw.
        ax: the Axes to draw on, or None for a new figure.

    Returns:
        The ``Axes``.
    """
    nodes = _graph_nodes(root)
    if len(nodes) > 60:
        raise ValueError(f"expected a small graph (at most 60 nodes), got {len(nodes)}")
    column = {id(n): 0 for n in nodes}
    for _ in nodes:  # longest path from a leaf, by relaxation (no order needed)
        for n in nodes:
            if n.parents:
                column[id(n)] = 1 + max(column[id(p)] for p in n.parents)
    rows: dict[int, int] = {}
    where = {}
    for n in reversed(nodes):
        c = column[id(n)]
        where[id(n)] = (c, rows.get(c, 0))
        rows[c] = rows.get(c, 0) + 1
    tallest = max(rows.values())
    place = {key: (c * 2.2, (rows[c] - 1) / 2 - r) for key, (c, r) in where.items()}
    ax = _new_axes(ax, figsize=(2.2 * (max(rows) + 1) + 1, 1.2 * tallest + 1))
    for n in nodes:
        for parent in n.parents:  # an arrow that skips a column bends round the boxes
            skips = column[id(n)] - column[id(parent)] > 1
            ax.annotate("", xy=place[id(n)], xytext=place[id(parent)],
                        arrowprops={"arrowstyle": "->", "color": "0.4", "shrinkA": 28,
                                    "shrinkB": 28,
                                    "connectionstyle": f"arc3,rad={0.35 if skips else 0}"})
    for n in nodes:
        leaf = not n.parents
        ax.text(*place[id(n)], _node_text(n), ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round", "fc": "#dbe9f6" if leaf else "#fde0c5",
                      "ec": "0.3"})
    xs = [x for x, _ in place.values()]
    ys = [y for _, y in place.values()]
    ax.set_xlim(min(xs) - 1.2, max(xs) + 1.2)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    ax.set_title("computational graph (blue: leaves)")
    return ax
