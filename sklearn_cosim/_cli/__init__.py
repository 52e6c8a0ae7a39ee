"""Command-line interface: one module per subcommand.

Each subcommand module defines ``add_parser(subparsers)``, which adds its
parser and sets ``func`` (a callable taking the parsed arguments and returning
an exit code) with ``parser.set_defaults(func=...)``.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib
import sys

#: Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = ("compare", "diagnose", "figure1")


class CLIError(Exception):
    """An error the command line reports as one line with exit code 2."""


def build_parser():
    """Return the top-level argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_cosim",
        description="Choose the similarity measure for your embeddings.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"sklearn_cosim._cli.{name}")
        except ModuleNotFoundError as exc:  # a subcommand not written yet
            if exc.name != f"sklearn_cosim._cli.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except CLIError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
