"""What the benchmark ran on: CPU, cores, load, library and BLAS versions, threads."""

from __future__ import annotations

import datetime
import os
import platform
import sys

import numpy as np


def limit_threads(threads: int):
    """Limit every BLAS/OpenMP pool that is loaded (numpy, torch, scipy) to ``threads``.

    Returns the ``threadpoolctl`` limiter (keep it alive), or None without threadpoolctl;
    the environment variables set before the imports still apply then.
    """
    from contenders import available

    if available("torch"):
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
    if available("sklearn"):
        import sklearn.neural_network  # noqa: F401  (load scipy's BLAS before limiting)
    if not available("threadpoolctl"):
        return None
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def thread_pools() -> list[dict]:
    """threadpoolctl's view of the loaded BLAS and OpenMP libraries (empty without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("user_api", "internal_api", "version", "architecture", "num_threads", "prefix",
            "threading_layer", "filepath")
    return [{k: pool.get(k) for k in keep} for pool in threadpool_info()]


def numpy_blas() -> str:
    """The BLAS numpy links, from threadpoolctl, else from numpy's build config."""
    for pool in thread_pools():
        if pool["user_api"] == "blas" and "numpy" in str(pool["filepath"]):
            return f"{pool['internal_api']} {pool['version']} ({pool['architecture']} kernel)"
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001  (a report line must never stop the benchmark)
        return "unknown"


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "sklearn", "scipy", "threadpoolctl"):
        module = sys.modules.get(name)
        out[name] = getattr(module, "__version__", None) if module else None
    return out


def machine_info(threads: int, openblas_env: dict, nnlib_path) -> dict:
    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        "threads": threads,
        "numpy_blas": numpy_blas(),
        "thread_pools": thread_pools(),
        "versions": versions(),
        "openblas_env": openblas_env,
        "malloc_env": {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")},
        "nnlib": str(nnlib_path.parent),
        "platform": platform.platform(),
    }
    if "torch" in sys.modules:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["torch_blas"] = "MKL" if torch.backends.mkl.is_available() else "other"
    return info


def describe_machine(m: dict) -> str:
    v = m["versions"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores, load {m['load_avg_1m_at_start']}, "
        f"{m['date_utc']}",
        f"threads pinned to {m['threads']}; numpy {v['numpy']} on {m['numpy_blas']}; "
        f"torch {v['torch'] or 'not installed'}; scikit-learn {v['sklearn'] or 'not installed'}",
        f"OpenBLAS hints at start: {m['openblas_env']['at_start']} "
        f"(unset for this run: {m['openblas_env']['unset_for_this_run']})",
    ]
    lines += [f"  pool: {p['internal_api']} {p['version']} {p['architecture'] or ''} "
              f"threads={p['num_threads']} ({p['prefix']})" for p in m["thread_pools"]]
    return "\n".join(lines)
