"""Lesson 11's realistic bugs and correct alternatives of ``BatchNorm1d`` (see ``__init__``)."""

from bugzoo import bug

# lesson 11: batch normalisation
NO = "normalise.py"
BN_VAR = "var = x.var(axis=0)\n"
BN_EVAL = "        else:\n            mean, var = self.running_mean, self.running_var\n"
BN_RUN = ("            self.running_mean *= 1.0 - m\n            self.running_mean += m * mean\n"
          "            self.running_var *= 1.0 - m\n            self.running_var += m * var\n")
BN_DX = ("        return inv_std * (dx_hat - dx_hat.mean(axis=0)\n"
         "                          - x_hat * (dx_hat * x_hat).mean(axis=0))\n")
BN_PARAMS = ("        self.beta.grad += np.sum(dout, axis=0)\n"
             "        self.gamma.grad += np.sum(dout * x_hat, axis=0)\n")
BN_STD = "self._inv_std = 1.0 / np.sqrt(var + self.eps)"
BUGS = [
    bug("batchnorm variance with N - 1", "batchnorm.forward", NO, BN_VAR,
        "var = x.var(axis=0, ddof=1)\n", "bn_ddof1"),
    bug("batchnorm eps outside the square root", "batchnorm.forward", NO, BN_STD,
        "self._inv_std = 1.0 / (np.sqrt(var) + self.eps)", "bn_eps_outside"),
    bug("batchnorm updates the running statistics in eval", "batchnorm.forward", NO, BN_EVAL,
        "        else:\n            m = self.momentum\n"
        "            self.running_mean *= 1.0 - m\n"
        "            self.running_mean += m * x.mean(axis=0)\n"
        "            self.running_var *= 1.0 - m\n"
        "            self.running_var += m * x.var(axis=0)\n"
        "            mean, var = self.running_mean, self.running_var\n",
        "bn_updates_in_eval", still_passes=("batchnorm.backward",)),
    bug("batchnorm eval with the batch statistics", "batchnorm.forward", NO, BN_EVAL,
        "        else:\n            mean, var = x.mean(axis=0), x.var(axis=0)\n",
        "bn_eval_batch_stats", still_passes=("batchnorm.backward",)),
    bug("batchnorm momentum reversed", "batchnorm.forward", NO, BN_RUN,
        BN_RUN.replace("*= 1.0 - m", "*= m").replace("+= m *", "+= (1.0 - m) *"),
        "bn_momentum_reversed", still_passes=("batchnorm.backward",)),
    bug("batchnorm running statistics never updated", "batchnorm.forward", NO, BN_RUN, "",
        "bn_running_not_updated", still_passes=("batchnorm.backward",)),
    bug("batchnorm running variance with N - 1", "batchnorm.forward", NO,
        "self.running_var += m * var\n", "self.running_var += m * x.var(axis=0, ddof=1)\n",
        "bn_running_var_ddof1", still_passes=("batchnorm.backward",)),
    bug("batchnorm backward only the direct path", "batchnorm.backward", NO, BN_DX,
        "        return dx_hat * inv_std\n", "bn_no_stat_paths",
        still_passes=("batchnorm.forward",)),
    bug("batchnorm gamma and beta gradients not summed", "batchnorm.backward", NO, BN_PARAMS,
        "        self.beta.grad = self.beta.grad + dout\n"
        "        self.gamma.grad = self.gamma.grad + dout * x_hat\n", "bn_grads_not_summed",
        still_passes=("batchnorm.forward",)),
    bug("batchnorm beta gradient added in place without the sum", "batchnorm.backward", NO,
        BN_PARAMS, BN_PARAMS.replace("np.sum(dout, axis=0)", "dout"), "bn_grads_not_summed",
        still_passes=("batchnorm.forward",)),
    bug("batchnorm gamma and beta gradients averaged", "batchnorm.backward", NO, BN_PARAMS,
        BN_PARAMS.replace("np.sum", "np.mean"), "bn_grads_not_summed",
        still_passes=("batchnorm.forward",)),
    bug("batchnorm gradients overwritten", "batchnorm.backward", NO, BN_PARAMS,
        BN_PARAMS.replace("+=", "="), "overwrote_grad", still_passes=("batchnorm.forward",)),
]
ALTERNATIVES = [
    bug("batchnorm backward step by step through the graph", "batchnorm.backward", NO, BN_DX,
        "        n = dout.shape[0]\n        xc = x_hat / inv_std\n"
        "        dvar = np.sum(dx_hat * xc, axis=0) * -0.5 * inv_std**3\n"
        "        dmu = -np.sum(dx_hat * inv_std, axis=0) - 2.0 * dvar * np.mean(xc, axis=0)\n"
        "        return dx_hat * inv_std + dvar * 2.0 * xc / n + dmu / n\n"),
    bug("batchnorm forward through the standard deviation, running stats rebound",
        "batchnorm.forward", NO, BN_STD,
        "std = np.sqrt(var + self.eps)\n        self._inv_std = 1.0 / std",
        more=((NO, BN_RUN,
               "            self.running_mean = (1 - m) * self.running_mean + m * mean\n"
               "            self.running_var = (1 - m) * self.running_var + m * var\n"),)),
]
