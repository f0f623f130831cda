"""Plot automation per window of `civility replay --json` outputs as one SVG (server-side charts
of web/charts.py). Usage: python bench/replay_plot.py OUT.svg NAME=replay.json [NAME=replay.json ...]"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from civility.web.charts import line_chart


def main(out: str, runs: list[str]) -> None:
    series, labels = {}, []
    for arg in runs:
        name, path = arg.split("=", 1)
        windows = json.loads(Path(path).read_text())["windows"]
        series[name] = [w["automation"] for w in windows]
        if len(windows) > len(labels):
            labels = [str(w["end"]) for w in windows]
    for name, values in series.items():
        series[name] = values + [None] * (len(labels) - len(values))
    svg = line_chart("civility replay: automation per window of comments", labels, series, width=720, height=260)
    Path(out).write_text(str(svg) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
