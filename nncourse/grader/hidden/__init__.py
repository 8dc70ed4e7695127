"""Hidden variants of the checks: other sizes and seeds. Instructor side only.

Never bundled for students (the bundle builder leaves out this folder) and never shown
in feedback: a failing hidden variant reports what was compared, not its inputs. Each
entry lists parameter sets for the exercise's ``Check`` (same keys as its ``public``).
"""

HIDDEN: dict[str, list[dict]] = {
    "data.one_hot": [{"seed": 1015, "n": 23, "c": 7}],
    "sigmoid.forward": [{"seed": 1001, "n": 9, "d": 13}],
    "tanh.forward": [{"seed": 1002, "n": 9, "d": 13}],
    "relu.forward": [{"seed": 1003, "n": 11, "d": 6}],
    "leaky_relu.forward": [{"seed": 1004, "n": 11, "d": 6}],
    "linear.forward": [{"seed": 1005, "n": 17, "d": 9, "m": 5}],
    "sequential.forward": [{"seed": 1006, "n": 8, "d": 5}],
    "mse.forward": [{"seed": 1007, "n": 13, "m": 4}],
    "bce_logits.forward": [{"seed": 1008, "n": 13, "m": 3}],
    "softmax.forward": [{"seed": 1009, "n": 11, "c": 7}, {"seed": 1109, "k": 2, "n": 3, "c": 5}],
    "softmax_ce.forward": [{"seed": 1010, "n": 12, "m": 6}],
    "gradcheck.numerical_gradient": [{"seed": 1011, "n": 5, "d": 7}],
    "gradcheck.rel_error": [{"seed": 1012, "n": 6, "d": 5}],
    "sigmoid.backward": [{"seed": 1013, "n": 10, "d": 7}],
    "tanh.backward": [{"seed": 1014, "n": 10, "d": 7}],
    "relu.backward": [{"seed": 1016, "n": 12, "d": 9}],
    "leaky_relu.backward": [{"seed": 1017, "n": 12, "d": 9}],
    "linear.backward": [{"seed": 1018, "n": 9, "d": 7, "m": 5}],
    "sequential.backward": [{"seed": 1019, "n": 7, "d": 6}],
    "mse.backward": [{"seed": 1020, "n": 11, "m": 3}],
    "bce_logits.backward": [{"seed": 1021, "n": 11, "m": 3}],
    "softmax_ce.backward": [{"seed": 1022, "n": 9, "m": 5}],
    "sgd.step": [{"seed": 1023, "scale": 3.0}],
    "adam.step": [{"seed": 1024, "scale": 3.0}],
    "train.minibatches": [{"seed": 1025, "n": 23, "b": 5}, {"seed": 1026, "n": 8, "b": 8}],
    "train.train_epoch": [{"seed": 1027, "n": 17, "d": 4, "b": 5}],
    "train.early_stopping": [{"seed": 1028}],
    "init.xavier": [{"seed": 1029, "shape": [150, 420]}],
    "init.he": [{"seed": 1030, "shape": [420, 150]}],
    "capstone.digits": [],
    # lesson 09
    "autodiff.topo_order": [{"seed": 1090, "n": 3, "m": 2}],
    "autodiff.backward": [{"seed": 1091, "n": 3, "m": 4}],
    "autodiff.add": [{"seed": 1092, "n": 4, "d": 5, "m": 3}],
    "autodiff.mul": [{"seed": 1093, "n": 3, "d": 5, "m": 4}],
    "autodiff.matmul": [{"seed": 1094, "n": 5, "d": 3, "m": 4}],
    "autodiff.sum": [{"seed": 1095, "n": 4, "d": 6, "m": 3}],
    # lesson 10
    "regularise.weight_decay": [{"seed": 1050, "d": 7, "m": 5, "k": 3}],
    "dropout.forward": [{"seed": 1051, "n": 64, "d": 45}],
    "dropout.backward": [{"seed": 1052, "n": 33, "d": 70}],
    # lesson 11
    "batchnorm.forward": [{"seed": 1060, "n": 9, "d": 6}, {"seed": 1160, "n": 4, "d": 11}],
    "batchnorm.backward": [{"seed": 1061, "n": 8, "d": 6}, {"seed": 1161, "n": 4, "d": 9}],
    "capstone.regularised": [],
}
