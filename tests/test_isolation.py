"""The isolation layer's own parts: scratch folders, their owners, copies, limits, entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nncourse.isolation import enter, scratch
from nncourse.isolation.environment import clean_environment
from nncourse.isolation.limits import Limits


def test_a_scratch_folder_names_its_owner(tmp_path):
    folder = scratch.make_scratch("job-", tmp_path)
    assert folder.name.startswith(f"job-{os.getpid()}-") and folder.is_dir()
    assert scratch.owner_alive(folder, "job-")
    assert scratch.sweep_stale("job-", tmp_path) == [] and folder.is_dir()


def test_folders_of_dead_owners_and_zombies_are_swept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    gone = tmp_path / f"job-{dead}-abc"
    gone.mkdir()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.time() + 5  # wait until the child is a zombie (not reaped)
        while time.time() < deadline:
            if Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z":
                break
            time.sleep(0.01)
        zombie = tmp_path / f"job-{pid}-xyz"
        zombie.mkdir()
        foreign = tmp_path / "job-notapid"
        foreign.mkdir()
        assert not scratch.owner_alive(zombie, "job-")
        assert sorted(scratch.sweep_stale("job-", tmp_path)) == sorted([gone, zombie])
        assert foreign.is_dir()  # not made by make_scratch: left alone
    finally:
        os.waitpid(pid, 0)


def test_only_the_packages_own_py_files_are_copied(tmp_path):
    package = tmp_path / "nnlib"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n")
    (package / "sub" / "mod.py").write_text("y = 2\n")
    (package / "data.csv").write_text("1,2\n")
    (package / ".hidden.py").write_text("secret\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "solution.py").write_text("answer\n")
    (package / "linked").symlink_to(tmp_path / "outside")
    (package / "alias.py").symlink_to(tmp_path / "outside" / "solution.py")
    target = tmp_path / "copy"
    assert scratch.copy_package(package, target) == 2
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) \
        == ["__init__.py", "sub/mod.py"]
    assert scratch.copy_package(tmp_path / "missing", tmp_path / "none") == 0


def test_a_package_too_large_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(scratch, "MAX_PACKAGE_BYTES", 10)
    (tmp_path / "nnlib").mkdir()
    (tmp_path / "nnlib" / "big.py").write_text("x" * 11)
    with pytest.raises(ValueError, match="at most 10 bytes"):
        scratch.copy_package(tmp_path / "nnlib", tmp_path / "copy")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux limits and prctl")
def test_enter_applies_limits_and_runs_the_target(tmp_path):
    """Does an isolated process get the limits, the clean environment and the target?"""
    (tmp_path / "target_mod.py").write_text(
        "import json, os, resource, sys\n"
        "def main(args):\n"
        "    print(json.dumps({'args': args, 'as': resource.getrlimit(resource.RLIMIT_AS)[0],\n"
        "                      'fsize': resource.getrlimit(resource.RLIMIT_FSIZE)[0],\n"
        "                      'env': sorted(os.environ)}))\n")
    argv = enter.command("target_mod:main", ["a", "b"], resource_limits=Limits(
        memory_mb=1024, fsize_mb=8, cpu_seconds=30, processes=None),
        landlock_write=None, parent=os.getpid())
    env = clean_environment(tmp_path, PYTHONPATH=str(tmp_path))
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    out = json.loads(done.stdout)
    assert out["args"] == ["a", "b"]
    assert out["as"] == 1024 * 2**20 and out["fsize"] == 8 * 2**20
    assert "NNCOURSE_SCRATCH" not in out["env"] and "TMPDIR" in out["env"]


def test_an_orphan_ends_at_once(tmp_path):
    """A process whose parent is already gone when it starts does not run its target."""
    (tmp_path / "target_mod.py").write_text("def main(args):\n    print('ran')\n")
    argv = enter.command("target_mod:main", [], resource_limits=Limits(), landlock_write=None,
                         parent=1)  # not our parent: as if ours had died
    done = subprocess.run(argv, env=clean_environment(tmp_path, PYTHONPATH=str(tmp_path)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 70 and "ran" not in done.stdout
