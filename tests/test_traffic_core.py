"""The traffic core without a network: SSE parsing, percentiles and goodput, size
distributions and prompt files, endpoint config and tokens, the capacity store, shadow maths."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from console.config import ConfigError, load_settings
from console.config.capacity import StoredCapacity, capacity_for, save, stored_capacity
from console.traffic.client import Prompt
from console.traffic.endpoints import EndpointError, EndpointsConfig, read_token, resolve
from console.traffic.generator import LoadPlan, PlanError, arrivals
from console.traffic.measure import RequestResult
from console.traffic.prompts import PromptError, PromptSource, load_jsonl, parse_sizes
from console.traffic.shadow import compare, is_refusal, text_diff
from console.traffic.sse import MalformedStream, SSEParser
from console.traffic.stats import Slos, distribution, headline, quantile, summarize

# SSE ------------------------------------------------------------------------------------------


def test_sse_events_split_anywhere_reassemble() -> None:
    stream = b'data: {"a": 1}\r\n\r\n: keep-alive\n\ndata: x\ndata: y\n\nevent: e\ndata: [DONE]\n\n'
    for cut in range(1, len(stream)):
        parser = SSEParser()
        events = parser.feed(stream[:cut]) + parser.feed(stream[cut:]) + parser.finish()
        assert events == [b'{"a": 1}', b"x\ny", b"[DONE]"], cut


def test_sse_a_line_that_is_no_sse_field_is_malformed() -> None:
    with pytest.raises(MalformedStream, match="not an event-stream line"):
        SSEParser().feed(b"garbage: 1\n")


def test_sse_an_endless_line_is_malformed() -> None:
    parser = SSEParser()
    with pytest.raises(MalformedStream, match="a line of more than"):
        for _ in range(20):
            parser.feed(b"x" * 100_000)


# Statistics -----------------------------------------------------------------------------------


def test_quantile_interpolates_like_numpy() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert quantile(values, 0.5) == 2.5
    assert quantile(values, 0.9) == pytest.approx(3.7)
    assert quantile([5.0], 0.99) == 5.0


def test_distribution_ignores_non_finite_and_empty_is_null() -> None:
    d = distribution([0.1, float("nan"), float("inf"), 0.3, None, 1e308])
    assert d["p50"] == 0.3 and d["max"] == 1e308
    assert distribution([]) == {"p50": None, "p90": None, "p99": None, "mean": None, "max": None}


def result(i: int, ttft: float, e2e: float, tokens: int, error: str | None = None) -> RequestResult:
    r = RequestResult(index=i, status=200, ttft_s=ttft, e2e_s=e2e, tokens_out=tokens)
    r.itl_s = [(e2e - ttft) / (tokens - 1)] * (tokens - 1) if tokens > 1 else []
    r.error = error
    return r


def test_summary_goodput_counts_requests_within_every_slo() -> None:
    results = [
        result(0, 0.1, 1.0, 10),  # tpot 0.1
        result(1, 0.3, 1.2, 10),  # ttft over
        result(2, 0.1, 2.9, 15),  # tpot 0.2: over
        result(3, 0.1, 0.1, 1),  # one token: no tpot to judge
        result(4, 0.1, 1.0, 10, error="server_error"),
    ]
    summary = summarize(results, 2.0, Slos(ttft_s=0.2, tpot_s=0.15), send_s=1.0)
    assert summary["requests"] == 5 and summary["ok"] == 4 and summary["failed"] == 1
    assert summary["goodput"]["requests"] == 2
    assert summary["goodput"]["fraction"] == 0.4
    assert summary["achieved_rps"] == 5.0  # over the sending window
    assert summary["ok_rps"] == 2.0  # over the whole run
    assert summary["output_tokens"] == 36
    assert summary["errors"] == {"server_error": 1}
    assert summary["error_share"] == 0.2
    assert summary["status_codes"] == {"200": 5}
    json.dumps(summary, allow_nan=False)  # no NaN reaches the JSON
    assert "4/5 ok" in headline(summary) and "goodput 40%" in headline(summary)


def test_summary_of_nothing_and_of_a_zero_length_run_has_no_nan() -> None:
    for elapsed in (0.0, float("nan"), float("inf")):
        summary = summarize([], elapsed, Slos())
        json.dumps(summary, allow_nan=False)
        assert summary["achieved_rps"] is None


# Plans, sizes, prompts ------------------------------------------------------------------------


def test_constant_arrivals_are_evenly_spaced_and_poisson_average_the_rate() -> None:
    it = arrivals(LoadPlan(mode="constant", rate=4))
    assert [next(it) for _ in range(3)] == [0.0, 0.25, 0.5]
    it = arrivals(LoadPlan(mode="poisson", rate=50, seed=3))
    times = [next(it) for _ in range(5001)]
    assert 5000 / times[-1] == pytest.approx(50, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "constant", "rate": None}, "--rate"),
        ({"mode": "constant", "rate": float("nan")}, "--rate"),
        ({"mode": "concurrency", "concurrency": 0}, "--concurrency"),
        ({"mode": "constant", "rate": 1, "duration_s": float("inf")}, "--duration"),
        ({"mode": "constant", "rate": 1, "max_requests": 0}, "--requests"),
        ({"mode": "constant", "rate": 1, "error_budget": 1.5}, "--error-budget"),
    ],
)
def test_a_bad_plan_is_refused_with_the_option_named(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(PlanError, match=message):
        LoadPlan(**kwargs)


def test_size_distributions_parse_and_draw_within_bounds() -> None:
    import random

    rng = random.Random(1)
    assert parse_sizes("128", "--x").draw(rng) == 128
    draws = [parse_sizes("uniform:10,20", "--x").draw(rng) for _ in range(200)]
    assert min(draws) >= 10 and max(draws) <= 20
    assert all(parse_sizes("normal:5,50", "--x").draw(rng) >= 1 for _ in range(200))
    for bad in ("nope", "uniform:5", "uniform:9,3", "normal:nan,1", "0", "gamma:1,2"):
        with pytest.raises(PromptError, match="--x"):
            parse_sizes(bad, "--x")


def test_synthetic_prompts_have_the_drawn_sizes() -> None:
    source = iter(PromptSource(parse_sizes("7", "i"), parse_sizes("3", "o")))
    prompt = next(source)
    assert len(prompt.text.split()) == 7 and prompt.max_tokens == 3


def test_jsonl_prompts_and_their_errors(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"prompt": "hi", "max_tokens": 5}\n\n'
        '{"messages": [{"role": "user", "content": "x"}],'
        ' "response_format": {"type": "json_object"}}\n'
    )
    prompts = load_jsonl(path)
    assert [p.max_tokens for p in prompts] == [5, 128]
    assert prompts[1].json and prompts[1].messages is not None
    for text, message in (
        ("[1]\n", "p.jsonl:1: not a JSON object"),
        ('{"prompt": 3}\n', "p.jsonl:1: needs 'prompt'"),
        ('{"prompt": "a"}\n{"prompt": "b", "max_tokens": 0}\n', "p.jsonl:2: max_tokens"),
        ("{oops\n", "p.jsonl:1: not a JSON object"),
        ("\n", "no prompts"),
    ):
        path.write_text(text)
        with pytest.raises(PromptError, match=message):
            load_jsonl(path)
    with pytest.raises(PromptError, match="cannot read"):
        load_jsonl(tmp_path / "missing.jsonl")


# Endpoints ------------------------------------------------------------------------------------


def write_config(tmp_path: Path, endpoints: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[deployments]]\nname = "llama"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
        f"[deployments.endpoints]\n{endpoints}\n"
    )
    return path


def test_endpoints_from_config_and_a_token_from_a_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("  t0ken-from-file\n")
    path = write_config(
        tmp_path,
        f'canary = "http://10.0.0.2:8000/v1/"\ntoken_file = "{token}"\napi = "completions"',
    )
    deployment = load_settings(path).deployments[0]
    endpoint = resolve("llama", deployment.endpoints, "canary", "m")
    assert endpoint.url() == "http://10.0.0.2:8000/v1/completions"
    assert endpoint.headers()["Authorization"] == "Bearer t0ken-from-file"
    assert "t0ken" not in repr(endpoint) and "t0ken" not in endpoint.label
    with pytest.raises(EndpointError, match="no stable endpoint"):
        resolve("llama", deployment.endpoints, "stable")


def test_a_token_from_the_environment_and_its_absence(monkeypatch: pytest.MonkeyPatch) -> None:
    config = EndpointsConfig(canary="http://x/v1", token_env="LLM_TOKEN")
    monkeypatch.setenv("LLM_TOKEN", "env-secret")
    assert read_token(config).get_secret_value() == "env-secret"  # type: ignore[union-attr]
    monkeypatch.delenv("LLM_TOKEN")
    with pytest.raises(EndpointError, match=r"\$LLM_TOKEN is not set") as err:
        read_token(config)
    assert "env-secret" not in str(err.value)


@pytest.mark.parametrize(
    ("endpoints", "message"),
    [
        ('canary = "http://user:hunter2@host/v1"', "must not carry credentials"),
        ('canary = "ftp://host"', "must start with http"),
        ('token_file = "/a"\ntoken_env = "B"', "not both"),
        ('token = "inline"', "unknown setting"),
    ],
)
def test_bad_endpoint_config_is_one_precise_line(
    tmp_path: Path, endpoints: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write_config(tmp_path, endpoints))
    text = str(err.value)
    assert message in text and "endpoints" in text
    assert "hunter2" not in text


# Capacity store -------------------------------------------------------------------------------


def test_a_stored_capacity_overrides_the_configured_one_with_its_source(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'canary = "http://x/v1"')
    deployment = load_settings(config).deployments[0]
    store = tmp_path / "state" / "capacity.json"
    assert capacity_for(deployment, config, 0.0, store) == (4.0, "configured replica_capacity_rps")
    measured = StoredCapacity(12.5, "2026-12-04T20:00:00+00:00", "capacity probe: …", "canary", 2)
    save(measured, "llama", config, store)
    save(StoredCapacity(99.0, "2026-12-04T20:00:00+00:00", "other"), "llama", None, store)
    assert stored_capacity("llama", config, store) == measured
    rps, source = capacity_for(deployment, config, measured_at(measured) + 7200, store)
    assert rps == 12.5
    assert source.startswith("measured 2026-12-04T20:00:00+00:00, 2h ago (capacity probe")
    assert oct(store.stat().st_mode & 0o777) == "0o600"
    assert "hunter" not in store.read_text()


def measured_at(stored: StoredCapacity) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(stored.measured_at).timestamp()


def test_a_damaged_store_is_no_stored_value(tmp_path: Path) -> None:
    store = tmp_path / "capacity.json"
    store.write_text("{not json")
    assert stored_capacity("llama", None, store) is None
    store.write_text(
        json.dumps({"demo#llama": {"rps": math.inf, "measured_at": "x"}}).replace(
            "Infinity", "1e999"
        )
    )
    assert stored_capacity("llama", None, store) is None


# Shadow ---------------------------------------------------------------------------------------


def answered(i: int, text: str, finish: str = "stop", tokens: int = 5) -> RequestResult:
    r = RequestResult(index=i, status=200, ttft_s=0.1, e2e_s=0.5, tokens_out=tokens)
    r.text, r.finish_reason = text, finish
    return r


def test_shadow_compare_counts_what_differs() -> None:
    pairs = [
        (Prompt("a"), answered(0, "same answer"), answered(0, "same answer")),
        (Prompt("b", json=True), answered(1, '{"ok": 1}'), answered(1, "{broken")),
        (Prompt("c"), answered(2, "Sure, here it is"), answered(2, "I'm sorry, I can't", "length")),
    ]
    failed = answered(3, "")
    failed.error = "timeout"
    pairs.append((Prompt("d"), answered(3, "x"), failed))
    document = compare(pairs)
    d = document["differences"]
    assert d["samples"] == 4 and d["both_ok"] == 3 and d["same_text"] == 1
    assert d["json_validity_differs"] == 1
    assert d["refusal_differs"] == 1
    assert d["finish_reason_differs"] == 1
    assert document["tracks"]["canary"]["errors"] == {"timeout": 1}
    assert document["tracks"]["stable"]["json_valid"] == 1
    json.dumps(document, allow_nan=False)


def test_refusals_and_diffs() -> None:
    assert is_refusal("I'm sorry, but I can't help with that")
    assert is_refusal("  I cannot do that.")
    assert not is_refusal("Sorry to hear that! Here is the fix")
    diff = text_diff("one two three", "one 2 three")
    assert diff[0] == "--- stable" and "-one two three" in diff and "+one 2 three" in diff
