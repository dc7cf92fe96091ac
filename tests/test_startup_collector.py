"""The collector at start-up: the process's entry point pauses it until the command is built,
then freezes what start-up made and collects again — for the console and for a sub-command.
Only the entry point pauses, so ``main`` called in a process of its own (these tests) leaves
that process's collector alone. Each case that pauses runs in a fresh interpreter."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap

import pytest

from console import startup
from console.cli import main


def _run(code: str) -> dict[str, object]:
    env = {**os.environ, "TERM": "xterm-256color"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow  # a fresh interpreter
def test_pause_then_resume_freezes_what_was_built_and_collects_again() -> None:
    seen = _run(
        """
        import gc, json
        from console.startup import pause_collector, resume_collector
        frozen_before = gc.get_freeze_count()
        pause_collector()
        paused = not gc.isenabled()
        built = [[object()] for _ in range(1000)]
        resume_collector()
        frozen = gc.get_freeze_count()
        resume_collector()  # a second time: nothing more
        print(json.dumps({"paused": paused, "enabled": gc.isenabled(),
                          "frozen": frozen - frozen_before,
                          "again": gc.get_freeze_count() - frozen}))
        """
    )
    assert seen["paused"] is True
    assert seen["enabled"] is True
    assert isinstance(seen["frozen"], int) and seen["frozen"] >= 2000  # the lists and objects
    assert seen["again"] == 0


def test_resume_without_a_pause_changes_nothing() -> None:
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    startup.resume_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_a_collector_already_off_is_left_off() -> None:
    gc.disable()
    try:
        startup.pause_collector()
        startup.resume_collector()  # not paused here: not turned on, nothing frozen
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_main_called_in_process_leaves_the_collector_alone() -> None:
    frozen = gc.get_freeze_count()
    assert main(["cost", "--demo"]) == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


@pytest.mark.slow  # a fresh interpreter
def test_a_sub_command_runs_with_the_collector_on_and_start_up_frozen() -> None:
    seen = _run(
        """
        import gc, json, sys
        import console.commands.cost as cost
        seen = {}
        def run(args):
            seen["enabled"] = gc.isenabled()
            seen["frozen"] = gc.get_freeze_count()
            return 0
        cost.run = run  # registered by name when the parser is built
        from console import cli
        sys.argv = ["inference-console", "cost", "--demo"]
        before = gc.get_freeze_count()
        status = cli.entry()
        print(json.dumps({**seen, "frozen": seen["frozen"] - before, "status": status,
                          "after": gc.isenabled()}))
        """
    )
    assert seen["enabled"] is True and seen["after"] is True and seen["status"] == 0
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 10_000  # the parser, pydantic…


@pytest.mark.slow  # a fresh interpreter
def test_the_console_is_built_with_the_collector_paused_and_runs_with_it_on() -> None:
    seen = _run(
        """
        import gc, json, sys
        import console.tui.app as tui_app
        seen = {}
        class App:
            return_code = 0
            def __init__(self, ctx, own_process):
                seen["enabled"] = gc.isenabled()
                seen["frozen"] = gc.get_freeze_count()
            def run(self):
                seen["running"] = gc.isenabled()
            def wait_for_action(self):
                return True
        tui_app.ConsoleApp = App
        from console import cli
        sys.argv = ["inference-console", "--demo"]
        status = cli.entry()
        print(json.dumps({**seen, "status": status}))
        """
    )
    assert seen["enabled"] is True and seen["running"] is True and seen["status"] == 0
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 10_000


@pytest.mark.slow  # a fresh interpreter
def test_a_failed_start_turns_the_collector_back_on() -> None:
    seen = _run(
        """
        import gc, json, sys
        from console import cli
        sys.argv = ["inference-console", "--config", "/nonexistent/console.toml"]
        status = cli.entry()
        print(json.dumps({"status": status, "enabled": gc.isenabled()}))
        """
    )
    assert seen["status"] != 0
    assert seen["enabled"] is True


@pytest.mark.slow  # a fresh interpreter
def test_settling_collects_freezes_and_raises_the_young_threshold() -> None:
    seen = _run(
        """
        import gc, json
        from console.startup import IDLE_THRESHOLDS, settle_collector
        cycle = []
        cycle.append(cycle)  # garbage, found by the collection before the freeze
        del cycle
        before = gc.get_freeze_count()
        gc.set_debug(gc.DEBUG_SAVEALL)
        kept = [[object()] for _ in range(100)]
        settle_collector()
        print(json.dumps({"thresholds": gc.get_threshold(), "wanted": IDLE_THRESHOLDS,
                          "frozen": gc.get_freeze_count() - before,
                          "garbage": len(gc.garbage), "enabled": gc.isenabled()}))
        """
    )
    assert seen["thresholds"] == seen["wanted"]
    assert isinstance(seen["wanted"], list) and seen["wanted"][0] > 700  # CPython's default
    assert isinstance(seen["frozen"], int) and seen["frozen"] >= 200
    assert seen["garbage"] == 1  # the cycle was collected, not frozen
    assert seen["enabled"] is True
