"""Does every command that docs/instructor.md tells an instructor to type exist as written?

Each ``nncourse`` line of the guide's shell blocks and inline code is parsed by the real
command line (verb, arguments, options); a renamed option or verb fails here. The
demo-class tests run the same sequence on a small class for real.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from nncourse import cli

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "instructor.md").read_text()
STAGES = ("setup", "assign", "collect", "autograde", "feedback", "export", "report")


def guide_commands(text: str = GUIDE) -> list[str]:
    """The whole ``nncourse ...`` command lines of the guide's shell blocks."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        found += [line.split("#")[0].strip() for line in block.splitlines()
                  if line.strip().startswith("nncourse ")]
    return found


def guide_mentions(text: str = GUIDE) -> list[str]:
    """``nncourse ...`` in the guide's inline code: often a part of a command line."""
    return [m for m in re.findall(r"`(nncourse [a-z][^`]*)`", text) if "/" not in m.split()[1]]


def options_of(verb: str) -> set[str]:
    """The option strings the verb's parser knows."""
    parser = cli.build_parser(verb)
    sub = next(a for a in parser._actions if hasattr(a, "choices") and a.choices)
    return set(sub.choices[verb]._option_string_actions)


def parses(command: str) -> None:
    """Parse ``command`` as the CLI would (argparse exits on anything unknown)."""
    argv = shlex.split(command)[1:]
    verb = argv[0]
    assert verb in cli.COMMANDS, f"no verb {verb!r}"
    cli.build_parser(verb).parse_args(argv)


@pytest.mark.parametrize("command", guide_commands())
def test_each_command_of_the_guide_exists_as_written(command):
    parses(command)


@pytest.mark.parametrize("mention", guide_mentions())
def test_each_verb_and_option_the_guide_mentions_exists(mention):
    words = shlex.split(mention)[1:]
    assert words[0] in cli.COMMANDS, f"no verb {words[0]!r}"
    unknown = [w for w in words if w.startswith("--") and w not in options_of(words[0])]
    assert not unknown, f"{words[0]} has no option {unknown}"


def test_the_guide_walks_every_stage_of_a_class():
    verbs = {shlex.split(c)[1] for c in guide_commands() + guide_mentions()}
    assert set(STAGES) <= verbs


def test_a_wrong_command_in_the_guide_would_be_found():
    (command,) = guide_commands("```bash\nnncourse autograde 3 --jobz 2\n```\n")
    with pytest.raises(SystemExit):
        parses(command)
