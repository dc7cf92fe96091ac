"""The kubeconfig's bearer token never reaches an audit record, an Event or a message — not when
the API server echoes it back bare, nor after the client has refreshed it (exec and OIDC
credentials are swapped into the client's configuration when they expire)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.canary_kube_support import (
    TOKEN,
    Rig,
    assert_no_token,
    assert_tamper_evident,
    events,
    records,
    rig,
    seed,
)
from tests.fake_kube import FakeKube

REFRESHED = "kube-bearer-refreshed-91c04e77d2"


@pytest.fixture
def r(fake_kube: FakeKube, tmp_path: Path) -> Rig:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    return rig(fake_kube, tmp_path)


def _check(r: Rig, tmp_path: Path, secret: str, message: str) -> None:
    assert secret not in message and "***" in message
    outcome = records(r.audit)[-1]
    assert outcome["outcome"] == "partial" and outcome["error"] == message
    assert secret not in r.audit.read_text()
    (event,) = events(r.fake)
    assert event["message"] == f"partial: {message}"
    assert_tamper_evident(r.audit, tmp_path)
    assert_no_token(r, message)


def test_a_token_echoed_by_the_server_is_never_shown(
    r: Rig, fake_kube: FakeKube, tmp_path: Path
) -> None:
    fake_kube.fail(
        "patch", "httproutes", 500, message=f"webhook denied the request of token {TOKEN}"
    )
    result = r.run("step")
    assert result.outcome == "partial"
    assert "HTTP 500 Internal Server Error: webhook denied the request of token ***" in (
        result.message
    )
    _check(r, tmp_path, TOKEN, result.message)


def test_a_refreshed_token_is_never_shown_either(
    r: Rig, fake_kube: FakeKube, tmp_path: Path
) -> None:
    plan, snapshot = r.ctl.plan("step")  # the client exists, with the kubeconfig's token

    def refresh(configuration: Any) -> None:  # what the kubeconfig loader installs for exec/OIDC
        configuration.api_key["BearerToken"] = f"Bearer {REFRESHED}"

    r.cluster.calls().api_client.configuration.refresh_api_key_hook = refresh
    fake_kube.token = REFRESHED
    fake_kube.fail("patch", "httproutes", 500, message=f"token {REFRESHED} was revoked")
    result = r.ctl.run(plan, snapshot, threading.Event())
    assert fake_kube.requests[-1].headers["authorization"] == f"Bearer {REFRESHED}"
    assert result.outcome == "partial"
    assert "HTTP 500 Internal Server Error: token *** was revoked" in result.message
    assert REFRESHED not in r.audit.read_text()
    for event in events(fake_kube):
        assert REFRESHED not in str(event)
    assert_tamper_evident(r.audit, tmp_path)
