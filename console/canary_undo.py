"""What a step undoes when its replicas were not ready in time: the shift did not happen, so the
replicas it added for it are not needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.canary_plan import Plan
from console.canary_record import Done, Outcome, done_words, replicas_word
from console.errors import ConsoleError, WarmTimeout
from console.model import Track

if TYPE_CHECKING:
    from console.canary import CanaryController


def scale_back(ctl: CanaryController, plan: Plan, err: WarmTimeout, changed: Done) -> Outcome:
    """The replicas were not ready in time, so traffic was not shifted. Replicas a step added
    for the shift are not needed without it: each track it scaled goes back to what it had,
    the canary first (with the replica-ratio router its ready pods were already serving)."""
    message = str(err)
    if plan.by_replicas and Track.CANARY in changed.scaled:
        message = message.removesuffix("; traffic was not shifted")
        message += "; the canary's ready pods served their share until it was scaled back"
    for track in (Track.CANARY, Track.STABLE) if plan.action == "step" else ():
        if track not in changed.scaled:
            continue
        before, now = changed.scaled[track]
        try:
            expected = now if plan.by_replicas else None
            ctl.cluster.scale(ctl.spec, track, before, expected=expected)
        except ConsoleError as undo:
            message += f"; scaling the {track.value} back to {before} failed: {undo}"
            break
        changed.remove(f"{track.value} scaled to {now}")
        message += f"; {track.value} scaled back to {replicas_word(before)}"
    actual, _ = ctl.reread()
    outcome = "partial" if changed else "refused"
    return Outcome(outcome, message + (done_words(changed) if changed else ""), plan, actual)
