"""Confine the worker's file access with Landlock (Linux 5.13+), before student code runs.

After ``confine(scratch)`` the process and its children can read only the Python
installation, the system folders and ``scratch``, write only inside ``scratch`` (and
``/dev/null``), open no TCP connection, and signal no process outside the worker: the
reference solutions, the hidden checks, the gradebook and other submissions are out of
reach. Landlock needs no privileges; where the kernel lacks it, ``confine`` returns
False and the worker runs with its other limits only.
"""

from __future__ import annotations

import ctypes
import os
import sys

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # same on x86_64 / arm64
PR_SET_NO_NEW_PRIVS = 38
RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
READ = EXECUTE | READ_FILE | READ_DIR
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}
NET_TCP = (1 << 0) | (1 << 1)  # bind, connect (ABI 4+)
SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets, signals (ABI 6+)
SYSTEM = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev"]


class RulesetAttr(ctypes.Structure):
    """``struct landlock_ruleset_attr``: what the ruleset restricts."""

    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class PathBeneathAttr(ctypes.Structure):
    """``struct landlock_path_beneath_attr``: rights granted beneath one folder (or file)."""

    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def readable_roots() -> list[str]:
    """The Python installation (stdlib, site-packages), numpy and the system folders.

    numpy may live outside the installation (a ``.pth``-linked or user site); its package
    folder and the ``numpy.libs`` folder beside it (its BLAS) stay readable, because numpy
    imports some submodules only on first use. The rest of that site stays closed.
    """
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    numpy = sys.modules.get("numpy")
    if numpy is not None and getattr(numpy, "__file__", None):
        package = os.path.dirname(os.path.realpath(numpy.__file__))
        roots.update({package, package + ".libs"})
    roots.update(os.path.realpath(r) for r in list(roots))
    return sorted(r for r in roots | set(SYSTEM) if os.path.exists(r))


def confine(scratch: str) -> bool:
    """Restrict this process to reading ``readable_roots()`` and writing ``scratch``."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(SYS_CREATE_RULESET, None, 0, 1)
    if abi < 1:
        return False
    fs = FS_RIGHTS_BY_ABI.get(abi, (1 << 16) - 1)
    attr = RulesetAttr(fs, NET_TCP if abi >= 4 else 0, SCOPE_ALL if abi >= 6 else 0)
    size = 24 if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return False
    try:
        rules = [(root, READ) for root in readable_roots()]
        rules += [(scratch, fs), ("/dev/null", READ_FILE | WRITE_FILE)]
        for path, access in rules:
            if not os.path.isdir(path):
                access &= EXECUTE | READ_FILE | WRITE_FILE | (1 << 14) | (1 << 15)
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = PathBeneathAttr(access & fs, fd)
                if libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0):
                    return False
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
            return False
        return libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)
