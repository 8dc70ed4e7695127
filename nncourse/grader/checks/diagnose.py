"""Name the likely bug from the signature of a wrong result.

``diagnose(got, want, ...)`` looks for, in order: a transposed array, an array equal to a
*candidate* the check computed for a known bug (the gradient without the upstream
factor, the derivative taken at the output, ...), then a constant ratio to the expected
result: about -1 (sign), about N or 1/N (the batch size: a missing or doubled division),
about 1/2 or 2. It returns a short stable code and a sentence for the student.
"""

from __future__ import annotations

import numpy as np

from nncourse.grader.checks.exceptions import EXCEPTION_HINTS
from nncourse.grader.checks.signatures import SIGNATURE_HINTS, constant_ratio, signature_code

HINTS = {
    "transposed": "the result is transposed: check the order and the .T of the matrix "
                  "product (for x of shape (N, D) and dout of shape (N, M), dW has shape (D, M))",
    "batch_scale": "the result is off by a factor of N (the batch size, or the number of "
                   "entries averaged): a missing or doubled division by N (mean versus sum)",
    "sign": "the result has the wrong sign (a - b instead of b - a, or a missing minus)",
    "factor_two": "the result is half the expected one: a factor 2 is missing (the 2 of "
                  "d(u**2)/du = 2u?)",
    "double": "the result is twice the expected one: a 2 too many, or a division by "
              "something half as large as it should be (h instead of 2 h in a central "
              "difference?)",
    "squeezed_broadcast": "right for predictions of shape (N, M) but wrong for (N, 1): a "
                          "squeeze, ravel or reshape made one array (N,), and (N,) against "
                          "(N, 1) broadcasts to an (N, N) table; keep both arrays' shapes",
    "rows_not_entries": "the result is M times the expected one for predictions of shape "
                        "(N, M): the mean runs over all N*M entries (pred.size), not only "
                        "over the N rows",
    "bias_not_summed": "the bias gradient is not summed over the batch: every row of dout "
                       "adds to db, of shape (M,)",
    "no_upstream": "the upstream gradient (dout, or dloss for a loss) is not multiplied "
                   "in (chain rule: dx = dout * local derivative)",
    "onehot_not_subtracted": "the one-hot target is not subtracted: the derivative of "
                             "the cross-entropy with respect to z_c has a -1 at the true "
                             "class c = y",
    "wrong_cache": "forward keeps on self other values than those its output was made "
                   "from (a copy taken too early or too late, or a different array): "
                   "backward reads the cache, so keep exactly what the contract says",
    "not_cached": "forward was called before backward but did not store what backward "
                  "needs: keep the input (or output) in forward for backward to use",
    "chain_dropped": "each module's backward must receive the gradient returned by the "
                     "backward of the module after it, and the last one returned is dx",
    "unstable_tanh": "overflow or NaN at large inputs: exp(x) overflows above x = 709; use "
                     "np.tanh, or a form that never takes exp of a large positive number",
    "derivative_at_output": "the derivative is taken at the output instead of the input "
                            "(f'(f(x)) instead of f'(x))",
    "formula_at_input": "the derivative's formula, written in terms of the forward's "
                        "output, is evaluated at the input x: feed it the output that "
                        "forward cached",
    "follows_own_forward": "this backward is the derivative of your forward, but your "
                           "forward is not the true function: fix forward first (its own "
                           "check says how); backward is graded against the derivative of "
                           "the true function",
    "mask_reversed": "the mask is reversed: the slope 1 belongs where x > 0 and the small "
                     "slope where x <= 0",
    "wrong_mask": "the mask comes from the wrong array (use the cached forward input x, "
                  "not dout)",
    "unstable_softmax": "overflow at large logits: subtract the row maximum before exp "
                        "(log-sum-exp trick)",
    "log_of_probabilities": "the loss takes the log of probabilities: at large logits the "
                            "small ones round to 0, whose log is -inf (or, with an eps "
                            "added, a loss capped at -log(eps)); take the log-probabilities "
                            "from log_softmax of the logits instead",
    "log_of_softmax": "log_softmax takes the log of softmax's probabilities, and those "
                      "that round to 0 at large logits give -inf: work in log space (the "
                      "log-sum-exp of lesson 02), never taking the log of a probability",
    "target_block": "the loss averages an N x N block of log-probabilities: logp[:, target] "
                    "takes, in every row, the columns of all the batch's targets; each row "
                    "needs the entry of its own target only (index rows and columns "
                    "together)",
    "one_norm_denominator": "the error is divided by the norm of one array only (or by "
                            "the larger of the two): the denominator is the sum of both "
                            "norms",
    "label_columns": "every row has a 1 in the column of every label in y: indexing with "
                     "[:, y] selects whole columns; each row needs a 1 in its own label's "
                     "column only",
    "decay_doubled": "the penalty's gradient is twice the expected one: the penalty is "
                     "(lam / 2) * sum W**2, so mind what its 1/2 does to the derivative",
    "decay_halved": "the penalty's gradient is half the expected one: the penalty is "
                    "(lam / 2) * sum W**2; differentiate it as it is written",
    "second_point_at_x": "one of the two evaluations is at x itself, not at x + h or x - h "
                         "(after x[i] = old + h, x[i] - h is back at old): set each point "
                         "from the saved value",
    "bn_no_var_path": "dx leaves out the path through the variance: x reaches the output "
                      "through x_hat directly, through the mean and through the variance "
                      "(every x moves it), and the gradients of all three paths add up",
    "bn_gamma_left_out": "dx lacks the factor gamma: the output is gamma * x_hat + beta, so "
                         "the chain to x passes through gamma first",
    "bn_dgamma_no_xhat": "gamma.grad is the sum of dout alone, beta's gradient: gamma "
                         "multiplies x_hat, so its gradient needs x_hat too",
    "std_is_variance": "the standard deviation is the variance of the formula: the formula "
                       "gives the variance, and a normal draw is scaled by its square root",
    "wrong_fan": "the spread is computed from the other fan: fan_in is the number of inputs "
                 "of the layer (the first axis of a (D, M) weight), fan_out the second",
    "std_numerator": "the weights' variance is half the expected one (their standard "
                     "deviation 1/sqrt(2) of it): a factor is missing from the variance; "
                     "go back to the argument that gives it",
    "sigmoid_reflected": "the output is sigmoid(-x) = 1 - sigmoid(x): a sign of x is "
                         "flipped (exp(x) where exp(-x) belongs), or the two branches of a "
                         "stable np.where(x >= 0, ...) form are swapped",
    "unstable_sigmoid": "overflow or NaN at large inputs: use a form of the sigmoid that "
                        "never takes exp of a large positive number",
    "unstable_loss": "wrong, overflowing or NaN at large logits: use the stable formula "
                     "on the logits (clipping the probabilities caps each example's loss "
                     "at -log(eps) instead of about |z|)",
    "mutated_input": "an input array was changed in place; work on a copy or build a new "
                     "array",
    "not_restored": "numerical_gradient perturbs x in place on purpose (f reads x), so each "
                    "entry must get its old value back once f has been evaluated at x + h "
                    "and x - h: save it before perturbing, and do not work on a copy",
    "mutated_cache": "backward changed an array that forward cached (an in-place -=, *= or "
                     "/= on it), so a second backward differs; compute into a new array",
    "overwrote_grad": "gradients are overwritten (=) instead of accumulated (+=): a parameter "
                      "used twice must collect both contributions",
    "too_slow": "Python loops over entries are hundreds of times slower than numpy's "
                "matrix products: write the piece named above with whole-array operations "
                "(its check passes either way, but a network trains on thousands of rows)",
    "state_shared": "one state array serves every parameter: each parameter needs its own "
                    "(a velocity, or Adam's m and v, of that parameter's shape), kept from "
                    "one step to the next, as the lists made in __init__ hold them",
    "zero_grad_missing": "zero_grad is never called, so each step's gradient also holds "
                         "every earlier batch's: call it once per batch, before the "
                         "backward calls",
    "compared_with_last": "each loss is compared with the previous one, not with the best "
                          "so far, so a loss that falls back but stays above the best counts as an "
                          "improvement (keep best, and compare with it)",
    "momentum_order": "the momentum update is in the wrong order: update the velocity "
                      "first, then the parameter with the new velocity",
    "no_bias_correction": "Adam's first steps are too large or too small: m and v start at 0, "
                          "so early on they are biased towards 0; correct each by the "
                          "factor you derived in lesson 05 (it depends on beta and t)",
    "lr_ignored": "the step ignores the learning rate: every update must be scaled by lr",
    "state_between_steps": "the first step is right but a later one is not: check what "
                           "must carry over from one call of step to the next (the "
                           "velocities, or m and v, updated in place in the optimizer's "
                           "lists, not in a local variable; the step count t increased "
                           "once per step and used as beta**t)",
    "step_count": "self.t is not the number of steps taken: increase it by one in each "
                  "step, before the bias corrections use it",
    "first_moment": "Adam's first moment m (the moving average of the gradients) goes "
                    "wrong at the step above, while t is right: check which weight the "
                    "old m gets and which the new gradient, and that m is updated in place",
    "second_moment": "Adam's second moment v (the moving average of the squared "
                     "gradients) goes wrong at the step above, while m is right: check its "
                     "weights, the square, and that v is updated in place",
    "adam_update": "m, v and t are right after every step, so the bug is in the update "
                   "built from them: the two bias corrections, the square root, where eps "
                   "goes, and the sign",
    "velocity_update": "the velocity goes wrong at the step above: it is the "
                       "momentum-decayed running sum of the gradients, kept in "
                       "self.velocities from one step to the next",
    "sgd_update": "the velocities are right after every step, so the bug is in the update "
                  "of the parameter built from them (its size, and its sign)",
    "update_sign": "the update goes uphill: a step must subtract lr * gradient",
    "cache_cleared": "backward removes or resets what forward cached, so a second backward "
                     "after the same forward finds nothing: read the cache in backward, "
                     "leave it in place",
    "shuffle_ignored": "the examples were shuffled although shuffle=False: let the shuffle "
                       "flag decide, not whether an rng was given",
    "mask_shared_rows": "every example loses the same features: the mask is drawn for one "
                        "row and broadcast; draw one keep/drop decision per entry, of x's "
                        "whole shape",
    "not_in_place": "an array is replaced by a new one (a = a - ...) instead of updated in "
                    "place (a -= ...): other code keeps a reference to the same array, and "
                    "a new array leaves it behind",
    "eps_sign": "with an eps larger than sqrt(v_hat), some entries did not step against "
                "their gradient: eps belongs in the denominator, added to the root, where "
                "it can only shrink each step; subtracted there, or added anywhere else, "
                "it changes the step's direction",
    "stops_early": "the answer says stop before patience steps without improvement have "
                   "passed: check what counts as an improvement (min_delta) and when the "
                   "count of steps without one is reset",
    "stops_late": "the answer does not say stop although patience steps without "
                  "improvement have passed: check what counts as an improvement "
                  "(min_delta), and that the count grows by one per step without one",
    "stopping_state": "the stop answers are right, but the attribute named above is not "
                      "kept as the contract says (the best loss, the step it came at, the "
                      "count of steps)",
    "examples_missing": "an epoch must hold every example exactly once: check the range "
                        "of start positions (from 0 to N in steps of batch_size) and the "
                        "slice each batch takes",
    "batch_sizes": "the batches have other sizes than batch_size (the last one: what is "
                   "left): check the step of the range and the slice's end",
    "epoch_mean": "the value returned is not the mean loss over the epoch's examples: "
                  "check that the running total starts at 0, adds each batch's loss "
                  "weighted by its size, and is divided by the number of examples seen",
    "y_none": "with y=None each batch's second part is None too: test y is None and "
              "yield None there instead of indexing it",
    "drops_last_batch": "the last, smaller batch is missing (range(N // B) drops it)",
    "not_shuffled": "the order is not shuffled with the rng you were given",
    "no_rng": "the result does not come from the rng you were given (same seed, different "
              "result, or global np.random)",
    "zero_init": "the weights are all zero (or constant): every unit stays identical "
                 "(no symmetry breaking)",
    "wrong_std": "the standard deviation of the weights is off; check the formula and "
                 "which fan it uses",
    "forward_difference": "the estimate is only first-order accurate: use central "
                          "differences (f(x + h) - f(x - h)) / (2 h)",
    "step_size": "the estimate is close but not accurate enough: use central differences "
                 "with the h you are given (default 1e-5); a much smaller h drowns in "
                 "rounding error, a much larger one in truncation error",
    "perturbed_copy": "f did not see the perturbation: change the entries of x itself, in "
                      "place (x[i] = old + h), call f, and put x[i] back; do not perturb a "
                      "copy",
    "step_order": "the training steps are in the wrong order (forward, loss, zero_grad, "
                  "backward, step)",
    "patience_off_by_one": "the answer comes one step late: stop when the number of "
                           "steps without improvement reaches patience (>=, not >)",
    "last_batch_loss": "the value returned is the last batch's loss; add up "
                       "loss * len(Xb) over the batches and divide by the number of "
                       "examples at the end",
    "summed_losses": "the value is the sum of loss * batch size; divide it by the number "
                     "of examples",
    "zero_division": "a division by zero: look for a count or a norm that can be 0 (e.g. "
                     "Adam's step count t, which must be increased before the bias "
                     "correction uses it; or two zero arrays in rel_error)",
    "wrong_axis": "normalised along the wrong axis: each row (one example) must sum to 1, "
                  "so reduce along the last axis (axis=-1, keepdims=True)",
    "bias_missing": "the result is x @ W without the bias: add b (broadcast over the rows)",
    "slope_ignored": "the negative part does not use self.negative_slope (the slope given "
                     "to the constructor)",
    "slope_ignored_default": "the negative part uses the default slope 0.01 instead of "
                             "self.negative_slope",
    "label_off_by_one": "each 1 sits one column too far left: the label y[i] is the column "
                        "index itself (Y[i, y[i]] = 1), with no -1",
    "unweighted_mean": "the epoch loss is not weighted by batch size (the last batch is "
                       "smaller)",
    "wrong_order": "the modules are applied in the wrong order",
    "module_skipped": "one module is left out: the loop must visit every module once (check "
                      "the range or slice it runs over)",
    "original_input": "every module is given the original input x: feed each module the "
                      "output of the one before it, and return the last one's output",
    "broadcast_shapes": "two arrays of incompatible shapes meet in one operation; print "
                        "their .shape. A reduction such as z.max(axis=1) drops that axis "
                        "unless you pass keepdims=True",
    "matmul_shapes": "the inner sizes of a matrix product differ; print the .shape of both "
                     "operands (x of shape (N, D) @ W of shape (D, M) gives (N, M); in "
                     "backward, dx must have the shape of x, (N, D))",
    # lesson 10: weight decay and dropout
    "bias_decayed": "the bias is decayed too: this lesson decays only the weight matrices "
                    "(parameters with 2 or more axes) and leaves a bias's gradient unchanged",
    "decay_sign": "the decay term has the wrong sign: the penalty (lam / 2) sum W**2 grows "
                  "with |W|, so its gradient points away from 0 and is added to the data "
                  "gradient (the step then pulls W towards 0)",
    "decay_on_value": "the weights themselves were changed: add the penalty's gradient to "
                      "p.grad and leave p.value to the optimizer's step",
    "scale_at_test": "the output is scaled in eval mode: with inverted dropout the scaling "
                     "happens in training only (kept entries divided by the keep probability "
                     "1 - p), so evaluation is the identity; do not scale at test time (nor "
                     "in both modes)",
    "drops_in_eval": "entries are dropped in eval mode: check self.training and return x "
                     "unchanged when it is False",
    "eval_draws": "eval mode must not draw from the rng (it would shift every later "
                  "training mask): return before drawing when self.training is False",
    "no_inverted_scale": "the kept entries are not rescaled: dropping shrinks the expected "
                         "output by the keep probability 1 - p, so divide the kept entries "
                         "by 1 - p in training (inverted dropout)",
    "scale_by_p": "the kept entries are scaled by p (or 1 - p); inverted dropout divides them "
                  "by the keep probability 1 - p, i.e. multiplies by 1 / (1 - p), which keeps "
                  "the expectation of every entry",
    "keep_drop_swapped": "the share of dropped entries is 1 - p instead of p: p is the "
                         "probability of dropping an entry, 1 - p that of keeping it",
    # lesson 09: the autodiff engine
    "topo_reversed": "the order is reversed: topo_order lists every node after its parents, "
                     "so the leaves come first and the root last (it is backward that walks "
                     "the list from its end)",
    "topo_duplicates": "a node is listed more than once: a node reached along two paths (a "
                       "fan-out) must be listed once; remember which nodes you have already "
                       "visited (by identity) and skip them",
    "topo_not_node": "the list holds something that is not a node of the graph (None, or "
                     "a node's data): list the Value objects themselves",
    "topo_missing": "nodes the root depends on are missing: the walk ends before it has "
                    "visited every parent of every node it lists (a loop left too early?)",
    "topo_extra": "nodes the root does not depend on are listed: walk only from the root "
                  "through the parents",
    "topo_parent_after": "a node is listed before one of its parents: a node may be listed "
                         "only once every one of its parents is listed",
    "recursion": "Python's recursion limit (about 1000 nested calls) was hit on a deep "
                 "graph: replace the recursive calls by a loop over an explicit stack (a "
                 "list of nodes still to visit)",
    "fanout_overwritten": "a node used twice keeps only the share of one of its uses: backward "
                          "must add each share to the parent's .grad (+=), not assign it (=)",
    "backward_order": "the gradients stop after the first step back: visit the nodes in "
                      "reverse topological order (the root first), so that a node's .grad "
                      "is complete before its own rule passes it on",
    "grads_not_reset": "a second backward() added to the gradients of the first: as the "
                       "contract says, backward sets every node's .grad to zeros before it "
                       "starts (fresh gradients per call)",
    "seed_ignored": "backward did not start from the grad it was given: the root's .grad "
                    "is the grad argument (an array of ones only when none is given)",
    "no_unbroadcast": "the gradient of a broadcast operand has the shape of the result, not "
                      "its own: numpy copied that operand along the broadcast axes, and "
                      "every copy is one more use of the same entries (a fan-out); "
                      "unbroadcast must bring the gradient back to the operand's shape",
    "rule_writes_grad": "the local rule wrote to a .grad itself: a rule only returns one "
                        "gradient per parent, and backward is the one that adds them to .grad",
    "mul_own_value": "each operand's gradient was computed from its own value: when a moves "
                     "in a * b, the output moves by the other factor, so a's gradient uses "
                     "b's data (and b's uses a's)",
    "matmul_transpose": "the products in the matmul rule are transposed or in the wrong "
                        "order: a's gradient has a's shape (N, D), b's has b's shape (D, M), "
                        "and dout has the output's (N, M); for each, find the product of "
                        "dout with the other operand (or its .T) that has that shape",
    "sum_not_spread": "the gradient of the summed array does not have its shape: every entry "
                      "of the input went into the sum, so the rule must return one gradient "
                      "per entry, an array of the input's shape",
    "drop_share": "the share of dropped entries is not p: compare how the mask is drawn "
                  "(which draws count as dropped) with the definition of p, the "
                  "probability of dropping one entry",
    "keep_scale": "the kept entries are multiplied by the wrong factor: with inverted "
                  "dropout the expectation of every entry stays what it was without "
                  "dropout, which fixes the factor",
    "fresh_mask": "backward uses another mask than the forward before it: draw the mask once "
                  "in forward, keep it (self), and multiply dout by that same mask",
    # lesson 11: batch normalisation
    "bn_ddof1": "the batch variance is divided by N - 1 (ddof=1, the unbiased estimate); "
                "batch normalisation uses the variance of the batch itself, divided by N "
                "(np.var's default ddof=0)",
    "bn_eps_outside": "eps is added outside the square root: the contract divides by "
                      "sqrt(var + eps), so eps goes under the root",
    "bn_running_in_training": "training mode normalises with the running statistics; in "
                              "training use the batch's own mean and variance (the running "
                              "ones are for eval mode)",
    "bn_eval_batch_stats": "eval mode normalises with the batch's statistics; in evaluation "
                           "use running_mean and running_var, so an example's output does "
                           "not depend on its batch",
    "bn_updates_in_eval": "the running statistics change in eval mode: update them only "
                          "when self.training is True",
    "bn_momentum_reversed": "the momentum is reversed: the newest batch gets the weight "
                            "momentum and the old running value 1 - momentum "
                            "(running = running * (1 - momentum) + batch * momentum)",
    "bn_running_not_updated": "the running statistics are not updated in training mode: "
                              "each training forward moves them towards the batch's "
                              "statistics by the momentum rule",
    "bn_running_rule": "the running statistic named above does not follow the momentum "
                       "rule its line quotes: check the two weights and which value each "
                       "one multiplies, and that the update is kept on self",
    "bn_running_var_ddof1": "running_var is updated with the variance divided by N - 1; "
                            "this contract updates it with the same biased batch variance "
                            "(divided by N) that the forward normalises with",
    "bn_no_stat_paths": "dx is only the direct path dout * gamma / sqrt(var + eps): the "
                        "batch mean and variance depend on every x in the column too, and "
                        "their paths add two more terms to dx",
    "bn_grads_not_summed": "gamma.grad and beta.grad are not summed over the batch: every "
                           "row (example) of dout adds its share, giving shape (D,)",
    **SIGNATURE_HINTS,
    **EXCEPTION_HINTS,
}


# Codes of the error's shape or of an exception, not of a known bug: a hint, less sure.
GENERIC_CODES = frozenset(SIGNATURE_HINTS) | frozenset(EXCEPTION_HINTS)


def ratio_code(got: np.ndarray, want: np.ndarray, n: int | None) -> str | None:
    """A code when ``got`` is a constant multiple of ``want`` that matches a known bug."""
    s = constant_ratio(got, want, 1e-4)
    if s is None:
        return None
    near = lambda target: abs(s - target) <= 1e-3 * abs(target)  # noqa: E731
    if near(-1.0):
        return "sign"
    if n and n > 2 and (near(n) or near(1.0 / n) or near(-n) or near(-1.0 / n)):
        return "batch_scale"
    if near(0.5):
        return "factor_two"
    if near(2.0):
        return "double"
    return None


def diagnose(got: np.ndarray, want: np.ndarray, *, n: int | None = None,
             candidates: dict[str, np.ndarray] | None = None) -> str | None:
    """The code of the likely bug, or None."""
    got, want = np.asarray(got), np.asarray(want)
    if got.ndim == 2 and got.shape == want.shape[::-1] and got.shape != want.shape:
        return "transposed"
    for code, candidate in (candidates or {}).items():
        candidate = np.asarray(candidate)
        if candidate.shape == got.shape and np.all(np.isfinite(got)) and np.allclose(
                got, candidate, rtol=1e-5, atol=1e-8) and not np.allclose(
                candidate, want, rtol=1e-5, atol=1e-8):
            return code
    if got.shape == want.shape:
        return ratio_code(got, want, n) or signature_code(got, want)
    return None


def hint(code: str | None) -> str:
    """The sentence for a code ("" for None)."""
    return f"Likely bug: {HINTS[code]}." if code in HINTS else ""
