"""Log memory: 2,000 lines of 1 MB into a log buffer with the console's byte budget (lines cut
to 16,384 characters, 32 MiB of whole lines kept for saving, 64 MiB per view) against the same
buffer bounded by line count only (the baseline), each in a fresh interpreter; resident memory
growth printed side by side.

Target: tens of MB, not GBs (the line count alone holds every byte)."""

from __future__ import annotations

import json
import subprocess
import sys

LINES = 2_000
LINE_CHARS = 1_000_000
BATCH = 20


def _rss() -> int:
    with open("/proc/self/status") as f:
        for row in f:
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) * 1024
    return 0


def _measure(kind: str, lines: int) -> dict[str, float]:
    from dataclasses import dataclass

    from widgets.log_budget import LineBudget
    from widgets.log_buffer import LogBuffer

    @dataclass(slots=True)
    class Line:
        text: str
        source: str = "llama-v2-xvv4z5sz57-nmprz"
        track: str = "canary"
        time: float | None = None
        level: str | None = None

    if kind == "budget":
        buf = LogBuffer(10_000)
    else:  # the line count alone, nothing cut
        buf = LogBuffer(10_000, max_bytes=1 << 62, budget=LineBudget(max_line_chars=1 << 40))
    before = _rss()
    peak = before
    for start in range(0, lines, BATCH):
        buf.add([Line(f"{start + n} " + "m" * LINE_CHARS) for n in range(BATCH)])
        peak = max(peak, _rss())
    return {
        "lines": len(buf),
        "growth_mib": (_rss() - before) / 2**20,
        "peak_growth_mib": (peak - before) / 2**20,
    }


def run_one(kind: str, lines: int = LINES) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.log_memory", "--one", kind, str(lines)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(lines: int = LINES) -> dict[str, object]:
    budget = run_one("budget", lines)
    baseline = run_one("lines-only", lines)
    print(f"log memory: {lines:,} lines of {LINE_CHARS / 1e6:g} MB into a 10,000-line buffer")
    for name, r in (("byte budget (console)", budget), ("line count only", baseline)):
        print(
            f"  {name:<22} RSS growth {r['growth_mib']:>8,.1f} MiB  "
            f"(peak {r['peak_growth_mib']:,.1f} MiB, {int(r['lines']):,} lines kept)"
        )
    ratio = budget["growth_mib"] / max(baseline["growth_mib"], 1e-9)
    print(f"  budget / line count only  {ratio:.3f}x   (target: tens of MB, not GBs)")
    return {"budget": budget, "baseline": baseline, "ratio": ratio}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(_measure(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
