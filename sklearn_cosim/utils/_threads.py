"""How many threads the library's own thread pools may use."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

_BLAS_CONTROLLER = None


def blas_threads():
    """Threads BLAS may use now (respects threadpoolctl and joblib workers)."""
    global _BLAS_CONTROLLER
    try:
        if _BLAS_CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER = ThreadpoolController()
        libs = _BLAS_CONTROLLER.select(user_api="blas").lib_controllers
        return max((lib.num_threads for lib in libs), default=1)
    except Exception:  # pragma: no cover - threadpoolctl ships with sklearn
        return os.cpu_count() or 1


def effective_n_jobs(n_jobs):
    """Worker threads for `n_jobs`.

    None means as many as BLAS may use now (all cores, unless limited by
    ``threadpoolctl`` or inside a joblib worker), -1 all cores, -2 all but
    one, and a positive value that many, at most the number of cores. 0 is
    refused with a ``ValueError``.
    """
    if n_jobs is None:
        return max(1, blas_threads())
    if n_jobs == 0:
        raise ValueError(
            "n_jobs=0 does not run anything; use n_jobs=None (all the threads "
            "BLAS may use), a positive count, or -1 for every core."
        )
    n_cpus = os.cpu_count() or 1
    if n_jobs < 0:
        return max(1, n_cpus + 1 + n_jobs)
    # more threads than cores only adds overhead
    return max(1, min(int(n_jobs), n_cpus))


def map_row_chunks(func, n_rows, min_rows=64):
    """``[func(rows) for rows in chunks]`` over row slices, on `blas_threads()` threads.

    For work whose heavy part releases the GIL (scipy sparse products). One
    chunk per thread (BLAS single-threaded in each, see :func:`map_batches`);
    a single chunk runs in the calling thread.
    """
    n_threads = max(1, min(blas_threads(), n_rows // max(min_rows, 1)))
    step = -(-n_rows // n_threads) if n_rows else 1
    chunks = [slice(s, min(s + step, n_rows)) for s in range(0, n_rows, step)]
    return map_batches(func, chunks, len(chunks))


def single_threaded_blas(n_workers):
    """Context limiting BLAS to one thread while `n_workers` > 1 threads run."""
    if n_workers <= 1:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with sklearn
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def map_batches(func, batches, n_workers):
    """``[func(b) for b in batches]`` on `n_workers` threads, BLAS single-threaded."""
    if n_workers <= 1 or len(batches) <= 1:
        return [func(b) for b in batches]
    with single_threaded_blas(n_workers), ThreadPoolExecutor(n_workers) as pool:
        return list(pool.map(func, batches))
