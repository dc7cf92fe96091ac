"""Start-up to first full paint: the console on the simulated fleet vs a bare Textual app.

Each run is a fresh interpreter (imports included), timed from spawn to its first painted frame
(and, for the console, the first frame showing data), as the app reports it; it then exits, and
the time to its exit is shown too. Runs are interleaved so machine noise hits all alike.
Target: full paint ≤ 1.5× the bare app (median of per-run ratios).

Two more fresh interpreters per run only import, to show where the time goes: Textual's app
module (what every Textual app pays before it starts) and everything the console imports before
it starts (Textual's included).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 9


#: What the console's command imports before its app starts (``bench.apps`` and ``console.cli``),
#: with the collector paused as the command's entry point pauses it.
CONSOLE_IMPORTS = (
    "from console.startup import pause_collector; pause_collector(); "
    "import console.cli, console.commands.common, console.factory, console.tui.app, textual.pilot"
)


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


#: To the process's exit, per app and frame: what the first paint leaves out (shutting down).
TO_EXIT: dict[str, list[float]] = {}


def time_once(name: str, until: str) -> float:
    """Seconds from starting the process to the frame painted (the app says when)."""
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "bench.apps", name, "--first-paint", until],
        check=True,
        capture_output=True,
        text=True,
    )
    TO_EXIT.setdefault(f"{name} {until}", []).append(time.time() - start)
    said = [line for line in done.stdout.splitlines() if line.startswith("painted-at ")]
    return float(said[-1].split()[1]) - start


def main(runs: int = RUNS) -> dict[str, float]:
    time_once("bare", "frame")  # warm the file cache for both
    time_once("console", "data")
    bare: list[float] = []
    frame: list[float] = []
    data: list[float] = []
    textual_imports: list[float] = []
    console_imports: list[float] = []
    for _ in range(runs):
        bare.append(time_once("bare", "frame"))
        frame.append(time_once("console", "frame"))
        data.append(time_once("console", "data"))
        textual_imports.append(_timed(["-c", "import textual.app, textual.pilot"]))
        console_imports.append(_timed(["-c", CONSOLE_IMPORTS]))
    result = {
        "bare_median_s": statistics.median(bare),
        "console_frame_median_s": statistics.median(frame),
        "console_data_median_s": statistics.median(data),
        "frame_ratio_median": statistics.median(f / b for f, b in zip(frame, bare, strict=True)),
        "data_ratio_median": statistics.median(d / b for d, b in zip(data, bare, strict=True)),
        "textual_imports_median_s": statistics.median(textual_imports),
        "console_imports_median_s": statistics.median(console_imports),
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
    exits = {key: statistics.median(v) * 1000 for key, v in TO_EXIT.items()}
    print(
        f"  to the process's exit: bare {exits['bare frame']:.0f} ms, console "
        f"{exits['console data']:.0f} ms (after its full paint)"
    )
    print("  where it goes (medians; an interpreter that only imports):")
    print(f"    Textual's app module                   {ms['textual_imports_median_s']:6.0f} ms")
    print(f"    all the console imports                {ms['console_imports_median_s']:6.0f} ms")
    print(
        "    so: the bare app's own start           "
        f"{ms['bare_median_s'] - ms['textual_imports_median_s']:6.0f} ms;"
        " the console's after its imports "
        f"{ms['console_data_median_s'] - ms['console_imports_median_s']:.0f} ms"
    )
    return result


if __name__ == "__main__":
    main()
