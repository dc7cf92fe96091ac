"""Checks shared by the canary fault tests on the fake API server: fault injection, the split
as the fake stores it, and the audit trail of an action (intent, outcome, Event, chain, token)."""

from __future__ import annotations

from pathlib import Path

from console.canary import Outcome
from tests.canary_kube_support import (
    Rig,
    assert_no_token,
    assert_tamper_evident,
    events,
    records,
)
from tests.fake_kube import FakeKube

ROUTE = "httproutes.gateway.networking.k8s.io inference/llama"
FAULT_TEXT = {
    500: "HTTP 500 Internal Server Error: Internal error occurred: injected fault",
    403: "HTTP 403 Forbidden: ",
    0: "the API server did not answer: ",
}


def inject(fake: FakeKube, verb: str, rule: str, status: int) -> None:
    if status == 403:
        fake.forbid(verb, rule)
    else:
        fake.fail(verb, rule, status)


def stored_weights(fake: FakeKube, kind: str = "httproute") -> tuple[int, int]:
    """The split as stored in the fake (not as the console reads it)."""
    if kind == "kserve":
        isvc = fake.get("inferenceservices", "inference", "llama-isvc")
        assert isvc is not None
        percent = isvc["spec"]["predictor"]["canaryTrafficPercent"]
        return 100 - percent, percent
    if kind == "istio":
        vs = fake.get("virtualservices", "inference", "llama-vs")
        assert vs is not None
        dests = vs["spec"]["http"][0]["route"]
        return dests[0]["weight"], dests[1]["weight"]
    route = fake.get("httproutes", "inference", "llama")
    assert route is not None
    refs = route["spec"]["rules"][0]["backendRefs"]
    return refs[0]["weight"], refs[1]["weight"]


def check_audit(r: Rig, tmp_path: Path, result: Outcome, outcome: str) -> dict[str, object]:
    """Intent then outcome, the outcome saying what happened; Event, chain and token checked."""
    intent, last = records(r.audit)[-2:]
    assert (intent["phase"], intent["outcome"]) == ("intent", None)
    assert (last["phase"], last["outcome"], last["message"]) == (
        "outcome",
        outcome,
        result.message,
    )
    assert last["error"] == (None if outcome == "ok" else result.message)
    stable, canary = stored_weights(r.fake, r.kind)
    assert last["after"]["weights"] == {"stable": stable, "canary": canary}
    if outcome != "ok":
        (event,) = events(r.fake)
        assert event["type"] == "Warning"
        assert event["message"] == f"{outcome}: {result.message}"[:1024]
    assert_tamper_evident(r.audit, tmp_path)
    assert_no_token(r, result.message)
    return last
