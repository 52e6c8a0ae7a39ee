"""Command-line interface: one module per subcommand.

Each subcommand module defines ``add_parser(subparsers)``, which adds its
parser and sets ``func`` (a callable taking the parsed arguments and returning
an exit code) with ``parser.set_defaults(func=...)``.

Exit codes: 0 success, 2 a usage or input error (one line on stderr),
130 interrupted (Ctrl-C), 141 output pipe closed early (as a program killed
by SIGPIPE reports in the shell, e.g. ``sklearn-cosim compare | head -1``).
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib
import os
import sys
import threading
import time
from pathlib import Path

#: Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = ("compare", "diagnose", "figure1")

#: Name in the usage line when run as the console script.
PROG = "sklearn-cosim"

#: A step that runs longer than this (seconds) reports on stderr, and then
#: again every :data:`PROGRESS_EVERY` seconds.
PROGRESS_AFTER = 2.0
PROGRESS_EVERY = 10.0


class CLIError(Exception):
    """An error the command line reports as one line with exit code 2."""


class _ArgumentParser(argparse.ArgumentParser):
    """Usage errors as one line (argparse prints the whole usage first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(prog=PROG):
    """Return the top-level argument parser with every subcommand."""
    from sklearn_cosim import __version__

    parser = _ArgumentParser(
        prog=prog,
        description="Choose the similarity measure for your embeddings.",
    )
    parser.add_argument(
        "--version", action="version", version=f"sklearn-cosim {__version__}"
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


def main(argv=None, *, prog=PROG):
    """Run the command line and return its exit code.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (None: ``sys.argv[1:]``).

    prog : str, default="sklearn-cosim"
        Program name of the usage line (``python -m sklearn_cosim`` passes
        its own).
    """
    try:
        parser = build_parser(prog)
        args = parser.parse_args(argv)
        code = args.func(args) or 0
        sys.stdout.flush()  # a closed pipe fails here, not at interpreter exit
        return code
    except CLIError as exc:
        _print_error(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _print_error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``... | head -1``): send what is left in the
        # buffer to /dev/null so that Python's exit flush does not fail again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # stdout is not a file
            pass
        return 141


def _print_error(message):
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed as well
        pass


def check_output_path(path, option):
    """Refuse, before any work, an output file that cannot be written.

    Parameters
    ----------
    path : str or path-like
        The file to write.

    option : str
        The option that named it, for the message.

    Returns
    -------
    path : Path
        `path` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{option} {str(path)!r} is a folder; give a file name in it")
    folder = path.parent
    if not folder.is_dir():
        raise CLIError(
            f"{option} {str(path)!r}: folder {str(folder)!r} does not exist; "
            "create it first"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        raise CLIError(f"{option} {str(path)!r} is not writable")
    return path


def check_figure_path(path, option):
    """Check a figure file before any work; return the file that will be written.

    matplotlib must be installed and the extension must be a format it
    writes. A name without an extension gets matplotlib's default format
    (``savefig.format``, ``.png`` unless configured), as ``savefig`` does;
    the returned path names that file, so messages can name it.

    Parameters
    ----------
    path : str or path-like
        The figure file.

    option : str
        The option that named it, for the message.

    Returns
    -------
    path : Path
        The file that will be written.
    """
    try:
        import matplotlib
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise CLIError(f"{option} needs matplotlib: pip install matplotlib") from None
    text = str(path)
    suffix = Path(text).suffix[1:].lower()
    if not suffix:
        text = text.rstrip(".") + "." + matplotlib.rcParams["savefig.format"]
    else:
        formats = FigureCanvasBase.get_supported_filetypes()
        if suffix not in formats:
            raise CLIError(
                f"{option} {str(path)!r}: matplotlib cannot write .{suffix} files; "
                f"use one of {', '.join('.' + f for f in sorted(formats))}"
            )
    return check_output_path(text, option)


class progress:
    """Tell stderr that a step is running, once it has run a while.

    Nothing is printed for a step shorter than :data:`PROGRESS_AFTER`
    seconds; a longer one prints ``message ...``, the elapsed time every
    :data:`PROGRESS_EVERY` seconds and ``message: done in T s`` at the end.

    Parameters
    ----------
    message : str
        What runs, e.g. ``"reading X.csv (123 MB)"``.

    quiet : bool, default=False
        Print nothing.
    """

    def __init__(self, message, *, quiet=False):
        self.message = message
        self.quiet = quiet
        self._done = threading.Event()
        self._printed = False
        self._thread = None

    def _say(self, text):
        self._printed = True
        _print_error(text)

    def _watch(self):
        if self._done.wait(PROGRESS_AFTER):
            return
        self._say(f"{self.message} ...")
        while not self._done.wait(PROGRESS_EVERY):
            self._say(f"{self.message}: {time.perf_counter() - self._start:.0f} s")

    def __enter__(self):
        self._start = time.perf_counter()
        if not self.quiet:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        if self._printed and exc_type is None:
            elapsed = time.perf_counter() - self._start
            _print_error(f"{self.message}: done in {elapsed:.1f} s")
        return False
