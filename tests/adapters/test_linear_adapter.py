import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import linalg, sparse, stats
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import make_pipeline

from sklearn_cosim.adapters import LinearAdapter
from sklearn_cosim.model_selection import PairedSimilarity, stack_pairs

CONTAINERS = [np.asarray, sparse.csr_array, sparse.csc_array]


def _unit(Z):
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    return np.divide(Z, norms, out=np.zeros_like(Z), where=norms > 0)


def make_quiet_classes(n=240, d=12, n_classes=4, seed=0):
    """Classes separated in low-variance directions under loud noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    scales = np.where(np.arange(d) < d // 2, 10.0, 1.0)
    X = rng.normal(size=(n, d)) * scales + 3.0
    X[:, d // 2 :] += 1.5 * rng.normal(size=(n_classes, d - d // 2))[y]
    return X, y


def make_pairs(n_pairs=300, d=8, seed=0):
    """Pairs whose judgement is the cosine in a few quiet directions."""
    rng = np.random.default_rng(seed)
    scales = np.where(np.arange(d) < d // 2, 5.0, 1.0)
    U = rng.normal(size=(n_pairs, d))
    V = 0.6 * U + rng.normal(size=(n_pairs, d))
    y = np.einsum("ij,ij->i", _unit(U[:, d // 2 :]), _unit(V[:, d // 2 :]))
    return stack_pairs(U * scales, V * scales), y


# -- reference formulas, written independently ------------------------------


def supcon_reference(Z, y, tau):
    S = _unit(Z) @ _unit(Z).T / tau
    losses = []
    for i in range(len(y)):
        others = [a for a in range(len(y)) if a != i]
        positives = [p for p in others if y[p] == y[i]]
        if positives:
            log_denominator = np.log(np.sum(np.exp(S[i, others])))
            losses.append(-np.mean([S[i, p] - log_denominator for p in positives]))
    return np.mean(losses)


def cosent_reference(s, y, tau):
    total = sum(
        np.exp((s[b] - s[a]) / tau)
        for a in range(len(y))
        for b in range(len(y))
        if y[a] > y[b]
    )
    return np.log1p(total)


def test_task_losses_match_references():
    from sklearn_cosim.adapters._linear import _cosent, _squared, _supcon

    rng = np.random.default_rng(0)
    Z = rng.normal(size=(25, 4))
    y = rng.integers(0, 4, 25)
    y[0] = 9  # an anchor without positives is skipped
    assert _supcon(_unit(Z), y, 0.3)[0] == pytest.approx(supcon_reference(Z, y, 0.3))
    s = np.tanh(rng.normal(size=30))
    g = rng.integers(0, 4, 30).astype(float)  # ties are neither above nor below
    assert _cosent(s, g, 0.05)[0] == pytest.approx(cosent_reference(s, g, 0.05))
    assert _squared(s, g / 3)[0] == pytest.approx(np.mean((s - g / 3) ** 2))


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("loss", ["supcon", "cosent", "squared"])
@pytest.mark.parametrize(
    "params",
    [
        {"init": "identity", "norm_penalty": 0.5},
        {
            "init": "whitening",
            "n_components": 3,
            "norm_penalty": 0.3,
            "norm_target": 2.0,
        },
        {"init": "pca", "n_components": 4},
    ],
)
def test_gradient_matches_finite_differences(container, loss, params):
    rng = np.random.default_rng(0)
    d = 6
    if loss == "supcon":
        X, y = rng.normal(size=(30, d)), rng.integers(0, 3, 30)
    else:
        X, y = rng.normal(size=(30, 2 * d)), rng.integers(0, 4, 30).astype(float)
    X[::7] = 0.0  # zero rows: zero vectors, zero gradient
    est = LinearAdapter(loss=loss, alpha=0.1, temperature=0.2, max_iter=0, **params)
    est.fit(container(X), y)
    target = est._check_targets(y)
    if loss == "squared":
        target = 2 * (target - target.min()) / np.ptp(target) - 1
    W0, mean = est.initial_components_, est.mean_
    W = W0 + 0.3 * rng.normal(size=W0.shape)
    Xf = sparse.csr_array(X) if container is not np.asarray else X
    _, grad = est._objective(W, W0, mean, Xf, target)
    eps = 1e-6
    for _ in range(3):
        E = rng.normal(size=W.shape)
        plus = est._objective(W + eps * E, W0, mean, Xf, target)[0]
        minus = est._objective(W - eps * E, W0, mean, Xf, target)[0]
        assert np.sum(grad * E) == pytest.approx((plus - minus) / (2 * eps), rel=1e-5)


def test_objective_is_the_documented_sum():
    X, y = make_quiet_classes(60, 6, 3)
    est = LinearAdapter(
        3, init="whitening", norm_penalty=0.7, alpha=0.2, temperature=0.5, max_iter=5
    ).fit(X, y)
    W, W0 = est.components_, est.initial_components_
    Z = (X - est.mean_) @ W.T
    expected = (
        supcon_reference(Z, y, 0.5)
        + 0.7 * np.var(np.log(np.linalg.norm(Z, axis=1)))
        + 0.2 * np.sum((W - W0) ** 2) / np.sum(W0**2)
    )
    assert est.loss_curve_[-1] == pytest.approx(expected, rel=1e-10)
    assert_allclose(est.transform(X), Z)
    # whitening start: unit variance along the kept directions
    Z0 = (X - est.mean_) @ W0.T
    assert_allclose(np.cov(Z0.T), np.eye(3), atol=1e-8)


@pytest.mark.parametrize("loss", ["supcon", "cosent", "squared"])
def test_loss_never_ends_above_start(loss):
    if loss == "supcon":
        X, y = make_quiet_classes(120, 8, 3)
    else:
        X, y = make_pairs(150, 6)
    est = LinearAdapter(loss=loss, alpha=0.1, max_iter=40).fit(X, y)
    assert est.loss_curve_[-1] <= est.loss_curve_[0]
    assert est.loss_curve_[-1] < 0.95 * est.loss_curve_[0]
    assert 1 <= est.n_iter_ == len(est.loss_curve_) - 1 <= 40
    assert est.effective_solver_ == "lbfgs"


def test_raises_cosine_knn_accuracy_to_at_least_nca():
    X, y = make_quiet_classes(400, 12, 4)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.5, random_state=0, stratify=y
    )

    def cosine_knn():
        return KNeighborsClassifier(5, metric="cosine", algorithm="brute")

    raw = cosine_knn().fit(X_tr, y_tr).score(X_te, y_te)
    nca_scores = [
        make_pipeline(NeighborhoodComponentsAnalysis(random_state=0), knn)
        .fit(X_tr, y_tr)
        .score(X_te, y_te)
        for knn in (KNeighborsClassifier(5), cosine_knn())
    ]
    adapted = make_pipeline(LinearAdapter(), cosine_knn()).fit(X_tr, y_tr)
    accuracy = adapted.score(X_te, y_te)
    assert raw < 0.5
    assert accuracy > raw + 0.35
    assert accuracy >= max(nca_scores)


def _within_class_covariance(X, y):
    """Pooled within-class covariance, written out class by class."""
    scatter = sum(
        (X[y == c] - X[y == c].mean(axis=0)).T @ (X[y == c] - X[y == c].mean(axis=0))
        for c in np.unique(y)
    )
    return scatter / (len(y) - len(np.unique(y)))


@pytest.mark.parametrize("n_components", [None, 3])
def test_lda_start_matches_generalised_eigenvectors(n_components):
    X, y = make_quiet_classes(120, 6, 4)
    est = LinearAdapter(n_components, init="lda", max_iter=0).fit(X, y)
    W0 = est.initial_components_
    Sw = _within_class_covariance(X, y)
    St = np.cov(X.T)
    assert_allclose(est.mean_, X.mean(axis=0))
    k = 6 if n_components is None else 3
    # unit variance within the classes along every direction of the start
    assert_allclose(W0 @ Sw @ W0.T, np.eye(k), atol=1e-8)
    if n_components is None:  # the symmetric Sw^(-1/2)
        assert_allclose(W0, W0.T, atol=1e-8)
        assert_allclose(W0 @ W0, np.linalg.inv(Sw), rtol=1e-6)
    else:  # Fisher's directions: St v = λ Sw v, largest λ first
        eigvals, eigvecs = linalg.eigh(St, Sw)
        top = eigvecs[:, ::-1][:, :3].T
        signs = np.sign(np.sum(top * W0, axis=1))
        assert_allclose(W0, signs[:, None] * top, rtol=1e-6, atol=1e-8)


def _leave_one_out_1nn(Z, y):
    """Share of samples whose nearest other sample by cosine has their label."""
    hits = 0
    for i in range(len(y)):
        cosines = [
            -np.inf
            if j == i
            else Z[i] @ Z[j] / np.linalg.norm(Z[i]) / np.linalg.norm(Z[j])
            for j in range(len(y))
        ]
        hits += y[int(np.argmax(cosines))] == y[i]
    return hits / len(y)


def test_auto_start_has_the_best_nearest_neighbours():
    quiet_X, quiet_y = make_quiet_classes(200, 8, 4)
    # classes along the loud directions, and faint noise that whitening the
    # classes would blow up to the loudness of the signal
    rng = np.random.default_rng(1)
    loud_y = np.arange(200) % 4
    loud_X = 0.01 * rng.normal(size=(200, 24))
    loud_X[:, :4] += rng.normal(size=(200, 4)) + 1.5 * rng.normal(size=(4, 4))[loud_y]
    cases = [
        (quiet_X, quiet_y, None, ("identity", "lda"), "lda"),
        (loud_X, loud_y, None, ("identity", "lda"), "identity"),
        (quiet_X, quiet_y, 3, ("pca", "lda"), "lda"),
    ]
    for X, y, k, candidates, expected in cases:
        auto = LinearAdapter(k, max_iter=0).fit(X, y)
        agreement = {}
        for init in candidates:
            start = LinearAdapter(k, init=init, max_iter=0).fit(X, y)
            agreement[init] = _leave_one_out_1nn(start.transform(X), y)
        assert auto.init_ == expected == max(agreement, key=agreement.get)
        assert agreement[expected] > min(agreement.values())
        assert_allclose(
            auto.initial_components_,
            LinearAdapter(k, init=expected, max_iter=0).fit(X, y).initial_components_,
        )
    pairs = LinearAdapter(loss="cosent", max_iter=0).fit(*make_pairs(40))
    assert pairs.init_ == "identity"


@pytest.mark.parametrize(
    "loss, n_components, make",
    [
        ("supcon", None, lambda: make_quiet_classes(90, 6, 3)),
        ("supcon", 2, lambda: make_quiet_classes(90, 6, 3)),
        ("cosent", None, lambda: make_pairs(50, 4)),
    ],
)
def test_auto_alpha_is_parameters_per_sample(loss, n_components, make):
    X, y = make()
    est = LinearAdapter(n_components, loss=loss, max_iter=3).fit(X, y)
    d = X.shape[1] // 2 if loss == "cosent" else X.shape[1]
    k = d if n_components is None else n_components
    assert est.alpha_ == pytest.approx(k * d / X.shape[0])
    # the decay in the reported objective uses it
    W, W0 = est.components_, est.initial_components_
    decay = est.alpha_ * np.sum((W - W0) ** 2) / np.sum(W0**2)
    fixed = LinearAdapter(n_components, loss=loss, alpha=0.0, max_iter=0)
    fixed.fit(X, y)
    target = fixed._check_targets(y)
    task = fixed._objective(W, W0, est.mean_, X, target)[0]
    assert est.loss_curve_[-1] == pytest.approx(task + decay, rel=1e-10)
    assert (
        LinearAdapter(alpha=0.25, max_iter=0).fit(*make_quiet_classes()).alpha_ == 0.25
    )


def test_lbfgs_evaluates_the_start_once():
    from sklearn_cosim.utils._optimize import _Progress, lbfgs

    x0 = np.array([3.0, -2.0])
    calls = []

    def fun(x):
        calls.append(x.copy())
        return float(np.sum((x - 1) ** 2)), 2 * (x - 1)

    x, curve, n_iter = lbfgs(
        fun, x0, max_iter=20, tol=1e-10, progress=_Progress("test", 0)
    )
    assert_allclose(x, [1.0, 1.0], atol=1e-6)
    assert curve[0] == 13.0 and n_iter >= 1
    assert sum(np.array_equal(c, x0) for c in calls) == 1


@pytest.mark.parametrize("norm_target", [None, 3.0])
def test_strong_norm_penalty_equalises_norms(norm_target):
    # unit-norm class signal plus a nuisance direction of varying size (as
    # when norms track frequency): the norm spread lives in one direction,
    # which a linear map can remove (it cannot undo a per-sample scale)
    rng = np.random.default_rng(0)
    y = np.arange(150) % 3
    signal = _unit(rng.normal(size=(3, 7))[y] + 0.3 * rng.normal(size=(150, 7)))
    X = np.hstack([signal, rng.uniform(0.0, 10.0, size=(150, 1))])

    def spread(est):
        norms = np.linalg.norm(est.transform(X), axis=1)
        return np.std(norms) / np.mean(norms), np.mean(norms)

    raw_cv = np.std(np.linalg.norm(X, axis=1)) / np.mean(np.linalg.norm(X, axis=1))
    # the identity start keeps the origin: centring would make the unit-norm
    # signal's norms differ by class, which no linear map undoes
    free = spread(LinearAdapter(alpha=0.1, max_iter=60, init="identity").fit(X, y))[0]
    strong = LinearAdapter(
        alpha=0.1,
        norm_penalty=100.0,
        norm_target=norm_target,
        max_iter=300,
        tol=1e-6,  # the penalty's optimum, not the default's early stop
        init="identity",
    )
    cv, mean_norm = spread(strong.fit(X, y))
    assert raw_cv > 0.5
    assert cv < 0.02 and cv < free / 3
    if norm_target is not None:
        assert mean_norm == pytest.approx(norm_target, rel=0.02)


@pytest.mark.parametrize("loss", ["supcon", "cosent"])
def test_float32_kept_and_close_to_float64(loss):
    X, y = make_quiet_classes(90, 6, 3) if loss == "supcon" else make_pairs(90, 4)
    est32 = LinearAdapter(loss=loss, max_iter=20).fit(X.astype(np.float32), y)
    est64 = LinearAdapter(loss=loss, max_iter=20).fit(X, y)
    Z32 = est32.transform(X.astype(np.float32))
    assert Z32.dtype == np.float32
    assert est64.transform(X).dtype == np.float64
    assert_allclose(Z32, est64.transform(X), rtol=1e-3, atol=1e-3 * np.abs(Z32).max())


def test_sparse_equals_dense():
    X, y = make_quiet_classes(90, 6, 3)
    X[X < 3] = 0.0
    params = {"n_components": 4, "init": "pca", "max_iter": 15}
    dense = LinearAdapter(**params).fit(X, y)
    for container in CONTAINERS[1:]:
        est = LinearAdapter(**params).fit(container(X), y)
        assert_allclose(est.components_, dense.components_, rtol=1e-6, atol=1e-9)
        assert_allclose(est.transform(container(X)), dense.transform(X), atol=1e-8)


def test_pairs_layout_and_grid_search_with_paired_similarity():
    X, y = make_pairs(400, 8)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, random_state=0)
    adapter = LinearAdapter(loss="cosent", n_components=5, init="pca").fit(X_tr, y_tr)
    out = adapter.transform(X_te)
    assert out.shape == (200, 10)
    W, mean = adapter.components_, adapter.mean_
    assert_allclose(out[:, :5], (X_te[:, :8] - mean) @ W.T)
    assert_allclose(out[:, 5:], (X_te[:, 8:] - mean) @ W.T)
    names = adapter.get_feature_names_out()
    assert names.shape == (10,) and names[0] == "linearadapter0"

    raw = PairedSimilarity().fit(X_tr).score(X_te, y_te)
    pipe = make_pipeline(LinearAdapter(loss="cosent"), PairedSimilarity())
    search = GridSearchCV(
        pipe,
        {"linearadapter__loss": ["cosent", "squared"], "linearadapter__alpha": [0.01]},
        cv=3,
    ).fit(X_tr, y_tr)
    held_out = search.score(X_te, y_te)
    cosines = np.einsum(
        "ij,ij->i",
        *np.split(_unit_halves(search.best_estimator_[0].transform(X_te)), 2, axis=1),
    )
    assert held_out == pytest.approx(stats.spearmanr(cosines, y_te)[0])
    assert held_out > raw + 0.15


def _unit_halves(Z):
    a, b = np.split(Z, 2, axis=1)
    return np.hstack([_unit(a), _unit(b)])


def test_binary_pair_judgements():
    X, y = make_pairs(300, 6)
    labels = (y > np.median(y)).astype(int)
    est = LinearAdapter(loss="cosent", max_iter=50).fit(X, labels)
    a, b = np.split(_unit_halves(est.transform(X)), 2, axis=1)
    s = np.einsum("ij,ij->i", a, b)
    a0, b0 = np.split(_unit_halves(X), 2, axis=1)
    s0 = np.einsum("ij,ij->i", a0, b0)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(labels, s) > roc_auc_score(labels, s0) + 0.05


def test_adam_minibatches():
    X, y = make_quiet_classes(400, 8, 4)
    est = LinearAdapter(
        solver="adam", batch_size=64, learning_rate_init=0.01, max_iter=30,
        random_state=0, init="identity",  # a poor start, for Adam to leave
    ).fit(X, y)  # fmt: skip
    assert est.effective_solver_ == "adam"
    assert est.loss_curve_[-1] < 0.8 * est.loss_curve_[0]
    again = LinearAdapter(
        solver="adam", batch_size=64, learning_rate_init=0.01, max_iter=30,
        random_state=0, init="identity",  # a poor start, for Adam to leave
    ).fit(X, y)  # fmt: skip
    assert_allclose(again.components_, est.components_)
    knn = KNeighborsClassifier(5, metric="cosine", algorithm="brute")
    raw = knn.fit(X, y).score(X, y)
    assert knn.fit(est.transform(X), y).score(est.transform(X), y) > raw + 0.15


def test_auto_solver_uses_minibatches_on_large_data():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(2100, 3)), rng.integers(0, 2, 2100)
    est = LinearAdapter(max_iter=1, batch_size=700, random_state=0).fit(X, y)
    assert est.effective_solver_ == "lbfgs+adam" and est.n_iter_ == 2
    assert len(est.loss_curve_) == 3


def test_stratified_subsample_keeps_every_class():
    from sklearn_cosim.adapters._linear import _stratified_subsample

    labels = np.repeat([0, 1, 2], [5000, 300, 3])
    sub = _stratified_subsample(labels, 2048, np.random.default_rng(0))
    counts = np.bincount(labels[sub])
    assert len(np.unique(sub)) == len(sub)
    assert abs(len(sub) - 2048) <= 3
    assert counts[2] == 2 and counts[0] == pytest.approx(2048 * 5000 / 5303, abs=1)


def test_set_output_pandas():
    pd = pytest.importorskip("pandas")
    X, y = make_quiet_classes(60, 6, 3)
    est = LinearAdapter(2, max_iter=3).set_output(transform="pandas")
    out = est.fit_transform(pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]), y)
    assert list(out.columns) == ["linearadapter0", "linearadapter1"]


def test_verbose(capsys):
    X, y = make_quiet_classes(60, 6, 3)
    LinearAdapter(max_iter=3, verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert "iteration 3" in err and "elapsed" in err


@pytest.mark.parametrize(
    "make, params, match",
    [
        (lambda X, y: (np.where(X > 5, np.nan, X), y), {}, "NaN"),
        (lambda X, y: (np.where(X > 5, np.inf, X), y), {}, "infinity"),
        (lambda X, y: (X, np.zeros_like(y)), {}, "one class"),
        (lambda X, y: (X, np.arange(len(y))), {}, "at least two samples"),
        (lambda X, y: (X[:, :5], y.astype(float)), {"loss": "cosent"}, "even"),
        (lambda X, y: (X, np.ones(len(y))), {"loss": "squared"}, "two different"),
        (lambda X, y: (X, y), {"temperature": -0.1}, "temperature"),
        (lambda X, y: (X, y), {"n_components": 7}, "n_components must be"),
        (lambda X, y: (X, y), {"n_components": True}, "n_components must be"),
        (lambda X, y: (X, y), {"n_components": 2, "init": "identity"}, "identity"),
        (lambda X, y: (X, None), {}, "requires y to be passed"),
        (lambda X, y: (X, y.astype(float)), {"loss": "cosent", "init": "lda"}, "lda"),
    ],
)
def test_bad_input(make, params, match):
    X, y = make(*make_quiet_classes(30, 6, 3))
    with pytest.raises(ValueError, match=match):
        LinearAdapter(**params).fit(X, y)


def test_inside_paired_similarity_points_to_the_pipeline():
    X, y = make_pairs(40, 4)
    with pytest.raises(ValueError, match="make_pipeline"):
        PairedSimilarity(preprocessor=LinearAdapter(loss="cosent")).fit(X, y)
