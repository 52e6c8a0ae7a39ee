"""Collection settings of the whole tree (doctests of the package included)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib.util

# sklearn_cosim.dask needs the dask extra: without it its doctests are not
# collected (its tests skip themselves with pytest.importorskip)
collect_ignore = (
    []
    if importlib.util.find_spec("dask") and importlib.util.find_spec("distributed")
    else ["sklearn_cosim/dask"]
)
