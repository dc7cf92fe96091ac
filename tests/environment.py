"""What a test's process environment may hold: no console settings from the caller's shell."""

from __future__ import annotations

import os

import pytest

from console.config import ENV_PREFIX


def clear_settings_environment(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Remove every ``INFERENCE_CONSOLE_*`` variable for this test; return the names removed."""
    names = sorted(name for name in os.environ if name.startswith(ENV_PREFIX))
    for name in names:
        monkeypatch.delenv(name)
    return names
