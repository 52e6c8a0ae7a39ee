"""Sentence embeddings from sentence-transformers as a scikit-learn transformer."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from sklearn_cosim.utils._param_validation import Interval, _fit_context
from sklearn_cosim.utils._typing import ArrayLike

__all__ = ["SentenceEmbedder"]


def _import_sentence_transformers():
    try:
        import sentence_transformers
    except ImportError as exc:
        raise ImportError(
            "SentenceEmbedder needs the optional dependency sentence-transformers; "
            "install it with `pip install sklearn_cosim[text]` (or `pip install "
            "sentence-transformers`)."
        ) from exc
    return sentence_transformers


def _as_texts(X):
    """A list of str from a 1-d array-like of strings (or a single column)."""
    if isinstance(X, str):
        raise ValueError(
            "X must be an iterable of strings (one document per item), got a "
            "single string; wrap it in a list."
        )
    if hasattr(X, "ndim") and X.ndim == 2:
        if X.shape[1] != 1:
            raise ValueError(
                f"X must be 1-d (one string per sample), got shape {X.shape}."
            )
        X = X.iloc[:, 0] if hasattr(X, "iloc") else np.asarray(X)[:, 0]
    texts = list(X)
    bad = [t for t in texts if not isinstance(t, str)]
    if bad:
        raise ValueError(
            f"X must contain strings only, found {type(bad[0]).__name__} ({bad[0]!r})."
        )
    return texts


class SentenceEmbedder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Embed texts with a sentence-transformers model.

    A transformer from strings to dense embeddings, so that text ->
    embeddings -> post-processing -> search is one
    :class:`~sklearn.pipeline.Pipeline`. By default the embeddings are left
    unnormalised: their norms carry information (frequency, confidence)
    that cosine-based steps downstream may use or discard.

    Needs the optional dependency ``sentence-transformers`` (extra
    ``text``); it is imported when the model is loaded, in :meth:`fit`.

    Read more in the :ref:`User Guide <text>`.

    Parameters
    ----------
    model_name_or_path : str, default="sentence-transformers/all-MiniLM-L6-v2"
        Model name on the Hugging Face hub or path to a local model folder.
        Set ``HF_HUB_OFFLINE=1`` to forbid downloads.

    batch_size : int, default=32
        Texts encoded per forward pass.

    normalize : bool, default=False
        Return unit-norm embeddings. When False, a final ``Normalize`` layer
        that the model ships with (as ``all-MiniLM-L6-v2`` does) is removed,
        so that the norms of the pooled embeddings -- information cosine
        would throw away -- are kept.

    device : str, default=None
        Torch device (``"cpu"``, ``"cuda"``, ...); None lets
        sentence-transformers choose.

    show_progress_bar : bool, default=False
        Show a progress bar while encoding.

    Attributes
    ----------
    model_ : sentence_transformers.SentenceTransformer
        The loaded model.

    n_features_out_ : int
        Dimension of the embeddings.

    See Also
    --------
    TermSimilarity : Soft cosine over bag-of-words documents instead.

    Notes
    -----
    The model is loaded in :meth:`fit` (no learning happens); the input is
    a 1-d sequence of strings (or a single-column 2-d container).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_cosim.neighbors import SimilarityNeighbors
    >>> from sklearn_cosim.text import SentenceEmbedder
    >>> embedder = SentenceEmbedder("sentence-transformers/all-MiniLM-L6-v2")
    >>> embedder
    SentenceEmbedder()
    >>> docs = ["A cat sits on the mat.", "Stocks fell sharply.", "A kitten naps."]
    >>> pipe = make_pipeline(embedder, SimilarityNeighbors(n_neighbors=1))
    >>> pipe.fit(docs)  # doctest: +SKIP
    >>> pipe[-1].kneighbors(embedder.transform(["A sleeping cat."]))  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        "model_name_or_path": [str],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "normalize": ["boolean"],
        "device": [str, None],
        "show_progress_bar": ["boolean"],
    }

    def __init__(
        self,
        model_name_or_path: str = "sentence-transformers/all-MiniLM-L6-v2",
        *,
        batch_size: int = 32,
        normalize: bool = False,
        device: str | None = None,
        show_progress_bar: bool = False,
    ) -> None:
        self.model_name_or_path = model_name_or_path
        self.batch_size = batch_size
        self.normalize = normalize
        self.device = device
        self.show_progress_bar = show_progress_bar

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: ArrayLike | None = None, y: ArrayLike | None = None
    ) -> "SentenceEmbedder":
        """Load the model.

        Parameters
        ----------
        X : array-like of str of shape (n_samples,), default=None
            Ignored (checked to be strings when given).

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if X is not None:
            _as_texts(X)
        st = _import_sentence_transformers()
        model = st.SentenceTransformer(self.model_name_or_path, device=self.device)
        modules = list(model)
        if not self.normalize and modules and type(modules[-1]).__name__ == "Normalize":
            model = st.SentenceTransformer(modules=modules[:-1], device=self.device)
        self.model_ = model
        getter = getattr(self.model_, "get_embedding_dimension", None) or getattr(
            self.model_, "get_sentence_embedding_dimension"
        )
        self.n_features_out_ = int(getter())
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Embed the texts.

        Parameters
        ----------
        X : array-like of str of shape (n_samples,)
            Texts.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, `n_features_out_`)
            Embeddings in float32, unit-norm only if `normalize` is True.
        """
        check_is_fitted(self)
        texts = _as_texts(X)
        if not texts:
            return np.empty((0, self.n_features_out_), dtype=np.float32)
        emb = self.model_.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress_bar,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
        )
        return np.asarray(emb, dtype=np.float32)

    @property
    def _n_features_out(self):
        return self.n_features_out_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags
