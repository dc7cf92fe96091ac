"""How many examples each property runs: its own count in ``make test``; under ``make mutation``
(``CONSOLE_PROPERTY_SCALE`` below 1) a share of it, seeded, because every mutant reruns the
properties and each should meet the same examples."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import settings

SCALE = float(os.environ.get("CONSOLE_PROPERTY_SCALE", "1"))


def budget(examples: int) -> settings:
    """Hypothesis settings for a property that runs ``examples`` examples in ``make test``."""
    options: dict[str, Any] = {"deadline": None}
    if SCALE < 1:
        options |= {"derandomize": True, "database": None}
    return settings(max_examples=max(10, round(examples * SCALE)), **options)
