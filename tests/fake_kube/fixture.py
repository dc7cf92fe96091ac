"""The pytest fixture: ``from tests.fake_kube.fixture import fake_kube`` in a test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_kube.server import FakeKube


@pytest.fixture
def fake_kube() -> Iterator[FakeKube]:
    fake = FakeKube().start()
    try:
        yield fake
    finally:
        fake.stop()
