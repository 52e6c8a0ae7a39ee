"""Utilities shared by the subpackages (private helpers live in ``_`` modules)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

__all__: list[str] = []
