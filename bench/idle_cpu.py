"""CPU used while idle: the dashboard at a 1 s refresh vs a bare Textual app with a 1 Hz clock.

All run at the same time in real terminals (tmux, 80x24 and 160x48) for the same wall time; the
console also runs without its simulated server-log tail, to show what the tail costs. CPU is read
from /proc (user + system, in 10 ms ticks) after a warm-up, over three 30 s windows; the figure is
the median of the windows' ratios. Target: ratio ≤ 2.

A third baseline shows how much of that Textual itself costs: the console records how many rows
and cells its frames repaint (first seconds of the run), and a bare app that repaints as many
every second, with nothing to compute, runs beside the others ("floor").
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

WARMUP_S = 5.0
PROBE_S = 10.0
"""How long the console's repaints are counted before the floor app starts."""
MEASURE_S = 30.0
WINDOWS = 3


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


#: What runs: name -> (``bench.apps`` arguments, extra environment); the floor's are set once
#: the console's repaints are known.
RUNS = {
    "clock": ("clock", ""),
    "console": ("console --repaints {tmpdir}/repaints", ""),
    # The same dashboard without the simulated server-log tail, to show what the tail costs.
    "console-no-log-tail": ("console", "INFERENCE_CONSOLE_LOGS__SIM=false "),
    "floor": ("floor --rows {rows} --cells {cells}", ""),
}


def _start(
    name: str, tmpdir: str, size: tuple[int, int], **fields: object
) -> tuple[list[str], int]:
    session = f"bench-{name}-{uuid.uuid4().hex[:6]}"
    tmux = ["tmux", "-L", session]  # a server of its own, sized for this run
    app, env = RUNS[name]
    app = app.format(tmpdir=tmpdir, **fields)
    cmd = (
        f"env -i HOME={tmpdir} XDG_CONFIG_HOME={tmpdir} TERM=xterm-256color {env}"
        f"{sys.executable} -m bench.apps {app}"
    )
    width, height = size
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), cmd],
        check=True,
    )
    shown = subprocess.run(
        [*tmux, "display", "-p", "-t", session, "#{pane_pid}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return tmux, int(shown.stdout.strip())


def _repaints(tmpdir: str) -> tuple[int, ...]:
    """The console's repaint totals so far: rows, cells, frames (``bench.apps``)."""
    return tuple(int(n) for n in (Path(tmpdir) / "repaints").read_text().split())


def main(
    measure_s: float = MEASURE_S, size: tuple[int, int] = (160, 48), windows: int = WINDOWS
) -> dict[str, float]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmpdir:
        first = [name for name in RUNS if name != "floor"]
        sessions = {name: _start(name, tmpdir, size) for name in first}
        try:
            # The console's mean repaint per frame, idle: the floor app repaints as much.
            time.sleep(WARMUP_S)
            start = _repaints(tmpdir)
            time.sleep(PROBE_S)
            rows, cells, frames = (b - a for a, b in zip(start, _repaints(tmpdir), strict=True))
            frames = max(frames, 1)
            repaint = {
                "rows": round(rows / frames),
                "cells": round(cells / frames),
                "frames": frames,
            }
            sessions["floor"] = _start("floor", tmpdir, size, **repaint)
            time.sleep(WARMUP_S)  # let all finish starting before measuring idle
            samples = [{name: _cpu_seconds(pid) for name, (_, pid) in sessions.items()}]
            for _ in range(windows):
                time.sleep(measure_s)
                samples.append({name: _cpu_seconds(pid) for name, (_, pid) in sessions.items()})
        finally:
            for tmux, _ in sessions.values():
                subprocess.run([*tmux, "kill-server"], check=False)
    # CPU is counted in 10 ms ticks: per window, and the median of the windows' ratios.
    used = [
        {n: after[n] - before[n] for n in RUNS} for before, after in itertools.pairwise(samples)
    ]
    ratios = [u["console"] / max(u["clock"], 1e-9) for u in used]
    quiet_ratios = [u["console-no-log-tail"] / max(u["clock"], 1e-9) for u in used]
    floor_ratios = [u["floor"] / max(u["clock"], 1e-9) for u in used]
    over_floor = [u["console"] / max(u["floor"], 1e-9) for u in used]
    mean = {n: statistics.fmean(u[n] for u in used) for n in RUNS}
    result = {
        "clock_cpu_s": mean["clock"],
        "console_cpu_s": mean["console"],
        "floor_cpu_s": mean["floor"],
        "ratio": statistics.median(ratios),
        "no_log_tail_ratio": statistics.median(quiet_ratios),
        "floor_ratio": statistics.median(floor_ratios),
        "console_over_floor": statistics.median(over_floor),
    }
    print(
        f"CPU while idle, {windows} windows of {measure_s:.0f}s ({size[0]}x{size[1]} in tmux, "
        "all at once; mean CPU per window)"
    )
    floor_label = f"floor ({repaint['rows']} rows, {repaint['cells']} cells)"
    for name, label in (
        ("clock", "bare app, 1 Hz clock"),
        ("console", "console, 1 s refresh"),
        ("console-no-log-tail", "without the log tail"),
        ("floor", floor_label),
    ):
        print(
            f"  {label:<28}  {mean[name]:.2f} s CPU ({100 * mean[name] / measure_s:.1f}% of a core)"
        )
    shown = " ".join(f"{r:.2f}" for r in ratios)
    print(
        f"  ratio                         {result['ratio']:.2f}x median ({shown})   (target <= 2x)"
    )
    shown = " ".join(f"{r:.2f}" for r in quiet_ratios)
    print(f"  without the log tail          {result['no_log_tail_ratio']:.2f}x median ({shown})")
    shown = " ".join(f"{r:.2f}" for r in floor_ratios)
    print(f"  floor / clock                 {result['floor_ratio']:.2f}x median ({shown})")
    shown = " ".join(f"{r:.2f}" for r in over_floor)
    print(f"  console / floor               {result['console_over_floor']:.2f}x median ({shown})")
    print(
        f"  (the floor repaints what the console's frames did: {repaint['frames']} frames counted)"
    )
    return result


if __name__ == "__main__":
    main(size=(80, 24))
    print()
    main(size=(160, 48))
