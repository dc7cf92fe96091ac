"""Bytes written to the terminal per second while idle: the console (1 s refresh, simulated
fleet and its log tail) against ``htop -d 10`` (a 1 s refresh), each in a tmux pane of the same
size, at the same time. That is what crosses an SSH link (and a bastion) during an incident.

The pane's output is copied to a file with ``tmux pipe-pane -O``; the figure is the growth of
that file over each window after a warm-up, and the median of the windows' ratios.
Target: ≤ 2× htop. Without htop installed the bench says so and measures the console alone.
"""

from __future__ import annotations

import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

WARMUP_S = 6.0
MEASURE_S = 20.0
WINDOWS = 3


def _start(name: str, command: str, tmpdir: str, size: tuple[int, int]) -> tuple[list[str], Path]:
    session = f"wire-{name}-{uuid.uuid4().hex[:6]}"
    tmux = ["tmux", "-L", session]  # a server of its own, sized for this run
    width, height = size
    out = Path(tmpdir) / f"{name}.out"
    env = f"env -i HOME={tmpdir} XDG_CONFIG_HOME={tmpdir} TERM=xterm-256color "
    if command.startswith("INFERENCE_CONSOLE_"):  # env -i first, then the run's own variable
        variable, command = command.split(" ", 1)
        env += variable + " "
    size_args = ["-x", str(width), "-y", str(height)]
    start = [*tmux, "new-session", "-d", "-s", session, *size_args, env + command]
    subprocess.run(start, check=True)
    subprocess.run([*tmux, "pipe-pane", "-O", "-t", session, f"cat >> {out}"], check=True)
    return tmux, out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def main(
    measure_s: float = MEASURE_S, size: tuple[int, int] = (160, 48), windows: int = WINDOWS
) -> dict[str, float]:
    runs = {
        "console": f"{sys.executable} -m bench.apps console",
        # The same dashboard without the simulated server-log tail, to show what the tail costs.
        "no-log-tail": f"INFERENCE_CONSOLE_LOGS__SIM=false {sys.executable} -m bench.apps console",
    }
    htop = shutil.which("htop")
    if htop:
        runs["htop"] = f"{htop} -d 10"
    else:
        print("htop is not installed: measuring the console alone (apt-get install htop)")
    with tempfile.TemporaryDirectory() as tmpdir:
        sessions = {name: _start(name, cmd, tmpdir, size) for name, cmd in runs.items()}
        try:
            time.sleep(WARMUP_S)  # start-up paints everything once: not what idle costs
            samples = [{name: _size(out) for name, (_, out) in sessions.items()}]
            for _ in range(windows):
                time.sleep(measure_s)
                samples.append({name: _size(out) for name, (_, out) in sessions.items()})
        finally:
            for tmux, _ in sessions.values():
                subprocess.run([*tmux, "kill-server"], check=False)
    rates = [
        {n: (after[n] - before[n]) / measure_s for n in runs}
        for before, after in itertools.pairwise(samples)
    ]
    mean = {n: statistics.fmean(r[n] for r in rates) for n in runs}
    result = {"console_bytes_per_s": mean["console"]}
    print(
        f"Bytes to the terminal while idle, {windows} windows of {measure_s:.0f}s "
        f"({size[0]}x{size[1]} in tmux, all at once)"
    )
    print(f"  console, 1 s refresh      {mean['console'] / 1024:7.2f} KiB/s")
    print(f"  without the log tail      {mean['no-log-tail'] / 1024:7.2f} KiB/s")
    if htop:
        ratios = [r["console"] / max(r["htop"], 1.0) for r in rates]
        result["htop_bytes_per_s"] = mean["htop"]
        result["ratio"] = statistics.median(ratios)
        shown = " ".join(f"{r:.2f}" for r in ratios)
        print(f"  htop -d 10                {mean['htop'] / 1024:7.2f} KiB/s")
        print(
            f"  ratio                     {result['ratio']:.2f}x median ({shown})   (target <= 2x)"
        )
    return result


if __name__ == "__main__":
    main(size=(80, 24))
    print()
    main(size=(160, 48))
