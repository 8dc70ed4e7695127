"""The ``nncourse`` command line: one sub-command per verb, declared as data.

Each entry of ``COMMANDS`` names the module that implements a verb. That module has
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status). Only the module of the
verb being run is imported, so ``nncourse check`` starts fast and never loads the
instructor's tooling.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path

# verb -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("nncourse.grader.check_command", "run the public checks of your nnlib"),
    "hint": ("nncourse.grader.hint_command", "show the next hint of an exercise"),
    "status": ("nncourse.student.status",
               "show each exercise: passed, failing or not started, and hints used"),
    "submit": ("nncourse.student.submit", "pack a lesson notebook with your nnlib for hand-in"),
    "release": ("nncourse.release.command", "regenerate nnlib/ and lessons/ from solutions/"),
    "grade": ("nncourse.grader.grade_command", "grade DIR/nnlib with all checks, hidden included"),
    "reference": ("nncourse.release.reference", "build the executed solution notebooks (+HTML)"),
    "bundle": ("nncourse.classroom.prepare.bundle",
               "build the student bundle (folder, zip, git repo)"),
    "setup": ("nncourse.classroom.prepare.course_folder",
              "create an nbgrader course folder for a class"),
    "assign": ("nncourse.classroom.prepare.assign",
               "release a lesson to the class through nbgrader"),
    "collect": ("nncourse.classroom.intake.collect", "collect submissions (exchange or LMS zips)"),
    "autograde": ("nncourse.classroom.autograde.run", "autograde a lesson for the whole class"),
    "feedback": ("nncourse.classroom.results.feedback",
                 "generate feedback HTML without hidden tests"),
    "export": ("nncourse.classroom.results.export",
               "export grades (CSV, Canvas, Moodle) or a Gradescope/PrairieLearn autograder"),
    "report": ("nncourse.classroom.results.report", "class score distribution and common bugs"),
}


def load(verb: str):
    """The module implementing ``verb``, or None where this installation does not ship it."""
    module_name = COMMANDS[verb][0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            return None  # e.g. instructor verbs in the student bundle
        raise  # a real missing dependency, not an absent verb


def available(verb: str) -> bool:
    """Whether this installation ships the module of ``verb`` (looked up, nothing imported).

    A module of ``nncourse`` is looked for as a file beside this one, so that listing the
    verbs imports none of their packages.
    """
    name = COMMANDS[verb][0]
    if name.startswith("nncourse."):
        path = Path(__file__).resolve().parent.joinpath(*name.split(".")[1:])
        return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()
    return importlib.util.find_spec(name) is not None


def build_parser(verb: str | None) -> argparse.ArgumentParser:
    """The argument parser; only the module of ``verb`` is imported (start-up stays fast).

    Verbs this installation does not ship (the instructor's, in the student bundle) are
    not listed.
    """
    parser = argparse.ArgumentParser(
        prog="nncourse",
        description="Course tooling for nnlib: check, submit, release, grade.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (_, help_text) in COMMANDS.items():
        if not available(name):
            continue
        verb_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == verb:
            module = load(name)
            if module is None:
                verb_parser.add_argument("ignored", nargs=argparse.REMAINDER,
                                         help=argparse.SUPPRESS)
                verb_parser.set_defaults(run=lambda args: unavailable(args.command))
            else:
                module.add_arguments(verb_parser)
                verb_parser.set_defaults(run=module.run)
    return parser


def unavailable(verb: str) -> int:
    """Say clearly that a verb is not part of this installation."""
    print(f"nncourse {verb}: not available in this installation (instructor tooling is not "
          "part of the student bundle)", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nncourse`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    verb = next((arg for arg in argv if not arg.startswith("-")), None)
    if verb in COMMANDS and not available(verb):
        return unavailable(verb)
    parser = build_parser(verb if verb in COMMANDS else None)
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
