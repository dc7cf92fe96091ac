"""A run's figures as aligned text lines, shared by the CLI and the traffic screen."""

from __future__ import annotations

from typing import Any


def ms(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "–"
    return f"{seconds * 1000:.1f} ms"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """A load test's figures as aligned lines (shared by the CLI and the traffic screen)."""
    lines = [
        f"requests      {summary['ok']} ok / {summary['requests']} sent"
        f"  ({summary['failed']} failed)",
        f"rate          {_num(summary['achieved_rps'])} req/s sent, "
        f"{_num(summary['ok_rps'])} req/s ok, {_num(summary['output_tokens_per_s'])} "
        "output tok/s",
    ]
    for key, name in (("ttft_s", "TTFT"), ("itl_s", "ITL"), ("tpot_s", "TPOT"), ("e2e_s", "E2E")):
        d = summary[key]
        lines.append(
            f"{name:<13} p50 {ms(d['p50']):>10}  p90 {ms(d['p90']):>10}  p99 {ms(d['p99']):>10}"
        )
    goodput = summary["goodput"]
    slos = ", ".join(f"{k[:-2]} ≤ {ms(v)}" for k, v in goodput["slos"].items() if v is not None)
    if slos:
        fraction = goodput["fraction"]
        share = f"{fraction:.1%}" if fraction is not None else "–"
        lines.append(f"goodput       {_num(goodput['per_s'])} req/s ({share}) within {slos}")
    if summary["errors"]:
        lines.append("errors        " + ", ".join(f"{k} {v}" for k, v in summary["errors"].items()))
    return lines


def _num(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "–"
