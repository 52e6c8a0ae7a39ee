"""Progress of long tile loops, printed to stderr (the ``verbose`` parameter)."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
import threading
import time


class Progress:
    """Counts finished blocks and prints elapsed time and an estimate left.

    Parameters
    ----------
    total : int
        Blocks to do.

    label : str
        What is being done (``"kneighbors of 100000 queries"``).

    verbose : int
        0 prints nothing; 1 prints at most every `interval` seconds and at
        the end; 2 or more prints every block.

    interval : float, default=2.0
        Seconds between lines at ``verbose=1``.
    """

    def __init__(self, total, label, verbose, interval=2.0, stream=None):
        self.total, self.label, self.verbose = total, label, int(verbose or 0)
        self.interval = interval
        self.stream = stream
        self.done = 0
        self.start = time.perf_counter()
        self.last = self.start
        self.lock = threading.Lock()

    def update(self, n=1):
        """Record `n` finished blocks; print a line when due."""
        if self.verbose <= 0:
            return
        with self.lock:
            self.done += n
            now = time.perf_counter()
            finished = self.done >= self.total
            if not finished and self.verbose < 2 and now - self.last < self.interval:
                return
            self.last = now
            elapsed = now - self.start
            if finished:
                line = f"[{self.label}] done: {self.total} blocks in {elapsed:.1f} s"
            else:
                left = elapsed * (self.total - self.done) / max(self.done, 1)
                line = (
                    f"[{self.label}] {self.done}/{self.total} blocks, "
                    f"{elapsed:.1f} s elapsed, about {left:.1f} s left"
                )
            print(line, file=self.stream or sys.stderr, flush=True)
