"""Trusted-side checks, one module per area of ``nnlib``; see ``base`` for the interface."""
