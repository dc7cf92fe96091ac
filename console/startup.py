"""Start-up without the garbage collector's full passes.

Starting builds a great many objects that live as long as the process: modules, the argument
parser, pydantic's validators, the configuration, Textual's styles. Every full pass of the
collector walks all of them again, and at start-up passes come often (they follow allocation),
which made up about a fifth of the console's time to its first paint. So the process's entry
point pauses the collector (``pause_collector``), and once the command is built and about to
run, ``resume_collector`` freezes what start-up made (``gc.freeze``: left out of every later
pass, never collected — it was never going to be) and collects again as usual. The few cycles
start-up leaves as garbage (about 2,000 objects, 0.3 MB: argparse's help formatters, lists)
are frozen with it: finding them would take the full pass (26 ms) this is here to avoid.

Only the entry point pauses: a test or an embedding that calls ``console.cli.main`` keeps its
own collector as it is (``resume_collector`` does nothing unless it was paused here), since
freezing would keep that process's garbage for good.

``settle_collector`` is for later, once the console has painted its first poll: what it built
by then (the simulated fleet, styles, caches) is frozen too, and the collector's first
threshold is raised, since an idle second allocates enough for two young collections and
survivors pile into the older generations' passes.
"""

from __future__ import annotations

import gc

__all__ = ["IDLE_THRESHOLDS", "pause_collector", "resume_collector", "settle_collector"]

_paused = False


def pause_collector() -> None:
    """Stop collecting until ``resume_collector`` (the process's entry point calls this first)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Freeze what start-up built and collect again; nothing unless ``pause_collector`` paused."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


IDLE_THRESHOLDS = (20_000, 20, 20)
"""The collector's thresholds once the console runs (CPython's are 700, 10, 10): at about 1,400
tracked allocations an idle second, a young collection every 14 s instead of twice a second.
Cycles that become garbage wait longer to be found; a busy screen allocates enough to collect
often anyway."""


def settle_collector() -> None:
    """Once the console's first poll is painted (only when the console is the process: frozen
    objects are never collected, so a process that runs app after app, such as the tests,
    would keep every one of them): collect, freeze what lives as long as the app out of later
    passes, and collect young objects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*IDLE_THRESHOLDS)
