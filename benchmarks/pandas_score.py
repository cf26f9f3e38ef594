"""The obvious alternative to `predtrack score --by source`: pandas read_csv plus groupby.

Reads the CSV that benchmarks.generate.export_scored_csv writes (prediction, source,
probability, outcome: the same scored forecasts predtrack reads) and prints, per source, the
number of forecasts and the Brier score (0-1 scale), as a user would write it in a notebook.

    python benchmarks/pandas_score.py scored.csv > per-source.csv
"""

import sys

import pandas as pd


def main(path: str) -> None:
    forecasts = pd.read_csv(path)
    forecasts["brier"] = (forecasts["probability"] - forecasts["outcome"]) ** 2
    per_source = forecasts.groupby("source")["brier"].agg(["size", "mean"]).rename(columns={"size": "n", "mean": "brier"})
    per_source.sort_values("brier").to_csv(sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
