"""scikit-learn's side of `npm run bench:automl` (bench/automl.ts writes the spec and the windows).

Usage: python bench/python/automl_bench.py SPEC.json   (then commands on stdin, see main)

For every window of the spec it reads the same bytes the TypeScript side reads, checks their
SHA-256, and runs scikit-learn's equivalent of tml's selection: for each candidate in turn, fit on
the oldest rows and predict the newest `holdoutFraction` of them; the best holdout score wins and
is refitted on the whole window (as tml refits its champion). The loop is timed with and without
that refit (perf_counter), never the interpreter's start-up or the imports.
It also measures the single-core references: OLS/ridge fit on 1,000×5 and prediction rows/s.
"""

import hashlib
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import sklearn
import threadpoolctl
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor


def lasso_alpha(x, y, ratio, l1_ratio):
    """tml gives the lasso's / elastic net's λ as a fraction of λmax, the smallest λ that zeroes every
    coefficient on standardised inputs: λmax = max|Xᵀ(y − ȳ)| / n / l1Ratio. Same objective as
    scikit-learn's Lasso / ElasticNet, so alpha = ratio · λmax."""
    z = StandardScaler().fit_transform(x)
    lambda_max = np.max(np.abs(z.T @ (y - y.mean()))) / len(y) / max(l1_ratio, 1e-3)
    return max(ratio * lambda_max, 1e-12)


def estimator(candidate, task, x_train, y_train):
    """scikit-learn's estimator for one of tml's candidates (algorithm + hyperparameters, see
    bench/automl/candidates.ts). Inputs are standardised first where it matters, as tml's model
    wrapper standardises every input, so penalties and distances mean the same on both sides."""
    name = candidate["algorithm"]
    h = candidate["hyperparameters"]
    n = len(y_train)
    jobs = candidate.get("jobs")  # joblib threads (forests, kNN); OpenMP/BLAS follow threadpool_limits
    classification = task == "classification"
    if name == "ols":
        return make_pipeline(StandardScaler(), LinearRegression())
    if name == "ridge":
        # tml minimises (1/n)·RSS + λ·|w|², scikit-learn RSS + α·|w|²: α = n·λ.
        return make_pipeline(StandardScaler(), Ridge(alpha=h.get("lambda", 0.01) * n))
    if name == "lasso":
        alpha = lasso_alpha(x_train, y_train, h.get("lambdaRatio", 1e-3), 1.0)
        return make_pipeline(StandardScaler(), Lasso(alpha=alpha, max_iter=10_000))
    if name == "elastic_net":
        l1 = h.get("l1Ratio", 0.5)
        alpha = lasso_alpha(x_train, y_train, h.get("lambdaRatio", 1e-3), l1)
        return make_pipeline(StandardScaler(), ElasticNet(alpha=alpha, l1_ratio=l1, max_iter=10_000))
    if name == "knn":
        cls = KNeighborsClassifier if classification else KNeighborsRegressor
        return make_pipeline(
            StandardScaler(), cls(n_neighbors=h.get("k", 5), weights=h.get("weights", "uniform"), n_jobs=jobs)
        )
    if name == "cart":
        cls = DecisionTreeClassifier if classification else DecisionTreeRegressor
        return cls(max_depth=h.get("maxDepth", 8), min_samples_leaf=h.get("minSamplesLeaf", 1), random_state=0)
    if name == "random_forest":
        cls = RandomForestClassifier if classification else RandomForestRegressor
        default_features = np.sqrt(x_train.shape[1]) / x_train.shape[1] if classification else 1.0
        return cls(
            n_estimators=h.get("trees", 50),
            max_depth=h.get("maxDepth"),  # tml's default 64 is "unlimited" in practice
            max_leaf_nodes=candidate["maxLeaves"],
            min_samples_leaf=h.get("minSamplesLeaf", 1),
            max_features=h.get("maxFeatures", default_features),
            bootstrap=h.get("bootstrap", True),
            n_jobs=jobs,
            random_state=h.get("seed", 0),
        )
    if name == "gbdt":
        # No row subsampling in HistGradientBoosting: tml's `subsample` has no equivalent here.
        cls = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
        return cls(
            max_iter=h.get("rounds", 100),
            learning_rate=h.get("learningRate", 0.1),
            max_depth=h.get("maxDepth", 5),
            max_leaf_nodes=candidate["maxLeaves"],
            min_samples_leaf=h.get("minSamplesLeaf", 5),
            l2_regularization=h.get("l2", 1.0),
            max_features=h.get("featureFraction", 1.0),
            max_bins=min(255, h.get("maxBins", 255)),
            early_stopping=False,
            random_state=h.get("seed", 0),
        )
    if name == "logistic":
        # tml minimises mean log-loss + (l2/2)·|w|²; scikit-learn C·Σ log-loss + ½|w|²: C = 1/(n·l2).
        return make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0 / (max(h.get("l2", 1e-3), 1e-8) * n), max_iter=1000)
        )
    raise ValueError(f"no scikit-learn equivalent for tml algorithm {name!r}")


def read_window(window):
    with open(window["file"], "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != window["sha256"]:
        raise SystemExit(f"{window['file']}: SHA-256 {digest} differs from the spec's {window['sha256']}")
    values = np.frombuffer(raw, dtype="<f8")
    rows, features = window["rows"], window["features"]
    x = values[: rows * features].reshape(rows, features)
    y = values[rows * features : rows * features + rows]
    return x, y, digest


def holdout_scores(task, model, x_holdout, y_holdout):
    if task == "classification":
        probability = model.predict_proba(x_holdout)[:, 1]
        clipped = np.clip(probability, 1e-15, 1 - 1e-15)
        return {
            "accuracy": float(np.mean((probability >= 0.5) == (y_holdout >= 0.5))),
            "logLoss": float(-np.mean(y_holdout * np.log(clipped) + (1 - y_holdout) * np.log(1 - clipped))),
        }
    prediction = model.predict(x_holdout)
    return {"rmse": float(np.sqrt(np.mean((prediction - y_holdout) ** 2)))}


def fit(task, candidate, x, y):
    model = estimator(candidate, task, x, y)
    return model.fit(x, y if task == "regression" else y.astype(np.int64))


def select(task, candidates, x, y, split):
    """scikit-learn's loop: fit on the oldest `split` rows + predict the newest per candidate, keep
    the best (lowest RMSE, highest accuracy), then refit that best candidate on the whole window, as
    tml's selection does with its champion: both sides then end with a model trained on every row.
    Returns the leaderboard, the best entry, the loop's wall time without the refit (the search) and
    with it, and the refit's own time, in ms."""
    x_train, y_train, x_holdout, y_holdout = x[:split], y[:split], x[split:], y[split:]
    leaderboard = []
    start = time.perf_counter()
    for candidate in candidates:
        t0 = time.perf_counter()
        model = fit(task, candidate, x_train, y_train)
        scores = holdout_scores(task, model, x_holdout, y_holdout)
        fit_ms = (time.perf_counter() - t0) * 1e3
        leaderboard.append({"id": candidate["id"], "fitMs": fit_ms, **scores})
    key = (lambda e: -e["accuracy"]) if task == "classification" else (lambda e: e["rmse"])
    best = min(leaderboard, key=key)
    searched = time.perf_counter()
    fit(task, next(c for c in candidates if c["id"] == best["id"]), x, y)
    done = time.perf_counter()
    return leaderboard, best, (searched - start) * 1e3, (done - start) * 1e3, (done - searched) * 1e3


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def micro(spec, windows):
    """Single-core references on the same bytes as tml's: OLS/ridge fit on the 1,000×5 linear
    window, prediction throughput of a linear model and of a 100-tree GBDT (fitted on the 20,000×5
    nonlinear window) over the rows of the prediction file."""
    m = spec["micro"]
    x, y, _ = read_window(windows[m["fitWindow"]])
    gx, gy, _ = read_window(windows[m["gbdtWindow"]])
    with open(m["predictFile"], "rb") as f:
        raw = f.read()
    xp = np.frombuffer(raw, dtype="<f8").reshape(-1, x.shape[1])
    rows = xp.shape[0]
    out = {}
    with threadpoolctl.threadpool_limits(1):
        for _ in range(50):
            LinearRegression().fit(x, y)
        out["olsFit1000x5Ms"] = median_ms(lambda: LinearRegression().fit(x, y), 500)
        out["ridgeFit1000x5Ms"] = median_ms(lambda: Ridge(alpha=1.0).fit(x, y), 500)
        linear = make_pipeline(StandardScaler(), Ridge(alpha=len(y))).fit(x, y)
        linear.predict(xp)
        out["linearPredictRowsPerS"] = rows / (median_ms(lambda: linear.predict(xp), 9) / 1e3)
        gbdt = HistGradientBoostingRegressor(
            max_iter=100,
            max_depth=5,
            max_leaf_nodes=32,
            learning_rate=0.1,
            min_samples_leaf=5,
            l2_regularization=1.0,
            early_stopping=False,
        ).fit(gx, gy)
        gbdt.predict(xp)
        out["gbdt100PredictRowsPerS"] = rows / (median_ms(lambda: gbdt.predict(xp), 5) / 1e3)
    return out


def blas_self_check():
    """numpy's BLAS against plain Python on small products and a solve: bench/automl.ts runs this
    script without OPENBLAS_CORETYPE (a faster kernel) only if the kernel it picks computes right."""
    rng = np.random.default_rng(7)
    for n in (5, 50, 120):
        a = rng.standard_normal((300, n))
        b = rng.standard_normal((n, 3))
        product = a @ b
        for i in range(0, 300, 37):
            for j in range(3):
                if abs(product[i, j] - sum(a[i, k] * b[k, j] for k in range(n))) > 1e-9:
                    return False
        gram = a.T @ a
        rhs = a.T @ np.ones(300)
        if not np.allclose(gram @ np.linalg.solve(gram, rhs), rhs, rtol=1e-9, atol=1e-9):
            return False
    return True


def run_window(spec, window, threads):
    """The window's selection loop, `repeats` times (after one untimed warm-up if asked), with
    scikit-learn's native threads (OpenMP, BLAS, joblib) at `threads`."""
    x, y, digest = read_window(window)
    split = window["rows"] - round(window["rows"] * spec["holdoutFraction"])
    task = window["task"]
    candidates = [{**c, "jobs": threads} for c in window["candidates"]]
    with threadpoolctl.threadpool_limits(threads):
        if window.get("warmup"):
            select(task, candidates, x, y, split)
        runs = [select(task, candidates, x, y, split) for _ in range(window["repeats"])]
    searches = [r[2] for r in runs]
    selects = [r[3] for r in runs]
    # The leaderboard reported is the one of the median run (with the refit).
    leaderboard, best, _, _, _ = runs[selects.index(statistics.median_low(selects))]
    return {
        "id": window["id"],
        "sha256": digest,
        "threads": threads,
        "searchMs": statistics.median(searches),
        "searchMsRuns": searches,
        "selectMs": statistics.median(selects),
        "selectMsRuns": selects,
        "refitBestMs": statistics.median([r[4] for r in runs]),
        "best": best,
        "leaderboard": leaderboard,
    }


def main():
    """A small command loop, so that bench/automl.ts can interleave the two sides window by window
    (both then see the same load on a shared machine): it answers one JSON line per command read on
    stdin — `window ID` or `micro` — after a first line describing the environment."""
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    if not blas_self_check():
        print("BLAS self-check failed: numpy's kernel computes wrong results here", file=sys.stderr)
        sys.exit(3)
    windows = {w["id"]: w for w in spec["windows"]}
    ready = {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "blas": [
            {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for info in threadpoolctl.threadpool_info()
        ],
        "blasSelfCheck": "passed",
        "cores": os.cpu_count(),
    }
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "window":
            window = windows[argument]
            # scikit-learn with its native threads on every core, and with one thread: on a busy
            # machine OpenMP's spinning threads can lose badly, so the faster of the two is the
            # reference (the most favourable to scikit-learn).
            result = {
                "parallel": run_window(spec, window, os.cpu_count() or 1),
                "single": run_window(spec, window, 1),
            }
        elif command == "micro":
            result = micro(spec, windows)
        else:
            result = {"error": f"unknown command {command!r}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
