"""``request``, ``loadtest``, ``probe`` and ``shadow`` from the command line: JSON keys, the
confirmation before load on configured endpoints, read-only, tokens never printed, precise
usage errors; and what ``sim serve`` answers that the load tester relies on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console.cli import main
from console.clock import SystemClock
from console.config import DEMO_DEPLOYMENT, resolve
from console.config.capacity import stored_capacity
from console.sim import SimFleet
from console.sim.serve import ServerThread
from tests.traffic_support import FaultServer

SUMMARY_KEYS = {
    "requests",
    "ok",
    "failed",
    "elapsed_s",
    "send_s",
    "achieved_rps",
    "ok_rps",
    "output_tokens_per_s",
    "input_tokens",
    "output_tokens",
    "ttft_s",
    "itl_s",
    "tpot_s",
    "e2e_s",
    "output_tokens_per_request",
    "goodput",
    "errors",
    "error_share",
    "status_codes",
}


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def config(tmp_path: Path, base: str, extra: str = "") -> Path:
    path = tmp_path / "console.toml"
    path.write_text(
        f'{extra}\n[[deployments]]\nname = "llama"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
        f'[deployments.endpoints]\nstable = "{base}/ok/v1"\ncanary = "{base}/ok/v1"\n'
        'token_env = "TEST_LLM_TOKEN"\n'
    )
    return path


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    value = "tok-9f8e7d6c5b4a"
    monkeypatch.setenv("TEST_LLM_TOKEN", value)
    return value


def test_loadtest_demo_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "loadtest",
            "--demo",
            "--rate",
            "40",
            "--duration",
            "2s",
            "--requests",
            "10",
            "--slo",
            "ttft=2s",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert out["kind"] == "loadtest" and out["version"] == 1
    assert {
        "deployment",
        "track",
        "endpoint",
        "simulated",
        "model",
        "api",
        "plan",
        "started_at",
        "stopped",
        "stop_reason",
        "summary",
        "headline",
    } <= set(out)
    assert out["simulated"] is True and out["endpoint"].startswith("http://127.0.0.1:")
    assert out["stopped"] == "count"
    assert set(out["summary"]) == SUMMARY_KEYS
    assert out["summary"]["requests"] == 10 and out["summary"]["ok"] == 10
    assert out["summary"]["goodput"]["slos"] == {"ttft_s": 2.0, "tpot_s": None, "e2e_s": None}
    assert set(out["plan"]) >= {"mode", "rate", "concurrency", "duration_s", "max_requests"}


def test_configured_endpoints_need_a_confirmation_and_nothing_is_sent_without_it(
    server: FaultServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = server.hits.get("ok", 0)
    status = main(
        [
            "loadtest",
            "--config",
            str(config(tmp_path, server.url)),
            "--rate",
            "50",
            "--requests",
            "5",
        ]
    )
    err = capsys.readouterr().err
    assert status == 5
    assert "add --yes" in err and "may take live traffic" in err
    assert server.hits.get("ok", 0) == before
    status = main(
        [
            "loadtest",
            "--config",
            str(config(tmp_path, server.url)),
            "--rate",
            "50",
            "--requests",
            "5",
            "--yes",
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert server.hits["ok"] == before + 5
    assert json.loads(out)["simulated"] is False


def test_read_only_refuses_load_on_configured_endpoints(
    server: FaultServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = server.hits.get("ok", 0)
    path = config(tmp_path, server.url, "read_only = true")
    samples = tmp_path / "samples.jsonl"
    samples.write_text('{"prompt": "hi"}\n')
    for argv in (["loadtest", "--yes"], ["shadow", "--yes", "--samples", str(samples)]):
        assert main([*argv, "--config", str(path)]) == 3
        assert "read-only" in capsys.readouterr().err
    path = config(tmp_path, server.url)  # writable in the file, --read-only on the command line
    assert main(["loadtest", "--yes", "--config", str(path), "--read-only"]) == 3
    assert main(["--read-only", "probe", "--yes", "--config", str(path)]) == 3
    assert server.hits.get("ok", 0) == before


def test_a_token_echoed_by_the_server_is_never_printed(
    server: FaultServer, tmp_path: Path, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, server.url)
    path.write_text(path.read_text().replace("/ok/v1", "/echo-token/v1"))
    status = main(["request", "--config", str(path), "--prompt", "hi"])
    captured = capsys.readouterr()
    assert status == 1
    assert "HTTP 401" in captured.out and "Bearer [token]" in captured.out
    assert token not in captured.out + captured.err
    assert main(["request", "--config", str(path), "--prompt", "hi", "--json"]) == 1
    assert token not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["loadtest", "--demo", "--slo", "ttft=soon"], "--slo: 'ttft=soon': not a time"),
        (["loadtest", "--demo", "--slo", "p99=1s"], "--slo: 'p99=1s': use ttft="),
        (["loadtest", "--demo", "--input-tokens", "gamma:1,2"], "--input-tokens: 'gamma:1,2'"),
        (["loadtest", "--demo", "--mode", "sweep"], "--rates: a sweep needs its rates"),
        (["loadtest", "--demo", "--rate", "0"], "--rate: requests per second"),
        (["loadtest", "--demo", "--duration=-3s"], "--duration: '-3s'"),
        (["loadtest", "--demo", "--prompts", "/nonexistent.jsonl"], "cannot read"),
        (["request", "--demo", "--prompt", " "], "the prompt is empty"),
        (["probe", "--demo", "--start-rps", "9", "--max-rps", "3"], "--start-rps"),
        (["shadow", "--demo", "--limit", "0"], "--limit"),
        (["sim", "serve", "--ttft", "canary=soon"], "--ttft: 'canary=soon': not a number"),
        (["sim", "serve", "--capacity", "both=3"], "the track is 'stable' or 'canary'"),
    ],
)
def test_bad_usage_is_one_precise_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert err.count("\n") == 0 and "Traceback" not in err


def test_no_endpoint_in_config_says_how_to_add_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[deployments]]\nname = "llama"\nstable = "a"\ncanary = "b"\n')
    assert main(["request", "--config", str(path), "--prompt", "hi"]) == 2
    assert "has no canary endpoint: add [deployments.endpoints]" in capsys.readouterr().err


def test_request_demo_prints_the_reply_and_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["request", "--demo", "--track", "stable", "--prompt", "hi", "--max-tokens", "5"]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("the fleet serves tokens steadily")
    for label in (
        "status        200 (ok)",
        "TTFT",
        "tokens/s",
        "tokens        1 in, 5 out",
        "answered by   llama-v1-",
    ):
        assert label in out


def test_loadtest_writes_its_json_and_every_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, requests = tmp_path / "result.json", tmp_path / "requests.jsonl"
    status = main(
        [
            "loadtest",
            "--demo",
            "--mode",
            "concurrency",
            "--concurrency",
            "3",
            "--duration",
            "1s",
            "--requests",
            "6",
            "--out",
            str(out),
            "--requests-out",
            str(requests),
        ]
    )
    assert status == 0
    assert json.loads(out.read_text())["summary"]["requests"] == 6
    records = [json.loads(line) for line in requests.read_text().splitlines()]
    assert [r["index"] for r in records] == list(range(6))
    assert all(r["error"] is None and r["ttft_s"] > 0 for r in records)
    assert "TTFT" in capsys.readouterr().out


def test_a_sweep_runs_its_rates_and_stops_after_one_that_does_not_hold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The demo's stable track holds 4 × 8 req/s, its canary 8: 16 req/s is too much for it.
    argv = ["loadtest", "--demo", "--mode", "sweep", "--step", "1s", "--json"]
    assert main([*argv, "--track", "stable", "--rates", "4,8"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "sweep" and document["stopped"] == "count"
    assert [s["plan"]["rate"] for s in document["steps"]] == [4.0, 8.0]
    assert main([*argv, "--rates", "4,16,32"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["plan"]["rate"] for s in document["steps"]] == [4.0, 16.0]
    assert document["stopped"] == "saturation"
    assert document["stop_reason"].startswith("16 req/s did not hold")


def test_shadow_demo_compares_both_tracks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shadow", "--demo", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "shadow"
    assert document["differences"]["samples"] == 3
    assert document["tracks"]["canary"]["json_asked"] == 1
    assert main(["shadow", "--demo", "--diff", "0"]) == 0
    out = capsys.readouterr().out
    assert "stable" in out and "canary" in out and "— sample 0 —" in out


def test_probe_stores_its_answer_beside_the_config_when_told(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from console.commands.traffic_common import DEMO_CAPACITY_RPS

    # Below the simulated capacity every step holds: the probe stops at --max-rps.
    argv = ["probe", "--demo", "--start-rps", "3", "--max-rps", "6", "--step", "1s", "--json"]
    assert main([*argv, "--no-store"]) == 0
    capsys.readouterr()
    assert stored_capacity("llama", None) is None
    assert main([*argv, "--store"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["per_replica_rps"] == 6.0 < DEMO_CAPACITY_RPS
    assert [v["holds"] for v in document["verdicts"]] == [True, True]
    assert document["stop_reason"] == "held up to --max-rps 6"
    stored = stored_capacity("llama", None)
    assert stored is not None and stored.rps == 6.0
    assert stored.measured_at == document["measured_at"] and "capacity probe" in stored.how
    # From now on the step plan sizes replicas with it, and says where it came from.
    loaded = resolve(None, True, None)
    assert loaded.deployment.replica_capacity_rps == 6.0
    source = loaded.capacity_sources["llama"]
    assert re.match(rf"measured {re.escape(stored.measured_at)}, \d+s ago \(capacity probe", source)
    assert main(["--demo", "canary", "status", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["next"]["steps"]
    sized = [line for line in steps if line.startswith("sized at 6 req/s per replica")]
    assert sized and "capacity probe" in sized[0], steps


# sim serve ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[str]:
    fleet = SimFleet(
        scenario="healthy", seed=7, deployment=DEMO_DEPLOYMENT.spec(), clock=SystemClock()
    )
    with ServerThread(fleet) as server:
        yield server.url


def test_sim_stream_options_without_stream_is_a_400_like_vllm(sim: str) -> None:
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 2,
        "stream_options": {"include_usage": True},
    }
    response = httpx.post(f"{sim}/v1/chat/completions", json=body)
    assert response.status_code == 400
    assert "only be defined when `stream=True`" in response.json()["error"]["message"]


def test_sim_chunks_before_the_last_carry_null_usage(sim: str) -> None:
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 3,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream("POST", f"{sim}/canary/v1/chat/completions", json=body) as response:
        assert response.headers["x-served-by"].startswith("llama-v2-")
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert [c["usage"] for c in chunks[:-1]] == [None, None, None]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 3
