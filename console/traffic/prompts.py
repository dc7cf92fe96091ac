"""Where a load test's prompts come from: a JSONL file of prompts, or synthetic prompts whose
input and output sizes follow a distribution (``128``, ``uniform:64,256``, ``normal:512,128``,
``lognormal:512,0.6``)."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.traffic.client import Prompt

MAX_TOKENS = 32_768
#: A word most tokenizers read as one token, so a prompt of n words is about n tokens.
WORD = "hello"
MAX_SAMPLES = 100_000


class PromptError(ValueError):
    """A size distribution or prompt file that cannot be used: one precise line."""


@dataclass(frozen=True)
class Sizes:
    """A distribution of token counts, drawn from a seeded generator, clamped to 1..limit."""

    kind: str
    a: float
    b: float = 0.0
    limit: int = MAX_TOKENS

    def draw(self, rng: random.Random) -> int:
        if self.kind == "fixed":
            value = self.a
        elif self.kind == "uniform":
            value = rng.uniform(self.a, self.b)
        elif self.kind == "normal":
            value = rng.gauss(self.a, self.b)
        else:  # lognormal: median a, sigma b
            value = self.a * math.exp(rng.gauss(0.0, self.b))
        return max(1, min(self.limit, round(value)))

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"{self.a:g}"
        return f"{self.kind}:{self.a:g},{self.b:g}"


def parse_sizes(text: str, what: str) -> Sizes:
    """``"128"``, ``"uniform:64,256"``, ``"normal:512,128"``, ``"lognormal:512,0.6"``."""
    kind, sep, rest = text.partition(":")
    if not sep:
        kind, rest = "fixed", text
    try:
        numbers = [float(x) for x in rest.split(",")]
    except ValueError:
        raise PromptError(f"{what}: {text!r}: not a number or distribution") from None
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        raise PromptError(f"{what}: {text!r}: numbers must be finite and not negative")
    wanted = {"fixed": 1, "uniform": 2, "normal": 2, "lognormal": 2}
    if kind not in wanted:
        raise PromptError(
            f"{what}: {text!r}: use N, uniform:LOW,HIGH, normal:MEAN,SD or lognormal:MEDIAN,SIGMA"
        )
    if len(numbers) != wanted[kind]:
        raise PromptError(f"{what}: {text!r}: {kind} takes {wanted[kind]} number(s)")
    if kind == "uniform" and numbers[0] > numbers[1]:
        raise PromptError(f"{what}: {text!r}: LOW is above HIGH")
    if numbers[0] < 1 or numbers[0] > MAX_TOKENS:
        raise PromptError(f"{what}: {text!r}: sizes are token counts in 1..{MAX_TOKENS}")
    return Sizes(kind, numbers[0], numbers[1] if len(numbers) > 1 else 0.0)


class PromptSource:
    """An endless, seeded sequence of prompts: from a file (cycled) or synthetic."""

    def __init__(
        self,
        input_sizes: Sizes | None = None,
        output_sizes: Sizes | None = None,
        samples: list[Prompt] | None = None,
        seed: int = 0,
    ) -> None:
        self.input_sizes = input_sizes or Sizes("fixed", 32)
        self.output_sizes = output_sizes or Sizes("fixed", 32)
        self.samples = samples
        self._rng = random.Random(seed)

    def __iter__(self) -> Iterator[Prompt]:
        index = 0
        while True:
            if self.samples:
                yield self.samples[index % len(self.samples)]
            else:
                words = self.input_sizes.draw(self._rng)
                tokens = self.output_sizes.draw(self._rng)
                yield Prompt(text=" ".join([WORD] * words), max_tokens=tokens)
            index += 1

    def describe(self) -> str:
        if self.samples:
            return f"{len(self.samples)} prompts from a file"
        return f"input {self.input_sizes.describe()} tokens, output {self.output_sizes.describe()}"


def load_jsonl(path: Path, default_max_tokens: int = 128) -> list[Prompt]:
    """Prompts from a JSONL file: one object a line with ``prompt`` (a string) or ``messages``
    (chat messages), and optionally ``max_tokens`` and ``response_format``. PromptError names
    the line of the first problem."""
    try:
        lines = path.expanduser().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise PromptError(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    prompts: list[Prompt] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if len(prompts) >= MAX_SAMPLES:
            raise PromptError(f"{path}: more than {MAX_SAMPLES} prompts")
        try:
            item = json.loads(line)
        except ValueError:
            raise PromptError(f"{path}:{number}: not a JSON object") from None
        prompts.append(_prompt(item, f"{path}:{number}", default_max_tokens, len(prompts)))
    if not prompts:
        raise PromptError(f"{path}: no prompts in the file")
    return prompts


def _prompt(item: Any, where: str, default_max_tokens: int, index: int) -> Prompt:
    if not isinstance(item, dict):
        raise PromptError(f"{where}: not a JSON object")
    max_tokens = item.get("max_tokens", default_max_tokens)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        raise PromptError(f"{where}: max_tokens: must be a whole number")
    if not 1 <= max_tokens <= MAX_TOKENS:
        raise PromptError(f"{where}: max_tokens: {max_tokens}: must be in 1..{MAX_TOKENS}")
    extra: tuple[tuple[str, Any], ...] = ()
    fmt = item.get("response_format")
    if isinstance(fmt, dict):
        extra = (("response_format", fmt),)
    asked = item.get("expect_json") is True or (
        isinstance(fmt, dict) and str(fmt.get("type", "")).startswith("json")
    )
    messages = item.get("messages")
    if messages is not None:
        if not isinstance(messages, list) or not messages:
            raise PromptError(f"{where}: messages: must be a non-empty list")
        if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
            raise PromptError(f"{where}: messages: each needs a 'role' and 'content'")
        text = " ".join(str(m.get("content", "")) for m in messages)
        return Prompt(text, max_tokens, tuple(messages), extra, index, asked)
    prompt = item.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise PromptError(f"{where}: needs 'prompt' (a string) or 'messages'")
    return Prompt(prompt, max_tokens, None, extra, index, asked)
