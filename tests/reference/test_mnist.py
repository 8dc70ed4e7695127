"""Does the IDX reader decode what an independent writer wrote, and does MNIST stay offline?"""

import gzip
import struct
import urllib.request

import numpy as np
import pytest

from nnlib import data, mnist

CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
         np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array):
    """Encode ``array`` as IDX with struct: magic 0 0 code ndim, sizes and data big-endian."""
    array = np.asarray(array)
    header = struct.pack(">BBBB", 0, 0, CODES[array.dtype.type], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(folder, kind="train", n=7, gz=False, seed=0):
    """Tiny MNIST-like files: n images of 4 x 3 pixels and n labels."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 4, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    prefix = "train" if kind == "train" else "t10k"
    for name, array in ((f"{prefix}-images-idx3-ubyte", images),
                        (f"{prefix}-labels-idx1-ubyte", labels)):
        raw = idx_bytes(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return images, labels


@pytest.mark.parametrize("dtype", sorted(CODES, key=str))
def test_read_idx_round_trips_every_type_code(tmp_path, dtype):
    values = np.arange(24) if dtype is np.uint8 else (np.arange(24) - 7) * 1.5
    array = values.reshape(2, 3, 4).astype(dtype)  # negative, and fractional for floats
    (tmp_path / "a.idx").write_bytes(idx_bytes(array))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(idx_bytes(array)))
    for name in ("a.idx", "a.idx.gz"):
        out = data.read_idx(tmp_path / name)
        assert out.dtype == np.dtype(dtype) and out.dtype.isnative
        np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize(
    "raw, match",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "two zero bytes"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x07"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x05", "expected 11 bytes .* got 9"),
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path, raw, match):
    (tmp_path / "bad").write_bytes(raw)
    with pytest.raises(ValueError, match=match):
        data.read_idx(tmp_path / "bad")


def test_load_mnist_reads_plain_and_gzipped_files_from_a_folder_or_a_file(tmp_path):
    images, labels = write_mnist(tmp_path, "train")
    test_images, test_labels = write_mnist(tmp_path, "test", n=3, gz=True, seed=1)
    got_images, got_labels = data.load_mnist(tmp_path)
    np.testing.assert_array_equal(got_images, images)
    assert got_images.dtype == np.uint8 and got_labels.dtype == np.int64
    np.testing.assert_array_equal(got_labels, labels)
    got = data.load_mnist(tmp_path / "t10k-images-idx3-ubyte.gz", kind="test")
    np.testing.assert_array_equal(got[0], test_images)
    np.testing.assert_array_equal(got[1], test_labels)


def test_load_mnist_never_touches_the_network_without_download(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist opened a URL although download=False")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.load_mnist(cache_dir=tmp_path / "empty")
    with pytest.raises(ValueError, match="kind"):
        data.load_mnist(tmp_path, kind="validation")


def test_load_mnist_downloads_into_the_cache_from_the_first_mirror_that_answers(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    images, labels = write_mnist(mirror, gz=True)
    cache = tmp_path / "cache"
    dead = (tmp_path / "nowhere").as_uri()
    got = data.load_mnist(cache_dir=cache, download=True, base_urls=[dead, mirror.as_uri()])
    np.testing.assert_array_equal(got[0], images)
    np.testing.assert_array_equal(got[1], labels)
    assert sorted(p.name for p in cache.iterdir()) == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    # a second call finds the cached files: no mirror is needed any more
    np.testing.assert_array_equal(data.load_mnist(cache_dir=cache)[1], labels)


def test_a_mirror_answering_garbage_leaves_nothing_in_the_cache(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in mnist.MNIST_FILES["train"]:
        (mirror / f"{name}.gz").write_bytes(gzip.compress(b"<html>not found</html>"))
    with pytest.raises(OSError, match="not a gzipped IDX file"):
        data.load_mnist(cache_dir=tmp_path / "cache", download=True, base_urls=[mirror.as_uri()])
    assert list((tmp_path / "cache").iterdir()) == []
