"""Start-up to first full paint: the console on the simulated fleet vs a bare Textual app.

Each run is a fresh interpreter (imports included), timed from spawn to exit right after the first
painted frame (and, for the console, the first frame showing data); runs are interleaved so machine
noise hits all alike. Target: full paint ≤ 1.5× the bare app (median of per-run ratios).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 9


def time_once(name: str, until: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.apps", name, "--first-paint", until],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main(runs: int = RUNS) -> dict[str, float]:
    time_once("bare", "frame")  # warm the file cache for both
    time_once("console", "data")
    bare: list[float] = []
    frame: list[float] = []
    data: list[float] = []
    for _ in range(runs):
        bare.append(time_once("bare", "frame"))
        frame.append(time_once("console", "frame"))
        data.append(time_once("console", "data"))
    result = {
        "bare_median_s": statistics.median(bare),
        "console_frame_median_s": statistics.median(frame),
        "console_data_median_s": statistics.median(data),
        "frame_ratio_median": statistics.median(f / b for f, b in zip(frame, bare, strict=True)),
        "data_ratio_median": statistics.median(d / b for d, b in zip(data, bare, strict=True)),
    }
    ms = {k: v * 1000 for k, v in result.items() if k.endswith("_s")}
    print(f"start-up ({runs} interleaved runs, fresh interpreter each, 160x48 headless)")
    print(f"  bare Textual app, first frame            median {ms['bare_median_s']:6.0f} ms")
    print(
        f"  console, dashboard frame (no data yet)   median {ms['console_frame_median_s']:6.0f} ms"
        f"   {result['frame_ratio_median']:.2f}x"
    )
    print(
        f"  console, first full paint with data      median {ms['console_data_median_s']:6.0f} ms"
        f"   {result['data_ratio_median']:.2f}x   (target <= 1.5x)"
    )
    return result


if __name__ == "__main__":
    main()
