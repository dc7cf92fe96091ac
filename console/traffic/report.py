"""The JSON result of a load test, sweep or probe (keys documented in docs/traffic.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from console.traffic.endpoints import Endpoint
from console.traffic.generator import LoadPlan, LoadRun
from console.traffic.stats import Slos, headline, summarize

VERSION = 1


def iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def target(endpoint: Endpoint) -> dict[str, Any]:
    """Where the traffic went (never the token)."""
    return {
        "deployment": endpoint.deployment,
        "track": endpoint.track,
        "endpoint": endpoint.base_url,
        "simulated": endpoint.simulated,
        "model": endpoint.model,
        "api": endpoint.api,
    }


def plan_json(plan: LoadPlan, prompts: str) -> dict[str, Any]:
    return {
        "mode": plan.mode,
        "rate": plan.rate if plan.mode != "concurrency" else None,
        "concurrency": plan.concurrency if plan.mode == "concurrency" else None,
        "ramp_s": plan.ramp_s if plan.mode == "concurrency" else None,
        "duration_s": plan.duration_s,
        "max_requests": plan.max_requests,
        "max_in_flight": plan.max_in_flight,
        "error_budget": plan.error_budget,
        "prompts": prompts,
    }


def run_json(run: LoadRun, plan: LoadPlan, slos: Slos, prompts: str) -> dict[str, Any]:
    summary = summarize(run.results, run.elapsed_s, slos, run.send_s)
    return {
        "plan": plan_json(plan, prompts),
        "started_at": iso(run.started_at),
        "stopped": run.stopped,
        "stop_reason": run.reason,
        "summary": summary,
        "headline": headline(summary),
    }


def loadtest_document(
    endpoint: Endpoint, run: LoadRun, plan: LoadPlan, slos: Slos, prompts: str
) -> dict[str, Any]:
    return {"kind": "loadtest", "version": VERSION, **target(endpoint),
            **run_json(run, plan, slos, prompts)}  # fmt: skip


def sweep_document(
    endpoint: Endpoint,
    steps: list[tuple[LoadPlan, LoadRun]],
    slos: Slos,
    prompts: str,
    stopped: str,
    reason: str,
) -> dict[str, Any]:
    out = [run_json(run, plan, slos, prompts) for plan, run in steps]
    last = out[-1] if out else None
    return {
        "kind": "sweep",
        "version": VERSION,
        **target(endpoint),
        "started_at": out[0]["started_at"] if out else None,
        "stopped": stopped,
        "stop_reason": reason,
        "steps": out,
        "headline": last["headline"] if last else "no step ran",
    }


def write(document: dict[str, Any], path: Path) -> None:
    """Write ``document`` as JSON (no NaN: the numbers were made finite or null)."""
    text = json.dumps(document, indent=2, allow_nan=False, sort_keys=False) + "\n"
    path = path.expanduser()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
