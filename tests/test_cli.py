"""Does the command line load only what it runs, and say so when a verb is not installed?"""

import subprocess
import sys

import pytest

from nncourse import cli


def test_a_verb_missing_from_this_installation_is_refused_clearly(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "grade", ("nncourse.not_in_the_bundle", "grade"))
    assert cli.main(["grade", "some/dir", "--json"]) == 2
    assert "nncourse grade: not available in this installation" in capsys.readouterr().err


def test_the_help_lists_only_the_verbs_installed(monkeypatch):
    """A student bundle has no instructor tooling: its help must not offer those verbs."""
    monkeypatch.setitem(cli.COMMANDS, "grade", ("nncourse.not_in_the_bundle", "grade DIR"))
    text = cli.build_parser(None).format_help()
    verbs = [line.split()[0] for line in text.splitlines() if line.startswith("    ")
             and not line.startswith("     ")]
    assert "check" in verbs and "submit" in verbs and "grade" not in verbs


def test_a_broken_dependency_is_not_mistaken_for_a_missing_verb(monkeypatch, tmp_path):
    (tmp_path / "broken_verb.py").write_text("import a_dependency_that_is_not_there\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli.COMMANDS, "grade", ("broken_verb", "grade"))
    with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_there"):
        cli.main(["grade", "x"])


def test_running_check_does_not_import_the_instructor_tooling():
    code = ("import sys; from nncourse import cli; cli.build_parser('check'); "
            "print(sorted(m for m in sys.modules if m.startswith('nncourse.classroom')"
            " or m.startswith('nncourse.release')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
