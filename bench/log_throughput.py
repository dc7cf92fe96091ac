"""Log throughput: 1,000,000 server lines from a source into the console's LogStream and into
Textual's own Log (same lines, same batches, same buffer size, each in a fresh headless app and
interpreter), with resident memory sampled as the lines go in; plus the file source on its own.

Targets: >= 50,000 lines/s, at least as fast as Log, memory flat once the buffer is full.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LINES = 1_000_000
BATCH = 5_000
BUFFER = 10_000
SIZE = (120, 40)


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def batches(total: int = LINES, size: int = BATCH) -> Iterator[list[object]]:
    """vLLM-style lines from five stable pods and one canary, a few warnings and errors."""
    from console.model import LogLine

    pods = [f"llama-v1-qds6w4pxrk-{s}" for s in ("jl9tp", "jfrtx", "4kwlx", "77wrz", "86m8p")]
    pods.append("llama-v2-xvv4z5sz57-nmprz")
    for start in range(0, total, size):
        out: list[object] = []
        for i in range(start, min(start + size, total)):
            pod = pods[i % 6]
            if i % 97 == 0:
                text = f"ERROR 03-10 14:00:01 [serving_chat.py:949] request {i}: CUDA error"
            elif i % 31 == 0:
                text = f"WARNING 03-10 14:00:01 [api_server.py:412] queue full ({i % 24} waiting)"
            else:
                peer = f"10.42.{i % 256}.{i % 250}:{40000 + i % 20000}"
                text = f'INFO:     {peer} - "POST /v1/chat/completions HTTP/1.1" 200 OK'
            out.append(LogLine(text, pod, "canary" if pod.startswith("llama-v2") else "stable"))
        yield out


async def _feed(kind: str) -> dict[str, float | list[float]]:
    from textual.app import App, ComposeResult
    from textual.widgets import Log

    from widgets.log_stream import LogStream

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield LogStream(BUFFER) if kind == "stream" else Log(max_lines=BUFFER)

    app = Bench()
    samples: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(LogStream if kind == "stream" else Log)
        await pilot.pause()
        rss0 = _rss_mib()
        start = time.perf_counter()
        fed = 0
        for batch in batches():
            if isinstance(widget, LogStream):
                widget.append(batch)  # type: ignore[arg-type]
            else:
                widget.write_lines([line.text for line in batch])  # type: ignore[attr-defined]
            fed += len(batch)
            await pilot.pause()  # let the app lay out and paint, as between deliveries
            if fed % 250_000 == 0:
                samples.append(_rss_mib() - rss0)
        await pilot.pause()
        elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"lines_per_s": LINES / elapsed, "seconds": elapsed, "rss_growth_mib": samples,
            "peak_rss_mib": peak}  # fmt: skip


def file_source_rate() -> float:
    """Lines per second read, split and decoded by the file follower from a 1M-line file."""
    from console.sources.logs_file import FileFollower, decode

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "server.log"
        path.write_text("".join(f"{line.text}\n" for b in batches() for line in b))  # type: ignore[attr-defined]
        follower = FileFollower(path)  # polled without a tail: read from the start
        start = time.perf_counter()
        count = 0
        while raw := follower.poll():
            count += len([decode(line) for line in raw])
        elapsed = time.perf_counter() - start
        follower.close()
    assert count == LINES, count
    return count / elapsed


def run_one(kind: str) -> dict[str, float | list[float]]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.log_throughput", "--one", kind],
        check=True,
        capture_output=True,
        text=True,
    )
    parsed: dict[str, float | list[float]] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def main() -> dict[str, object]:
    stream = run_one("stream")
    log = run_one("log")
    file_rate = file_source_rate()
    print(f"log throughput: {LINES:,} lines in batches of {BATCH:,}, buffer {BUFFER:,} lines, "
          f"headless {SIZE[0]}x{SIZE[1]}, a paint opportunity after each batch")  # fmt: skip
    for name, r in (("LogStream (console)", stream), ("textual Log", log)):
        growth = ", ".join(f"{g:.1f}" for g in r["rss_growth_mib"])  # type: ignore[union-attr]
        print(
            f"  {name:<20} {r['lines_per_s']:>10,.0f} lines/s  ({r['seconds']:.1f} s)  "
            f"RSS growth at 250k/500k/750k/1M: {growth} MiB  peak RSS {r['peak_rss_mib']:.0f} MiB"
        )
    ratio = float(stream["lines_per_s"]) / float(log["lines_per_s"])  # type: ignore[arg-type]
    print(f"  LogStream / Log     {ratio:.2f}x   (target >= 1.0x, and >= 50,000 lines/s)")
    print(f"  file source alone   {file_rate:>10,.0f} lines/s  (read, split, decode)")
    return {"stream": stream, "log": log, "ratio": ratio, "file_lines_per_s": file_rate}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(asyncio.run(_feed(sys.argv[2]))))
    else:
        main()
