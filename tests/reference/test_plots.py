"""Do the plots draw the data they are given, where they should, without showing anything?"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import plots  # noqa: E402
from nnlib.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("library plots must not call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_plot_history_draws_each_recorded_curve_per_epoch():
    history = History(train_loss=[1.0, 0.6, 0.4], val_loss=[1.1, 0.7, 0.8],
                      train_acc=[0.5, 0.7, 0.9], val_acc=[0.4, 0.6, 0.7], best_epoch=1)
    fig = plots.plot_history(history)
    loss_ax, acc_ax = fig.axes
    loss, acc = lines_by_label(loss_ax), lines_by_label(acc_ax)
    np.testing.assert_array_equal(loss["train"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(loss["train"].get_ydata(), history.train_loss)
    np.testing.assert_array_equal(loss["validation"].get_ydata(), history.val_loss)
    np.testing.assert_array_equal(acc["validation"].get_ydata(), history.val_acc)
    np.testing.assert_array_equal(loss["best epoch"].get_xdata(), [2, 2])  # epoch index 1


def test_plot_history_without_accuracy_or_validation_has_one_panel_one_line():
    fig = plots.plot_history({"train_loss": np.array([3.0, 2.0])})
    assert len(fig.axes) == 1
    assert list(lines_by_label(fig.axes[0])) == ["train"]
    with pytest.raises(ValueError, match="at least one"):
        plots.plot_history(History())


def test_plot_decision_boundary_separates_the_plane_where_the_model_does():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    ax = plots.plot_decision_boundary(lambda P: P[:, :1], X, y, resolution=50)  # logit x_1
    (points,) = ax.collections[-1:]
    np.testing.assert_array_equal(points.get_offsets(), X)
    np.testing.assert_array_equal(points.get_array(), y)
    regions = ax.collections[0].get_paths()  # one filled path per class level
    step = 2.2 / 49  # grid spacing: range 2 plus 10% padding each side, 50 points
    assert regions[0].vertices[:, 0].max() <= step and regions[1].vertices[:, 0].min() >= -step


def test_plot_decision_boundary_accepts_a_module_with_forward():
    class ThreeWay:
        def forward(self, P):
            return np.column_stack([-P[:, 0], P[:, 0] * 0, P[:, 0]])  # class 0 | 1 | 2 by x_1

    X = np.array([[-1.0, 0.0], [0.0, 1.0], [1.0, 0.5]])
    ax = plots.plot_decision_boundary(ThreeWay(), X, np.array([0, 1, 2]), resolution=30)
    assert len(ax.collections[0].get_paths()) == 3


def test_plot_gradient_norms_uses_a_log_scale_and_one_line_per_network():
    ax = plots.plot_gradient_norms({"sigmoid": [1e-6, 1e-4, 1e-2], "relu": [0.1, 0.2, 0.3]})
    assert ax.get_yscale() == "log"
    lines = lines_by_label(ax)
    np.testing.assert_array_equal(lines["sigmoid"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines["relu"].get_ydata(), [0.1, 0.2, 0.3])
    single = plots.plot_gradient_norms([5.0, 2.0])
    np.testing.assert_array_equal(single.get_lines()[0].get_ydata(), [5.0, 2.0])


def test_plot_activation_histograms_has_one_panel_per_layer_counting_every_value():
    rng = np.random.default_rng(0)
    acts = [rng.normal(size=(20, 3)), rng.uniform(size=(20, 5)), np.zeros((20, 2))]
    fig = plots.plot_activation_histograms(acts, bins=10, ncols=2)
    assert len(fig.axes) == 3  # the 4th cell of the 2 x 2 grid is removed
    for ax, a in zip(fig.axes, acts, strict=True):
        assert sum(bar.get_height() for bar in ax.patches) == a.size
    assert fig.axes[0].get_title().startswith("layer 1")


def test_plot_activation_histograms_xlim_shares_one_axis_and_counts_outliers_at_the_edges():
    narrow = np.array([0.0, 0.1, -0.1, 0.2])
    wide = np.array([-5.0, -0.5, 0.5, 3.0])     # -5 and 3 lie outside [-1, 1]
    fig = plots.plot_activation_histograms({"a": narrow, "b": wide}, bins=4, xlim=(-1, 1))
    for ax in fig.axes:
        assert ax.get_xlim() == (-1.0, 1.0)
        edges = [bar.get_x() for bar in ax.patches]
        np.testing.assert_allclose(edges, [-1.0, -0.5, 0.0, 0.5])  # 4 bins over [-1, 1]
    # bins [-1,-0.5) [-0.5,0) [0,0.5) [0.5,1]: -5 joins the first bin, 3 the last
    assert [bar.get_height() for bar in fig.axes[1].patches] == [1, 1, 0, 2]
    assert [bar.get_height() for bar in fig.axes[0].patches] == [0, 1, 3, 0]
    assert "mean -0.5" in fig.axes[1].get_title()   # titles use the values, not the clipped ones
    with pytest.raises(ValueError, match="low < high"):
        plots.plot_activation_histograms([narrow], xlim=(1, -1))


def test_plot_confusion_matrix_shows_the_counts():
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    ax = plots.plot_confusion_matrix(cm, labels=["a", "b", "c"])
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    assert [int(t.get_text()) for t in ax.texts] == cm.ravel().tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="3 labels, got 2"):
        plots.plot_confusion_matrix(cm, labels=["a", "b"])


def test_plot_digits_titles_each_image_and_marks_wrong_predictions():
    images = np.arange(3 * 64.0).reshape(3, 64)
    fig = plots.plot_digits(images, [1, 2, 3], predictions=[1, 5, 3], ncols=2)
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["1 (1)", "5 (2)", "3 (3)"]
    colours = [ax.title.get_color() for ax in fig.axes]
    assert colours[1] == "red" and colours[0] != "red"
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), images[2].reshape(8, 8))
    with pytest.raises(ValueError, match="square"):
        plots.plot_digits(np.zeros((2, 10)), [0, 1])


def test_plot_graph_draws_one_box_per_node_and_one_arrow_per_edge():
    from nnlib.autodiff import Value

    a, b = Value(2.0, label="a"), Value(-1.5, label="b")
    c = a * b
    root = (c + a) * c
    root.backward()
    ax = plots.plot_graph(root)
    arrows = [t for t in ax.texts if type(t).__name__ == "Annotation"]
    boxes = [t.get_text() for t in ax.texts if t not in arrows]
    assert len(boxes) == 5 and any(t.startswith("a\n2") and "grad 3" in t for t in boxes)
    assert len(arrows) == 6  # a -> c, b -> c, c -> d, a -> d, d -> root, c -> root
