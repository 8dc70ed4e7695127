"""The hint ladders of lessons 09 to 11 (see ``hints.py``, which merges them in)."""

from __future__ import annotations

LATER_LADDERS: dict[str, tuple[str, ...]] = {
    # lesson 09: automatic differentiation
    "byhand.fanout": (
        "Go backwards from L: first dL/dd, then dL/dc, then dL/da, each from the ones "
        "already known.",
        "c is used twice (by d and by L) and a is used twice (by c and by d): a node's "
        "gradient is the sum over its uses of (the user's gradient) times (the user's local "
        "slope).",
        "dL/dd = c; dL/dc = d + dL/dd (through L directly and through d); dL/da = "
        "dL/dc times b + dL/dd.",
    ),
    "autodiff.topo_order": (
        "Think depth-first: a node may be written down only once all of its parents are.",
        "Walk from the root towards the leaves, keeping an explicit stack of nodes still to "
        "visit instead of recursive calls, and a set of ids of the nodes already visited. A "
        "node goes into the list when its parents are done (post-order).",
        "The result is a post-order of the depth-first search from the root: every node "
        "once, after all its parents, the root last.",
    ),
    "autodiff.backward": (
        "Start from the root with the grad given, then go against the arrows: each node's "
        "rule turns its own gradient into one share per parent.",
        "Visit the nodes in reverse topological order: when a node is reached, every node "
        "that uses it has already passed its share. A node with several uses (or a parent "
        "listed twice) must collect every share: dL/dv is the sum over the paths.",
        "Reset every .grad to zeros, set the root's to grad, then for each node from the "
        "root backwards, add each share its rule returns to the matching parent's .grad "
        "(accumulate, never replace).",
    ),
    "autodiff.add": (
        "Without broadcasting, moving a_ij by h moves out_ij by h: the local slope is 1 for "
        "both operands.",
        "Broadcasting copies an operand along new leading axes and along its axes of size "
        "1; each copy is one more use of the same entry, and uses add up (fan-out).",
        "unbroadcast sums the gradient over the leading axes the operand lacks and over the "
        "axes where the operand has size 1 (keeping them); add returns (unbroadcast(dout, "
        "a's shape), unbroadcast(dout, b's shape)).",
    ),
    "autodiff.mul": (
        "Entry by entry, out_ij = a_ij b_ij: how much does out_ij move when a_ij moves by h?",
        "The slope of a product with respect to one factor is the other factor; then the "
        "chain rule multiplies by dout.",
        "da = dout times b's data and db = dout times a's data, entry by entry, each brought "
        "to its operand's shape with unbroadcast.",
    ),
    "autodiff.matmul": (
        "Write one entry: C_nm = sum over d of A_nd B_dm. Which entries of C does A_nd "
        "reach?",
        "dL/dA_nd = sum over m of dout_nm B_dm and dL/dB_dm = sum over n of A_nd dout_nm: "
        "each is a matrix product once you see which index is summed.",
        "dA = dout B^T, of shape (N, D), and dB = A^T dout, of shape (D, M) (the same "
        "products as Linear's dx and dW in lesson 04).",
    ),
    "autodiff.sum": (
        "s = sum of all a_ij: how much does s move when one a_ij moves by h?",
        "Every entry has slope 1, so every entry's gradient is the upstream dout, a scalar.",
        "The rule returns a 1-tuple: an array of a's shape filled with the value of dout.",
    ),
    # lesson 10: regularisation
    "byhand.weight_decay": (
        "The step uses the gradient of the total loss, data loss plus penalty, at the "
        "current w.",
        "The slopes of a sum add: dL/dw = dL_data/dw + d/dw of (lam / 2) w^2; then one "
        "gradient-descent step with the learning rate lr.",
        "dL_data/dw = (w x - y) x, the penalty's slope is lam w, and w_new = w - lr (dL_data/dw "
        "+ lam w).",
    ),
    "regularise.weight_decay": (
        "The total loss is the data loss plus a penalty on the weights; backward has already "
        "filled .grad with the data loss's gradient, so only the penalty's part is missing.",
        "The penalty (lam / 2) sum W_ij^2 is a sum of separate squares: each entry W_ij "
        "appears in one term only. Which parameters does the lesson decay, and which not?",
        "dL_total/dW = dL_data/dW + lam W for every weight matrix (2 or more axes), added to "
        "what is there; a bias's gradient stays dL_data/db.",
    ),
    "dropout.forward": (
        "In training each entry survives a coin flip that drops it with probability p; in "
        "eval mode the layer does nothing at all.",
        "Draw the flips from the layer's own generator (a uniform number per entry, compared "
        "with p). A kept entry must be scaled so that E[out_i] = x_i, and E[out_i] = (keep "
        "probability) times (scale) times x_i.",
        "Training: out_i = 0 for a dropped entry and x_i times 1/q for a kept one, with q = "
        "1 - p the keep probability, and the mask cached; eval: out = x, no draw.",
    ),
    "dropout.backward": (
        "Forward multiplied each entry of x by a number fixed by the mask: what is the slope "
        "of out_i with respect to x_i?",
        "The slope is the factor forward used for that entry, so backward needs the very "
        "mask forward drew: the cached one, never a new draw.",
        "dx_i = dout_i times the factor forward used (1/q for a kept entry, q = 1 - p, and 0 "
        "for a dropped one); in eval mode dx = dout.",
    ),
    # lesson 11: batch normalisation
    "byhand.batchnorm": (
        "Work on the one feature column: first its mean over the three examples, then how "
        "far the first example sits from it.",
        "The batch variance is the mean of the squared deviations, divided by N (not "
        "N - 1); x_hat_1 is the deviation in units of the standard deviation (eps = 0).",
        "mu = (x_1 + x_2 + x_3) / 3, var = mean of (x_n - mu)^2, x_hat_1 = (x_1 - mu) / "
        "sqrt(var), and out_1 = gamma x_hat_1 + beta.",
    ),
    "batchnorm.forward": (
        "Each feature (column) is normalised on its own, over the rows of the batch; the "
        "mode decides where the mean and the variance come from.",
        "Training: the batch's own mean and variance (divided by N), and the running "
        "averages move towards them by the momentum; eval: the running averages, left "
        "untouched. eps goes under the square root.",
        "x_hat = (x - mu) / sqrt(var + eps) column by column, out = gamma x_hat + beta; in "
        "training running <- (1 - momentum) running + momentum (batch statistic), and keep "
        "what backward needs.",
    ),
    "batchnorm.backward": (
        "dbeta and dgamma are like a bias gradient: one contribution per row. dx is harder: "
        "x_n reaches the output directly and through the column's mean and variance.",
        "Write the graph x -> mu, var -> x_hat -> out and add the three paths into dx: "
        "dL/dx_hat = dout gamma, then back through var (which depends on x and mu) and "
        "through mu.",
        "With s = 1 / sqrt(var + eps) and g = dout gamma: dx = s (g - mean over the batch of "
        "g - x_hat times the mean over the batch of g x_hat); dgamma = sum over n of dout "
        "x_hat, dbeta = sum over n of dout.",
    ),
    "capstone.regularised": (
        "This check trains your whole nnlib with your BatchNorm1d and Dropout in the "
        "network: first make every exercise it lists pass on its own (nncourse check "
        "--lesson 10, --lesson 11, and lesson 08's pieces).",
        "The test digits are predicted one at a time in evaluation mode: there, batch norm "
        "must use its running statistics (moved during training) and dropout must be the "
        "identity. A batch of one has no spread of its own.",
        "If every piece passes but the accuracy is low, compare training and evaluation: "
        "the running averages must follow the batches of training, and batch norm's dx "
        "must include the paths through the batch's mean and variance.",
    ),
}
