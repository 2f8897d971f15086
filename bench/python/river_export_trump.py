"""Exports River's bundled TrumpApproval data set to bench/data/trump-approval.csv, once.

The CSV ships inside the river wheel (no network); both sides of `npm run bench:solutions-accuracy`
read the exported file, so TML and River see the same rows in the same order. Columns: the five
polling agencies' ratings and the ordinal date (features), then FiveThirtyEight's rating (target),
values written with repr() so that each side parses the exact same doubles.
Usage: .venv/bin/python bench/python/river_export_trump.py
"""

from __future__ import annotations

import csv
import pathlib

from river import __version__ as river_version
from river import datasets

FEATURES = ["ordinal_date", "gallup", "ipsos", "morning_consult", "rasmussen", "you_gov"]
TARGET = "five_thirty_eight"


def main() -> None:
    out = pathlib.Path(__file__).resolve().parents[1] / "data" / "trump-approval.csv"
    rows = 0
    with out.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*FEATURES, TARGET])
        for x, y in datasets.TrumpApproval():
            writer.writerow([repr(float(x[name])) for name in FEATURES] + [repr(float(y))])
            rows += 1
    print(f"wrote {rows} rows to {out.name} from river {river_version}")


if __name__ == "__main__":
    main()
