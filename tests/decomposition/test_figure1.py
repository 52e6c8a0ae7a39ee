import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_cosim._cli import main
from sklearn_cosim.decomposition import steck_figure1

SMALL = {
    "n_users": 1500,
    "n_items": 60,
    "n_clusters": 3,
    "n_components": 8,
    "alpha_product": 200.0,
    "alpha_factors": 5.0,
    "random_state": 0,
}


def test_steck_figure1_panels():
    result = steck_figure1(**SMALL)
    assert len(result.similarities) == 6 == len(result.titles) == len(result.scores)
    labels = result.item_labels[result.order]
    assert np.all(np.diff(labels) >= 0)  # sorted by cluster
    pop = result.item_popularity[result.order]
    for c in np.unique(labels):
        assert np.all(np.diff(pop[labels == c]) <= 0)  # then by popularity
    assert result.scores[0] == 1.0
    assert np.all((result.scores[1:] > 0.5) & (result.scores[1:] <= 1.0))
    for S in result.similarities[1:]:
        assert_allclose(S, S.T, atol=1e-12)
        assert np.all(np.abs(S) <= 1 + 1e-12)
    # the three rescalings of objective (1) give different cosine matrices
    S1, S2, S3 = result.similarities[1:4]
    assert np.abs(S1 - S2).max() > 0.1 and np.abs(S2 - S3).max() > 0.1


def test_steck_figure1_cosine_panel():
    from sklearn.metrics import roc_auc_score

    from sklearn_cosim.datasets import make_clustered_interactions
    from sklearn_cosim.decomposition import LinearAutoencoder

    result = steck_figure1(**SMALL, cosine_max_iter=20)
    assert "cosine" in result.titles[-1]
    # the panel is the item cosine matrix of the cosine-trained model
    X, labels, _ = make_clustered_interactions(
        SMALL["n_users"], SMALL["n_items"], SMALL["n_clusters"], random_state=0
    )
    model = LinearAutoencoder(
        SMALL["n_components"], alpha=SMALL["alpha_product"], loss="cosine", max_iter=20
    ).fit(X)
    B = model.decoder_[result.order]
    B = B / np.linalg.norm(B, axis=1, keepdims=True)
    assert_allclose(result.similarities[-1], B @ B.T, atol=1e-10)
    rows, cols = np.triu_indices(len(labels), k=1)
    sorted_labels = labels[result.order]
    auc = roc_auc_score(
        sorted_labels[rows] == sorted_labels[cols], (B @ B.T)[rows, cols]
    )
    assert result.scores[-1] == pytest.approx(auc)
    # and it can be left out
    assert len(steck_figure1(**SMALL, cosine_max_iter=None).scores) == 5


def test_steck_figure1_bad_input():
    with pytest.raises(ValueError, match="rescalings"):
        steck_figure1(**{**SMALL, "rescalings": ["identity", "nope"]})
    with pytest.raises(ValueError, match="n_components"):
        steck_figure1(**{**SMALL, "n_components": 61})


def test_plot_steck_figure1():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from sklearn_cosim.decomposition import plot_steck_figure1

    result = steck_figure1(**{**SMALL, "n_users": 300})
    fig = plot_steck_figure1(result)
    assert len(fig.axes) == 7  # six panels and the colour bar
    with pytest.raises(ValueError, match="axes"):
        plot_steck_figure1(result, axes=fig.axes[:2])
    with pytest.raises(ValueError, match="result must be the Bunch returned by"):
        plot_steck_figure1(None)


def test_cli_figure1_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    output = tmp_path / "fig1.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sklearn_cosim",
            "figure1",
            "--output",
            str(output),
            "--n-users",
            "500",
            "--n-items",
            "40",
            "--n-clusters",
            "3",
            "--n-components",
            "5",
            "--alpha-product",
            "50",
            "--alpha-factors",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = [line for line in proc.stdout.splitlines() if "\t" in line]
    scores = [float(line.rsplit("\t", 1)[1]) for line in lines[1:]]
    assert len(scores) == 6 and scores[0] == 1.0


def test_cli_figure1_bad_arguments(capsys):
    assert main(["figure1", "--n-items", "10", "--n-components", "20"]) == 2
    assert "n-components" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["figure1", "--n-users", "0"])
    assert exc.value.code == 2
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_cosim", "figure1", "--alpha-product", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "alpha-product" in proc.stderr
