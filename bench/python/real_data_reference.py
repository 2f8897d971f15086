"""scikit-learn's holdout scores on the committed fixtures, quoted in test/automl/real-data.test.ts.

Usage: .venv/bin/python bench/python/real_data_reference.py
Same split as the test: the last 20% of each file's rows is the holdout (time order = file order).
Same candidate kinds as the AutoML benchmark (bench/automl/candidates.ts), through the same mapping.
"""

import csv
import pathlib

import numpy as np

from automl_bench import fit, holdout_scores

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures"


def c(algorithm, max_leaves=None, **hyperparameters):
    label = " ".join(f"{k}={v}" for k, v in hyperparameters.items())
    return {"id": f"{algorithm} {label}", "algorithm": algorithm, "hyperparameters": hyperparameters, "maxLeaves": max_leaves}


# tml's first candidates of each family on these windows (their algorithms' grids, seed 1).
CANDIDATES = {
    "regression": [
        c("ols"),
        *(c("ridge", **{"lambda": v}) for v in (0.01, 1, 0.1, 10, 0.001)),
        *(c("lasso", lambdaRatio=v) for v in (0.001, 0.01, 0.1)),
        *(c("knn", k=k, weights=w) for k, w in ((5, "uniform"), (10, "distance"), (20, "distance"))),
        c("cart", maxDepth=8, minSamplesLeaf=2),
        c("random_forest", max_leaves=246, trees=50, minSamplesLeaf=1),
        c("gbdt", max_leaves=32, rounds=100, learningRate=0.1, maxDepth=5, minSamplesLeaf=4, l2=1),
        c("gbdt", max_leaves=16, rounds=200, learningRate=0.05, maxDepth=4, minSamplesLeaf=4, l2=1),
    ],
    "classification": [
        *(c("logistic", l2=v) for v in (0.001, 0.01, 0.1, 1, 0.0001)),
        *(c("knn", k=k, weights=w) for k, w in ((5, "uniform"), (10, "distance"))),
        c("gbdt", max_leaves=32, rounds=100, learningRate=0.1, maxDepth=5, minSamplesLeaf=5, l2=1),
    ],
}


def load(name):
    with (FIXTURES / name).open() as f:
        rows = list(csv.reader(f))
    data = np.array(rows[1:], dtype=np.float64)
    return data[:, :-1], data[:, -1]


def main():
    for name, task in (("diabetes.csv", "regression"), ("breast-cancer.csv", "classification")):
        x, y = load(name)
        split = len(y) - round(len(y) * 0.2)
        xt, yt, xh, yh = x[:split], y[:split], x[split:], y[split:]
        if task == "regression":
            base = np.full_like(yh, yt.mean())
            print(f"{name}: holdout {len(yh)} rows; predicting the training mean: RMSE {np.sqrt(np.mean((base - yh) ** 2)):.2f}")
        else:
            majority = float(yt.mean() >= 0.5)
            print(f"{name}: holdout {len(yh)} rows; majority class: accuracy {np.mean(yh == majority):.4f}")
        for candidate in CANDIDATES[task]:
            model = fit(task, candidate, xt, yt)
            scores = holdout_scores(task, model, xh, yh)
            if task == "regression":
                p = model.predict(xh)
                rmse = scores["rmse"]
                r2 = 1 - np.sum((yh - p) ** 2) / np.sum((yh - yh.mean()) ** 2)
                mape = np.mean(np.abs((yh - p) / yh))
                print(f"  {candidate['id']:70s} RMSE {rmse:7.2f}  R² {r2:.3f}  MAPE {mape:.3f}")
            else:
                print(f"  {candidate['id']:70s} accuracy {scores['accuracy']:.4f}  log-loss {scores['logLoss']:.4f}")


if __name__ == "__main__":
    main()
