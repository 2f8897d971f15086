"""FLAML's side of `npm run bench:automl` (bench/automl/flaml.ts drives it).

Usage: python bench/python/flaml_bench.py DATA_DIR   (then commands on stdin, see main)

The data sets are the ones that ship inside packages (scikit-learn's loaders and generators,
River's bundled files), so nothing is downloaded. `export` writes each as little-endian float64
(features row-major, then the target) into DATA_DIR with its SHA-256; the TypeScript side reads the
same bytes. Rows keep the package's order, which is taken as time order: the oldest 80% are the
training window, the newest 20% the holdout on both sides.

`lightgbm FILE ROWS FEATURES ROUNDS LEAVES BINS MIN_LEAF REPEATS` times LightGBM's training on one
thread (Dataset construction, i.e. binning, included, as tml's fit bins its window), for the
GBDT speed comparison of bench/automl/lightgbm.ts.

`family FILE ROWS FEATURES TASK ALGORITHM REPEATS HYPERPARAMETERS_JSON` times scikit-learn's
estimator for one of tml's configurations on one thread (bench/automl/families.ts).

`flaml ID BUDGET_S THREADS` runs FLAML's AutoML with that time budget and n_jobs on the training
window (its defaults otherwise: estimators, metric, its own validation split), then scores its
model on the holdout. Timed with perf_counter around `fit` only (FLAML's own refit on the whole
training window included, as tml's refit of its champion is).
"""

import hashlib
import json
import os
import sys
import time
import warnings

import numpy as np

SEED = 20_260_401
HOLDOUT = 0.2


def _binary(y, positive):
    return np.isin(y, positive).astype(np.float64)


def load(name):
    """(x, y, task, feature names) of one data set, rows in the package's order."""
    from sklearn import datasets as sk

    if name == "diabetes":
        d = sk.load_diabetes()
        return d.data, d.target, "regression", list(d.feature_names)
    if name == "friedman2":
        # Breiman (1996)'s setting: noise σ = 125 (signal/noise ≈ 3).
        x, y = sk.make_friedman2(n_samples=2_000, noise=125.0, random_state=SEED % 2**31)
        return x, y, "regression", [f"x{i + 1}" for i in range(x.shape[1])]
    if name == "friedman3":
        x, y = sk.make_friedman3(n_samples=2_000, noise=0.1, random_state=SEED % 2**31)
        return x, y, "regression", [f"x{i + 1}" for i in range(x.shape[1])]
    if name == "breast_cancer":
        d = sk.load_breast_cancer()
        return d.data, d.target.astype(np.float64), "classification", list(d.feature_names)
    if name == "wine":
        # Cultivar 2 against the other two (cultivar 1 alone is separable by one feature).
        d = sk.load_wine()
        return d.data, _binary(d.target, [1]), "classification", list(d.feature_names)
    if name == "digits":
        # Digits 5-9 against 0-4.
        d = sk.load_digits()
        return d.data, _binary(d.target, [5, 6, 7, 8, 9]), "classification", [f"p{i}" for i in range(64)]
    from river import datasets as rd

    if name == "trump_approval":
        return _river(rd.TrumpApproval(), "regression")
    if name == "phishing":
        return _river(rd.Phishing(), "classification")
    if name == "bananas":
        return _river(rd.Bananas(), "classification")
    raise ValueError(f"unknown data set {name}")


def _river(dataset, task):
    rows = list(dataset)
    names = list(rows[0][0].keys())
    x = np.array([[float(r[0][n]) for n in names] for r in rows])
    y = np.array([float(r[1]) for r in rows])
    return x, y, task, names


DATASETS = [
    "diabetes",
    "friedman2",
    "friedman3",
    "trump_approval",
    "breast_cancer",
    "wine",
    "digits",
    "phishing",
    "bananas",
]


def export(data_dir, names):
    os.makedirs(data_dir, exist_ok=True)
    out = []
    for name in names:
        x, y, task, features = load(name)
        x = np.ascontiguousarray(x, dtype="<f8")
        y = np.ascontiguousarray(y, dtype="<f8")
        data = x.tobytes() + y.tobytes()
        path = os.path.join(data_dir, f"{name}.f64")
        with open(path, "wb") as f:
            f.write(data)
        out.append(
            {
                "id": name,
                "rows": int(x.shape[0]),
                "features": int(x.shape[1]),
                "task": task,
                "featureNames": features,
                "file": path,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return out


def read(spec):
    with open(spec["file"], "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != spec["sha256"]:
        raise ValueError(f"{spec['file']}: SHA-256 changed")
    values = np.frombuffer(data, dtype="<f8")
    n, p = spec["rows"], spec["features"]
    return values[: n * p].reshape(n, p), values[n * p :]


def split(n):
    train = n - max(1, int(round(n * HOLDOUT)))
    return train


def run_flaml(spec, budget_s, threads):
    import threadpoolctl
    from flaml import AutoML

    x, y = read(spec)
    train = split(len(y))
    automl = AutoML()
    with threadpoolctl.threadpool_limits(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        automl.fit(
            x[:train],
            y[:train],
            task=spec["task"],
            time_budget=budget_s,
            n_jobs=threads,
            seed=SEED % 2**31,
            verbose=0,
        )
        fit_ms = (time.perf_counter() - started) * 1e3
        result = {"id": spec["id"], "budgetS": budget_s, "threads": threads, "wallMs": fit_ms}
        if spec["task"] == "classification":
            proba = automl.predict_proba(x[train:])[:, 1]
            eps = 1e-15
            p = np.clip(proba, eps, 1 - eps)
            yt = y[train:]
            result["error"] = float(np.mean((proba >= 0.5).astype(float) != yt))
            result["logLoss"] = float(-np.mean(yt * np.log(p) + (1 - yt) * np.log(1 - p)))
        else:
            pred = automl.predict(x[train:])
            result["error"] = float(np.sqrt(np.mean((pred - y[train:]) ** 2)))
    result["estimator"] = automl.best_estimator
    result["config"] = {k: (v if isinstance(v, (int, float, str, bool)) else str(v)) for k, v in (automl.best_config or {}).items()}
    return result


def time_lightgbm(path, rows, features, rounds, leaves, bins, min_leaf, repeats):
    """Median ms of lgb.train with tml's GBDT settings: leaf-wise, `leaves` leaves, no depth limit,
    `bins` bins, L2 1, no bagging or feature sampling, squared error, learning rate 0.1."""
    import lightgbm as lgb

    values = np.fromfile(path, dtype="<f8")
    x = values[: rows * features].reshape(rows, features)
    y = values[rows * features : rows * features + rows]
    params = {
        "objective": "regression",
        "num_leaves": leaves,
        "max_depth": -1,
        "max_bin": bins,
        "min_data_in_leaf": min_leaf,
        "min_sum_hessian_in_leaf": 1e-3,
        "lambda_l2": 1.0,
        "learning_rate": 0.1,
        "num_threads": 1,
        "verbosity": -1,
        "deterministic": True,
        "seed": 1,
    }
    times = []
    rmse = None
    for i in range(repeats + 1):
        started = time.perf_counter()
        booster = lgb.train(params, lgb.Dataset(x, y, params={"max_bin": bins, "verbosity": -1}), num_boost_round=rounds)
        elapsed = (time.perf_counter() - started) * 1e3
        if i > 0:  # the first run warms up
            times.append(elapsed)
        rmse = float(np.sqrt(np.mean((booster.predict(x, num_threads=1) - y) ** 2)))
    times.sort()
    return {"trainMs": times[len(times) // 2], "trainMsRuns": times, "trainRmse": rmse}


def sklearn_defaults(spec):
    """Holdout error of scikit-learn's estimators with their default settings (what a user picks
    without a search), each fitted on the training window: inputs standardised for the estimators
    that need it, as tml's models standardise theirs."""
    import threadpoolctl
    from sklearn import ensemble, linear_model, neighbors, svm, tree
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = read(spec)
    train = split(len(y))
    scaled = lambda estimator: make_pipeline(StandardScaler(), estimator)  # noqa: E731
    if spec["task"] == "classification":
        estimators = {
            "HistGradientBoostingClassifier": ensemble.HistGradientBoostingClassifier(random_state=0),
            "RandomForestClassifier": ensemble.RandomForestClassifier(random_state=0),
            "ExtraTreesClassifier": ensemble.ExtraTreesClassifier(random_state=0),
            "LogisticRegression": scaled(linear_model.LogisticRegression(max_iter=1000)),
            "KNeighborsClassifier": scaled(neighbors.KNeighborsClassifier()),
            "SVC": scaled(svm.SVC()),
            "DecisionTreeClassifier": tree.DecisionTreeClassifier(random_state=0),
        }
    else:
        estimators = {
            "HistGradientBoostingRegressor": ensemble.HistGradientBoostingRegressor(random_state=0),
            "RandomForestRegressor": ensemble.RandomForestRegressor(random_state=0),
            "ExtraTreesRegressor": ensemble.ExtraTreesRegressor(random_state=0),
            "Ridge": scaled(linear_model.Ridge()),
            "LinearRegression": linear_model.LinearRegression(),
            "KNeighborsRegressor": scaled(neighbors.KNeighborsRegressor()),
            "SVR": scaled(svm.SVR()),
            "DecisionTreeRegressor": tree.DecisionTreeRegressor(random_state=0),
        }
    out = {}
    with threadpoolctl.threadpool_limits(1):
        for name, estimator in estimators.items():
            estimator.fit(x[:train], y[:train])
            pred = estimator.predict(x[train:])
            if spec["task"] == "classification":
                out[name] = float(np.mean(pred != y[train:]))
            else:
                out[name] = float(np.sqrt(np.mean((pred - y[train:]) ** 2)))
    return {"id": spec["id"], "errors": out}


def time_family(path, rows, features, task, name, hyperparameters, repeats):
    """Median ms of one scikit-learn estimator's fit on the oldest 80% + prediction of the newest
    20%, one thread, the configuration converted from tml's (same objective and scale, as
    bench/python/automl_bench.py converts them)."""
    import threadpoolctl
    from sklearn import ensemble, tree
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF
    from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    values = np.fromfile(path, dtype="<f8")
    x = values[: rows * features].reshape(rows, features)
    y = values[rows * features : rows * features + rows]
    train = split(rows)
    h = hyperparameters
    classification = task == "classification"

    def make():
        if name == "ols":
            return make_pipeline(StandardScaler(), LinearRegression())
        if name == "ridge":  # tml: (1/n)·RSS + λ|w|²; scikit-learn: RSS + α|w|²
            return make_pipeline(StandardScaler(), Ridge(alpha=h["lambda"] * train))
        if name == "lasso":  # tml: λ = ratio · λmax on standardised inputs
            z = StandardScaler().fit_transform(x[:train])
            yt = y[:train]
            lambda_max = np.max(np.abs(z.T @ (yt - yt.mean()))) / train
            return make_pipeline(StandardScaler(), Lasso(alpha=h["lambdaRatio"] * lambda_max, max_iter=10_000))
        if name == "knn":
            cls = KNeighborsClassifier if classification else KNeighborsRegressor
            return make_pipeline(StandardScaler(), cls(n_neighbors=h["k"], weights=h["weights"], n_jobs=1))
        if name == "logistic":  # tml: mean log-loss + (l2/2)|w|²; scikit-learn: C·Σ log-loss + ½|w|²
            return make_pipeline(StandardScaler(), LogisticRegression(C=1 / (h["l2"] * train), max_iter=1000))
        if name == "gbdt":
            cls = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
            return cls(
                max_iter=h["rounds"],
                learning_rate=h["learningRate"],
                max_depth=h["maxDepth"],
                max_leaf_nodes=2 ** h["maxDepth"],
                min_samples_leaf=h["minSamplesLeaf"],
                l2_regularization=h["l2"],
                early_stopping=False,
                random_state=0,
            )
        if name == "elastic_net":  # tml: λ = ratio · λmax/l1Ratio on standardised inputs, as lasso
            z = StandardScaler().fit_transform(x[:train])
            yt = y[:train]
            lambda_max = np.max(np.abs(z.T @ (yt - yt.mean()))) / train / max(h["l1Ratio"], 1e-3)
            return make_pipeline(
                StandardScaler(),
                ElasticNet(alpha=h["lambdaRatio"] * lambda_max, l1_ratio=h["l1Ratio"], max_iter=10_000),
            )
        if name in ("random_forest", "extra_trees"):
            # tml's forests stop at ⌊(24,576 / trees + 1) / 2⌋ leaves per tree (model size): the same cap.
            kind = "RandomForest" if name == "random_forest" else "ExtraTrees"
            cls = getattr(ensemble, kind + ("Classifier" if classification else "Regressor"))
            return cls(
                n_estimators=h["trees"],
                min_samples_leaf=h["minSamplesLeaf"],
                max_features="sqrt" if classification else 1.0,
                max_leaf_nodes=max(2, (24_576 // h["trees"] + 1) // 2),
                n_jobs=1,
                random_state=0,
            )
        if name == "cart":
            cls = tree.DecisionTreeClassifier if classification else tree.DecisionTreeRegressor
            return cls(max_depth=h["maxDepth"], min_samples_leaf=h["minSamplesLeaf"], random_state=0)
        if name == "gp":  # fixed kernel, target standardised, inputs standardised, as tml's
            kernel = RBF(length_scale=h["lengthScale"], length_scale_bounds="fixed")
            gp = GaussianProcessRegressor(kernel=kernel, alpha=h["noise"], optimizer=None, normalize_y=True)
            return make_pipeline(StandardScaler(), gp)
        if name == "svm":  # the same C-SVC; tml's probability is a sigmoid of the decision value
            return make_pipeline(StandardScaler(), SVC(C=h["C"], gamma=h["gamma"]))
        raise ValueError(f"no scikit-learn estimator for {name}")

    def answer(model):
        if name == "svm":  # SVC's predict_proba needs probability=True: five more fits (Platt's CV)
            return model.decision_function
        return model.predict_proba if classification else model.predict

    times = []
    cpu = []
    with threadpoolctl.threadpool_limits(1):
        for i in range(repeats + 1):
            started = time.perf_counter()
            cpu_started = time.process_time()
            model = make().fit(x[:train], y[:train])
            answer(model)(x[train:])
            if i > 0:
                times.append((time.perf_counter() - started) * 1e3)
                cpu.append((time.process_time() - cpu_started) * 1e3)
    times.sort()
    # CPU time of the process (all its threads): on a loaded machine it leaves out the time spent
    # waiting for a core, which wall-clock time charges to whichever side was unlucky.
    return {"ms": times[len(times) // 2], "msRuns": times, "cpuMsRuns": cpu}


def main():
    """Answers one JSON line per command read on stdin, after a first line with the versions:
    `export NAME,NAME,...` and `flaml ID BUDGET_S THREADS`."""
    import flaml
    import lightgbm
    import sklearn

    data_dir = sys.argv[1]
    specs = {}
    print(
        json.dumps(
            {
                "flaml": flaml.__version__,
                "lightgbm": lightgbm.__version__,
                "sklearn": sklearn.__version__,
                "numpy": np.__version__,
                "python": sys.version.split()[0],
            }
        ),
        flush=True,
    )
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        try:
            if parts[0] == "export":
                names = DATASETS if len(parts) < 2 or parts[1] == "all" else parts[1].split(",")
                exported = export(data_dir, names)
                specs.update({s["id"]: s for s in exported})
                answer = {"datasets": exported}
            elif parts[0] == "lightgbm":
                answer = time_lightgbm(parts[1], *map(int, parts[2:9]))
            elif parts[0] == "family":
                path, rows, features, task, name, repeats, h = line.strip().split(" ", 7)[1:]
                answer = time_family(path, int(rows), int(features), task, name, json.loads(h), int(repeats))
            elif parts[0] == "defaults":
                answer = sklearn_defaults(specs[parts[1]])
            elif parts[0] == "flaml":
                answer = run_flaml(specs[parts[1]], float(parts[2]), int(parts[3]))
            else:
                answer = {"error": f"unknown command {parts[0]}"}
        except Exception as e:  # the driver reports it and stops
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
