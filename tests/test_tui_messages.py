"""Messages a worker posts to the widget that handles them stay there: bubbling them would make
every ancestor up to the app wake for each poll and each log batch."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Container
from textual.message import Message
from textual.widget import Widget

from console.tui.messages import LogBatch, LogsSaved, PollFailed, SnapshotReady
from console.tui.poller import Poller
from tests.waiting import wait_until


@pytest.mark.parametrize("kind", [SnapshotReady, PollFailed, LogBatch, LogsSaved])
def test_worker_messages_do_not_bubble(kind: type[Message]) -> None:
    assert kind.bubble is False


class Target(Widget):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[Message] = []

    def on_poll_failed(self, message: PollFailed) -> None:
        self.got.append(message)


class Holder(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.above: list[Message] = []

    def compose(self) -> ComposeResult:
        with Container():
            yield Target()

    def on_poll_failed(self, message: PollFailed) -> None:
        self.above.append(message)


async def test_the_poller_posts_each_answer_in_order_and_stops() -> None:
    app = Holder()
    async with app.run_test() as pilot:
        target = app.query_one(Target)
        poller = Poller("test-poll", lambda n: PollFailed(f"poll {n}"), target.post_message)
        for n in range(3):
            poller.ask(n)
        poller.stop()
        assert poller.join(5), "the poller's thread ended after stop"
        await wait_until(pilot, lambda: len(target.got) == 3, "three answers")
        await pilot.pause()
        assert [m.reason for m in target.got] == ["poll 0", "poll 1", "poll 2"]  # type: ignore[attr-defined]
        assert app.above == []  # handled where it was posted, not again by the app
