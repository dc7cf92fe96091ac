"""Shared fixtures: a real Prometheus with a backfilled week of inference-fleet history."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.prom import HOUR, Prometheus, Week


@pytest.fixture(autouse=True)
def private_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test writes audit trails and saved logs under its own directory, never the user's."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(state / "config"))


@dataclass(frozen=True)
class PrometheusWeek:
    """A running Prometheus holding ``week``; query it at ``week.end``."""

    prometheus: Prometheus
    week: Week

    @property
    def url(self) -> str:
        return self.prometheus.url


@pytest.fixture(scope="session")
def prometheus_week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusWeek]:
    # End on a whole hour at least an hour before now: backfilled samples in the future (or older
    # than the retention) would be dropped, and whole hours keep the subquery grid aligned.
    end = int(time.time()) // HOUR * HOUR - HOUR
    week = Week(end)
    history = tmp_path_factory.mktemp("history") / "week.om"
    week.write_openmetrics(history)
    server = Prometheus(
        openmetrics=history,
        ready_query="count_over_time(kube_deployment_status_replicas[8d])",
    )
    with server:
        yield PrometheusWeek(server, week)
