"""The Prometheus client and the pod selectors, against a real Prometheus (and a few fakes for
answers a real one never gives)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from console.errors import SourceError
from console.sources.promql import PrometheusClient, display_url
from console.sources.selectors import (
    SAFE_ALPHABET,
    matches,
    pod_pattern,
    promql_string,
    track_selector,
)
from tests.prom import NAMESPACE, STABLE, PrometheusWeek, free_port

POD_NAMES = {
    "llama-v1-7d9c5b8f4-x2x9k": True,
    "llama-v1-7-bcdfg": True,
    "llama-v1-2456789bcd-zzzzz": True,
    "llama-v1-shadow-6b7c9d8f5-q8w2z": False,
    "llama-v1-7d9c5b8f4-x2x9": False,  # suffix too short
    "llama-v1-7d9c5b8f4-x2x9kk": False,
    "llama-v1-7d9c5b8f4a-x2x9k": False,  # 'a' is not in the safe alphabet
    "llama-v1-bcdfghjklmn-x2x9k": False,  # hash longer than 10
    "llama-v10-7d9c5b8f4-x2x9k": False,
    "xllama-v1-7d9c5b8f4-x2x9k": False,
    "llama-v1-7d9c5b8f4-x2x9k-extra": False,
    "llama-v1--x2x9k": False,
}


@pytest.mark.parametrize(("pod", "expected"), POD_NAMES.items())
def test_pod_pattern_fullmatch(pod: str, expected: bool) -> None:
    assert matches("llama-v1", pod) is expected


def test_names_are_regex_escaped() -> None:
    assert matches("a.b", "a.b-7d9c5-x2x9k")
    assert not matches("a.b", "axb-7d9c5-x2x9k")
    assert set(SAFE_ALPHABET) == set("bcdfghjklmnpqrstvwxz2456789")
    assert promql_string('a"b\\c') == '"a\\"b\\\\c"'


@pytest.mark.slow
def test_prometheus_applies_the_pattern_like_python(prometheus_week: PrometheusWeek) -> None:
    # label_replace uses the same anchored RE2 matching as =~; it tests any name without data.
    names = [*POD_NAMES, "a.b-7d9c5-x2x9k", "axb-7d9c5-x2x9k"]
    with PrometheusClient(prometheus_week.url) as client:
        for name in names:
            deployment = "a.b" if name.startswith(("a.b", "axb")) else "llama-v1"
            expr = (
                f'label_replace(label_replace(vector(1), "pod", {promql_string(name)}, "", ""), '
                f'"hit", "yes", "pod", {promql_string(pod_pattern(deployment))})'
            )
            (sample,) = client.query(expr)
            assert (sample.labels.get("hit") == "yes") is matches(deployment, name), name


@pytest.mark.slow
def test_track_selector_on_backfilled_pods(prometheus_week: PrometheusWeek) -> None:
    at = prometheus_week.week.end
    with PrometheusClient(prometheus_week.url) as client:
        sel = track_selector(NAMESPACE, STABLE)
        expr = f"count by (namespace, pod) (vllm:prompt_tokens_total{{{sel}}})"
        pods = {(s.labels["namespace"], s.labels["pod"]) for s in client.query(expr, at)}
        everything = client.query("count by (namespace, pod) (vllm:prompt_tokens_total)", at)
    assert pods == {
        (NAMESPACE, "llama-v1-7d9c5b8f4-x2x9k"),
        (NAMESPACE, "llama-v1-7d9c5b8f4-b8wlt"),
        (NAMESPACE, "llama-v1-7d9c5b8f4-q4mzn"),
    }
    assert len(everything) == 6  # the decoys are there, just not selected


@pytest.mark.slow
def test_query_range_and_scalar(prometheus_week: PrometheusWeek) -> None:
    week = prometheus_week.week
    with PrometheusClient(prometheus_week.url, timeout=2) as client:
        sel = 'namespace="inference",deployment="llama-v1"'
        (series,) = client.query_range(
            f"kube_deployment_status_replicas{{{sel}}}", week.end - 3600, week.end, 600
        )
        assert series.labels["deployment"] == "llama-v1"
        assert [t for t, _ in series.points] == [week.end - 3600 + 600 * i for i in range(7)]
        assert {v for _, v in series.points} == {2.0}
        assert client.scalar("1 + 1") == 2.0
        assert client.scalar('absent_metric{x="y"}', week.end) is None
        with pytest.raises(SourceError, match="expected one value, got 6 series"):
            client.scalar("vllm:prompt_tokens_total", week.end)


@pytest.mark.slow
def test_bad_query_shows_prometheus_error_text(prometheus_week: PrometheusWeek) -> None:
    with PrometheusClient(prometheus_week.url) as client, pytest.raises(SourceError) as err:
        client.query("sum(rate(vllm:prompt_tokens_total[5m])")
    message = str(err.value)
    assert message.startswith(f"Prometheus at {prometheus_week.url}: bad_data: ")
    assert "parse error" in message and "unclosed left parenthesis" in message


def test_unreachable_prometheus() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with PrometheusClient(url, timeout=1) as client, pytest.raises(SourceError) as err:
        client.query("up")
    assert str(err.value) == f"cannot reach Prometheus at {url}: connection refused"


def _fake(status: int, body: bytes, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, content=body)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            200,
            b"<html>hello</html>",
            "answered with something that is not JSON (<html>hello</html>)",
        ),
        (
            200,
            b'{"status":"success","data":{"resultType":"vector","result":5}}',
            "unexpected shape",
        ),
        (200, b'{"foo": 1}', "unexpected shape"),
        (502, b"Bad Gateway\n", "answered HTTP 502: Bad Gateway"),
        (
            503,
            b'{"status":"error","errorType":"unavailable","error":"TSDB not ready"}',
            "unavailable: TSDB not ready",
        ),
        (
            422,
            b'{"status":"error","errorType":"execution","error":"many-to-many matching"}',
            "execution: many-to-many matching",
        ),
        (401, b"Unauthorized", "refused the request (HTTP 401): check the bearer token"),
    ],
)
def test_garbage_and_error_answers(status: int, body: bytes, expected: str) -> None:
    client = PrometheusClient("http://prom.example:9090", transport=_fake(status, body))
    with client, pytest.raises(SourceError, match=re.escape(expected)):
        client.query("up")


def test_bearer_token_is_sent_but_never_shown() -> None:
    seen: list[httpx.Request] = []
    secret = "s3cr3t-token"
    client = PrometheusClient(
        "https://user:pw@prom.example:9090/prefix",
        bearer_token=secret,
        transport=_fake(400, b'{"status":"error","errorType":"bad_data","error":"no"}', seen),
    )
    with client, pytest.raises(SourceError) as err:
        client.query("up")
    assert seen[0].headers["authorization"] == f"Bearer {secret}"
    assert seen[0].url.path == "/prefix/api/v1/query"
    assert secret not in str(err.value) and "pw" not in str(err.value)
    assert secret not in repr(client.__dict__.get("shown_url"))
    assert display_url("https://user:pw@h:1/p/") == "https://h:1/p"


def test_unusable_settings_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="Prometheus TLS settings"):
        PrometheusClient("https://prom.example", ca_file=tmp_path / "missing.pem")
