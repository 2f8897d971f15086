"""The anchors of `npm run bench:conformal`: River's conformal regressor and MAPIE on the same rows.

Reads a JSON spec {"coverage": 0.9, "streams": [{"name", "csv", "first"}]} (CSV: feature columns,
then the target) and scores intervals from row `first` on (TML's first model) by progressive
validation — each row's interval is given before the row is learnt:
- River: `conf.RegressionJackknife` (absolute residuals of the newest 1,000 rows) around two
  River regressors, a scaled linear regression and an adaptive random forest (River's defaults);
- MAPIE: `SplitConformalRegressor` around scikit-learn's HistGradientBoostingRegressor: split
  conformal as MAPIE does it for a static model — fitted on the first 100 rows, conformalised on
  the next 100, then frozen (scored from row 200, or `first` if later).
Prints one JSON object on stdout: per stream and method, rows, coverage and mean width.
Usage: python conformal_anchors.py spec.json
"""

from __future__ import annotations

import csv
import json
import math
import sys

import mapie
import numpy as np
import river
from mapie.regression import SplitConformalRegressor
from river import conf, forest, linear_model, preprocessing
from sklearn.ensemble import HistGradientBoostingRegressor

SEED = 42
FIT_ROWS = 200


def read_stream(path: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [[float(v) for v in row] for row in reader]
    data = np.array(rows)
    return header[:-1], data[:, :-1], data[:, -1]


def score(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict[str, float]:
    finite = np.isfinite(lower) & np.isfinite(upper)
    covered = (y >= lower) & (y <= upper) & finite
    return {
        "rows": int(len(y)),
        "unbounded": int((~finite).sum()),
        "coverage": float(covered.mean()),
        "meanWidth": float((upper - lower)[finite].mean()),
    }


def river_jackknife(names, x, y, first, coverage, make) -> dict[str, float]:
    model = conf.RegressionJackknife(make(), confidence_level=coverage, window_size=1000)
    lower = np.full(len(y), math.nan)
    upper = np.full(len(y), math.nan)
    for r in range(len(y)):
        row = dict(zip(names, x[r]))
        if r >= first:
            interval = model.predict_one(row, with_interval=True)
            if interval is not None:
                lower[r], upper[r] = interval.lower, interval.upper
        model.learn_one(row, y[r])
    # Before any residual, River answers an infinite or empty interval: counted as unbounded.
    return score(y[first:], lower[first:], upper[first:])


def mapie_split(x, y, first, coverage) -> dict[str, float]:
    half = FIT_ROWS // 2
    model = SplitConformalRegressor(
        HistGradientBoostingRegressor(random_state=SEED), confidence_level=coverage, prefit=False
    )
    model.fit(x[:half], y[:half])
    model.conformalize(x[half:FIT_ROWS], y[half:FIT_ROWS])
    start = max(first, FIT_ROWS)
    _, intervals = model.predict_interval(x[start:])
    return score(y[start:], intervals[:, 0, 0], intervals[:, 1, 0])


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    coverage = spec["coverage"]
    results = []
    for stream in spec["streams"]:
        names, x, y = read_stream(stream["csv"])
        first = stream["first"]
        for label, make in [
            ("River RegressionJackknife(LinearRegression)", lambda: preprocessing.StandardScaler() | linear_model.LinearRegression()),
            ("River RegressionJackknife(ARFRegressor)", lambda: preprocessing.StandardScaler() | forest.ARFRegressor(seed=SEED)),
        ]:
            results.append({"stream": stream["name"], "method": label, **river_jackknife(names, x, y, first, coverage, make)})
        results.append(
            {"stream": stream["name"], "method": "MAPIE SplitConformalRegressor(HistGBR)", **mapie_split(x, y, first, coverage)}
        )
    print(json.dumps({"environment": {"river": river.__version__, "mapie": mapie.__version__}, "results": results}))


if __name__ == "__main__":
    main()
