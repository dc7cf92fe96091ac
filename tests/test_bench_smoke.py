"""The benchmarks still run against today's code (one short run each where that is cheap): a
bench that broke with a protocol change would otherwise be found only when someone measures.
Speed is not asserted here; ``make bench`` prints the figures."""

from __future__ import annotations

import pytest

from bench import loadgen, startup, step_overhead, step_overhead_kube


def test_step_overhead_on_the_simulated_cluster_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = step_overhead.main(runs=1)
    assert result["runs"] == 1 and result["overhead_median_s"] >= 0
    assert "step overhead" in capsys.readouterr().out


def test_step_overhead_on_kubernetes_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = step_overhead_kube.main(runs=1)
    assert result["runs"] == 1
    # Times are positive; the difference from the baseline may be either sign (noise).
    timings = ("overhead_median_s", "direct_overhead_median_s", "overhead_delivered_median_s")
    assert all(result[key] > 0 for key in timings)
    assert result["ratio_median"] > 0
    assert "step overhead on Kubernetes" in capsys.readouterr().out


@pytest.mark.slow
def test_the_startup_apps_paint_and_exit() -> None:
    for app, until in (("bare", "frame"), ("console", "data")):
        assert startup.time_once(app, until) > 0


@pytest.mark.slow
def test_the_wire_bench_measures_the_console_and_its_baseline() -> None:
    from bench import wire_bytes

    result = wire_bytes.main(measure_s=1.0, size=(80, 24), windows=1)
    assert result["console_bytes_per_s"] > 0  # the console paints while idle (its age, values)


@pytest.mark.slow
def test_the_load_generator_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = loadgen.main(rounds=1, seconds=0.5)
    assert result["generator_rps"] > 0 and result["aiohttp_rps"] > 0 and result["httpx_rps"] > 0
    assert result["ttft_generator_s"] >= loadgen.TTFT_S and result["ttft_raw_s"] >= loadgen.TTFT_S
    assert "TTFT overhead" in capsys.readouterr().out
