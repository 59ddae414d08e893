"""Understanding what shoppers type: text -> `Intent` (name, confidence, slots).

    from nlu import parse
    intent = parse("附近有什么火锅，人均100以内")

Pure: no I/O, no database, nothing of ours imported. The vocabulary (categories,
merchants, dishes, places) is handed in by the caller with `configure`, or a
`Parser` is built with its own `Vocabulary`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nlu.parser import Parser
from nlu.slots import people_in
from nlu.types import INTENTS, SLOTS, SORTS, Intent, Slot, TimeWindow
from nlu.vocabulary import Vocabulary

__all__ = ["INTENTS", "SLOTS", "SORTS", "Intent", "Parser", "Slot", "TimeWindow",
           "Vocabulary", "configure", "default_parser", "parse", "people_in"]

_default: Parser | None = None


def configure(vocabulary: Vocabulary, tz: str = "Asia/Shanghai") -> Parser:
    """Make `vocabulary` the one `parse` uses; returns the parser."""
    global _default
    _default = Parser(vocabulary, tz=tz)
    return _default


def default_parser() -> Parser:
    """The parser `parse` uses (one with an empty vocabulary until `configure`)."""
    global _default
    if _default is None:
        _default = Parser(Vocabulary())
    return _default


def parse(text: str, lang: str | None = None, now: datetime | None = None,
          tz: str | ZoneInfo | None = None) -> Intent:
    """The intent of one message. `lang` ("zh"/"en") is guessed when not given; `now`
    and `tz` anchor time expressions (default: the current time in the parser's zone)."""
    return default_parser().parse(text, lang=lang, now=now, tz=tz)
