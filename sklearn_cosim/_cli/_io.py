"""Reading the command line's data files: arrays, tables, word vectors, parquet.

Every reader error becomes a one-line :class:`~sklearn_cosim._cli.CLIError`.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import csv
import sys
import warnings
from pathlib import Path

import numpy as np

from sklearn_cosim._cli import CLIError

FORMATS = ".npy, .npz, .csv, .txt (numbers, or GloVe/word2vec text), .vec or .parquet"

_WORD_VECTOR_SUFFIXES = (".txt", ".vec")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fields(line, delimiter):
    if delimiter is None:
        return line.split()
    return next(csv.reader([line], delimiter=delimiter))


def _first_lines(path, count=2):
    """The first `count` lines holding data (not blank, not ``#`` comments).

    Returns a list of ``(line_number, line)`` with 0-based raw line numbers;
    lines are read whole, however long.
    """
    found = []
    with open(path, encoding="utf-8", newline="") as f:
        for number, line in enumerate(f):
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                found.append((number, line.rstrip("\r\n")))
                if len(found) == count:
                    break
    return found


def _resolve_column(label_column, names, n_columns, path):
    """Index of `label_column` (a name, or an int, negative from the end)."""
    try:
        index = int(label_column)
    except (TypeError, ValueError):
        if names is None or label_column not in names:
            known = "" if names is None else f"; its columns are {', '.join(names)}"
            raise CLIError(
                f"--label-column {label_column!r}: no such column in {str(path)!r}"
                + (known or " (it has no header line: give a column number)")
            ) from None
        return list(names).index(label_column)
    if not -n_columns <= index < n_columns:
        raise CLIError(
            f"--label-column {index} is out of range: {str(path)!r} has "
            f"{n_columns} columns (0 to {n_columns - 1}, or negative from the end)"
        )
    return index % n_columns


def _numeric_or_text(values):
    try:
        return values.astype(np.float64)
    except ValueError:
        return values


def _loadtxt(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "input contained no data"
        return np.loadtxt(path, **kwargs)


def _read_table(path, what, label_column=None):
    """Read a .csv (comma) or .txt (whitespace) table; returns (array, labels).

    The first line is a header when one of its fields is not a number where
    the next line has a number, judged on whole lines, whatever their length.
    A file of text labels has a header when its first value occurs nowhere
    else (a class with one sample cannot be cross-validated anyway).
    """
    delimiter = "," if path.suffix.lower() == ".csv" else None
    lines = _first_lines(path)
    if not lines:
        raise CLIError(f"{what} file {str(path)!r} is empty")
    (first_number, first), *rest = lines
    first_fields = _fields(first, delimiter)
    second_fields = _fields(rest[0][1], delimiter) if rest else None
    n_columns = len(first_fields)
    label = None
    if label_column is not None:
        names = None if _numeric(first_fields) else first_fields
        label = _resolve_column(label_column, names, n_columns, path)

    skiprows = first_number
    if not _numeric(first_fields):
        if second_fields is not None and any(
            not _is_number(a) and _is_number(b)
            for a, b in zip(first_fields, second_fields)
        ):
            skiprows = first_number + 1  # names above numbers in some column
        elif second_fields is None and what == "data":
            raise CLIError(
                f"{what} file {str(path)!r} has a header line and no data rows"
            )
    kwargs = {"delimiter": delimiter, "skiprows": skiprows}
    if delimiter is not None:
        kwargs["quotechar"] = '"'
    try:
        if label is None:
            if what == "data":
                X = _loadtxt(path, dtype=np.float64, ndmin=2, **kwargs)
                if skiprows > first_number:
                    _warn_label_like(first_fields, path)
                return X, None
            values = _numeric_or_text(_loadtxt(path, dtype=str, ndmin=1, **kwargs))
            if (
                skiprows == first_number
                and values.dtype.kind == "U"
                and values.ndim == 1
                and len(values) > 1
                and values[0] not in values[1:]
            ):
                values = values[1:]  # a header such as "label" above text labels
            return values, None
        others = [i for i in range(n_columns) if i != label]
        X = _loadtxt(path, dtype=np.float64, ndmin=2, usecols=others, **kwargs)
        y = _loadtxt(path, dtype=str, ndmin=1, usecols=label, **kwargs)
        return X, _numeric_or_text(y)
    except ValueError as exc:
        message = str(exc).splitlines()[0]
        if what == "data" and label is None and "could not convert" in message:
            message += " (a column of labels or names? give it as --label-column)"
        raise ValueError(message) from None


#: Header names that suggest a column of labels, not of features.
_LABEL_NAMES = {"label", "labels", "class", "target", "category"}


def _warn_label_like(names, path):
    suspects = [n for n in names if n.strip().lower() in _LABEL_NAMES]
    if suspects:
        print(
            f"warning: column {suspects[0]!r} of {str(path)!r} is used as a "
            f"feature; if it holds the labels, pass --label-column {suspects[0]}",
            file=sys.stderr,
            flush=True,
        )


def _numeric(fields):
    return all(_is_number(f) for f in fields)


def _word_vector_layout(path):
    """``(skiprows, dim, count)`` if `path` holds word vectors, else None.

    GloVe: ``word v1 ... vd`` per line; word2vec text: the same after a
    ``count dim`` line. A word may contain spaces (the last `d` fields are
    the vector).
    """
    lines = _first_lines(path)
    if not lines:
        return None
    first = lines[0][1].split()
    second = lines[1][1].split() if len(lines) > 1 else None
    if (
        len(first) == 2
        and all(f.isdigit() for f in first)
        and second is not None
        and not _is_number(second[0])
        and len(second) > int(first[1])
    ):
        return lines[0][0] + 1, int(first[1]), int(first[0])
    if len(first) >= 2 and not _is_number(first[0]) and _numeric(first[1:]):
        return lines[0][0], len(first) - 1, None
    return None


def _read_word_vectors(path, layout):
    skiprows, dim, count = layout
    words, vectors = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f):
            if number < skiprows or not line.strip():
                continue
            parts = line.rstrip().rsplit(maxsplit=dim)
            if len(parts) != dim + 1:
                raise ValueError(
                    f"line {number + 1} has {len(parts)} fields; every line must "
                    f"hold a word and {dim} numbers"
                )
            words.append(parts[0])
            vectors.append(" ".join(parts[1:]))
    if count is not None and count != len(words):
        raise ValueError(
            f"its first line announces {count} vectors; it holds {len(words)}"
        )
    X = _loadtxt(vectors, dtype=np.float64, ndmin=2)
    return X, np.asarray(words)


def _read_parquet(path, label_column):
    try:
        import pandas as pd
    except ImportError:
        raise CLIError(
            "reading .parquet needs pandas and pyarrow: pip install pandas pyarrow"
        ) from None
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise CLIError(
            "reading .parquet needs pyarrow (or fastparquet): pip install pyarrow"
        ) from None
    labels = None
    names = [str(c) for c in frame.columns]
    if label_column is not None:
        index = _resolve_column(label_column, names, len(names), path)
        labels = _numeric_or_text(np.asarray(frame.iloc[:, index]))
        frame = frame.drop(columns=frame.columns[index])
    blocks = []
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind in "fiub":
            blocks.append(column.to_numpy(dtype=np.float64)[:, None])
            continue
        values = column.to_numpy()
        if len(values) and all(
            isinstance(v, (list, tuple, np.ndarray)) for v in values
        ):
            lengths = {len(v) for v in values}
            if len(lengths) != 1:
                raise CLIError(
                    f"column {name!r} of {str(path)!r} holds lists of different "
                    f"lengths ({min(lengths)} to {max(lengths)}); embeddings need "
                    "one length"
                )
            try:
                blocks.append(np.array([np.asarray(v) for v in values], np.float64))
            except (TypeError, ValueError):
                raise CLIError(
                    f"column {name!r} of {str(path)!r} holds lists of non-numbers"
                ) from None
            continue
        raise CLIError(
            f"column {name!r} of {str(path)!r} is neither numbers nor lists of "
            f"numbers (dtype {column.dtype}): drop it, or name it with "
            "--label-column"
        )
    if not blocks:
        raise CLIError(f"{str(path)!r} holds no feature column")
    return np.hstack(blocks), labels


def load_table(path, what="data", label_column=None):
    """Load an array, and labels from one of its columns.

    Parameters
    ----------
    path : str or path-like
        A .npy, .npz (first array), .csv, .txt, .vec or .parquet file.

    what : {"data", "labels", "pairs", "scores", ...}, default="data"
        What the file holds, for messages; "data" must be numeric.

    label_column : str, default=None
        A column (name, or number counting from 0, negative from the end)
        holding the labels: it is returned apart and not used as a feature.

    Returns
    -------
    array : ndarray
        The values.

    labels : ndarray or None
        The label column, or None.
    """
    path = Path(path)
    if not path.is_file():
        problem = "is a folder" if path.is_dir() else "does not exist"
        raise CLIError(f"{what} file {str(path)!r} {problem}")
    suffix = path.suffix.lower()
    labels = None
    try:
        if suffix in (".npy", ".npz"):
            data = _read_numpy(path)
            if label_column is not None:
                if data.ndim != 2:
                    raise CLIError(
                        f"--label-column needs a 2-D array; {str(path)!r} has "
                        f"shape {data.shape}"
                    )
                index = _resolve_column(label_column, None, data.shape[1], path)
                labels = data[:, index]
                data = np.delete(data, index, axis=1)
        elif suffix in (".csv", ".txt", ".vec"):
            layout = (
                _word_vector_layout(path)
                if suffix in _WORD_VECTOR_SUFFIXES and what == "data"
                else None
            )
            if layout is not None:
                if label_column is not None:
                    raise CLIError(
                        f"{str(path)!r} holds word vectors (a word, then numbers, "
                        "per line): --label-column does not apply"
                    )
                data, _ = _read_word_vectors(path, layout)
            elif suffix == ".vec":
                raise ValueError("not a word-vector text file (word v1 v2 ...)")
            else:
                data, labels = _read_table(path, what, label_column)
        elif suffix == ".parquet":
            data, labels = _read_parquet(path, label_column)
        else:
            raise CLIError(f"{what} file {str(path)!r}: use {FORMATS}")
    except CLIError:
        raise
    except Exception as exc:  # any reader error is one line for the user
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise CLIError(f"cannot read {what} file {str(path)!r}: {message}") from None
    if data.dtype == object:
        raise CLIError(f"{what} file {str(path)!r} holds non-numeric objects")
    if data.size == 0:
        raise CLIError(f"{what} file {str(path)!r} holds no values")
    return data, labels


def _read_numpy(path):
    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as exc:
            if "pickle" not in str(exc):
                raise
            raise ValueError(
                "not a NumPy .npy file of numbers (or it holds Python objects)"
            ) from None
    with np.load(path, allow_pickle=False) as archive:
        if not archive.files:
            raise ValueError("the archive holds no array")
        return archive[archive.files[0]]


def load_array(path, what="data"):
    """Load an array from .npy, .npz (first array), .csv/.txt/.vec or .parquet.

    Errors become a one-line :class:`CLIError`.
    """
    return load_table(path, what)[0]
