"""nnlib: a small neural-network library in numpy, written by you, one lesson at a time.

Modules: ``layers`` (the module contract, ``Linear``, ``Sequential``), ``activations``,
``losses``, ``gradcheck``, ``optim``, ``init``, ``train``, ``metrics``, ``data``,
``mnist``, ``plots``, ``diagnostics``, ``autodiff``, ``regularise``, ``normalise``. The
last nine are imported on first use (``nnlib.plots`` loads matplotlib), so ``import nnlib``
stays fast.
"""

import importlib

from nnlib import activations, gradcheck, init, layers, losses, optim

LAZY_MODULES = ("train", "metrics", "data", "mnist", "plots", "diagnostics",
                "autodiff", "regularise", "normalise")

__all__ = ["activations", "gradcheck", "init", "layers", "losses", "optim", *LAZY_MODULES]


def __getattr__(name: str):
    """Import ``nnlib.<name>`` on first access for the modules in ``LAZY_MODULES``."""
    if name in LAZY_MODULES:
        return importlib.import_module(f"nnlib.{name}")
    raise AttributeError(f"module 'nnlib' has no attribute {name!r}")
