"""Named measures, and estimators that carry the measures they name.

The registry maps names to measure objects. It is a convenience of the
process that registered them: an estimator built with a registered name
keeps the measure object in its pickled state (:class:`CarriesMeasures`), so
clones sent to joblib workers, saved models and fresh interpreters resolve
the name without registering it again.
"""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn_cosim.metrics._base import SimilarityMeasure
from sklearn_cosim.metrics._measures import (
    AngularMeasure,
    CallableMeasure,
    CosineMeasure,
    DotMeasure,
    EuclideanMeasure,
    RadialCosineMeasure,
    ScaledCosineMeasure,
    SqEuclideanMeasure,
    WRDMeasure,
)
from sklearn_cosim.metrics._soft_cosine import SoftCosineMeasure

#: The built-in measures, with their default parameters.
BUILTIN_MEASURES = (
    CosineMeasure(),
    DotMeasure(),
    EuclideanMeasure(),
    SqEuclideanMeasure(),
    AngularMeasure(),
    SoftCosineMeasure(),
    ScaledCosineMeasure(),
    WRDMeasure(),
    RadialCosineMeasure(),
)

#: Registered measures by name.
REGISTRY = {measure.name: measure for measure in BUILTIN_MEASURES}
BUILTIN_NAMES = frozenset(REGISTRY)


def resolve(metric):
    """The measure object of a name, a measure or a callable (unbound params)."""
    if isinstance(metric, SimilarityMeasure):
        return metric
    if isinstance(metric, str):
        try:
            return REGISTRY[metric]
        except KeyError:
            names = ", ".join(sorted(REGISTRY))
            raise ValueError(
                f"metric={metric!r} is not a registered similarity. Use one of "
                f"{names}, a callable, or register it with register_similarity "
                "(in the process that uses it, or pass the measure object itself)."
            ) from None
    if callable(metric):
        return CallableMeasure(metric)
    raise ValueError(
        "metric must be a registered name, a SimilarityMeasure or a callable; "
        f"got {type(metric).__name__}."
    )


class CarriesMeasures:
    """Mixin: pickled estimators carry the registered measures their params name.

    A measure registered by name in one process is unknown in a joblib
    worker or a fresh interpreter. The pickled state of the estimator holds
    the measure objects of every registered (non built-in) name among its
    parameters; unpickling registers those not registered there yet.
    """

    def __getstate__(self):
        state = super().__getstate__()
        carried = {}
        for value in self.get_params(deep=True).values():
            if isinstance(value, str) and value not in BUILTIN_NAMES:
                measure = REGISTRY.get(value)
                if measure is not None:
                    carried[value] = measure
        if carried:
            state = dict(state)
            state["_carried_measures"] = carried
        return state

    def __setstate__(self, state):
        for name, measure in state.pop("_carried_measures", {}).items():
            REGISTRY.setdefault(name, measure)
        super().__setstate__(state)
