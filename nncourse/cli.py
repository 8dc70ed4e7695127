"""The ``nncourse`` command line: one sub-command per verb, declared as data.

Each entry of ``COMMANDS`` names the module that implements a verb. That module has
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status). Modules are imported
only when their verb runs, so ``nncourse check`` on a student's machine never loads the
instructor's tooling.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# verb -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("nncourse.grader.check_command", "run the public checks of your nnlib"),
    "submit": ("nncourse.classroom.submit", "pack a lesson notebook with your nnlib for hand-in"),
    "release": ("nncourse.release.command", "regenerate nnlib/ and lessons/ from solutions/"),
    "grade": ("nncourse.grader.grade_command", "grade DIR/nnlib with all checks, hidden included"),
    "reference": ("nncourse.release.reference", "build the executed solution notebooks (+HTML)"),
    "bundle": ("nncourse.classroom.bundle", "build the student bundle (folder, zip, git repo)"),
    "setup": ("nncourse.classroom.setup", "create an nbgrader course folder for a class"),
    "assign": ("nncourse.classroom.assign", "release a lesson to the class through nbgrader"),
    "collect": ("nncourse.classroom.collect", "collect submissions (exchange or LMS zips)"),
    "autograde": ("nncourse.classroom.autograde", "autograde a lesson for the whole class"),
    "feedback": ("nncourse.classroom.feedback", "generate feedback HTML without hidden tests"),
    "export": ("nncourse.classroom.export", "export grades as CSV with a status column"),
    "report": ("nncourse.classroom.report", "class score distribution and common bugs"),
}


def build_parser(available: dict[str, object]) -> argparse.ArgumentParser:
    """The argument parser for the verbs whose modules are installed."""
    parser = argparse.ArgumentParser(
        prog="nncourse",
        description="Course tooling for nnlib: check, submit, release, grade.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for verb, module in available.items():
        _, help_text = COMMANDS[verb]
        verb_parser = sub.add_parser(verb, help=help_text, description=help_text)
        module.add_arguments(verb_parser)
        verb_parser.set_defaults(run=module.run)
    return parser


def installed_commands() -> dict[str, object]:
    """The verbs whose modules import here (the student bundle ships only some)."""
    available = {}
    for verb, (module_name, _) in COMMANDS.items():
        try:
            available[verb] = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and not module_name.startswith(error.name):
                raise  # a real missing dependency, not an absent verb
    return available


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nncourse`` console script."""
    parser = build_parser(installed_commands())
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
