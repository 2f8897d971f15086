"""scikit-learn's answers for the AutoML engine's unit tests (test/automl/sklearn-reference.test.ts).

Argument: a JSON file {"logistic": [{"x", "rows", "features", "y", "l2"}...],
"neighbours": [{"train", "rows", "queries", "queryRows", "features", "k"}...]} with row-major
float lists. Prints one JSON line: for each logistic case the coefficients and intercept of
LogisticRegression minimising mean log-loss + (l2/2)|w|² (C = 1/(l2·rows), intercept unpenalised,
Newton-Cholesky to a tight tolerance); for each neighbours case the indices and squared distances of
NearestNeighbors(algorithm="brute") — numpy's exact squared distances, not the BLAS expansion; for
each "extraTrees" case {"task", "features", "train": {"x", "y"}, "test": {"x", "y"}, "seeds"} the
holdout error (RMSE, or the share misclassified) of ExtraTrees with 50 trees, averaged over the seeds;
for each "svm" case {"x", "rows", "features", "y" (±1), "c", "gamma"} the decision values of SVC
(RBF kernel, tolerance 1e-6: libsvm's solver) on its training rows and its number of support vectors.
"""
import json
import sys

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import SVC

with open(sys.argv[1]) as f:
    cases = json.load(f)

logistic = []
for case in cases.get("logistic", []):
    x = np.array(case["x"], dtype=np.float64).reshape(case["rows"], case["features"])
    y = np.array(case["y"], dtype=np.float64)
    model = LogisticRegression(
        C=1 / (case["l2"] * case["rows"]), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(x, y)
    logistic.append({"coefficients": model.coef_[0].tolist(), "intercept": float(model.intercept_[0])})

neighbours = []
for case in cases.get("neighbours", []):
    train = np.array(case["train"], dtype=np.float64).reshape(case["rows"], case["features"])
    queries = np.array(case["queries"], dtype=np.float64).reshape(case["queryRows"], case["features"])
    index = NearestNeighbors(n_neighbors=case["k"], algorithm="brute").fit(train)
    _, found = index.kneighbors(queries)
    # Squared distances summed exactly per pair (the kneighbors distances use the ‖a‖²+‖b‖²−2a·b
    # expansion, which rounds differently); the test compares its own against these.
    exact = [[float(np.sum((queries[q] - train[i]) ** 2)) for i in row] for q, row in enumerate(found)]
    neighbours.append({"index": found.tolist(), "distance": exact})

extra_trees = []
for case in cases.get("extraTrees", []):
    p = case["features"]
    train_x = np.array(case["train"]["x"], dtype=np.float64).reshape(-1, p)
    test_x = np.array(case["test"]["x"], dtype=np.float64).reshape(-1, p)
    train_y = np.array(case["train"]["y"], dtype=np.float64)
    test_y = np.array(case["test"]["y"], dtype=np.float64)
    errors = []
    for seed in case["seeds"]:
        if case["task"] == "regression":
            model = ExtraTreesRegressor(n_estimators=50, random_state=seed).fit(train_x, train_y)
            errors.append(float(np.sqrt(np.mean((model.predict(test_x) - test_y) ** 2))))
        else:
            model = ExtraTreesClassifier(n_estimators=50, random_state=seed).fit(train_x, train_y)
            errors.append(float(np.mean(model.predict(test_x) != test_y)))
    extra_trees.append(float(np.mean(errors)))

svm = []
for case in cases.get("svm", []):
    x = np.array(case["x"], dtype=np.float64).reshape(case["rows"], case["features"])
    y = np.array(case["y"], dtype=np.float64)
    model = SVC(C=case["c"], gamma=case["gamma"], tol=1e-6).fit(x, y)
    # decision_function is positive for classes_[1] (= +1), as tml's decision value.
    svm.append({"decision": model.decision_function(x).tolist(), "supportVectors": int(model.n_support_.sum())})

print(json.dumps({"logistic": logistic, "neighbours": neighbours, "extraTrees": extra_trees, "svm": svm}))
