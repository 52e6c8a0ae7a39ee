"""Single import point for scikit-learn's private validation helpers."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import TYPE_CHECKING

from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions

if TYPE_CHECKING:
    # scikit-learn ships no type information, so its decorators would turn
    # every decorated public function and ``fit`` into ``Any`` for static
    # checkers. Both return the function they wrap with its signature intact;
    # these declarations say so. At run time the real decorators are used.
    from collections.abc import Callable
    from typing import Any, TypeVar

    _F = TypeVar("_F", bound=Callable[..., Any])

    def validate_params(
        parameter_constraints: dict, *, prefer_skip_nested_validation: bool
    ) -> Callable[[_F], _F]: ...

    def _fit_context(*, prefer_skip_nested_validation: bool) -> Callable[[_F], _F]: ...

else:
    from sklearn.base import _fit_context
    from sklearn.utils._param_validation import validate_params

__all__ = ["Interval", "RealNotInt", "StrOptions", "_fit_context", "validate_params"]
