"""A list that drops items from its front in amortised O(1) and keeps O(1) indexing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["Ring"]


class Ring(Generic[T]):
    """Items in order; ``drop_front`` forgets the oldest ones. Index 0 is the oldest kept item.

    Dropped slots are released in one slice deletion once they outnumber the kept items, so each
    item is moved at most a constant number of times (unlike ``list.pop(0)``), and indexing stays
    O(1) (unlike a ``deque``'s middle)."""

    __slots__ = ("_head", "_items")

    def __init__(self) -> None:
        self._items: list[T] = []
        self._head = 0

    def __len__(self) -> int:
        return len(self._items) - self._head

    def __getitem__(self, index: int) -> T:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._items[self._head + index]

    def __iter__(self) -> Iterator[T]:
        items = self._items
        for i in range(self._head, len(items)):
            yield items[i]

    def first(self) -> T:
        return self[0]

    def append(self, item: T) -> None:
        self._items.append(item)

    def extend(self, items: Iterable[T]) -> None:
        self._items.extend(items)

    def slice(self, start: int, stop: int) -> list[T]:
        """Items ``start`` to ``stop`` (clamped), oldest first."""
        head = self._head
        size = len(self)
        start, stop = max(start, 0), min(stop, size)
        return self._items[head + start : head + stop] if start < stop else []

    def drop_front(self, count: int) -> None:
        """Forget the ``count`` oldest items (all of them if there are fewer)."""
        if count <= 0:
            return
        self._head = min(self._head + count, len(self._items))
        if self._head > len(self._items) - self._head:
            del self._items[: self._head]
            self._head = 0

    def clear(self) -> None:
        self._items = []
        self._head = 0
