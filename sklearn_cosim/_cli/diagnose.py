"""``diagnose``: the embedding report of a file, read: what is high, what to try.

Thresholds (see the "Reading the report" section of the diagnostics user
guide). They are rules of thumb placed between measured reference values,
not sharp boundaries; each rule's comment gives the values it is placed
between. "methods" is the project's ``methods.md``; the "iid" values are
ours, from :func:`~sklearn_cosim.diagnostics.embedding_report` (k=10, cosine)
on 2,000 standard normal rows in d = 3, 10, 50, 200 dimensions::

    k_skewness 0.08 / 0.17 / 0.29 / 0.41, robin_hood_index 0.09 / 0.11 /
    0.12 / 0.13, antihub_occurrence 0 / 0 / 0 / 0.001,
    mean_cosine_similarity 0.00, isoscore 1.00 / 0.99 / 0.98 / 0.91,
    partition_isotropy 0.91 / 0.84 / 0.67 / 0.51
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import json
import math
from collections import namedtuple
from pathlib import Path

import numpy as np

from sklearn_cosim._cli import CLIError, check_output_path, progress
from sklearn_cosim._cli._io import FORMATS, load_array, load_table

#: ``key``: report entry; ``topic``: the finding it belongs to; a value below
#: ``low`` is a low problem, from ``high`` on a high one (``inverted``: a
#: value from ``low`` on is a low problem, below ``high`` a high one);
#: ``absolute``: judge ``|value|``; ``decisive``: counts for the finding's
#: level (else shown as a reading only); ``meaning``: what a high value means.
Rule = namedtuple("Rule", "key topic low high inverted absolute decisive meaning")

RULES = (
    # Skewness of N_k. iid (above): 0.08-0.41. methods §6.7(c), dexter: raw
    # cosine 3.98 and Euclidean 3.33; after mutual proximity, local scaling
    # or NICDM 0.46-1.74. Low below 1 (iid range and the reduced spaces'
    # median), high from 2 (half the raw dexter value).
    Rule("k_skewness", "hubness", 1.0, 2.0, False, False, True,
         "a few points are the neighbours of very many"),
    # Robin Hood index. iid: 0.09-0.13; dexter raw 0.51-0.56, reduced
    # 0.24-0.33 (methods §6.7(c)).
    Rule("robin_hood_index", "hubness", 0.2, 0.4, False, False, True,
         "neighbour slots are unevenly shared"),
    # Share of points that are nobody's neighbour. iid: <= 0.001; dexter raw
    # 0.14-0.18, reduced 0-0.03 (methods §6.7(c)).
    Rule("antihub_occurrence", "hubness", 0.02, 0.1, False, False, True,
         "many points are never retrieved"),
    # Mean cosine of distinct pairs: 0 for isotropic data (iid: 0.00).
    # Ethayarajh (2019), BERT by layer (methods §7.1): 0.105 at the input
    # layer, 0.33-0.68 from layer 4 on. Low below 0.05, high from 0.2.
    Rule("mean_cosine_similarity", "anisotropy", 0.05, 0.2, False, False, True,
         "all vectors share a common direction"),
    # IsoScore (methods §7.3): with k of d dimensions used evenly it is
    # (k - 1) / (d - 1) (checked numerically: 8 of 64 -> 0.111, 32 of 64 ->
    # 0.489), so below 0.1 fewer than a tenth of the dimensions carry the
    # variance; from 0.5 on, at least half do.
    Rule("isoscore", "anisotropy", 0.5, 0.1, True, False, True,
         "the variance lies in a few directions"),
    # Partition isotropy (Mu & Viswanath, methods §3.2): 1 isotropic. It
    # falls with d/n even for iid data (0.51 at 2,000 x 200), so it is shown
    # but does not decide the finding; 2,000 x 64 with a mean offset of 0.3
    # (mean cosine 0.08) gives 0.008.
    Rule("partition_isotropy", "anisotropy", 0.5, 0.1, True, False, False,
         "a dominant direction"),
    # Coefficient of variation of the norms (std_norm / mean_norm, derived).
    # For one query, dot = cosine x ||y||, so norms that vary by c (relative)
    # move dot scores by about c. iid Gaussian rows have c = 1/sqrt(2 d)
    # (0.09 at d = 64, 0.04 at d = 256): below 0.1 the norms vary no more
    # than noise; from 0.3 on, they outweigh typical gaps between top
    # cosines, so cosine and dot rank differently.
    Rule("norm_variation", "norms", 0.1, 0.3, False, False, True,
         "norms differ, and cosine discards them"),
    # Spearman correlations with log frequency: Cohen's (1988) conventions,
    # 0.1 small, 0.3 medium (Zhou et al. 2022, methods §7.4, for why norms
    # and neighbour similarity follow frequency).
    Rule("norm_frequency_spearman", "frequency", 0.1, 0.3, False, True, True,
         "norms track item frequency"),
    Rule("frequency_bias_spearman", "frequency", 0.1, 0.3, False, True, True,
         "neighbour similarity depends on item frequency"),
)  # fmt: skip

_LEVELS = ("low", "moderate", "high")

#: How each topic is named in a finding.
_NAMES = {
    "hubness": "hubness",
    "anisotropy": "anisotropy",
    "norms": "norm variation",
    "frequency": "frequency dependence",
}

_REMEDIES = {
    "hubness": (
        "hubness reduction in the neighbour search: hubness='csls' or "
        "'mutual_proximity' (SimilarityNeighbors, SimilarityKNeighborsClassifier); "
        "centering (MeanCenterer) also lowers hubness caused by a common direction"
    ),
    "anisotropy": (
        "centering (MeanCenterer) for a common direction, principal-component "
        "removal (PrincipalComponentRemover) or whitening (Whitener) when the "
        "variance lies in a few directions"
    ),
    "norms": (
        "compare cosine with the norm-aware measures (dot, scaled_cosine, wrd, "
        "radial_cosine) or add the norm as a feature (NormFeatureAugmenter)"
    ),
    "frequency": (
        "norm-aware measures (scaled_cosine, wrd, radial_cosine, "
        "NormFeatureAugmenter) keep the frequency signal that cosine removes; "
        "centering or PC removal reduce a frequency direction"
    ),
}

_COMPARE = "rank the remedies on your task with `sklearn-cosim compare`"


def _level(rule, value):
    if value is None or not math.isfinite(value):
        return None
    value = abs(value) if rule.absolute else value
    if rule.inverted:
        return (
            "low" if value >= rule.low else "high" if value < rule.high else "moderate"
        )
    return "low" if value < rule.low else "high" if value >= rule.high else "moderate"


def _threshold_text(rule):
    of = "|value| " if rule.absolute else ""
    if rule.inverted:
        return f"high below {rule.high:g}, low from {rule.low:g}"
    return f"{of}low below {rule.low:g}, high from {rule.high:g}"


def _number(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def interpret(report):
    """Readings of each statistic and findings per topic, with remedies.

    Parameters
    ----------
    report : dict
        The result of :func:`~sklearn_cosim.diagnostics.embedding_report`.

    Returns
    -------
    readings : dict
        For each judged statistic: ``value``, ``level`` (``"low"``,
        ``"moderate"``, ``"high"`` or None when undefined), ``thresholds``
        and ``meaning`` (of a high level).

    findings : list of dict
        One per topic (hubness, anisotropy, norms, frequency) with a reading:
        ``topic``, ``level`` (the highest decisive level), ``evidence``
        (statistic: value), ``message`` and ``remedy`` (None when low).
    """
    values = {key: _number(value) for key, value in report.items()}
    mean, std = values.get("mean_norm"), values.get("std_norm")
    if mean is not None and std is not None and mean > 0:
        values["norm_variation"] = std / mean
    readings, topics = {}, {}
    for rule in RULES:
        if rule.key not in values:
            continue
        level = _level(rule, values[rule.key])
        readings[rule.key] = {
            "value": values[rule.key],
            "topic": _NAMES[rule.topic],
            "level": level,
            "thresholds": _threshold_text(rule),
            "meaning": rule.meaning,
        }
        if rule.decisive and level is not None:
            topics.setdefault(rule.topic, []).append((rule, level))
    findings = []
    for topic, judged in topics.items():
        level = max((lvl for _, lvl in judged), key=_LEVELS.index)
        worst = [rule for rule, lvl in judged if lvl == level]
        evidence = {rule.key: values[rule.key] for rule, _ in judged}
        shown = ", ".join(f"{rule.key} {values[rule.key]:.3g}" for rule in worst)
        name = _NAMES[topic]
        if level == "low":
            message = f"{name} is low ({shown}): nothing to correct"
            remedy = None
        else:
            message = f"{name} is {level} ({shown}): " + "; ".join(
                rule.meaning for rule in worst
            )
            remedy = f"{_REMEDIES[topic]}; {_COMPARE}"
            if topic == "norms" and "norm_frequency_spearman" not in values:
                remedy += "; --frequencies tells whether the norms follow frequency"
        findings.append(
            {
                "topic": topic,
                "level": level,
                "evidence": evidence,
                "message": message,
                "remedy": remedy,
            }
        )
    return readings, findings


def _note(reading):
    if reading["level"] is None:
        return "undefined"
    return f"{reading['level']} {reading['topic']} ({reading['thresholds']})"


def format_text(header, report, readings, findings):
    """The report as a table with a reading column, then the findings."""
    cells = []
    for key, value in report.items():
        text = f"{float(value):.4g}" if isinstance(value, float) else str(value)
        reading = readings.get(key)
        note = ""
        if reading is not None:
            note = _note(reading)
        cells.append((str(key), text, note))
    if "norm_variation" in readings:
        reading = readings["norm_variation"]
        cells.append(
            (
                "norm_variation",
                f"{reading['value']:.4g}",
                _note(reading),
            )
        )
    w_key = max(len("measure"), *(len(c[0]) for c in cells))
    w_val = max(len("value"), *(len(c[1]) for c in cells))
    lines = [
        header,
        "",
        f"{'measure':<{w_key}}  {'value':<{w_val}}  reading",
        f"{'-' * w_key}  {'-' * w_val}  {'-' * 7}",
    ]
    lines += [f"{k:<{w_key}}  {v:<{w_val}}  {n}".rstrip() for k, v, n in cells]
    lines += ["", "findings:"]
    for finding in findings:
        lines.append(f"- {finding['message']}")
        if finding["remedy"]:
            lines.append(f"  try: {finding['remedy']}")
    return "\n".join(lines)


def format_json(path, report, readings, findings):
    """The report, readings and findings as a JSON document (NaN as null)."""
    document = {
        "file": str(path),
        "report": {key: _number(value) for key, value in report.items()},
        "readings": readings,
        "findings": findings,
    }
    return json.dumps(document, indent=2, allow_nan=False)


def _size(path):
    size = Path(path).stat().st_size
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size / 2**10:.0f} KB"


def _load(args):
    with progress(f"reading {args.file} ({_size(args.file)})", quiet=args.quiet):
        X, _ = load_table(args.file, "data", args.label_column)
    if X.ndim != 2 or X.dtype.kind not in "fiub":
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
    frequencies = None
    if args.frequencies is not None:
        frequencies = np.ravel(load_array(args.frequencies, "frequencies"))
        if frequencies.dtype.kind not in "fiu" or len(frequencies) != len(X):
            raise CLIError(
                f"--frequencies must hold one number per row of {args.file!r} "
                f"({len(X)}), got {len(frequencies)} values of dtype "
                f"{frequencies.dtype}"
            )
        if not np.all(np.isfinite(frequencies)) or np.any(frequencies <= 0):
            raise CLIError("--frequencies must be positive, finite numbers")
    return X.astype(np.float64, copy=False), frequencies


def run(args):
    """Load the embeddings, print their report and what it says."""
    if args.n_neighbors < 1:
        raise CLIError(f"--n-neighbors must be at least 1, got {args.n_neighbors}")
    if args.output is not None:
        args.output = str(check_output_path(args.output, "--output"))
    X, frequencies = _load(args)
    n, d = X.shape
    k = args.n_neighbors
    what = f"report: hubness (k={k} neighbours of {n:,} rows), anisotropy, norms"
    with progress(what, quiet=args.quiet):
        try:
            from sklearn_cosim.diagnostics import embedding_report

            report = embedding_report(
                X,
                n_neighbors=args.n_neighbors,
                metric=args.metric,
                frequencies=frequencies,
            )
        except ValueError as exc:
            raise CLIError(" ".join(str(exc).split())) from None
    readings, findings = interpret(report)
    if args.json:
        text = format_json(args.file, report, readings, findings)
    else:
        header = f"{args.file}: {n} embeddings x {d} dimensions"
        text = format_text(header, report, readings, findings)
    if args.output is None:
        print(text)
        return 0
    try:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise CLIError(f"cannot write {args.output!r}: {exc.strerror}") from None
    print(f"report written to {args.output}")
    return 0


def add_parser(subparsers):
    """Add the ``diagnose`` subcommand."""
    parser = subparsers.add_parser(
        "diagnose",
        help="report hubness, anisotropy and norms of an embedding file, and "
        "what to try",
        description=(
            "Compute sklearn_cosim.diagnostics.embedding_report for the "
            "embeddings in FILE (one per row): hubness, anisotropy, isotropy "
            "and norm statistics; say for each whether it is low, moderate "
            "or high, and which remedy to try."
        ),
    )
    parser.add_argument("file", metavar="FILE", help=f"embeddings: {FORMATS}")
    parser.add_argument(
        "--n-neighbors", type=int, default=10, help="neighbourhood size k (10)"
    )
    parser.add_argument(
        "--metric", default="cosine", help="similarity measure (cosine)"
    )
    parser.add_argument(
        "--frequencies",
        metavar="FILE",
        help="item frequencies, one positive number per row of FILE: adds "
        "whether norms and neighbour similarity follow frequency",
    )
    parser.add_argument(
        "--label-column",
        metavar="COLUMN",
        help="a column of FILE that is not a feature (labels): a header name "
        "or a number from 0, negative from the end; it is left out",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--output", metavar="PATH", help="write the report to PATH instead"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress lines on stderr"
    )
    parser.set_defaults(func=run)
    return parser
