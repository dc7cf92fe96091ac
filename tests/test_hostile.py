"""Hostile input from every source: one corpus of escape sequences and echoed credentials
through every sink (toast, dialog, CLI output, audit record, cluster Event), extreme numbers
through the whole dashboard, and bad configuration that must be exit 2, never a traceback."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from console.canary.records import audit_record
from console.cli import main
from console.model import (
    HISTORY_KEYS,
    CanaryState,
    CodeRates,
    DeploymentSpec,
    FleetSnapshot,
    History,
    Quantiles,
    Replicas,
    SizeStats,
    Track,
    TrackValues,
)
from console.outside import inert, inert_record
from console.tui.app import ConsoleApp
from console.tui.messages import PollFailed
from console.tui.screens.confirm import plan_content
from tests.canary_support import controller, run_driven
from tests.support import demo_app, demo_context, wait_polls, wait_until

TOKEN = "s3cr3t-t0ken-4242"
#: Escape sequences that would act on a terminal: clear screen, set the title, write the
#: clipboard (OSC 52), 8-bit CSI, a bidi override, and credentials a server echoed back.
CORPUS = [
    "AAA \x1b]52;c;cGF5bG9hZA==\x07 \x1b[2J BBB \x1b]0;TITLE-PWNED\x07 CCC",
    "\x9b31m eight-bit CSI \x1bc reset \x1b[?1049h alt screen",
    "right-to-left \u202e override \x00 nul \x7f del",
    f"Authorization: Bearer {TOKEN} was sent",
    "http://ops:hunter22@prom.example:9090/api failed",
]
FORBIDDEN = ("\x1b", "\x9b", "\x07", "\u202e", "\x00", TOKEN, "hunter22")


def assert_inert(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, (bad, text)


def test_the_boundary_makes_each_sample_inert_and_keeps_the_words() -> None:
    for sample in CORPUS:
        out = inert(sample)
        assert_inert(out)
    assert inert(CORPUS[0]).split() == ["AAA", "BBB", "CCC"]  # the text stays; commands go
    assert inert("a" * 5000).endswith("(3000 more characters)")
    nested = inert_record({"a": [{"b": CORPUS[0]}], CORPUS[1]: 1.5})
    assert_inert(json.dumps(nested, ensure_ascii=False))
    assert 1.5 in nested.values()


async def test_toasts_are_inert() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        for sample in CORPUS:
            app.dashboard.post_message(PollFailed(sample))
            app.notify(sample, title=sample)
        await wait_until(pilot, lambda: len(app._notifications) >= len(CORPUS), "the toasts")
        for note in app._notifications:
            assert_inert(note.message)
            assert_inert(note.title)
            assert not note.markup


def test_the_confirmation_dialog_is_inert(tmp_path: Path) -> None:
    from dataclasses import replace

    ctl, _, _, _ = controller(tmp_path)
    plan, _ = ctl.plan("step")
    hostile = replace(plan, lines=tuple(CORPUS), refusal=CORPUS[0])
    assert_inert(plan_content(hostile).plain)


def test_audit_records_and_events_keep_the_text_not_the_controls(tmp_path: Path) -> None:
    from console.errors import SourceError

    ctl, cluster, clock, audit = controller(tmp_path)

    def failing(*_: Any) -> Any:
        raise SourceError(" | ".join(CORPUS))

    cluster.inner.set_weights = failing  # type: ignore[method-assign]
    result, _ = run_driven(ctl, clock, "step")
    assert result.outcome in ("failed", "partial")
    text = audit.read_text()
    assert "Bearer *** was sent" in json.loads(text.splitlines()[-1])["error"]
    for record in text.splitlines():
        assert_inert(json.dumps(json.loads(record), ensure_ascii=False))
    (event,) = cluster.inner.events
    assert_inert(event.message)


def test_an_audit_record_built_from_hostile_names_is_inert(tmp_path: Path) -> None:
    ctl, _, _, _ = controller(tmp_path)
    plan, snapshot = ctl.plan("step")
    record = audit_record(CORPUS[0], CORPUS[3], plan, snapshot, "intent", CORPUS[1])
    assert_inert(json.dumps(record, ensure_ascii=False))


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "error", "errorType": "bad_data", "error": CORPUS[0]})
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    do_POST = do_GET

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def hostile_prometheus() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_cli_output_is_inert_also_when_not_a_terminal(
    hostile_prometheus: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[prometheus]\nurl = "{hostile_prometheus}"\nbearer_token = "{TOKEN}"\n\n'
        '[[deployments]]\nname = "llama"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
    )
    assert main(["snapshot", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert_inert(captured.out + captured.err)
    assert "AAA   BBB  CCC" in captured.err  # the server's words, without its commands


def extreme_snapshot(bad: float) -> FleetSnapshot:
    quantiles = Quantiles(p50=bad, p90=bad, p99=bad)
    values = TrackValues(
        requests_per_s=bad, error_share=bad, codes_per_s=CodeRates(**{"2xx": bad, "5xx": bad}),
        input_tokens=SizeStats(mean=bad, p90=bad), output_tokens=SizeStats(mean=bad, p90=bad),
        ttft_s=quantiles, itl_s=quantiles, e2e_s=quantiles, tps=quantiles,
        replicas=Replicas(desired=5, serving=5, starting=0), gpu_memory_used_fraction=bad,
        gpu_utilization_fraction=bad, kv_cache_used_fraction=bad, cpu_cores=bad,
        host_memory_bytes=bad, queue_depth=bad,
    )  # fmt: skip
    history = History(start=0, step_s=1, series={k: [bad] * 100 for k in HISTORY_KEYS})
    return FleetSnapshot(
        deployment="llama",
        source="extreme",
        at=datetime.fromtimestamp(1_773_000_000, UTC),
        window_s=60,
        history_s=300,
        tracks={Track.STABLE: values, Track.CANARY: values},
        histories={Track.STABLE: history, Track.CANARY: history},
        canary=CanaryState(weight_percent=5),
    )


class ExtremeSource:
    name = "extreme"

    def __init__(self, bad: float) -> None:
        self.bad = bad

    def snapshot(
        self, deployment: DeploymentSpec, window_s: float, history_s: float | None = None
    ) -> FleetSnapshot:
        return extreme_snapshot(self.bad)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("bad", [1e308, -1e308, math.inf, -math.inf, math.nan])
async def test_extreme_numbers_never_stop_the_console(bad: float) -> None:
    ctx = demo_context()
    ctx.metrics = ExtremeSource(bad)
    app = ConsoleApp(ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_polls(pilot, app, 3)
        assert app.is_running and app.dashboard.last_error == ""
        await pilot.press("c")  # the cost screen over the same numbers
        await pilot.pause(0.2)
        assert app.is_running
    assert app.return_code in (None, 0)


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("[[deployments]]\nname='a'\nstable='s'\ncanary='c'\nheadroom = inf\n", "headroom"),
        (
            "[[deployments]]\nname='a'\nstable='s'\ncanary='c'\nreplica_capacity_rps = nan\n",
            "replica_capacity_rps",
        ),
        ("refresh_interval = 1e-300\n", "refresh_interval"),
        ("a = " + "[" * 1000 + "]" * 1000 + "\n", "nested too deeply"),
        (f'[prometheus]\nurl = "http://x"\nbearer_token = 12345678{TOKEN[:0]}\n', "bearer_token"),
    ],
)
def test_bad_configuration_is_exit_2_with_one_line(
    setting: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(setting)
    assert main(["snapshot", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert "12345678" not in err  # a secret field's value is never echoed


def test_bad_environment_values_are_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INFERENCE_CONSOLE_DEPLOYMENTS", "not json")
    for argv in (["--demo", "snapshot"], ["audit", "verify"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "INFERENCE_CONSOLE_DEPLOYMENTS" in err and "Traceback" not in err


def test_a_config_path_to_an_endless_file_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--config", "/dev/zero"]) == 2
    assert "larger than" in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_and_a_private_crash_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import console.commands.snapshot as snapshot

    def boom(args: Any) -> int:
        secret = TOKEN  # a local a traceback with locals would print
        raise ValueError(f"boom {len(secret)}")

    monkeypatch.setattr(snapshot, "run", boom)
    assert main(["--demo", "snapshot"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("inference-console: internal error (ValueError)")
    path = Path(err.rsplit("details in ", 1)[1])
    assert path.stat().st_mode & 0o777 == 0o600
    details = path.read_text()
    assert "boom 17" in details and TOKEN not in details


def test_a_mirror_too_small_to_hold_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--demo", "canary", "mirror", "1e-9"])
    assert exit_.value.code == 2
    assert "below 0.01%" in capsys.readouterr().err


def test_dumb_terminals_get_a_clear_refusal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert main(["--demo"]) == 2
    assert "cannot show the full-screen console" in capsys.readouterr().err
