# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause
"""Command line: data files, early validation, ``diagnose`` readings, signals."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import spearmanr

import sklearn_cosim
from sklearn_cosim import _cli
from sklearn_cosim._cli import main
from sklearn_cosim._cli._io import load_table
from sklearn_cosim._cli.diagnose import RULES, interpret
from sklearn_cosim.diagnostics import embedding_report

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
ENV.pop("PYTHONUNBUFFERED", None)  # buffered stdout, as in a user's shell


def _run(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "sklearn_cosim", *map(str, args)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        **kwargs,
    )


def _one_error_line(text, match):
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert match in lines[0], text


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli_io")
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    X = rng.normal(size=(60, 6)) + 2.0 * np.eye(3, 6)[y]
    np.save(tmp / "X.npy", X)
    np.save(tmp / "y.npy", y)
    return tmp, X, y


# --- compare: options checked before any data is read -----------------------


@pytest.mark.parametrize(
    "option, value, match",
    [
        ("--output", "missing/r.csv", "folder 'missing' does not exist"),
        ("--output", ".", "is a folder"),
        ("--plot", "missing/r.png", "folder 'missing' does not exist"),
        ("--plot", "r.notanimage", "matplotlib cannot write .notanimage"),
    ],
)
def test_compare_checks_outputs_before_cross_validating(
    files, capsys, monkeypatch, option, value, match
):
    tmp, _, _ = files
    monkeypatch.chdir(tmp)
    args = ["compare", "--data", "X.npy", "--labels", "y.npy", option, value]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""  # the title line is printed when cross-validation starts
    _one_error_line(err, match)


def test_compare_plot_needs_matplotlib_before_cross_validating(
    files, capsys, monkeypatch
):
    tmp, _, _ = files
    monkeypatch.chdir(tmp)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backend_bases", None)
    args = ["compare", "--data", "X.npy", "--labels", "y.npy", "--plot", "r.png"]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _one_error_line(err, "--plot needs matplotlib")


def test_compare_refuses_builtin_with_data(files, capsys, monkeypatch):
    tmp, _, _ = files
    monkeypatch.chdir(tmp)
    args = ["compare", "--data", "X.npy", "--labels", "y.npy"]
    assert main([*args, "--builtin", "embeddings"]) == 2
    _one_error_line(capsys.readouterr().err, "--builtin is for runs without --data")


@pytest.mark.parametrize("cv, n_train", [(2, 30), (3, 40)])
def test_compare_refuses_more_neighbours_than_a_training_fold(
    files, capsys, monkeypatch, cv, n_train
):
    # 3 classes of 20: stratified folds train on 60 - 60 / cv samples.
    tmp, _, _ = files
    monkeypatch.chdir(tmp)
    args = ["compare", "--data", "X.npy", "--labels", "y.npy", "--cv", str(cv)]
    assert main([*args, "--n-neighbors", str(n_train + 1), "--quick"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _one_error_line(err, f"more than the {n_train} training samples")


def test_compare_accepts_a_training_fold_of_neighbours(files, capsys, monkeypatch):
    tmp, _, _ = files
    monkeypatch.chdir(tmp)
    args = ["compare", "--data", "X.npy", "--labels", "y.npy", "--cv", "2"]
    assert main([*args, "--n-neighbors", "30", "--quick", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out and "± " in out


def test_compare_plot_without_extension_names_the_file(files, tmp_path):
    pytest.importorskip("matplotlib")
    tmp, _, _ = files
    result = _run(
        "compare", "--data", tmp / "X.npy", "--labels", tmp / "y.npy", "--cv", "2",
        "--quick", "--quiet", "--plot", tmp_path / "chart",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "chart.png").stat().st_size > 0
    assert f"plot written to {tmp_path / 'chart.png'}" in result.stdout


# --- data files ---------------------------------------------------------------


def test_headerless_csv_with_a_long_first_line_keeps_its_first_row(tmp_path):
    X = np.random.default_rng(1).normal(size=(5, 2000))
    np.savetxt(tmp_path / "X.csv", X, delimiter=",")
    assert len((tmp_path / "X.csv").read_text().splitlines()[0]) > 16384
    data, labels = load_table(tmp_path / "X.csv")
    np.testing.assert_array_equal(data, X)
    assert labels is None
    # the same with a (long) header line: it is skipped, no row is lost
    header = ",".join(f"feature_{i}" for i in range(2000))
    np.savetxt(tmp_path / "H.csv", X, delimiter=",", header=header, comments="")
    np.testing.assert_array_equal(load_table(tmp_path / "H.csv")[0], X)


def test_text_labels_with_and_without_header(tmp_path):
    labels = np.array(["cat", "dog", "cat", "dog"])
    (tmp_path / "a.csv").write_text("\n".join(labels) + "\n")
    (tmp_path / "b.csv").write_text("label\n" + "\n".join(labels) + "\n")
    for name in ("a.csv", "b.csv"):
        np.testing.assert_array_equal(load_table(tmp_path / name, "labels")[0], labels)


def _labelled_csv(path, X, y, header=True):
    lines = ["a,b,label,c"] if header else []
    lines += [f"{r[0]:.17g},{r[1]:.17g},{lab},{r[2]:.17g}" for r, lab in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("column", ["label", "2", "-2"])
def test_label_column_is_split_off_the_features(tmp_path, column):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 3))
    y = np.array(["cat", "dog"] * 4)
    _labelled_csv(tmp_path / "d.csv", X, y)
    data, labels = load_table(tmp_path / "d.csv", "data", column)
    np.testing.assert_array_equal(data, X)
    np.testing.assert_array_equal(labels, y)


def test_label_column_in_npy_and_numeric_labels(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 4))
    np.save(tmp_path / "d.npy", X)
    data, labels = load_table(tmp_path / "d.npy", "data", "0")
    np.testing.assert_array_equal(data, X[:, 1:])
    np.testing.assert_array_equal(labels, X[:, 0])


def test_compare_with_label_column_equals_separate_labels(files, tmp_path):
    _, X, y = files
    _labelled_csv(tmp_path / "d.csv", X, y)
    np.save(tmp_path / "f.npy", np.delete(np.loadtxt(tmp_path / "d.csv",
            delimiter=",", skiprows=1), 2, axis=1))  # fmt: skip
    common = ["--cv", "2", "--quick", "--quiet"]
    a = _run(
        "compare", "--data", tmp_path / "d.csv", "--label-column", "label", *common
    )
    b = _run(
        "compare", "--data", tmp_path / "f.npy", "--labels", _y(tmp_path, y), *common
    )
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr

    def scores(out):  # the table's candidate and score columns, without timings
        lines = out.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("---"))
        table = lines[start + 1 : lines.index("", start)]
        return [line.rsplit(maxsplit=2)[0] for line in table]

    assert scores(a.stdout) == scores(b.stdout)


def _y(tmp_path, y):
    np.save(tmp_path / "y.npy", y)
    return tmp_path / "y.npy"


def test_label_column_errors(files, tmp_path, capsys, monkeypatch):
    tmp, X, y = files
    _labelled_csv(tmp_path / "d.csv", X, np.array(["cat", "dog", "eel"])[y])
    monkeypatch.chdir(tmp_path)
    y_file = str(tmp / "y.npy")
    cases = [
        (["--label-column", "label", "--labels", y_file], "once"),
        (["--label-column", "kind"], "no such column"),
        (["--label-column", "7"], "out of range"),
        ([], "--data needs --labels"),
        (["--labels", y_file], "give it as --label-column"),
    ]
    for extra, match in cases:
        assert main(["compare", "--data", "d.csv", *extra]) == 2
        _one_error_line(capsys.readouterr().err, match)


def test_numeric_label_named_column_warns(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("x,label\n0.5,1\n0.25,0\n")
    data, _ = load_table(tmp_path / "d.csv")
    np.testing.assert_array_equal(data, [[0.5, 1], [0.25, 0]])
    assert "--label-column label" in capsys.readouterr().err


def _word_vectors(path, words, X, header=False):
    lines = [f"{len(X)} {X.shape[1]}"] if header else []
    lines += [f"{w} " + " ".join(f"{v:.17g}" for v in row) for w, row in zip(words, X)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("header", [False, True])
@pytest.mark.parametrize("suffix", [".txt", ".vec"])
def test_glove_and_word2vec_text(tmp_path, header, suffix):
    X = np.random.default_rng(4).normal(size=(5, 3))
    words = ["the", ",", "new york", "naïve", "1st"]  # a word with a space
    _word_vectors(tmp_path / f"v{suffix}", words, X, header)
    data, labels = load_table(tmp_path / f"v{suffix}")
    np.testing.assert_array_equal(data, X)
    assert labels is None


def test_word_vector_errors(tmp_path, capsys, monkeypatch):
    X = np.random.default_rng(5).normal(size=(4, 3))
    _word_vectors(tmp_path / "v.txt", list("abcd"), X, header=True)
    text = (tmp_path / "v.txt").read_text().replace("4 3", "9 3", 1)
    (tmp_path / "count.txt").write_text(text)
    (tmp_path / "short.txt").write_text("a 1 2 3\nb 1 2\n")
    monkeypatch.chdir(tmp_path)
    for name, match in [("count.txt", "announces 9"), ("short.txt", "line 2")]:
        assert main(["diagnose", name, "--n-neighbors", "1"]) == 2
        _one_error_line(capsys.readouterr().err, match)


def test_parquet_list_column(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X = np.random.default_rng(6).normal(size=(5, 3))
    frame = pd.DataFrame(
        {"id": np.arange(5), "embedding": list(X), "topic": list("ababa")}
    )
    frame.to_parquet(tmp_path / "d.parquet")
    data, labels = load_table(tmp_path / "d.parquet", "data", "topic")
    np.testing.assert_array_equal(data, np.column_stack([np.arange(5), X]))
    np.testing.assert_array_equal(labels, list("ababa"))
    with pytest.raises(_cli.CLIError, match="'topic'.*--label-column"):
        load_table(tmp_path / "d.parquet")


def test_parquet_without_a_reader_says_what_to_install(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    (tmp_path / "d.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "fastparquet", None)
    with pytest.raises(_cli.CLIError, match="pip install pyarrow"):
        load_table(tmp_path / "d.parquet")


@pytest.mark.parametrize(
    "content, match",
    [("", "is empty"), ("\n\n", "is empty"), ("a,b\n", "header line and no data")],
)
def test_empty_csv_is_one_line_without_numpy_warning(tmp_path, content, match):
    (tmp_path / "e.csv").write_text(content)
    result = _run("diagnose", tmp_path / "e.csv")
    assert result.returncode == 2
    _one_error_line(result.stderr, match)


# --- diagnose -------------------------------------------------------------------


def _reading(rule, value):
    report = {rule.key: value}
    if rule.key == "norm_variation":  # derived: std_norm / mean_norm
        report = {"mean_norm": 2.0, "std_norm": 2.0 * value}
    return interpret(report)[0][rule.key]["level"]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.key)
def test_interpret_levels_at_the_thresholds(rule):
    middle = (rule.low + rule.high) / 2
    if rule.inverted:  # small values are the problem (isotropy scores)
        expected = [
            (rule.low, "low"),
            (middle, "moderate"),
            (rule.high * 0.999, "high"),
        ]
    else:
        expected = [
            (rule.low * 0.999, "low"),
            (middle, "moderate"),
            (rule.high, "high"),
        ]
    for value, level in expected:
        assert _reading(rule, value) == level, value
    if rule.absolute:
        assert _reading(rule, -rule.high) == "high"


def test_interpret_undefined_values():
    readings, findings = interpret({"k_skewness": float("nan"), "isoscore": 0.05})
    assert readings["k_skewness"]["level"] is None
    assert [f["topic"] for f in findings] == ["anisotropy"]
    assert findings[0]["level"] == "high" and "Whitener" in findings[0]["remedy"]


def _offset_and_isotropic(tmp_path):
    rng = np.random.default_rng(7)
    iso = rng.standard_normal((600, 32))
    np.save(tmp_path / "iso.npy", iso)
    np.save(tmp_path / "off.npy", iso + 1.0)
    return iso


def test_diagnose_json_matches_the_report_and_reads_it(tmp_path, capsys):
    iso = _offset_and_isotropic(tmp_path)
    for name, X, level in [("iso", iso, "low"), ("off", iso + 1.0, "high")]:
        assert main(["diagnose", str(tmp_path / f"{name}.npy"), "--json"]) == 0
        document = json.loads(capsys.readouterr().out)
        expected = embedding_report(X)
        assert document["report"].keys() == expected.keys()
        for key, value in expected.items():
            if isinstance(value, str):
                assert document["report"][key] == value
            else:
                np.testing.assert_allclose(document["report"][key], value, rtol=1e-12)
        findings = {f["topic"]: f for f in document["findings"]}
        assert findings["hubness"]["level"] == level
        assert findings["anisotropy"]["level"] == level
        # mean cosine of the offset data, from the pairwise cosines
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        G = U @ U.T
        mean_cos = (G.sum() - np.trace(G)) / (len(X) * (len(X) - 1))
        reading = document["readings"]["mean_cosine_similarity"]
        np.testing.assert_allclose(reading["value"], mean_cos, rtol=1e-9, atol=1e-12)
    assert "csls" in findings["hubness"]["remedy"]
    assert "MeanCenterer" in findings["anisotropy"]["remedy"]


def test_diagnose_text_has_readings_and_remedies(tmp_path, capsys):
    _offset_and_isotropic(tmp_path)
    assert main(["diagnose", str(tmp_path / "off.npy")]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.startswith("k_skewness "))
    assert "high hubness" in line
    assert "findings:" in out and "hubness is high" in out
    assert "mutual_proximity" in out


def test_diagnose_frequencies_and_output(tmp_path, capsys):
    rng = np.random.default_rng(8)
    freq = rng.pareto(1.0, 400) + 1.0
    X = rng.standard_normal((400, 16))
    X *= np.log(freq)[:, None] + 1.0  # norms follow frequency
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "f.npy", freq)
    args = ["diagnose", str(tmp_path / "X.npy"), "--frequencies"]
    args += [str(tmp_path / "f.npy"), "--json", "--output", str(tmp_path / "r.json")]
    assert main(args) == 0
    assert "report written to" in capsys.readouterr().out
    document = json.loads((tmp_path / "r.json").read_text())
    rho = spearmanr(np.linalg.norm(X, axis=1), np.log(freq)).statistic
    value = document["readings"]["norm_frequency_spearman"]["value"]
    np.testing.assert_allclose(value, rho, rtol=1e-10)
    finding = next(f for f in document["findings"] if f["topic"] == "frequency")
    assert finding["level"] == "high" and "scaled_cosine" in finding["remedy"]


def test_diagnose_checks_output_and_frequencies_first(tmp_path, capsys):
    _offset_and_isotropic(tmp_path)
    X = str(tmp_path / "iso.npy")
    np.save(tmp_path / "bad.npy", -np.ones(600))
    for extra, match in [
        (["--output", str(tmp_path / "no" / "r.txt")], "does not exist"),
        (["--frequencies", str(tmp_path / "bad.npy")], "positive"),
    ]:
        assert main(["diagnose", X, *extra]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        _one_error_line(err, match)


def test_diagnose_reports_progress_on_stderr(tmp_path, capsys, monkeypatch):
    _offset_and_isotropic(tmp_path)
    monkeypatch.setattr(_cli, "PROGRESS_AFTER", 0.0)
    assert main(["diagnose", str(tmp_path / "iso.npy")]) == 0
    err = capsys.readouterr().err
    assert "reading" in err and "hubness (k=10 neighbours of 600 rows)" in err
    assert "done in" in err
    assert main(["diagnose", str(tmp_path / "iso.npy"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


# --- the program: version, name, pipes, Ctrl-C, figure1 ----------------------------


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert (
        capsys.readouterr().out.strip() == f"sklearn-cosim {sklearn_cosim.__version__}"
    )


def test_usage_names_the_console_script():
    # What the console script's wrapper does: call main() without arguments.
    code = "import sys; from sklearn_cosim.__main__ import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, "diagnose", "--help"],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stdout.startswith("usage: sklearn-cosim diagnose")
    assert _run("diagnose", "--help").stdout.startswith(
        "usage: python -m sklearn_cosim diagnose"
    )


def test_closed_pipe_is_quiet(files):
    tmp, _, _ = files
    args = ["compare", "--data", tmp / "X.npy", "--labels", tmp / "y.npy"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sklearn_cosim", *map(str, args), "--cv", "2",
         "--quick", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert first.startswith("k-NN accuracy")
    assert err == ""


def test_ctrl_c_is_one_line(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("sklearn_cosim._cli.diagnose.run", interrupted)
    assert main(["diagnose", "X.npy"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_subprocess():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sklearn_cosim", "compare", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip
    assert proc.stdout.readline().startswith("k-NN accuracy")  # running the CV
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err == "interrupted\n"


def test_figure1_options_all_have_help():
    parser = _cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():
        for action in subparser._actions:
            assert action.help, f"{name} {action.option_strings} has no help"


@pytest.mark.parametrize(
    "args, match",
    [
        (["--seed", "-1"], "argument --seed"),
        (["--seed", "2.5"], "argument --seed"),
        (["--output", "f.notanimage"], "matplotlib cannot write .notanimage"),
    ],
)
def test_figure1_bad_options_one_line(tmp_path, args, match):
    result = _run("figure1", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    _one_error_line(result.stderr, match)


def test_figure1_output_without_extension(tmp_path):
    pytest.importorskip("matplotlib")
    result = _run(
        "figure1", "--n-users", "200", "--n-items", "40", "--n-components", "5",
        "--output", tmp_path / "fig",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fig.png").stat().st_size > 0
    assert f"wrote {tmp_path / 'fig.png'}" in result.stdout
