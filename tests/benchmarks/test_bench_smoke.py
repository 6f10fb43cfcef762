"""`./dev bench` on a tiny world: every contender runs and every figure is printed.

Structure only, never speed: the machine running the suite is not the benchmark machine.
Scenario 1 (all four contenders and the floor) and scenario 6 stand for the rest, which share
their code paths; `./dev bench --quick` runs all six in a few minutes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

CONTENDERS = ("ours (library)", "ours (CLI)", "dlt rest_api", "meibel SDK loop", "floor")
NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"


def test_the_benchmark_prints_every_contender_with_numbers(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--only",
            "1,6",
            "--output",
            str(output),
            "--workdir",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    printed = completed.stdout
    assert "Scenario 1:" in printed
    assert "Scenario 6:" in printed
    for contender in CONTENDERS:
        # requests, then wall seconds: numbers, not dashes, on the contender's own line.
        line = next(row for row in printed.splitlines() if row.startswith(f"│ {contender} "))
        assert re.search(rf"│\s+{NUMBER}\s+│", line), line
    assert re.search(r"(PASS|FAIL)\s+ours <= \d+ requests", printed)

    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["machine"]["cpus"] >= 1
    first, summaries = results["scenarios"]
    assert first["key"] == "1"
    rows = {row["contender"]: row for row in first["rows"]}
    assert set(rows) == set(CONTENDERS)
    for name in ("ours (library)", "ours (CLI)", "dlt rest_api", "meibel SDK loop"):
        row = rows[name]
        # Every contender finished (a failure or a timeout would be noted).
        assert "exit" not in row["note"], row
        assert "stopped" not in row["note"], row
        assert row["requests"] > 0
        assert row["wall_s"] > 0
        assert row["peak_mb"] > 0
        assert row["jobs"] > 0
    assert rows["floor"]["requests"] > 0
    assert first["ratios_vs_ours"]["dlt rest_api"]["time"] > 0
    assert all(target["passed"] is not None for target in first["targets"])
    assert summaries["key"] == "6"
    assert [t["passed"] for t in summaries["targets"]] != []
