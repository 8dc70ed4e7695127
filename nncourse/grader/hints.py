"""The ladder of hints of every exercise: a nudge, the key identity, the result in maths.

``LADDERS[exercise id]`` holds two or three hints of increasing strength. They say what
to think about and, at the last rung, the result in mathematical notation; they never
give a line of code, and never hidden-check data (``tests/grader/test_hints.py`` checks
that every exercise of the registry has a ladder and that no hint shows an expression
of a solution region). When a failure's diagnosis names a known bug, the student is
shown that bug's sentence (``checks/diagnose.py``) instead of the next rung: it is the
more precise hint. How rungs unlock is ``progress.py``'s job.

This module imports only its second half, ``hints_later.py`` (lessons 09 to 11): the
student's ``nncourse hint`` reads them.
"""

from __future__ import annotations

from nncourse.grader.hints_later import LATER_LADDERS

LADDERS: dict[str, tuple[str, ...]] = {
    "data.one_hot": (
        "Start from an (N, C) array of zeros, C = num_classes: every row then needs "
        "exactly one 1.",
        "Row i describes label y_i, so its 1 sits in the column whose index is the label "
        "itself. numpy can set one entry per row at once when you index with a row index "
        "array and a column index array of the same length.",
        "Y_ic = 1 when c = y_i and 0 otherwise; shape (N, C), float64, and labels outside "
        "[0, C) are a ValueError.",
    ),
    "sigmoid.forward": (
        "sigma(x) = 1 / (1 + e^(-x)) is the definition; ask what e^(-x) does at x = -1000 "
        "before you write it that way.",
        "Multiplying top and bottom by e^x gives the same function as e^x / (1 + e^x), "
        "which only ever takes e of a non-positive number when x < 0.",
        "Use the first form where x >= 0 and the second where x < 0 (an elementwise "
        "choice), keep the shape and dtype of x, and cache what backward will need.",
    ),
    "tanh.forward": (
        "tanh x = (e^x - e^(-x)) / (e^x + e^(-x)): what happens to each exponential at "
        "x = 800?",
        "numpy already has a stable hyperbolic tangent; if you write it yourself, divide "
        "top and bottom by e^|x| so that only e^(-2|x|) appears.",
        "The output has the shape and dtype of x, lies in (-1, 1), is odd (tanh(-x) = "
        "-tanh x), and is what backward will need from the cache.",
    ),
    "relu.forward": (
        "ReLU keeps the positive entries and replaces the others by 0.",
        "That is the elementwise maximum of x and 0; numpy has a function for the "
        "maximum of two arrays entry by entry (not the maximum of one array).",
        "relu(x)_i = max(x_i, 0), the shape and dtype of x, x itself unchanged, and x "
        "cached for backward.",
    ),
    "leaky_relu.forward": (
        "Like ReLU, but a negative input is scaled by a small slope instead of being "
        "set to 0.",
        "The slope is the one given to the constructor (the negative_slope attribute), not a "
        "number of your own; the choice between the two branches is elementwise.",
        "f(x)_i = x_i where x_i > 0 and a x_i where x_i <= 0, with a the negative slope; "
        "shape and dtype of x; cache x.",
    ),
    "linear.forward": (
        "One row of the output per example: out_n = sum over d of x_nd W_dm, plus b_m.",
        "The sum over d, for every n and m at once, is one matrix product of shapes "
        "(N, D) and (D, M); b of shape (M,) broadcasts over the N rows.",
        "out = X W + b, shape (N, M), with x checked against (N, D) and in the layer's "
        "dtype, and cached for backward.",
    ),
    "sequential.forward": (
        "The output of one module is the input of the next.",
        "The modules act in the order they were given: the first sees x, the last "
        "produces the output.",
        "out = m_K( ... m_2(m_1(x)) ... ), and with no modules at all out = x.",
    ),
    "mse.forward": (
        "Mean squared error: the average of the squared differences between prediction "
        "and target.",
        "The mean runs over every entry of the (N, M) array, not only over the N rows; "
        "backward will need the difference, so keep it.",
        "L = (1 / (N M)) sum over n, m of (pred_nm - target_nm)^2, returned as a float.",
    ),
    "bce_logits.forward": (
        "Write the per-example loss with the logit z instead of the probability sigma(z): "
        "log sigma(z) = -log(1 + e^(-z)).",
        "Then l(z, y) = (1 - y) z + log(1 + e^(-z)), and log(1 + e^(-z)) = max(-z, 0) + "
        "log(1 + e^(-|z|)) never overflows; log1p is accurate for small arguments.",
        "L = mean over all entries of max(z, 0) - y z + log(1 + e^(-|z|)); finite and "
        "about |z| per example at z = +-1000.",
    ),
    "softmax.forward": (
        "softmax(z)_i = e^(z_i) / sum_j e^(z_j) along the last axis; try it at z = 1000.",
        "Adding the same constant c to every z_j of a row leaves the softmax unchanged; "
        "pick c so that the largest exponent is 0.",
        "softmax(z) = e^(z - m) / sum_j e^(z_j - m) with m the row maximum, and "
        "log softmax(z)_i = z_i - m - log sum_j e^(z_j - m) (log-sum-exp); reductions keep "
        "their axis for broadcasting.",
    ),
    "softmax_ce.forward": (
        "The loss of one example is minus the log-probability of its own label.",
        "Take the log-probabilities from log_softmax (stable) rather than the log of "
        "softmax, and pick one entry per row: the column of that row's label.",
        "L = -(1/N) sum over n of log softmax(z_n)_(y_n); keep the probabilities and the "
        "labels for backward.",
    ),
    "gradcheck.numerical_gradient": (
        "One partial derivative at a time: nudge a single entry of x, watch f, put the "
        "entry back.",
        "The central difference (f(x + h e_i) - f(x - h e_i)) / (2h) has error O(h^2); "
        "when dout is given, the scalar to differentiate is sum(f(x) * dout).",
        "grad_i = (f_+ - f_-) / (2h) for every index i of x (any shape), with x itself "
        "changed in place during the two calls and restored exactly afterwards.",
    ),
    "gradcheck.rel_error": (
        "Compare the size of the difference with the size of the two arrays, not entry "
        "by entry.",
        "Use norms: ||a - b|| measured against ||a|| + ||b||; think about a = b = 0.",
        "rel_error(a, b) = ||a - b|| / max(||a|| + ||b||, tiny), a float in [0, 1] that is "
        "0 for two zero arrays.",
    ),
    "sigmoid.backward": (
        "backward multiplies the upstream gradient dout by the local slope sigma'(x), "
        "entry by entry.",
        "Differentiate 1 / (1 + e^(-x)) and write the result using sigma(x) itself: the "
        "forward output you cached is all you need.",
        "dx = dout times sigma'(x), with sigma'(x) = sigma(x) (1 - sigma(x)), shape of x.",
    ),
    "tanh.backward": (
        "backward multiplies dout by the local slope tanh'(x), entry by entry.",
        "From tanh = sinh / cosh, tanh' = 1 / cosh^2, which can be written with tanh x "
        "alone; the cached output is tanh x already (do not apply tanh to it again).",
        "dx = dout times (1 - tanh^2 x), shape of x.",
    ),
    "relu.backward": (
        "On each side of 0 ReLU is a straight line: what is its slope there?",
        "The slope is 1 where the forward input was positive and 0 elsewhere; it is "
        "decided by the cached input x, not by dout.",
        "dx_i = dout_i where x_i > 0, and 0 where x_i <= 0 (slope 0 at the kink).",
    ),
    "leaky_relu.backward": (
        "Like ReLU's backward, but the negative side has a slope too.",
        "The slope is 1 where the cached x is positive and the negative slope a where it "
        "is not (a at the kink, as the docstring says).",
        "dx_i = dout_i where x_i > 0, and a dout_i where x_i <= 0.",
    ),
    "linear.backward": (
        "Three gradients, each of the shape of what it differentiates: dW (D, M), db (M,) "
        "and dx (N, D); let the shapes pick the matrix products.",
        "W_dm appears in out_nm for every example n with slope x_nd, and b_m in every row "
        "with slope 1: add over the paths (over the batch). x_nd appears in out_nm for "
        "every output m with slope W_dm.",
        "dW = X^T dout, db = the column sums of dout (sum over n), dX = dout W^T; dW and db "
        "are added to the gradients already there, dX is returned.",
    ),
    "sequential.backward": (
        "Backward walks the chain the other way: the last module first.",
        "Each module's backward takes the gradient with respect to its output and returns "
        "the gradient with respect to its input, which is the output gradient of the "
        "module before it.",
        "g_K = dout, g_(k-1) = backward of m_k applied to g_k, and dx = g_0 (the "
        "parameters accumulate their gradients on the way).",
    ),
    "mse.backward": (
        "Differentiate (1 / (N M)) sum (pred - target)^2 with respect to one entry of pred.",
        "Only one term of the sum holds pred_nm; d(u^2)/du = 2u, and the mean's 1 / (N M) "
        "stays; then multiply by dloss.",
        "dpred = dloss times 2 (pred - target) / (N M), the shape of pred.",
    ),
    "bce_logits.backward": (
        "Start from l(z, y) = log(1 + e^z) - y z for one entry and differentiate in z.",
        "d/dz log(1 + e^z) = e^z / (1 + e^z) = sigma(z); the mean adds 1 / size, and dloss "
        "multiplies everything. Compute sigma(z) stably, as in sigmoid.forward.",
        "dz = dloss times (sigma(z) - y) / size, the shape of z, finite at z = +-1000.",
    ),
    "softmax_ce.backward": (
        "For one example, l = -z_y + log sum_k e^(z_k); differentiate with respect to "
        "each z_j.",
        "d/dz_j log sum_k e^(z_k) = softmax(z)_j, and d(-z_y)/dz_j is -1 for j = y and 0 "
        "otherwise; the mean over the batch divides by N.",
        "dz = dloss times (P - Y) / N with P the cached probabilities and Y the one-hot "
        "labels, shape (N, C); the cache must stay unchanged.",
    ),
    "sgd.step": (
        "A step moves every parameter a little downhill: against its gradient, scaled by "
        "the learning rate.",
        "With momentum the step follows a velocity, a running sum of past gradients that "
        "decays by the momentum factor each step; it must survive to the next call.",
        "v <- mu v + g, then theta <- theta - lr v (with mu = 0: theta <- theta - lr g), "
        "in place on each parameter's value.",
    ),
    "adam.step": (
        "Adam keeps two running averages per parameter, of the gradient and of its "
        "square, and a step counter.",
        "Both averages start at 0, so early on they are too small by the factor "
        "(1 - beta^t): divide it out (bias correction), with t counted from 1.",
        "m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, m_hat = m / (1 - b1^t), "
        "v_hat = v / (1 - b2^t), theta <- theta - lr m_hat / (sqrt(v_hat) + eps).",
    ),
    "train.minibatches": (
        "One epoch visits every example exactly once, in batches of batch_size.",
        "Shuffle an order of the indices once per epoch with the rng you were given, then "
        "cut it into consecutive slices; the last slice may be shorter.",
        "Batch k holds the examples order[k B], ..., order[min((k + 1) B, N) - 1], with "
        "ceil(N / B) batches in all and y taken with the same indices as X.",
    ),
    "train.train_epoch": (
        "For each batch: forward, loss, zero the gradients, backward, step.",
        "The loss's backward gives the gradient the model's backward starts from; the "
        "epoch's loss is a mean over examples, and the last batch may be smaller.",
        "Return (sum over batches of loss_b |B_b|) / N, the loss weighted by batch size.",
    ),
    "train.early_stopping": (
        "Keep the best validation loss seen so far and count the epochs since it last "
        "improved.",
        "An epoch improves only when it beats the best by more than min_delta; any other "
        "epoch adds one to the count, and an improvement resets it.",
        "Stop (return True) as soon as the count reaches patience; record the epoch of "
        "the best loss.",
    ),
    "init.xavier": (
        "Xavier/Glorot keeps the variance of the signal the same forwards and backwards.",
        "Forward wants Var(w) = 1 / fan_in, backward 1 / fan_out; Glorot takes the "
        "compromise between the two.",
        "w ~ Normal with mean 0 and variance 2 over (fan_in plus fan_out), the average of "
        "the two fans inverted; the standard deviation is the square root of that variance.",
    ),
    "init.he": (
        "He initialisation is Xavier's argument redone for ReLU, which zeroes about half "
        "of its inputs.",
        "Half the units are off, so the forward variance halves at every layer unless "
        "Var(w) doubles: compare with 1 / fan_in.",
        "w ~ Normal(0, 2 / fan_in): the standard deviation is the square root of 2 / fan_in.",
    ),
    "capstone.digits": (
        "This check trains your whole nnlib: first make every exercise it lists pass on "
        "its own (nncourse check --lesson N).",
        "If each part passes but training does not learn, look at the pieces that only "
        "meet here: the loss's gradient feeding the model's backward, zero_grad before "
        "each backward, the step after it.",
        "A correct library reaches the accuracy the check asks for with the given "
        "settings; a loss that does not fall over the epochs points at the update or the "
        "training loop.",
    ),
    "byhand.neuron": (
        "Follow the chain from the loss back to w1: L depends on a, a on z, z on w1.",
        "Chain rule: dL/dw1 = dL/da times da/dz times dz/dw1; each factor is the slope of "
        "one small function at its forward value.",
        "dL/da = a - y, da/dz = e^(-z) / (1 + e^(-z))^2 at the forward z, dz/dw1 = x1: "
        "compute the forward values first, then multiply the three numbers.",
    ),
    "byhand.linear_dw": (
        "W_11 is used by every example of the batch: each example contributes to its "
        "gradient.",
        "For example n, d out_n1 / d W_11 = x_n1, and the loss reaches W_11 through "
        "every out_n1: multiply along each path, add over the paths.",
        "dL/dW_11 = sum over n of dout_n1 x_n1 (a sum over the batch, not a mean: the "
        "mean of the loss is already inside dout).",
    ),
    "byhand.momentum": (
        "Take the two steps one at a time: the gradient where theta stands, then the "
        "velocity, then the parameter.",
        "The velocity is the decayed sum of the gradients so far: v_1 = g_0 and v_2 = "
        "g_1 + mu g_0; the parameter moves against it, by the learning rate times it.",
        "g_0 = 3 theta_0, v_1 = g_0, theta_1 = theta_0 - lr v_1; g_1 = 3 theta_1 (at the "
        "new theta), v_2 = mu v_1 + g_1, theta_2 = theta_1 - lr v_2.",
    ),
    "byhand.epoch": (
        "First count the batches: 16 examples each until fewer than 16 are left.",
        "A batch's loss is a mean over its examples, so its examples' losses add up to its "
        "size times its loss.",
        "L_epoch = (sum over batches of B_b L_b) / N, with batch sizes 16, 16, 16 and the "
        "rest.",
    ),
    "byhand.relu_variance": (
        "Use the boxed formula of section 3 with E[x^2], not Var(x): ReLU outputs do not "
        "have mean 0.",
        "For a symmetric z, ReLU keeps the positive half of z^2 and zeroes the other half.",
        "E[x^2] = Var(z) / 2, and Var(z') = n_in sigma_w^2 E[x^2] with n_in the number of "
        "the layer's inputs and sigma_w^2 the square of the weights' std.",
    ),
    "byhand.param_count": (
        "Count layer by layer; activations have no parameters.",
        "A Linear(D, M) layer holds W of shape (D, M) and b of shape (M,).",
        "A Linear(D, M) layer has D M + M parameters; add the three layers.",
    ),
}
LADDERS.update(LATER_LADDERS)


def ladder(exercise: str) -> tuple[str, ...]:
    """The hints of ``exercise``, weakest first (empty for an unknown id)."""
    return LADDERS.get(exercise, ())
