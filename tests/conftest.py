"""Shared fixtures and rules for every test: private state directories, no
``INFERENCE_CONSOLE_*`` settings from the caller's environment, the fake Kubernetes API server,
a real Prometheus with a backfilled week of inference-fleet history, and the ``slow`` marker on
every test that starts a process."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.environment import clear_settings_environment
from tests.fake_kube import FakeKube
from tests.prom import HOUR, Prometheus, PrometheusWeek, Week


@pytest.fixture(autouse=True)
def private_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test writes audit trails and saved logs under its own directory, never the user's,
    and reads no setting from the environment it was started in (a test sets its own)."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(state / "config"))
    clear_settings_environment(monkeypatch)


# -- processes only under the ``slow`` marker ---------------------------------------------------


@contextmanager
def _spawning(item: pytest.Item) -> Iterator[None]:
    """Outside ``@pytest.mark.slow`` starting a process fails the test, so ``-m 'not slow'``
    leaves out every test that starts one (tmux, Prometheus, ``sim serve``, the command)."""
    if item.get_closest_marker("slow") is not None:
        yield
        return
    original = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def refuse(self: subprocess.Popen[Any], args: object, *rest: object, **kw: object) -> None:
        raise AssertionError(f"{item.nodeid} starts a process ({args!r}): mark it slow")

    subprocess.Popen._execute_child = refuse  # type: ignore[attr-defined]
    try:
        yield
    finally:
        subprocess.Popen._execute_child = original  # type: ignore[attr-defined]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _spawning(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _spawning(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    with _spawning(item):
        return (yield)


# -- the fake Kubernetes API server -------------------------------------------------------------


@pytest.fixture
def fake_kube() -> Iterator[FakeKube]:
    """A fresh fake API server on a free loopback port (``tests/fake_kube/``), stopped after."""
    fake = FakeKube().start()
    try:
        yield fake
    finally:
        fake.stop()


# -- a real Prometheus holding a week ------------------------------------------------------------


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
