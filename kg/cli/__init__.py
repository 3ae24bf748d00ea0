"""The ``kg`` command: parses arguments, calls the library, turns ``KgError`` into one line.

Each command lives in its own module of this package (``kg.cli.build``, ``kg.cli.query``, ...).

Exit codes: 0 success, 1 failure (or a negative verdict such as a non-conforming graph),
2 usage error, 141 when the reader of stdout went away (``kg query members | head``).
Data goes to stdout; messages and summaries of progress go to stderr. Tracebacks are shown
only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from kg import __version__
from kg.errors import KgError, UsageError

# Every module of this package except ``common`` is a command (or command group) with
# ``register(subparsers)``, which adds its parser and sets ``run``.
_NOT_COMMANDS = frozenset({"common"})


def command_modules() -> list[str]:
    """Names of the command modules of ``kg.cli``, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
                  if not m.name.startswith("_") and m.name not in _NOT_COMMANDS)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Turn news articles about international cooperation into an RDF knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_modules():
        importlib.import_module(f"kg.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
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
