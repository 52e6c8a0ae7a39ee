"""``diagnose``: print the embedding report (hubness, anisotropy, norms) of a file."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from sklearn_cosim._cli import CLIError
from sklearn_cosim._cli.compare import _FORMATS, load_array
from sklearn_cosim.diagnostics import embedding_report


def _format_report(report):
    """A report (dict, DataFrame, Series or object with a text form) as text."""
    if hasattr(report, "to_string"):  # pandas
        return report.to_string()
    if isinstance(report, dict):
        width = max((len(str(k)) for k in report), default=0)
        lines = []
        for key, value in report.items():
            if isinstance(value, (float, np.floating)):
                value = f"{float(value):.4g}"
            lines.append(f"{str(key):<{width}}  {value}")
        return "\n".join(lines)
    return str(report)


def run(args):
    """Load the embeddings and print their report."""
    if args.n_neighbors < 1:
        raise CLIError(f"--n-neighbors must be at least 1, got {args.n_neighbors}")
    X = load_array(args.file, "data")
    if X.ndim != 2 or X.dtype.kind not in "fiu":
        raise CLIError(
            f"{args.file!r} must hold a 2-D numeric array (one embedding per row), "
            f"got shape {X.shape} and dtype {X.dtype}"
        )
    if not np.all(np.isfinite(X)):
        raise CLIError(f"{args.file!r} contains NaN or infinite values")
    if X.shape[0] <= args.n_neighbors:
        raise CLIError(
            f"--n-neighbors={args.n_neighbors} needs more than {args.n_neighbors} "
            f"rows; {args.file!r} has {X.shape[0]}"
        )
    try:
        report = embedding_report(
            X.astype(np.float64, copy=False),
            n_neighbors=args.n_neighbors,
            metric=args.metric,
        )
    except ValueError as exc:
        raise CLIError(" ".join(str(exc).split())) from None
    print(f"{args.file}: {X.shape[0]} embeddings x {X.shape[1]} dimensions")
    print(_format_report(report))
    return 0


def add_parser(subparsers):
    """Add the ``diagnose`` subcommand."""
    parser = subparsers.add_parser(
        "diagnose",
        help="print the hubness / anisotropy report of an embedding file",
        description=(
            "Print sklearn_cosim.diagnostics.embedding_report for the "
            "embeddings in FILE (one per row): hubness, anisotropy, isotropy "
            "and norm statistics."
        ),
    )
    parser.add_argument("file", metavar="FILE", help=f"embeddings: {_FORMATS}")
    parser.add_argument(
        "--n-neighbors", type=int, default=10, help="neighbourhood size k (10)"
    )
    parser.add_argument(
        "--metric", default="cosine", help="similarity measure (cosine)"
    )
    parser.set_defaults(func=run)
    return parser
