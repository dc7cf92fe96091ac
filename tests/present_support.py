"""What the presentation tests share: one track with every value present."""

from __future__ import annotations

from console.model import CodeRates, Quantiles, Replicas, SizeStats, TrackValues

FULL = TrackValues(
    requests_per_s=12.0,
    error_share=0.01,
    codes_per_s=CodeRates(ok=11.0, client_error=0.5, server_error=0.5),
    input_tokens=SizeStats(mean=512.0, p90=2040.0),
    output_tokens=SizeStats(mean=128.0, p90=700.0),
    ttft_s=Quantiles(p50=0.2, p90=0.5, p99=0.9),
    itl_s=Quantiles(p50=0.02, p90=0.03, p99=0.05),
    e2e_s=Quantiles(p50=3.0, p90=6.0, p99=9.0),
    tps=Quantiles(p50=40.0, p90=55.0, p99=70.0),
    replicas=Replicas(desired=4, serving=4, starting=0),
    gpu_memory_used_fraction=0.8,
    gpu_utilization_fraction=0.6,
    kv_cache_used_fraction=0.4,
    cpu_cores=3.5,
    host_memory_bytes=8.0 * 2**30,
    queue_depth=2.0,
)
