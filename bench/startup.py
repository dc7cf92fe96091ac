"""Start-up to first full paint: the console on the simulated fleet vs a bare Textual app.

Each run is a fresh interpreter (imports included), timed from spawn to exit right after the first
full paint; runs are interleaved so machine noise hits both alike. Target: median ratio ≤ 1.5.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 9


def time_once(name: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.apps", name, "--first-paint"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main(runs: int = RUNS) -> dict[str, float]:
    time_once("bare")  # warm the file cache for both
    time_once("console")
    bare: list[float] = []
    console: list[float] = []
    for _ in range(runs):
        bare.append(time_once("bare"))
        console.append(time_once("console"))
    ratios = [c / b for c, b in zip(console, bare, strict=True)]
    result = {
        "bare_median_s": statistics.median(bare),
        "console_median_s": statistics.median(console),
        "ratio_median": statistics.median(ratios),
    }
    print(f"start-up to first full paint ({runs} interleaved runs, 160x48 headless)")
    print(f"  bare Textual app   median {result['bare_median_s'] * 1000:7.0f} ms")
    print(f"  console (sim)      median {result['console_median_s'] * 1000:7.0f} ms")
    print(f"  ratio              median {result['ratio_median']:.2f}x   (target <= 1.5x)")
    return result


if __name__ == "__main__":
    main()
