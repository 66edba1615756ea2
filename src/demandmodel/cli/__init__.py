"""The ``demandmodel`` command line: thin wrappers over the public API.

Each sub-command lives in its own module exposing ``register(subparsers)``; the module names are
listed in :data:`COMMANDS`. Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from demandmodel.errors import DataValidationError, DemandModelError, ScenarioError

COMMANDS: tuple[str, ...] = ("demo", "validate", "forecast", "backtest", "project", "run")
"""Modules of :mod:`demandmodel.cli` that each add one sub-command."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from demandmodel import __version__

    parser = argparse.ArgumentParser(
        prog="demandmodel",
        description="Forecast demand in children's social care (CIN, CP, children looked after).",
        epilog="Run 'demandmodel COMMAND --help' for the options and examples of each command.",
    )
    parser.add_argument("--version", action="version", version=f"demandmodel {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"demandmodel.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.handler(args))
    except (DataValidationError, ScenarioError, FileNotFoundError) as err:
        print(f"demandmodel: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DemandModelError as err:
        print(f"demandmodel: error: {err}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
