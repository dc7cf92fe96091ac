"""Memory after huge Prometheus answers: RSS of a process that receives five 20 MB answers, with
the client's size limit (8 MiB, the default) and with the limit lifted (1 GiB: every answer read
and parsed, as before the limit existed). Each case runs in a fresh process; figures are the
median of three runs. Target: with the limit, RSS after the answers stays within 8 MiB of the
idle client's.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

ANSWERS = 5
RUNS = 3
_CHILD = """
import gc, json, sys
from console.errors import SourceError
from console.sources.promql import PrometheusClient
from tests.prom_fault import FaultServer

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

limit, ANSWERS = int(sys.argv[1]), int(sys.argv[2])
with FaultServer("huge-undeclared") as server, PrometheusClient(server.url, max_bytes=limit) as c:
    gc.collect()
    idle = rss()
    peak = idle
    for _ in range(ANSWERS):
        try:
            c.query("up")
        except SourceError:
            pass
        peak = max(peak, rss())
    gc.collect()
    print(json.dumps({"idle": idle, "after": rss(), "peak": peak}))
"""


def measure(limit: int) -> dict[str, float]:
    runs = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(limit), str(ANSWERS)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout))
    return {k: statistics.median(r[k] for r in runs) / 2**20 for k in ("idle", "after", "peak")}


def main() -> None:
    print(f"Prometheus answers of 20 MB, {ANSWERS} in a row (RSS in MiB, median of {RUNS} runs)")
    limited = measure(8 * 2**20)
    unlimited = measure(2**30)
    for name, row in (("limit 8 MiB (default)", limited), ("no limit (baseline)", unlimited)):
        print(
            f"  {name:24} idle {row['idle']:6.1f}  peak {row['peak']:6.1f}  "
            f"after {row['after']:6.1f}  (+{row['after'] - row['idle']:.1f})"
        )
    grown = limited["after"] - limited["idle"]
    baseline = unlimited["after"] - unlimited["idle"]
    print(f"  growth kept: {grown:.1f} MiB vs {baseline:.1f} MiB without the limit")
    print(f"  target (< 8 MiB growth with the limit): {'met' if grown < 8 else 'MISSED'}")


if __name__ == "__main__":
    main()
