"""The log memory and log filter benchmarks still run (short runs); ``make bench`` prints the
figures."""

from __future__ import annotations

import pytest

from bench import log_filter, log_memory


@pytest.mark.slow
def test_log_memory_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = log_memory.main(lines=40)
    assert "byte budget (console)" in capsys.readouterr().out
    assert result["budget"]["lines"] == 40  # type: ignore[index]


def test_log_filter_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = log_filter.main(count=2_000, longest=14)
    assert set(result["ordinary"]) == set(log_filter.ORDINARY)  # type: ignore[arg-type]
    assert "catastrophic" in capsys.readouterr().out
