"""Run every benchmark: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

from bench import (
    idle_cpu,
    loadgen,
    log_filter,
    log_memory,
    log_throughput,
    prom_answer_memory,
    refresh_cost,
    startup,
    step_overhead,
    step_overhead_kube,
    wire_bytes,
)

if __name__ == "__main__":
    startup.main()
    print()
    idle_cpu.main()
    print()
    wire_bytes.main(size=(80, 24))
    print()
    wire_bytes.main(size=(160, 48))
    print()
    log_throughput.main()
    print()
    log_memory.main()
    print()
    log_filter.main()
    print()
    step_overhead.main()
    print()
    step_overhead_kube.main()
    print()
    refresh_cost.main()
    print()
    prom_answer_memory.main()
    print()
    loadgen.main()
