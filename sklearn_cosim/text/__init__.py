"""Text in, similarity out: term similarities, soft cosine and sentence embeddings."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.text._levenshtein import levenshtein_similarity
from sklearn_cosim.text._sentence import SentenceEmbedder
from sklearn_cosim.text._term_similarity import (
    TermSimilarity,
    align_word_vectors,
    term_similarity_matrix,
)

__all__ = [
    "SentenceEmbedder",
    "TermSimilarity",
    "align_word_vectors",
    "levenshtein_similarity",
    "term_similarity_matrix",
]
