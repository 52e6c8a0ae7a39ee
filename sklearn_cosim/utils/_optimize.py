"""Helpers for estimators trained through cosine similarities: row normalisation
with its gradient, an L-BFGS driver with progress and a loss curve, and Adam."""

# Authors: The sklearn_cosim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
import time

import numpy as np
from scipy.optimize import minimize


def normalize_rows(E):
    """Return ``(E_hat, norms)``: rows scaled to unit norm, zero rows kept zero."""
    norms = np.linalg.norm(E, axis=1)
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return E * inv[:, None], norms


def normalize_rows_backward(E_hat, norms, grad_hat):
    """Gradient with respect to ``E`` from the gradient with respect to ``E_hat``.

    ``∂L/∂e = (I - ê êᵀ) (∂L/∂ê) / ‖e‖``; zero rows get a zero gradient.
    """
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    radial = np.einsum("ij,ij->i", E_hat, grad_hat)
    return (grad_hat - radial[:, None] * E_hat) * inv[:, None]


class _Progress:
    """Prints ``iteration, loss, elapsed`` lines to stderr when `verbose`."""

    def __init__(self, name, verbose):
        self.name = name
        self.verbose = verbose
        self.start = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.start

    def __call__(self, message):
        if self.verbose:
            print(
                f"[{self.name}] {message} ({self.elapsed():.2f} s elapsed)",
                file=sys.stderr,
                flush=True,
            )


def lbfgs(fun, x0, *, max_iter, tol, progress, every=1):
    """Minimise ``fun(x) -> (loss, grad)`` with scipy's L-BFGS-B from `x0`.

    Stops after `max_iter` iterations or when the relative decrease of the loss
    in one iteration, or the largest gradient entry, is below `tol`. Returns
    ``(x, loss_curve, n_iter)``; ``loss_curve[0]`` is the loss at `x0`, and
    the returned `x` is never worse than `x0` (the best point seen is kept).
    """
    best = {"x": np.array(x0, dtype=np.float64), "f": None}
    x0 = best["x"].copy()
    start = fun(x0)
    f0 = float(start[0])

    def cached(x):  # scipy evaluates x0 first: reuse the value above
        return start if np.array_equal(x, x0) else fun(x)

    best["f"] = f0
    curve = [f0]
    progress(f"iteration 0, loss {f0:.6g}")

    def callback(intermediate_result):
        f = float(intermediate_result.fun)
        curve.append(f)
        if f <= best["f"]:
            best["x"], best["f"] = np.array(intermediate_result.x), f
        n = len(curve) - 1
        if n % every == 0 or n == max_iter:
            progress(f"iteration {n}, loss {f:.6g}")

    if max_iter > 0:
        minimize(
            cached,
            x0,
            jac=True,
            method="L-BFGS-B",
            callback=callback,
            options={
                "maxiter": max_iter,
                "ftol": tol,
                "gtol": tol,
                "maxfun": 20 * max_iter + 20,
            },
        )
    return best["x"], np.asarray(curve), len(curve) - 1


def adam_step(param, grad, state, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """One in-place Adam update (Kingma & Ba, 2015) of `param`."""
    state["t"] = state.get("t", 0) + 1
    m = state.setdefault("m", np.zeros_like(param))
    v = state.setdefault("v", np.zeros_like(param))
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** state["t"])
    v_hat = v / (1 - beta2 ** state["t"])
    param -= learning_rate * m_hat / (np.sqrt(v_hat) + eps)
