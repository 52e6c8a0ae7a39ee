import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize, sparse
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_cosim.decomposition import LinearAutoencoder

CONTAINERS = [np.asarray, sparse.csr_array, sparse.csc_array]
SOLVERS = ["full", "covariance_eigh", "arpack", "randomized"]


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    # binary user-item data with a few popular items and a low-rank signal
    logits = rng.standard_normal((60, 3)) @ rng.standard_normal((3, 12))
    return (rng.random((60, 12)) < 1 / (1 + np.exp(-logits))).astype(np.float64)


def objective(X, A, B, alpha, regularization):
    residual = X - X @ A @ B.T
    loss = np.sum(residual**2)
    if regularization == "product":
        return loss + alpha * np.sum((A @ B.T) ** 2)
    return loss + alpha * (np.sum((X @ A) ** 2) + np.sum(B**2))


def objective_and_gradient(params, X, k, alpha, regularization):
    p = X.shape[1]
    A, B = params[: p * k].reshape(p, k), params[p * k :].reshape(p, k)
    residual = X - X @ A @ B.T
    grad_M = -2 * X.T @ residual  # gradient of the loss w.r.t. M = A Bᵀ
    if regularization == "product":
        grad_M = grad_M + 2 * alpha * A @ B.T
        grad_A, grad_B = grad_M @ B, grad_M.T @ A
    else:
        grad_A = grad_M @ B + 2 * alpha * X.T @ X @ A
        grad_B = grad_M.T @ A + 2 * alpha * B
    value = objective(X, A, B, alpha, regularization)
    return value, np.concatenate([grad_A.ravel(), grad_B.ravel()])


def cosine(E, F=None):
    F = E if F is None else F

    def unit(M):
        n = np.linalg.norm(M, axis=1, keepdims=True)
        return np.divide(M, n, out=np.zeros_like(M), where=n > 0)

    return unit(E) @ unit(F).T


@pytest.mark.parametrize(
    "regularization, alpha", [("product", 5.0), ("product", 40.0), ("factors", 3.0)]
)
def test_closed_form_matches_numerical_optimiser(X, regularization, alpha):
    k = 4
    lae = LinearAutoencoder(
        k, alpha=alpha, regularization=regularization, svd_solver="full"
    ).fit(X)
    closed = objective(X, lae.encoder_, lae.decoder_, alpha, regularization)

    rng = np.random.default_rng(1)
    best = np.inf
    for _ in range(3):
        x0 = 0.3 * rng.standard_normal(2 * X.shape[1] * k)
        res = optimize.minimize(
            objective_and_gradient,
            x0,
            args=(X, k, alpha, regularization),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 20000, "gtol": 1e-12, "ftol": 1e-15},
        )
        best = min(best, res.fun)
    # the optimiser never beats the closed form, and reaches it
    assert best >= closed * (1 - 1e-9)
    assert abs(best - closed) <= 1e-6 * closed


def test_factors_thresholds_components(X):
    sigma = np.linalg.svd(X, compute_uv=False)
    alpha = (sigma[1] + sigma[2]) / 2  # between the 2nd and the 3rd
    lae = LinearAutoencoder(4, alpha=alpha, regularization="factors").fit(X)
    assert_allclose(lae.singular_values_, sigma[:4])
    assert np.all(lae.shrinkage_[2:] == 0)
    assert_allclose(lae.decoder_[:, 2:], 0)
    assert_allclose(lae.encoder_[:, 2:], 0)
    # P = X A = U_k sqrt((σ - λ)+)
    U, s, _ = np.linalg.svd(X, full_matrices=False)
    P = lae.transform(X)
    assert_allclose(np.abs(P), np.abs(U[:, :4] * np.sqrt(np.maximum(s[:4] - alpha, 0))))


def test_closed_forms_against_svd(X):
    alpha = 7.0
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    k = 5
    V = Vt[:k].T
    lae = LinearAutoencoder(k, alpha=alpha).fit(X)
    assert_allclose(lae.singular_values_, s[:k])
    product = V @ np.diag(1 / (1 + alpha / s[:k] ** 2)) @ V.T
    assert_allclose(lae.encoder_ @ lae.decoder_.T, product, atol=1e-12)
    assert_allclose(lae.shrinkage_, 1 / (1 + alpha / s[:k] ** 2))
    assert_allclose(np.abs(lae.components_), np.abs(Vt[:k]), atol=1e-10)


@pytest.mark.parametrize("d", ["sqrt_shrinkage", "inv_sqrt_shrinkage", "random"])
def test_rescaled_keeps_objective_changes_cosine(X, d):
    alpha = 10.0
    lae = LinearAutoencoder(5, alpha=alpha).fit(X)
    if d == "random":
        d = np.random.default_rng(0).uniform(0.2, 5.0, size=5)
    other = lae.rescaled(d)
    assert other is not lae
    assert_allclose(lae.rescaling_, 1.0)  # the original is untouched
    assert_allclose(
        objective(X, other.encoder_, other.decoder_, alpha, "product"),
        objective(X, lae.encoder_, lae.decoder_, alpha, "product"),
        rtol=1e-12,
    )
    assert_allclose(
        other.inverse_transform(other.transform(X)),
        lae.inverse_transform(lae.transform(X)),
        atol=1e-12,
    )
    # item-item and user-user cosines change
    assert np.max(np.abs(cosine(other.decoder_) - cosine(lae.decoder_))) > 0.05
    Z, Z_other = lae.transform(X), other.transform(X)
    assert np.max(np.abs(cosine(Z_other) - cosine(Z))) > 0.05
    # the original-space embeddings do not depend on D
    assert_allclose(
        other.item_embeddings(space="original"),
        lae.item_embeddings(space="original"),
        atol=1e-12,
    )
    assert_allclose(
        other.user_embeddings(X, space="original", normalize=True),
        lae.user_embeddings(X, space="original", normalize=True),
        atol=1e-12,
    )


def test_rescaled_replaces_rather_than_composes(X):
    lae = LinearAutoencoder(3, alpha=2.0).fit(X)
    d = np.array([2.0, 0.5, 3.0])
    twice = lae.rescaled(d).rescaled(d)
    assert_allclose(twice.encoder_, lae.rescaled(d).encoder_)
    back = lae.rescaled(d).rescaled("identity")
    assert_allclose(back.encoder_, lae.encoder_)
    assert_allclose(back.decoder_, lae.decoder_)


def test_named_rescalings_give_paper_factors(X):
    lae = LinearAutoencoder(4, alpha=9.0).fit(X)
    V, s, sigma = lae.components_.T, lae.shrinkage_, lae.singular_values_
    m = lae.rescaled("sqrt_shrinkage")
    assert_allclose(m.decoder_, V, atol=1e-12)
    assert_allclose(m.encoder_, V * s, atol=1e-12)
    m = lae.rescaled("inv_sqrt_shrinkage")
    assert_allclose(m.encoder_, V, atol=1e-12)
    assert_allclose(m.decoder_, V * s, atol=1e-12)
    m = lae.rescaled("inv_sqrt_singular_values")
    assert_allclose(m.decoder_, V * np.sqrt(s * sigma), atol=1e-12)
    assert_allclose(lae.rescaled("identity").decoder_, V * np.sqrt(s))


def test_factors_cosine_invariant_to_rotation(X):
    lae = LinearAutoencoder(4, alpha=2.0, regularization="factors").fit(X)
    A, B = lae.encoder_, lae.decoder_
    R = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))[0]
    assert_allclose(
        objective(X, A @ R, B @ R, 2.0, "factors"),
        objective(X, A, B, 2.0, "factors"),
        rtol=1e-12,
    )
    assert_allclose(cosine(B @ R), cosine(B), atol=1e-12)
    assert_allclose(cosine(X @ A @ R), cosine(X @ A), atol=1e-12)
    # a diagonal rescaling is *not* free for objective (2)
    D = np.diag([2.0, 0.5, 1.5, 0.7])
    assert objective(X, A @ D, B @ np.linalg.inv(D), 2.0, "factors") > objective(
        X, A, B, 2.0, "factors"
    )
    with pytest.raises(ValueError, match="unique up to a rotation"):
        lae.rescaled("identity")


def test_full_rank_sqrt_shrinkage_gives_identity_item_cosine(X):
    p = X.shape[1]
    lae = LinearAutoencoder(p, alpha=30.0).fit(X)
    m = lae.rescaled("sqrt_shrinkage")
    assert_allclose(cosine(m.decoder_), np.eye(p), atol=1e-10)
    # user-item cosine = Ω_A X Â B̂ᵀ with Ω_A normalising the rows of X Â D
    Z = m.transform(X)
    omega_A = np.diag(1 / np.linalg.norm(Z, axis=1))
    expected = omega_A @ X @ lae.encoder_ @ lae.decoder_.T
    assert_allclose(cosine(Z, m.decoder_), expected, atol=1e-10)


def test_user_item_cosine_formula_any_d(X):
    lae = LinearAutoencoder(4, alpha=5.0).fit(X)
    d = np.array([0.3, 2.0, 1.0, 4.0])
    m = lae.rescaled(d)
    Z, B = m.transform(X), m.decoder_
    omega_A = np.diag(1 / np.linalg.norm(Z, axis=1))
    omega_B = np.diag(1 / np.linalg.norm(B, axis=1))
    Ahat, Bhat, D = lae.encoder_, lae.decoder_, np.diag(d)
    assert_allclose(cosine(Z, B), omega_A @ X @ Ahat @ Bhat.T @ omega_B, atol=1e-10)
    assert_allclose(
        cosine(B), omega_B @ Bhat @ np.linalg.inv(D) ** 2 @ Bhat.T @ omega_B, atol=1e-10
    )
    assert_allclose(
        cosine(Z), omega_A @ X @ Ahat @ D**2 @ (X @ Ahat).T @ omega_A, atol=1e-10
    )


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("regularization", ["product", "factors"])
def test_solvers_and_containers_agree(X, container, solver, regularization):
    kwargs = {"alpha": 3.0, "regularization": regularization, "random_state": 0}
    ref = LinearAutoencoder(4, svd_solver="full", **kwargs).fit(X)
    lae = LinearAutoencoder(4, svd_solver=solver, iterated_power=20, **kwargs).fit(
        container(X)
    )
    assert_allclose(lae.singular_values_, ref.singular_values_, rtol=1e-7)
    assert_allclose(
        lae.encoder_ @ lae.decoder_.T, ref.encoder_ @ ref.decoder_.T, atol=1e-7
    )
    assert_allclose(cosine(lae.decoder_), cosine(ref.decoder_), atol=1e-6)
    assert_allclose(lae.transform(container(X)), ref.transform(X), atol=1e-7)


@pytest.mark.parametrize("weighting", ["ips", "standardize"])
@pytest.mark.parametrize("container", CONTAINERS)
def test_column_weighting_matches_explicit_preprocessing(X, weighting, container):
    X = X.copy()
    X[:, 3] = 0.0  # an item nobody consumed
    lae = LinearAutoencoder(4, alpha=2.0, column_weighting=weighting).fit(container(X))
    if weighting == "ips":
        pop = (X**2).sum(axis=0)
        w = np.divide(1, np.sqrt(pop), out=np.zeros(12), where=pop > 0)
        w *= np.linalg.norm(X) / np.linalg.norm(X * w)
        Xt = X * w
        assert_allclose(np.linalg.norm(Xt), np.linalg.norm(X))
    else:
        Xt = StandardScaler().fit_transform(X)
        w = 1 / StandardScaler().fit(X).scale_
    assert_allclose(lae.column_weights_, w)
    ref = LinearAutoencoder(4, alpha=2.0).fit(Xt)
    assert_allclose(cosine(lae.decoder_), cosine(ref.decoder_), atol=1e-8)
    assert_allclose(lae.transform(container(X)), ref.transform(Xt), atol=1e-8)
    assert_allclose(lae.decoder_[3], 0.0, atol=1e-12)
    # inverse_transform goes back to the raw space
    expected = ref.inverse_transform(ref.transform(Xt))
    expected = np.divide(expected, w, out=np.zeros_like(expected), where=w != 0)
    expected += lae.mean_
    assert_allclose(
        lae.inverse_transform(lae.transform(container(X))), expected, atol=1e-8
    )


def test_zero_columns_give_zero_embeddings(X):
    X = X.copy()
    X[:, [0, 5]] = 0.0
    for regularization in ["product", "factors"]:
        lae = LinearAutoencoder(4, alpha=1.0, regularization=regularization).fit(X)
        assert_allclose(lae.decoder_[[0, 5]], 0.0, atol=1e-12)
        assert_allclose(lae.encoder_[[0, 5]], 0.0, atol=1e-12)
        E = lae.item_embeddings(normalize=True)
        assert np.all(np.isfinite(E))
        assert_allclose(E[[0, 5]], 0.0, atol=1e-12)


def test_rank_deficient_components_are_zero():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2)) @ rng.standard_normal((2, 6))
    lae = LinearAutoencoder(5, alpha=0.0).fit(X)
    assert_allclose(lae.singular_values_[2:], 0.0)
    assert_allclose(lae.decoder_[:, 2:], 0.0)
    assert np.all(np.isfinite(lae.rescaled("inv_sqrt_singular_values").decoder_))
    # alpha=0, k >= rank: exact reconstruction
    assert_allclose(lae.inverse_transform(lae.transform(X)), X, atol=1e-10)


@pytest.mark.parametrize("container", CONTAINERS)
def test_float32_output_and_accuracy(X, container):
    lae64 = LinearAutoencoder(4, alpha=3.0).fit(X)
    lae32 = LinearAutoencoder(4, alpha=3.0).fit(container(X.astype(np.float32)))
    assert lae32.encoder_.dtype == np.float64  # fitted in float64
    Z = lae32.transform(container(X.astype(np.float32)))
    assert Z.dtype == np.float32
    assert lae32.inverse_transform(Z).dtype == np.float32
    assert_allclose(Z, lae64.transform(X), atol=1e-4)


def test_default_n_components_and_feature_names(X):
    lae = LinearAutoencoder().fit(X)
    assert lae.n_components_ == 12
    names = lae.get_feature_names_out()
    assert names[0] == "linearautoencoder0" and len(names) == 12


def test_score_and_grid_search(X):
    grid = GridSearchCV(
        make_pipeline(LinearAutoencoder(3)),
        {"linearautoencoder__alpha": [0.1, 1e4]},
        cv=3,
    ).fit(X)
    assert grid.best_params_["linearautoencoder__alpha"] == 0.1
    lae = LinearAutoencoder(3, alpha=0.1).fit(X)
    residual = X - lae.inverse_transform(lae.transform(X))
    assert_allclose(lae.score(X), -np.sum(residual**2) / X.shape[0])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"alpha": -1.0}, "alpha"),
        ({"n_components": 0}, "n_components"),
        ({"n_components": 13}, "n_components=13"),
        ({"regularization": "l1"}, "regularization"),
        ({"svd_solver": "lobpcg"}, "svd_solver"),
        ({"n_components": 12, "svd_solver": "arpack"}, "arpack"),
        ({"column_weighting": "tfidf"}, "column_weighting"),
    ],
)
def test_bad_parameters_raise(X, params, match):
    with pytest.raises(ValueError, match=match):
        LinearAutoencoder(**params).fit(X)


def test_non_finite_input_raises(X):
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LinearAutoencoder(2).fit(X)


@pytest.mark.parametrize(
    "d, match",
    [
        (np.array([1.0, 0.0, 1.0]), "nonzero"),
        (np.array([1.0, np.inf, 1.0]), "finite"),
        (np.ones(2), "shape"),
        ("unit_norm", "must be one of"),
    ],
)
def test_bad_rescaling_raises(X, d, match):
    lae = LinearAutoencoder(3).fit(X)
    with pytest.raises(ValueError, match=match):
        lae.rescaled(d)


def test_bad_space_and_inverse_shape_raise(X):
    lae = LinearAutoencoder(3).fit(X)
    with pytest.raises(ValueError, match="space"):
        lae.item_embeddings(space="items")
    with pytest.raises(ValueError, match="space"):
        lae.user_embeddings(X, space="items")
    with pytest.raises(ValueError, match="n_components_=3"):
        lae.inverse_transform(np.ones((2, 4)))


# --- loss="cosine" ----------------------------------------------------------


def _unit(E):
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)


def cosine_objective(Xt, A, B, s):
    """‖Xt - s N(Xt A) N(B)ᵀ‖²_F, written out densely."""
    return np.sum((Xt - s * _unit(Xt @ A) @ _unit(B).T) ** 2)


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("shift", [False, True])
def test_cosine_loss_gradient_matches_finite_differences(X, container, shift):
    from sklearn_cosim.decomposition._linear_autoencoder import (
        _cosine_loss,
        _ShiftedScaled,
    )

    rng = np.random.default_rng(1)
    p, k = X.shape[1], 4
    mean = X.mean(axis=0) if shift else np.zeros(p)
    weights = rng.uniform(0.5, 2.0, p)
    X[5] = 0.0  # a user with no interactions: zero row of X A
    op = _ShiftedScaled(container(X), mean, weights)
    Xt = (X - mean) * weights
    A, B, s = rng.normal(size=(p, k)), rng.normal(size=(p, k)), 1.7
    B[3] = 0.0  # an item with a zero embedding
    loss, gA, gB, gs = _cosine_loss(A, B, s, op, np.sum(Xt**2))[:4]
    assert loss == pytest.approx(cosine_objective(Xt, A, B, s), rel=1e-12)

    eps = 1e-6
    for _ in range(3):
        dA, dB, ds = rng.normal(size=A.shape), rng.normal(size=B.shape), 0.3
        B_dir = dB.copy()
        B_dir[3] = 0.0  # the zero row's gradient is defined as 0
        plus = cosine_objective(Xt, A + eps * dA, B + eps * B_dir, s + eps * ds)
        minus = cosine_objective(Xt, A - eps * dA, B - eps * B_dir, s - eps * ds)
        numeric = (plus - minus) / (2 * eps)
        analytic = np.sum(gA * dA) + np.sum(gB * B_dir) + gs * ds
        assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6)
    assert_allclose(gB[3], 0.0)


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize(
    "params",
    [
        {"alpha": 5.0},
        {"alpha": 0.5, "regularization": "factors"},
        {"alpha": 5.0, "column_weighting": "ips"},
        {"alpha": 5.0, "column_weighting": "standardize", "scale": 1.0},
    ],
)
def test_cosine_fit_never_above_closed_form(X, container, params):
    squared = LinearAutoencoder(4, **params).fit(X)
    model = LinearAutoencoder(4, loss="cosine", max_iter=30, **params).fit(container(X))
    Xt = (X - model.mean_) * model.column_weights_
    # the first entry of the curve is the closed form (with the optimal or
    # fixed scale), computed here from the squared model's factors
    w = model.column_weights_
    A0 = np.divide(squared.encoder_, w[:, None], out=np.zeros((12, 4)),
                   where=w[:, None] != 0)  # fmt: skip
    P, Q = _unit(Xt @ A0), _unit(squared.decoder_)
    if "scale" in params:
        s0 = params["scale"]
    else:
        s0 = np.sum(Xt * (P @ Q.T)) / np.sum((P @ Q.T) ** 2)
    assert model.loss_curve_[0] == pytest.approx(
        cosine_objective(Xt, A0, squared.decoder_, s0), rel=1e-10
    )
    # the fitted model is the last point, never above the start
    A = np.divide(model.encoder_, w[:, None], out=np.zeros((12, 4)),
                  where=w[:, None] != 0)  # fmt: skip
    final = cosine_objective(Xt, A, model.decoder_, model.scale_)
    assert final <= model.loss_curve_[0] + 1e-9
    assert final == pytest.approx(model.loss_curve_.min(), rel=1e-10)
    assert model.n_iter_ == len(model.loss_curve_) - 1 <= 30
    if "scale" in params:
        assert model.scale_ == params["scale"]
    # its reconstruction is s N(XA) N(B)ᵀ, in the raw space of X
    recon = model.inverse_transform(model.transform(X))
    expected = model.scale_ * _unit(Xt @ A) @ _unit(model.decoder_).T
    expected = np.divide(expected, w, out=np.zeros_like(expected), where=w != 0)
    assert_allclose(recon, expected + model.mean_, atol=1e-10)
    assert_allclose(np.linalg.norm(model.decoder_, axis=1)[w != 0], 1.0)


def test_cosine_fit_decreases_on_sparse_figure_data():
    from sklearn_cosim.datasets import make_clustered_interactions

    X, _, _ = make_clustered_interactions(800, 60, 3, random_state=0)
    model = LinearAutoencoder(8, alpha=200.0, loss="cosine", max_iter=50).fit(X)
    assert np.all(np.diff(model.loss_curve_) <= 1e-9 * model.loss_curve_[0])
    assert model.loss_curve_[-1] < 0.9 * model.loss_curve_[0]


def test_cosine_fit_fixes_the_cosines(X):
    """Its loss is invariant to the scale of A and of each row of B, which do
    not change a cosine, but not to the rescaling (A D, B D⁻¹) that leaves
    the squared objective (1) unchanged and changes the cosines."""
    model = LinearAutoencoder(3, alpha=2.0, loss="cosine", max_iter=3000).fit(X)
    A, B, s = model.encoder_, model.decoder_, model.scale_
    base = cosine_objective(X, A, B, s)
    rng = np.random.default_rng(0)
    r = rng.uniform(0.1, 10.0, size=(12, 1))
    assert cosine_objective(X, 3.7 * A, r * B, s) == pytest.approx(base, rel=1e-12)
    user_cos = _unit(X @ A) @ _unit(X @ A).T
    assert_allclose(_unit(X @ (3.7 * A)) @ _unit(X @ (3.7 * A)).T, user_cos)
    assert_allclose(_unit(r * B) @ _unit(r * B).T, _unit(B) @ _unit(B).T)
    for _ in range(20):
        d = np.exp(rng.uniform(-0.7, 0.7, size=3))
        assert cosine_objective(X, A * d, B / d, s) > base
    with pytest.raises(ValueError, match="does not apply to loss='cosine'"):
        model.rescaled("sqrt_shrinkage")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cosine_fit_dtype(X, dtype):
    model = LinearAutoencoder(4, alpha=5.0, loss="cosine", max_iter=10)
    Z = model.fit(X.astype(dtype)).transform(X.astype(dtype))
    assert Z.dtype == dtype
    assert model.inverse_transform(Z).dtype == dtype
    ref = LinearAutoencoder(4, alpha=5.0, loss="cosine", max_iter=10).fit(X)
    assert_allclose(model.decoder_, ref.decoder_, atol=1e-4)


def test_cosine_fit_max_iter_zero_is_the_closed_form(X):
    squared = LinearAutoencoder(4, alpha=5.0).fit(X)
    model = LinearAutoencoder(4, alpha=5.0, loss="cosine", max_iter=0).fit(X)
    assert model.n_iter_ == 0 and model.loss_curve_.shape == (1,)
    assert_allclose(_unit(model.decoder_), _unit(squared.decoder_))
    assert_allclose(model.encoder_, squared.encoder_)


def test_verbose_prints_progress(X, capsys):
    LinearAutoencoder(4, alpha=5.0, loss="cosine", max_iter=5, verbose=1).fit(X)
    err = capsys.readouterr().err
    assert "SVD" in err and "iteration 5" in err and "elapsed" in err
    LinearAutoencoder(4, alpha=5.0).fit(X)
    assert capsys.readouterr().err == ""


def test_boolean_n_components_raises(X):
    with pytest.raises(ValueError, match="n_components must be an int"):
        LinearAutoencoder(n_components=True).fit(X)


@parametrize_with_checks([LinearAutoencoder(loss="cosine", max_iter=5)])
def test_cosine_model_passes_common_checks(estimator, check):
    check(estimator)


def test_huge_entries_keep_the_closed_form():
    # s^2 / (s^2 + alpha) overflowed to inf / inf = NaN once s^2 left float64
    # (entries near 1e155); at that scale alpha is negligible: the fit equals
    # the unregularised fit of the same data scaled down by a power of two
    rng = np.random.default_rng(0)
    X0 = rng.normal(size=(30, 6))
    scale = 2.0**530  # about 3.5e159, exact
    huge = LinearAutoencoder(n_components=3, alpha=1.0).fit(X0 * scale)
    plain = LinearAutoencoder(n_components=3, alpha=0.0).fit(X0)
    assert_allclose(huge.shrinkage_, 1.0)
    assert_allclose(huge.transform(X0 * scale) / scale, plain.transform(X0), rtol=1e-10)


def test_cosine_loss_refuses_data_whose_squares_overflow():
    X = np.random.default_rng(0).normal(size=(30, 6)) * 1e160
    with pytest.raises(ValueError, match="Divide X by a constant"):
        LinearAutoencoder(n_components=2, loss="cosine").fit(X)
