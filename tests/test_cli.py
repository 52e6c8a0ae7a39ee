import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sklearn_cosim._cli import main

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "sklearn_cosim", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    X = rng.normal(size=(60, 6)) + 2.0 * np.eye(3, 6)[y]
    np.savetxt(tmp / "X.csv", X, delimiter=",", header="a,b,c,d,e,f", comments="")
    np.savetxt(tmp / "y.csv", y.astype(str), fmt="%s", header="label", comments="")
    np.savez(tmp / "X.npz", X=X)
    np.save(tmp / "y.npy", y)
    np.save(tmp / "E.npy", X)
    pairs = rng.integers(0, 60, size=(40, 2))
    np.save(tmp / "P.npy", pairs)
    scores = np.einsum("ij,ij->i", X[pairs[:, 0]], X[pairs[:, 1]])
    np.savetxt(tmp / "S.txt", scores)
    (tmp / "bad.npy").write_text("not an array")
    (tmp / "bad.json").write_text("{}")
    return tmp


@pytest.mark.parametrize("command", ["compare", "diagnose"])
def test_help(command):
    result = _run(command, "--help")
    assert result.returncode == 0
    assert "usage: python -m sklearn_cosim " + command in result.stdout


def test_compare_classification_end_to_end(files, tmp_path):
    args = ["compare", "--data", files / "X.csv", "--labels", files / "y.csv"]
    args += ["--cv", "2", "--quick", "--output", tmp_path / "r.csv"]
    if importlib.util.find_spec("matplotlib"):
        args += ["--plot", tmp_path / "r.png"]
    result = _run(*map(str, args))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split()[:3] == ["rank", "candidate", "accuracy"]
    assert lines[3].split()[0] == "1"
    assert "[9/9]" in result.stderr
    header = (tmp_path / "r.csv").read_text().splitlines()[0]
    assert header.startswith("rank,candidate,mean_test_accuracy")
    if "--plot" in args:
        assert (tmp_path / "r.png").stat().st_size > 0


def test_compare_pairs_and_retrieval_end_to_end(files):
    result = _run(
        "compare", "--task", "pairs", "--data", str(files / "E.npy"),
        "--pairs", str(files / "P.npy"), "--scores", str(files / "S.txt"),
        "--cv", "3", "--quick", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "spearman" in result.stdout and result.stderr == ""
    result = _run(
        "compare", "--task", "retrieval", "--data", str(files / "X.npz"),
        "--labels", str(files / "y.npy"), "--cv", "2", "--quick", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "ndcg@10" in result.stdout


def test_compare_builtin_quick():
    result = _run("compare", "--cv", "3", "--quick", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "digits" in result.stdout


@pytest.mark.parametrize("command", ["compare", "diagnose"])
def test_bad_file_subprocess(files, command):
    args = ["--data", str(files / "bad.npy"), "--labels", str(files / "y.npy")]
    if command == "diagnose":
        args = [str(files / "bad.npy")]
    result = _run(command, *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize(
    "args, match",
    [
        (["--data", "missing.npy", "--labels", "y.npy"], "does not exist"),
        (["--data", "bad.npy", "--labels", "y.npy"], "cannot read data file"),
        (["--data", "bad.json", "--labels", "y.npy"], "use .npy, .npz"),
        (["--data", "X.csv"], "needs --labels"),
        (["--data", "X.csv", "--labels", "P.npy"], "one label per row"),
        (["--labels", "y.npy"], "need --data"),
        (["--task", "pairs", "--data", "E.npy"], "needs --pairs"),
        (
            [
                "--task",
                "pairs",
                "--data",
                "E.npy",
                "--pairs",
                "y.npy",
                "--scores",
                "S.txt",
            ],
            "--pairs must be an n_pairs x 2",
        ),  # fmt: skip
        (
            [
                "--task",
                "pairs",
                "--data",
                "E.npy",
                "--pairs",
                "P.npy",
                "--scores",
                "y.npy",
            ],
            "one number per pair",
        ),  # fmt: skip
        (["--cv", "1"], "--cv must be at least 2"),
        (["--objective", "f1", "--quick"], "--objective is for --task pairs"),
        (["--candidates", "nope", "--quick"], "'nope' matches no candidate"),
    ],
)
def test_compare_errors_are_one_line(files, capsys, monkeypatch, args, match):
    monkeypatch.chdir(files)
    assert main(["compare", *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert match in err


def test_diagnose_end_to_end(files):
    result = _run("diagnose", str(files / "E.npy"), "--n-neighbors", "5")
    assert result.returncode == 0, result.stderr
    assert "60 embeddings x 6 dimensions" in result.stdout
    assert len(result.stdout.splitlines()) > 2


@pytest.fixture(scope="module")
def binary_pairs(tmp_path_factory):
    from sklearn_cosim.model_selection._synthetic import _make_similarity_pairs

    tmp = tmp_path_factory.mktemp("binary")
    X, ratings = _make_similarity_pairs(n_pairs=90, n_features=6, random_state=0)
    np.save(tmp / "E.npy", np.vstack([X[:, :6], X[:, 6:]]))
    np.save(tmp / "P.npy", np.column_stack([np.arange(90), np.arange(90, 180)]))
    np.savetxt(tmp / "L.txt", (ratings > 0.4).astype(int), fmt="%d")
    return tmp


def test_compare_binary_pairs_thresholds_selection_and_code(
    binary_pairs, tmp_path, capsys, monkeypatch
):
    from sklearn_cosim.model_selection import PairedSimilarityClassifier
    from sklearn_cosim.preprocessing import MeanCenterer

    monkeypatch.chdir(binary_pairs)
    out = tmp_path / "r.csv"
    args = ["compare", "--task", "pairs", "--data", "E.npy", "--pairs", "P.npy"]
    args += ["--scores", "L.txt", "--cv", "3", "--quiet", "--output", str(out)]
    args += ["--candidates", "none+cosine,center+cosine", "--objective", "f1"]
    assert main(args) == 0
    stdout = capsys.readouterr().out
    head = stdout.splitlines()[1].split()
    assert head[:3] == ["rank", "candidate", "neg_brier_score"]
    assert "threshold" in head and "tied" in head
    rows = stdout.split("-----\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in rows] == ["1", "2"]
    assert [line.split()[1] == "*" for line in rows].count(True) == 1
    assert "selected (*): MeanCenterer() | cosine | objective=f1" in stdout
    header = out.read_text().splitlines()[0].split(",")
    assert {"mean_threshold", "std_threshold", "selected", "tied"} <= set(header)
    # the printed code rebuilds the selected pipeline
    code = stdout.split("Rebuild it in Python:")[1].split("results written")[0]
    namespace = {}
    exec(textwrap.dedent(code), namespace)
    expected = PairedSimilarityClassifier(preprocessor=MeanCenterer(), objective="f1")
    assert repr(namespace["model"]) == repr(expected)


def test_compare_candidates_subset_and_errors(files, capsys, monkeypatch):
    monkeypatch.chdir(files)
    base = ["compare", "--data", "X.csv", "--labels", "y.csv", "--cv", "2"]
    base += ["--quick", "--quiet"]
    assert main([*base, "--candidates", "*+dot"]) == 0
    table = capsys.readouterr().out.split("selected")[0]
    assert table.count("| dot") == 3 and "| cosine" not in table
    assert main([*base, "--candidates", "none+cosine,bogus"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "'bogus' matches no candidate" in err and "center+cosine" in err


def test_compare_random_state_n_jobs_and_nested(files, capsys, monkeypatch):
    monkeypatch.chdir(files)
    base = ["compare", "--data", "X.csv", "--labels", "y.csv", "--cv", "3"]
    base += ["--quiet", "--candidates", "none+cosine,none+dot", "--n-jobs", "2"]
    tables = []
    for seed in ("0", "1"):
        assert main([*base, "--random-state", seed]) == 0
        tables.append(capsys.readouterr().out.split("selected")[0])
    assert tables[0] != tables[1]  # other folds
    assert main([*base, "--nested", "--selection", "best"]) == 0
    stdout = capsys.readouterr().out
    assert "nested 3-fold CV estimate of the whole selection: accuracy" in stdout
    assert "the best mean score" in stdout


def test_python_code_rebuilds_pipelines():
    from sklearn.base import clone

    from sklearn_cosim._cli.compare import python_code
    from sklearn_cosim.model_selection._compare import _estimator, _full_params
    from sklearn_cosim.preprocessing import PrincipalComponentRemover

    for task in ("classification", "retrieval"):
        est = _estimator(task, 7)
        params = {
            "preprocessor": PrincipalComponentRemover(n_components=2),
            "metric": "radial_cosine",
            "metric_params": {"beta": 0.5},
        }
        est = clone(est).set_params(**_full_params(est, params))
        namespace = {}
        exec(python_code(est), namespace)
        assert repr(namespace["model"].get_params()) == repr(est.get_params())


def test_plot_axis_starts_at_zero():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_cosim._cli.compare import _bar_figure

    results = {
        "candidate": np.array(["a", "b"], dtype=object),
        "mean_test_accuracy": np.array([0.9, 0.8]),
        "std_test_accuracy": np.array([0.01, 0.02]),
    }
    fig = _bar_figure(results, "t")
    assert fig.axes[0].get_xlim()[0] == 0.0
    plt.close(fig)
    loss = {
        "candidate": results["candidate"],
        "mean_test_neg_brier_score": np.array([-0.05, -0.2]),
        "std_test_neg_brier_score": np.array([0.01, 0.02]),
    }
    fig = _bar_figure(loss, "t")
    ax = fig.axes[0]
    assert ax.get_xlim()[0] == 0.0
    assert "lower is better" in ax.get_xlabel()
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([0.05, 0.2])  # the loss, positive
    plt.close(fig)
    corr = {
        "candidate": results["candidate"],
        "mean_test_spearman": np.array([0.5, -0.3]),
        "std_test_spearman": np.array([0.1, 0.1]),
    }
    fig = _bar_figure(corr, "t")
    assert fig.axes[0].get_xlim()[0] < -0.3  # negative scores stay visible
    plt.close(fig)
