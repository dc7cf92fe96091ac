"""The capacity probe's JSON result (keys documented in docs/traffic.md)."""

from __future__ import annotations

import time
from typing import Any

from console.traffic.endpoints import Endpoint
from console.traffic.report import VERSION, iso, run_json, target
from console.traffic.stats import Slos
from console.traffic.sweep import ProbeResult


def probe_document(
    endpoint: Endpoint, result: ProbeResult, slos: Slos, prompts: str
) -> dict[str, Any]:
    return {
        "kind": "probe",
        "version": VERSION,
        **target(endpoint),
        "measured_at": iso(time.time()),
        "capacity_rps": result.rps,
        "per_replica_rps": result.per_replica_rps,
        "replicas": result.replicas,
        "how": result.how,
        "stopped": result.stopped,
        "stop_reason": result.reason,
        "verdicts": [{"rate": v.rate, "holds": v.holds, "why": v.why} for v in result.verdicts],
        "steps": [run_json(run, plan, slos, prompts) for plan, run in result.steps],
    }
