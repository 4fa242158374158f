"""One machine-readable format for every benchmark's figures, collected by bench/run_all.py into one table.

Each figure is one stdout line `FIGURE {json}` with name, value, unit and, where the figure is compared with
something, the baseline value and what it is ("budget", "raw sqlite3 inserts", "minimal Flask app" ...).
The ratio is value / baseline. The human-readable output of the scripts stays as it is around these lines.
"""
from __future__ import annotations

import json

PREFIX = "FIGURE "


def figure(name: str, value: float, unit: str, *, baseline: float | None = None, baseline_label: str = "",
           digits: int = 1) -> None:
    """Print one figure line (value rounded to `digits`)."""
    record = {"name": name, "value": round(float(value), digits), "unit": unit}
    if baseline is not None:
        record.update(baseline=round(float(baseline), digits), baseline_label=baseline_label,
                      ratio=round(float(value) / float(baseline), 3) if baseline else None)
    print(PREFIX + json.dumps(record, ensure_ascii=False), flush=True)


def parse(output: str) -> list[dict]:
    """The figures printed in a script's output, in order."""
    figures = []
    for line in output.splitlines():
        if line.startswith(PREFIX):
            figures.append(json.loads(line[len(PREFIX):]))
    return figures


def add_smoke_flag(parser) -> None:
    """The --smoke flag every benchmark has: a few hundred rows, a few seconds, same code paths."""
    parser.add_argument("--smoke", action="store_true",
                        help="tiny size for `make test` (a few seconds): checks the script still runs, "
                             "its figures mean nothing")
