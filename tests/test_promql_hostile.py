"""The Prometheus client against hostile answers: credentials echoed in error bodies never reach
a message, and huge answers are refused while being read, without keeping their memory."""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

import pytest

from console.cli import main
from console.commands.common import load
from console.errors import SourceError
from console.factory import build_context
from console.sources.promql import PrometheusClient, Redactor
from console.tui.app import ConsoleApp
from tests.prom_fault import FaultServer
from tests.support import header_text
from tests.waiting import wait_until

TOKEN = "eyJhbGciOi.s3cr3t-T0KEN_value"


@pytest.mark.parametrize("mode", ["echo", "echo-text"])
def test_echoed_bearer_token_is_redacted(mode: str) -> None:
    with (
        FaultServer(mode) as server,
        PrometheusClient(server.url, bearer_token=TOKEN) as client,
        pytest.raises(SourceError) as caught,
    ):
        client.query("up")
    message = str(caught.value)
    assert "HTTP 502" in message or "proxy" in message
    assert "s3cr3t" not in message and "eyJhbGciOi" not in message
    if mode == "echo":
        assert "Authorization: ***" in message


def test_a_token_cut_by_the_snippet_is_redacted_first() -> None:
    """The bare token straddles the 120-character cut of a non-JSON body: cut first, its head
    would be shown (no pattern knows half a token); redacted first, nothing of it is."""
    with FaultServer("text") as server:
        server.text = "x" * 110 + " " + TOKEN + " trailing words"
        with (
            PrometheusClient(server.url, bearer_token=TOKEN) as client,
            pytest.raises(SourceError) as caught,
        ):
            client.query("up")
    message = str(caught.value)
    assert "HTTP 502" in message and "eyJhbG" not in message and "***" in message


def test_password_in_the_url_is_redacted_from_echoed_text() -> None:
    with FaultServer("echo") as server:
        url = server.url.replace("http://", "http://ops:hunter2pass@")
        with PrometheusClient(url) as client, pytest.raises(SourceError) as caught:
            client.query("up")
    message = str(caught.value)
    # httpx sends the URL's user:password as Basic credentials: the proxy echoes them encoded.
    assert "hunter2pass" not in message and "b3BzOmh1bnRlcjJwYXNz" not in message
    assert "Authorization: ***" in message


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("upstream said Authorization: Bearer abc.def-123 for /api", "abc.def-123"),
        ('{"headers": {"authorization": "Basic dXNlcjpwYXNz"}}', "dXNlcjpwYXNz"),
        ("token=Bearer%20Zm9vYmFyYmF6MTIz in the query", "Zm9vYmFyYmF6MTIz"),
        ("scrape http://admin:pa55word@10.0.0.1:9090/metrics failed", "pa55word"),
        (f"bare token {TOKEN[::-1]} and {TOKEN}", TOKEN),
    ],
)
def test_redactor_removes_credentials(text: str, gone: str) -> None:
    cleaned = Redactor((TOKEN,))(text)
    assert gone not in cleaned and "***" in cleaned


def test_redactor_leaves_ordinary_words() -> None:
    text = "refused the request (HTTP 401): check the bearer token; basic authentication"
    assert Redactor(("x",))(text) == text


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@pytest.mark.parametrize("mode", ["huge", "huge-undeclared"])
def test_huge_answer_is_refused_with_a_clear_error(mode: str) -> None:
    with FaultServer(mode) as server, PrometheusClient(server.url) as client:
        with pytest.raises(SourceError, match=r"answered more than 8 MiB \(prometheus\."):
            client.query("up")
        # Still usable afterwards, and a small answer under the limit is read whole.
        server.huge_bytes = 4 * 2**20
        samples = client.query("up")
        assert len(samples) > 40_000 and samples[0].labels["le"] == "0.5"


def test_memory_does_not_stay_high_after_huge_answers() -> None:
    """Ten 20 MB answers: refused at 8 MiB each, and what was read is given back."""
    with FaultServer("huge-undeclared") as server, PrometheusClient(server.url) as client:
        with pytest.raises(SourceError):
            client.query("up")  # warm-up: the first one sizes the allocator's pools
        gc.collect()
        before = _rss_bytes()
        for _ in range(10):
            with pytest.raises(SourceError, match="answered more than"):
                client.query("up")
        gc.collect()
        grown = _rss_bytes() - before
    assert grown < 8 * 2**20, f"RSS grew by {grown / 2**20:.0f} MiB"


def test_snapshot_cli_never_prints_an_echoed_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with FaultServer("echo") as server:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[prometheus]\nurl = "{server.url}"\ntimeout = "2s"\nbearer_token = "{TOKEN}"\n'
            '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
            'canary = "llama-v2"\n',
            encoding="utf-8",
        )
        assert main(["snapshot", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert "Authorization: ***" in captured.err
    assert "s3cr3t" not in captured.err + captured.out


async def test_the_metrics_source_toast_never_shows_an_echoed_token(tmp_path: Path) -> None:
    with FaultServer("echo") as server:
        config = tmp_path / "config.toml"
        config.write_text(
            'refresh_interval = "0.2s"\n'
            f'[prometheus]\nurl = "{server.url}"\ntimeout = "1s"\nbearer_token = "{TOKEN}"\n'
            '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
            'canary = "llama-v2"\n',
            encoding="utf-8",
        )
        loaded = load(argparse.Namespace(config=config, demo=False, deployment=None))
        app = ConsoleApp(build_context(loaded))
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(pilot, lambda: bool(app._notifications), "the failure notice")
            shown = " ".join(n.message for n in app._notifications) + app.dashboard.last_error
            assert "Authorization: ***" in shown and "s3cr3t" not in shown
            assert "s3cr3t" not in header_text(app)
