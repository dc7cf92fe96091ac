"""Kubernetes-style pod names, deterministic from the seed."""

from __future__ import annotations

import random

#: The alphabet Kubernetes uses for generated name suffixes and pod-template hashes.
SAFE_CHARS = "bcdfghjklmnpqrstvwxz2456789"


class PodNamer:
    """Names ``<deployment>-<10-char pod-template-hash>-<5-char suffix>``, never repeating."""

    def __init__(self, deployment: str, seed: int) -> None:
        self._rng = random.Random(f"{seed}:{deployment}:pods")
        self.template_hash = "".join(self._rng.choice(SAFE_CHARS) for _ in range(10))
        self.prefix = f"{deployment}-{self.template_hash}-"
        self._used: set[str] = set()

    def next(self) -> str:
        while True:
            name = self.prefix + "".join(self._rng.choice(SAFE_CHARS) for _ in range(5))
            if name not in self._used:
                self._used.add(name)
                return name
