"""What a parse returns: an intent with its slots, each slot with where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

INTENTS: tuple[str, ...] = (
    "search_deals", "show_deal", "ask_attribute", "buy", "my_codes", "refund", "follow", "unfollow",
    "my_follows", "book_table", "set_location", "settings", "help", "greeting", "thanks", "bye",
    "cancel", "my_groups", "unknown",
)

SLOTS: tuple[str, ...] = (
    "category", "dish", "merchant", "place", "keywords", "price_min", "price_max", "currency",
    "price_level", "radius_m", "time", "party_size", "sort", "discount", "group", "attribute",
    "rating_min", "venue",
)

SORTS: tuple[str, ...] = ("nearest", "cheapest", "best_rated", "popular", "biggest_discount")


@dataclass(frozen=True)
class Slot:
    """One slot: its normalized `value` and the span `text[start:end]` it came from.

    Several slots may share a span ("50到80块" gives price_min, price_max and currency).
    """

    name: str
    value: Any
    start: int
    end: int
    text: str
    ref: str | None = None  # for vocabulary words: the merchant's or place's key

    def overlaps(self, start: int, end: int) -> bool:
        """Whether this slot's span shares a character with `[start, end)`."""
        return self.start < end and start < self.end


@dataclass(frozen=True)
class TimeWindow:
    """A concrete stretch of time in the user's timezone: `[start, end)`."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Intent:
    """The parse of one message.

    `confidence` is in [0, 1]; `alternatives` lists other intents that scored close,
    best first, so a caller can ask instead of guessing. `window` is the concrete
    time window of the `time` slot, when there is one.
    """

    name: str
    confidence: float
    slots: tuple[Slot, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = ()
    window: TimeWindow | None = None
    lang: str = "en"
    corrections: tuple[tuple[str, str], ...] = field(default=())
    out_of_scope: bool = False  # unknown because it is about something else (weather, taxis)

    def get(self, name: str, default: Any = None) -> Any:
        """The value of the first slot called `name`, or `default`."""
        for slot in self.slots:
            if slot.name == name:
                return slot.value
        return default

    def all(self, name: str) -> list[Any]:
        """The values of every slot called `name`, in text order."""
        return [slot.value for slot in self.slots if slot.name == name]

    def ref(self, name: str) -> str | None:
        """The vocabulary key (a merchant's slug, a place's id) of the first slot called
        `name` that names something known, or None."""
        return next((s.ref for s in self.slots if s.name == name and s.ref), None)

    def values(self) -> dict[str, Any]:
        """Slot values by name, normalized as in the evaluation format; a slot named
        twice gives a list."""
        out: dict[str, Any] = {}
        for slot in self.slots:
            if slot.name in out:
                previous = out[slot.name]
                out[slot.name] = [*previous, slot.value] if isinstance(previous, list) \
                    else [previous, slot.value]
            else:
                out[slot.name] = slot.value
        return out

    @property
    def ambiguous(self) -> bool:
        """True when another intent scored nearly as well as this one."""
        return bool(self.alternatives) and self.alternatives[0][1] >= self.confidence - 0.15
