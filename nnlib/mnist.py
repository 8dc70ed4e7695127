"""MNIST: read IDX files, and download them to a local cache only when asked to.

The IDX format (http://yann.lecun.com/exdb/mnist/): bytes 0-1 are zero, byte 2 is a type
code, byte 3 the number of dimensions d; then d sizes as big-endian uint32; then the
data, big-endian, in C order. MNIST ships four such files per copy, usually gzipped.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _unzipped(raw: bytes) -> bytes:
    """``raw`` decompressed if it starts with the gzip magic bytes, else unchanged."""
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def read_idx(path) -> np.ndarray:
    """Read one IDX file (MNIST's format), plain or gzip-compressed.

    Args:
        path: the file; gzip is recognised by its content, not its name.

    Returns:
        The array with the shape stored in the header, in native byte order
        (uint8 for MNIST images (N, 28, 28) and labels (N,)).

    Raises:
        ValueError: on a malformed header, an unknown type code or a wrong data size.
    """
    raw = _unzipped(Path(path).expanduser().read_bytes())
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(f"{path}: expected IDX data starting with two zero bytes, got {raw[:4]!r}")
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X}; expected one of {known}")
    header = 4 + 4 * ndim
    shape = tuple(int(s) for s in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = IDX_DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path}: expected {expected} bytes for shape {shape} of {dtype}, got {len(raw)}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


def _find(folder: Path, name: str) -> Path | None:
    """``folder/name`` or ``folder/name.gz``, whichever exists first."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _download(name: str, folder: Path, base_urls) -> Path:
    """Fetch ``name.gz`` from the first base URL that answers; write it atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    errors = []
    for base in base_urls:
        url = base.rstrip("/") + f"/{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                payload = response.read()
            if _unzipped(payload)[:2] != b"\x00\x00":
                raise ValueError("the answer is not a gzipped IDX file")
        except (OSError, ValueError) as err:  # URLError, HTTPError, a bad gzip stream
            errors.append(f"{url}: {err}")
            continue
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        target = folder / f"{name}.gz"
        os.replace(tmp, target)
        return target
    raise OSError(f"could not download {name}.gz:\n  " + "\n  ".join(errors))


def load_mnist(
    path_or_dir=None,
    *,
    cache_dir="~/.cache/nnlib",
    download: bool = False,
    kind: str = "train",
    base_urls=MNIST_MIRRORS,
):
    """MNIST handwritten digits from local IDX files, downloaded on request.

    The images and labels files of ``kind`` are looked up, plain or ``.gz``, in one
    folder: ``path_or_dir`` when given (or the folder of the images file given there),
    else ``cache_dir``. Only with ``download=True`` are missing files fetched from
    ``base_urls`` into that folder; nothing touches the network otherwise.

    Args:
        path_or_dir: the folder holding the files, or the images file itself.
        cache_dir: the folder used when ``path_or_dir`` is None.
        download: fetch missing files (about 11 MB for "train").
        kind: "train" (60 000 images) or "test" (10 000 images).
        base_urls: mirrors tried in order; each serves ``<file name>.gz``.

    Returns:
        images (N, 28, 28) uint8 in [0, 255] and labels (N,) int64 in 0..9. For a network,
        use ``images.reshape(len(images), -1) / 255.0`` (float64; 376 MB for all of
        "train", so consider a subset first).
    """
    if kind not in MNIST_FILES:
        raise ValueError(f"expected kind in {sorted(MNIST_FILES)}, got {kind!r}")
    image_name, label_name = MNIST_FILES[kind]
    folder = Path(cache_dir if path_or_dir is None else path_or_dir).expanduser()
    if folder.is_file():
        if "images-idx3" not in folder.name:
            raise ValueError(f"expected a folder or an images file like {image_name}, got {folder}")
        image_name = folder.name.removesuffix(".gz")
        label_name = image_name.replace("images-idx3", "labels-idx1")
        folder = folder.parent
    paths = {name: _find(folder, name) for name in (image_name, label_name)}
    for name, path in paths.items():
        if path is None and download:
            paths[name] = _download(name, folder, base_urls)
    missing = [name for name, path in paths.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST {kind}: expected {' and '.join(missing)} (or .gz) in {folder}; "
            "pass download=True to fetch them"
        )
    images, labels = read_idx(paths[image_name]), read_idx(paths[label_name])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"expected images (N, rows, cols) and labels (N,), got {images.shape} in "
            f"{paths[image_name]} and {labels.shape} in {paths[label_name]}"
        )
    return images, labels.astype(np.int64)
