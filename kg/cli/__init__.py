"""The ``kg`` command: parses arguments, calls the library, turns ``KgError`` into one line.

Each command lives in its own module of this package (``kg.cli.build``, ``kg.cli.query``, ...)
with ``register(subparsers)``, which adds its parser and sets ``run``. Only the module of the
command being run is imported: ``kg --help`` and ``kg query`` do not pay for ``kg serve``'s
imports; and a command line that cannot show kg's own help (``kg query …``, ``kg --debug
query …``) gets the parser of its command alone. ``COMMANDS`` names every command with the
one-line summary ``kg --help`` shows (a test checks that it is the summary the module
registers). Help is as wide as argparse makes it, found without importing ``shutil``.

Exit codes: 0 success, 1 failure (or a negative verdict such as a non-conforming graph),
2 usage error, 141 when the reader of stdout went away (``kg query members | head``).
Data goes to stdout; messages and progress go to stderr. Tracebacks are shown only with
``--debug``, which may come before or after the command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from kg import __version__
from kg.errors import KgError, UsageError


class Command(NamedTuple):
    module: str  # kg.cli.<module>
    summary: str  # the help= of its parser, shown by kg --help
    aliases: tuple[str, ...] = ()


COMMANDS: dict[str, Command] = {
    "build": Command("build", "read articles, extract facts, store one named graph per article"),
    "query": Command("query", "run a named query, a .rq file, SPARQL text or SPARQL from stdin"),
    "export": Command("export", "write the store as RDF, or a graph view as GraphML, GEXF, JSON, DOT, HTML, PNG "
                                "or SVG"),
    "validate": Command("validate", "check the store against the SHACL shapes"),
    "link": Command("link", "link actors to Wikidata, GeoNames and ISO 3166; infer group members"),
    "analyse": Command("analyse", "who is central, which communities form: centrality, communities, components "
                                  "of a graph view", aliases=("analyze",)),
    "path": Command("path", "how two actors are connected: the shortest chains between them, with the sentence "
                            "behind every hop"),
    "serve": Command("serve", "serve the store as a SPARQL endpoint with a web page"),
    "import": Command("import_rdf", "load RDF files into the store, each into its own named graph"),
}
"""Every command, in the order ``kg --help`` lists them."""

HELP_TOPICS = {"remote": "the connection options of a remote store"}
"""What ``kg help TOPIC`` explains besides the commands."""

_BY_NAME = {alias: name for name, command in COMMANDS.items() for alias in (name, *command.aliases)}

EPILOG = ("Each command has --help. A SPARQL endpoint as the store (--store http://…) takes connection "
          "options of its own: kg help remote.")


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, which argparse's help is as wide as (less 2):
    ``$COLUMNS`` when a positive number, else the width of the terminal on ``sys.__stdout__``
    (when it gives one), else 80. Worked out here because ``shutil`` loads bz2, lzma and zlib,
    and every ``add_argument`` makes a formatter."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__
    if stdout is None:  # started without a stdout
        return 80
    try:
        return os.get_terminal_size(stdout.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):  # not a file, closed, detached, or not a terminal
        return 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter, of the width it would choose (:func:`_terminal_columns`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` formatting with :class:`_HelpFormatter`; the parsers of its
    subcommands are made of its class, so they do too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def command_modules() -> list[str]:
    """Names of the command modules of ``kg.cli``, sorted."""
    return sorted(command.module for command in COMMANDS.values())


def make_parser(commands: Iterable[str] | None = None, *, listed: bool = True) -> argparse.ArgumentParser:
    """The ``kg`` parser. ``commands``: the commands (or aliases) whose modules are imported and
    whose parsers are complete; the others are listed by name and summary only. ``None``: all.
    ``listed=False`` leaves the others (and ``help``) out: for a command line that runs one of
    ``commands`` and never shows kg's own help or the list of commands."""
    wanted = set(COMMANDS) if commands is None else {_BY_NAME[c] for c in commands if c in _BY_NAME}
    parser = _Parser(
        prog="kg",
        description="Turn news articles about international cooperation into an RDF knowledge graph.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in COMMANDS.items():
        if name in wanted:
            importlib.import_module(f"kg.cli.{command.module}").register(sub)
        elif listed:  # listed in kg --help; never parsed (a command's own parser is made when it is run)
            sub.add_parser(name, help=command.summary, aliases=list(command.aliases), add_help=False)
    if listed:
        h = sub.add_parser("help", help="help on a command, or on a topic: " + "; ".join(
            f"{topic} ({what})" for topic, what in HELP_TOPICS.items()),
            description="Print the help of a command (as kg COMMAND --help does) or of a topic.")
        h.add_argument("topic", nargs="?", metavar="COMMAND|TOPIC", help=f"a command, or {', '.join(HELP_TOPICS)}")
        h.set_defaults(run=_help)
    for chosen in {id(p): p for name, p in sub.choices.items() if _BY_NAME.get(name, name) in wanted | {"help"}}.values():
        _add_debug(chosen)
    return parser


def _add_debug(parser: argparse.ArgumentParser) -> None:
    """``--debug`` after the command (and after a command's action) too. Its default is
    SUPPRESS, so a subcommand never resets a ``--debug`` given before the command."""
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks of unexpected errors")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in {id(p): p for p in action.choices.values()}.values():
                _add_debug(child)


def _command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word that is not a top-level option."""
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def _runs_one_command(argv: Sequence[str], command: str | None) -> bool:
    """True when ``argv`` runs the command ``command`` and kg's own help cannot be shown: a
    known command with nothing but ``--debug`` before it (``-h``, ``--version``, an unknown
    option or ``--`` there is for kg's parser, whose help and usage errors list the commands)."""
    if command not in _BY_NAME:
        return False
    return all(word == "--debug" for word in argv[:list(argv).index(command)])


def _chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost parser ``args`` went through (``kg link refresh-snapshot`` → its parser)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            name = getattr(args, action.dest, None)
            if name in action.choices:
                return _chosen_parser(action.choices[name], args)
    return parser


def _help(args: argparse.Namespace) -> int:
    topic = args.topic
    if topic is None:
        make_parser(()).print_help()
    elif topic in HELP_TOPICS:
        from kg.cli.common import remote_help

        sys.stdout.write(remote_help())
    elif topic in _BY_NAME:
        parser = make_parser([topic])
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        sub.choices[topic].print_help()
    else:
        known = ", ".join([*COMMANDS, *HELP_TOPICS])
        raise UsageError(f"no command or help topic {topic!r} (known: {known})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(argv)
    parser = make_parser([command] if command else (), listed=not _runs_one_command(argv, command))
    args, extra = parser.parse_known_args(argv)
    if extra:  # the usage of the command the unknown option was given to, not kg's
        before = argv[:argv.index(command)] if command else argv
        owner = parser if any(word in before for word in extra) else _chosen_parser(parser, args)
        owner.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None or not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        code = args.run(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here for short outputs
        return code
    except BrokenPipeError:  # the reader went away (kg query ... | head): not an error of ours
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe
    except UsageError as exc:
        print(f"kg {args.command}: {exc}", file=sys.stderr)
        return 2
    except KgError as exc:
        print(f"kg {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line unless --debug
        if args.debug:
            raise
        print(f"kg {args.command}: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. captured)
        pass
