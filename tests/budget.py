"""How many examples each property runs: its own count in ``make test``; under ``make mutation``
(``CONSOLE_PROPERTY_SCALE`` below 1) a share of it, seeded and never shrunk, because every
mutant reruns the properties and each should meet the same examples."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import Phase, settings

SCALE = float(os.environ.get("CONSOLE_PROPERTY_SCALE", "1"))


def budget(examples: int) -> settings:
    """Hypothesis settings for a property that runs ``examples`` examples in ``make test``."""
    options: dict[str, Any] = {"deadline": None}
    if SCALE < 1:
        # a mutant is caught by the first failing example: shrinking it would only cost time
        options |= {
            "derandomize": True,
            "database": None,
            "phases": (Phase.explicit, Phase.generate),
            "report_multiple_bugs": False,
        }
    # at least 10 under mutation, and never more than the property's own count
    return settings(max_examples=min(examples, max(10, round(examples * SCALE))), **options)
