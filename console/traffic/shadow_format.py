"""The shadow comparison as a table of text lines (outside text: sanitise before display)."""

from __future__ import annotations

from typing import Any

from console.traffic.format import ms


def summary_table(document: dict[str, Any]) -> list[str]:
    tracks = document["tracks"]
    s, c = tracks["stable"], tracks["canary"]

    def row(label: str, a: str, b: str) -> str:
        return f"{label:<22}{a:>16}{b:>16}"

    def p50(d: dict[str, Any], fmt: str = "{:.0f}") -> str:
        return fmt.format(d["p50"]) if d["p50"] is not None else "–"

    lines = [
        row("", "stable", "canary"),
        row("answered", f"{s['ok']}", f"{c['ok']}"),
        row("failed", f"{s['failed']}", f"{c['failed']}"),
        row("chars p50", p50(s["chars"]), p50(c["chars"])),
        row("tokens out p50", p50(s["tokens_out"]), p50(c["tokens_out"])),
        row("refusals", f"{s['refusals']}", f"{c['refusals']}"),
        row(
            "JSON valid",
            f"{s['json_valid']}/{s['json_asked']}",
            f"{c['json_valid']}/{c['json_asked']}",
        ),
        row("finish reasons", _reasons(s), _reasons(c)),
        row("TTFT p50", ms(s["ttft_s"]["p50"]), ms(c["ttft_s"]["p50"])),
        row("E2E p50", ms(s["e2e_s"]["p50"]), ms(c["e2e_s"]["p50"])),
    ]
    d = document["differences"]
    ratio = d["length_ratio"]["p50"]
    ratio_text = f"{ratio:.2f}" if ratio is not None else "–"
    lines.append("")
    lines.append(
        f"{d['both_ok']} of {d['samples']} answered by both: {d['same_text']} identical, "
        f"finish reason differs in {d['finish_reason_differs']}, refusal in "
        f"{d['refusal_differs']}, JSON validity in {d['json_validity_differs']}; "
        f"canary/stable length p50 {ratio_text}"
    )
    return lines


def _reasons(track: dict[str, Any]) -> str:
    reasons = track["finish_reasons"]
    return " ".join(f"{k}:{v}" for k, v in sorted(reasons.items())) or "–"
