"""Exports scikit-learn's bundled diabetes and breast-cancer data sets to test/fixtures/ as CSV.

Run once (the CSV files are committed, so the tests need no Python):
    .venv/bin/python bench/python/export_fixtures.py
Rows keep scikit-learn's order; the tests treat that order as time, so the newest 20% (the holdout)
is the last 20% of each file. Numbers are written with Python's repr (shortest round-trip form), so
the bytes are the same on every run of the same scikit-learn version.
"""

import csv
import pathlib

import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures"


def write(name, feature_names, target_name, x, y, integer_target):
    path = FIXTURES / name
    with path.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow([*feature_names, target_name])
        for row, target in zip(x.tolist(), y.tolist()):
            out.writerow([*(repr(v) for v in row), int(target) if integer_target else repr(float(target))])
    print(f"{path.relative_to(FIXTURES.parents[1])}: {x.shape[0]} rows x {x.shape[1]} features")


def main():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    # scaled=False: the original measurements (age in years, BMI, ...), not scikit-learn's
    # centred and unit-norm copy; tml standardises inputs itself.
    diabetes = load_diabetes(scaled=False)
    write("diabetes.csv", diabetes.feature_names, "progression", diabetes.data, diabetes.target, False)
    # Target 1 = benign, 0 = malignant, as scikit-learn encodes it. Feature names lose their spaces.
    cancer = load_breast_cancer()
    names = [n.replace(" ", "_") for n in cancer.feature_names]
    write("breast-cancer.csv", names, "benign", cancer.data, cancer.target, True)
    print(f"exported with scikit-learn {sklearn.__version__}")


if __name__ == "__main__":
    main()
