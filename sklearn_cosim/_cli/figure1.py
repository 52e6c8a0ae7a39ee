"""The ``figure1`` subcommand: Steck et al.'s Figure 1 as PNG, one score per panel."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

from sklearn_cosim._cli import CLIError, check_figure_path


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected an integer from 0 to 2**32 - 1, got {text!r}"
        )
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def add_parser(subparsers):
    """Add the ``figure1`` subcommand to `subparsers`."""
    parser = subparsers.add_parser(
        "figure1",
        help="reproduce Figure 1 of Steck et al. (2024): item-item cosines",
        description=(
            "Simulate clustered user-item interactions, fit the linear "
            "autoencoder with objective (1) (three rescalings D), objective "
            "(2) and trained for cosine similarity (loss='cosine'), and print, "
            "for each item-item cosine matrix, the ROC AUC with "
            "which it separates same-cluster from different-cluster item pairs "
            "(1 = perfect, 0.5 = chance). Defaults are the paper's sizes."
        ),
    )
    parser.add_argument(
        "--output",
        metavar="PATH",
        help="also draw the six panels into this image file (.png, .pdf, "
        ".svg, ...; no extension: .png is added)",
    )
    parser.add_argument(
        "--n-users",
        type=_positive_int,
        default=20000,
        help="simulated users, the rows of the interaction matrix (default: 20000)",
    )
    parser.add_argument(
        "--n-items",
        type=_positive_int,
        default=1000,
        help="simulated items, whose cosines the panels show (default: 1000)",
    )
    parser.add_argument(
        "--n-clusters",
        type=_positive_int,
        default=5,
        help="clusters of users and items (default: 5)",
    )
    parser.add_argument(
        "--n-components",
        type=_positive_int,
        default=50,
        help="embedding dimension of the linear autoencoder (default: 50)",
    )
    parser.add_argument(
        "--alpha-product",
        type=_non_negative_float,
        default=10000.0,
        help="lambda of objective (1) (default: 10000)",
    )
    parser.add_argument(
        "--alpha-factors",
        type=_non_negative_float,
        default=100.0,
        help="lambda of objective (2) (default: 100)",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="random seed of the simulation, 0 to 2**32 - 1 (default: 0)",
    )
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Compute (and optionally draw) the panels; print one score per panel."""
    from sklearn_cosim.decomposition import plot_steck_figure1, steck_figure1

    if args.n_items < 2:
        raise CLIError(f"--n-items must be >= 2, got {args.n_items}")
    if args.n_components > min(args.n_items, args.n_users):
        raise CLIError(
            f"--n-components={args.n_components} must be <= min(--n-items, "
            f"--n-users)={min(args.n_items, args.n_users)}"
        )
    if args.output is not None:
        args.output = str(check_figure_path(args.output, "--output"))
        import matplotlib

        matplotlib.use("Agg")
    start = time.perf_counter()
    result = steck_figure1(
        args.n_users,
        args.n_items,
        args.n_clusters,
        n_components=args.n_components,
        alpha_product=args.alpha_product,
        alpha_factors=args.alpha_factors,
        random_state=args.seed,
    )
    elapsed = time.perf_counter() - start
    print("panel\tsame-cluster AUC")
    for title, score in zip(result.titles, result.scores):
        print(f"{title.replace(chr(10), ' ')}\t{score:.4f}")
    print(f"# {args.n_users} users x {args.n_items} items, {elapsed:.1f} s")
    if args.output is not None:
        fig = plot_steck_figure1(result)
        try:
            fig.savefig(args.output, dpi=120)
        except OSError as exc:
            raise CLIError(f"cannot write --output {args.output!r}: {exc}")
        print(f"# wrote {args.output}")
    return 0
