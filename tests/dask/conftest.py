"""Fixtures of the dask tests."""

import pytest


@pytest.fixture(scope="module")
def client():
    """An in-process client: 2 single-threaded workers (threads, no processes)."""
    distributed = pytest.importorskip("distributed")
    with distributed.Client(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as client:
        yield client
