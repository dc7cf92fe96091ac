"""The dashboard's load-test headline: hidden until there is one, outside text shown literally."""

from __future__ import annotations

from textual.app import App, ComposeResult

from widgets.traffic_headline import TrafficHeadline


class One(App[None]):
    def compose(self) -> ComposeResult:
        yield TrafficHeadline()


async def test_hidden_until_set_then_one_literal_line() -> None:
    app = One()
    async with app.run_test(size=(60, 5)) as pilot:
        headline = app.query_one(TrafficHeadline)
        assert not headline.display and headline.size.height == 0
        headline.text = "load test: [bold]12/12 ok[/] \x1b[31mred\x1b[0m\nsecond"
        await pilot.pause()
        assert headline.display and headline.size.height == 1
        assert str(headline.render()) == "load test: [bold]12/12 ok[/] red␊second"
        headline.text = ""
        await pilot.pause()
        assert not headline.display
