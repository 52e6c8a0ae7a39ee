import importlib.util
import os
import subprocess
import sys

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
