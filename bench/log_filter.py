"""Log filter cost: the console's filter (RE2, a batch at a time as the view filters) against
Python's ``re`` line by line (the baseline) over the same lines; and patterns that backtrack
catastrophically, where Python's time doubles with each character (34 ``a``s would take hours)
and RE2's grows with the line.

Targets: an ordinary filter keeps up with the log view (well under the ~20 µs a line costs to
show); no pattern freezes it."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

from widgets.log_filter import compile_text

ORDINARY = (r"5\d\d", "error", "CUDA error", r"^WARNING")
RUNS = 5
BATCH = 5_000


def _lines(count: int) -> list[str]:
    out = []
    for i in range(count):
        if i % 97 == 0:
            out.append(f"ERROR 03-10 14:00:01 [serving_chat.py:949] request {i}: CUDA error")
        elif i % 31 == 0:
            out.append(f"WARNING 03-10 14:00:01 [api_server.py:412] queue full ({i % 24} waiting)")
        else:
            peer = f"10.42.{i % 256}.{i % 250}:{40000 + i % 20000}"
            out.append(f'INFO:     {peer} - "POST /v1/chat/completions HTTP/1.1" 200 OK')
    return out


def _median_ns_per_line(run: Callable[[], object], count: int) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / count * 1e9


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main(count: int = 100_000, longest: int = 24) -> dict[str, object]:
    lines = _lines(count)
    batches = [lines[i : i + BATCH] for i in range(0, count, BATCH)]
    print(f"log filter: {count:,} vLLM-style lines in batches of {BATCH:,}, ns per line, "
          f"median of {RUNS}")  # fmt: skip
    ordinary: dict[str, tuple[float, float]] = {}
    for pattern in ORDINARY:
        flags = 0 if any(c.isupper() for c in pattern) else re.IGNORECASE
        search = re.compile(pattern, flags).search
        matcher = compile_text(pattern)[0]

        def python(search: Callable[[str], object] = search) -> object:
            return [i for i, line in enumerate(lines) if search(line)]

        def ours(matcher: object = matcher) -> object:
            return [matcher.select(batch) for batch in batches]  # type: ignore[attr-defined]

        baseline, mine = _median_ns_per_line(python, count), _median_ns_per_line(ours, count)
        ordinary[pattern] = (mine, baseline)
        print(
            f"  {pattern!r:<16} RE2 {mine:>7,.0f}   re {baseline:>7,.0f}   {mine / baseline:.2f}x"
        )
    print("  catastrophic patterns on one line, seconds (re's time doubles with each character):")
    catastrophic: dict[str, tuple[float, float]] = {}
    cases = [(r"(a+)+$", "a" * n + "!") for n in range(longest - 6, longest + 1, 2)]
    # A log line whose last word runs into a '!': each letter doubles re's work.
    cases.append((r"(\w+\s?)+$", "INFO engine_" + "x" * (longest - 12) + "!"))
    for pattern, line in cases:
        matcher = compile_text(pattern)[0]
        fast = _timed(lambda m=matcher, t=line: m.search(t))  # type: ignore[misc]
        slow = _timed(lambda p=pattern, t=line: re.search(p, t))  # type: ignore[misc]
        catastrophic[f"{pattern} on {len(line)} chars"] = (fast, slow)
        print(f"    {pattern:<12} {len(line):>3} chars   RE2 {fast:.6f}   re {slow:.3f}")
    return {"ordinary": ordinary, "catastrophic": catastrophic}


if __name__ == "__main__":
    main()
