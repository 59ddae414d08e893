"""Typed button data: one small declared class per kind of button.

Telegram gives a pressed button back as a string of at most 64 bytes (its
`callback_data`). Instead of writing and parsing those strings by hand, each button
declares what it carries:

    class DealCard(Payload, prefix="d"):
        deal_id: int
        search_id: int | None = None

`DealCard(12).pack()` gives `"d:12:"`-like data (fields joined by `:` after the prefix,
trailing empty optionals dropped), and the router unpacks a press back into a
`DealCard` before the handler runs. A press whose data does not unpack (forged, or
left over from an older version of a button) never reaches the handler: the router
answers it as a stale button.

Field types are deliberately few, each with a bounded packed size, so the 64-byte
limit is checked once, when the class is defined:
  int              a non-negative whole number of at most 12 digits (ids, offsets)
  bool             `1` / `0`
  Literal["a",...] one of the listed words or numbers (an action, a choice, 1 to 5
                   stars): unpacked to the declared value itself
  Word(n)          letters, digits, `_` and `-`, 1 to n characters (a short key)
and `X | None` of any of them (packed as nothing), normally with a default.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

CALLBACK_DATA_MAX = 64  # Telegram's limit on callback_data, in bytes
INT_DIGITS = 12
_WORD = re.compile(r"[A-Za-z0-9_\-]+")


@dataclass(frozen=True)
class Word:
    """A short plain word in button data (a key, a field name): at most `max_len`
    letters, digits, `_` or `-`."""

    max_len: int


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # int, bool, literal, word
    optional: bool
    choices: tuple[str, ...] = ()
    values: tuple[object, ...] = ()  # a literal's declared values (str or int), by choice
    max_len: int = 0
    has_default: bool = False

    @property
    def widest(self) -> int:
        """The most bytes this field can take when packed."""
        if self.kind == "int":
            return INT_DIGITS
        if self.kind == "bool":
            return 1
        if self.kind == "literal":
            return max(len(c.encode()) for c in self.choices)
        return self.max_len

    def pack(self, value: object) -> str:
        if value is None:
            if not self.optional:
                raise ValueError(f"{self.name} may not be None")
            return ""
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or not (
                    0 <= value < 10**INT_DIGITS):
                raise ValueError(f"{self.name}={value!r} is not a button number")
            return str(value)
        if self.kind == "bool":
            return "1" if value else "0"
        text = str(value)
        if self.kind == "literal" and (value not in self.values or text not in self.choices):
            raise ValueError(f"{self.name}={value!r} is not one of {self.choices}")
        if self.kind == "word" and not (_WORD.fullmatch(text) and len(text) <= self.max_len):
            raise ValueError(f"{self.name}={value!r} is not a button word")
        return text

    def unpack(self, text: str) -> object:
        """The value for `text`; raises ValueError when it cannot be one."""
        if text == "":
            if self.optional:
                return None
            raise ValueError("missing")
        if self.kind == "int":
            if not (text.isascii() and text.isdigit() and len(text) <= INT_DIGITS):
                raise ValueError("not a number")
            return int(text)
        if self.kind == "bool":
            if text not in ("0", "1"):
                raise ValueError("not a flag")
            return text == "1"
        if self.kind == "literal":
            if text not in self.choices:
                raise ValueError("not a choice")
            return self.values[self.choices.index(text)]
        if not (_WORD.fullmatch(text) and len(text) <= self.max_len):
            raise ValueError("not a word")
        return text


def _describe(name: str, hint: Any, has_default: bool) -> _Field:
    """How a declared field is packed, from its type annotation."""
    optional = False
    args = get_args(hint)
    if get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"button field {name}: one type or None, not {hint!r}")
        hint, optional = rest[0], True
    if get_origin(hint) is typing.Annotated:
        base, *extras = get_args(hint)
        words = [e for e in extras if isinstance(e, Word)]
        if base is str and words:
            return _Field(name, "word", optional, max_len=words[0].max_len,
                          has_default=has_default)
    if hint is int:
        return _Field(name, "int", optional, has_default=has_default)
    if hint is bool:
        return _Field(name, "bool", optional, has_default=has_default)
    if get_origin(hint) is Literal:
        values = get_args(hint)
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise TypeError(f"button field {name}: choices must be words or numbers")
        choices = tuple(str(v) for v in values)
        if not all(_WORD.fullmatch(c) for c in choices) or len(set(choices)) < len(choices):
            raise TypeError(f"button field {name}: choices must be distinct plain words")
        return _Field(name, "literal", optional, choices=choices, values=values,
                      has_default=has_default)
    raise TypeError(f"button field {name}: {hint!r} cannot go in button data "
                    "(int, bool, Literal[...], Annotated[str, Word(n)], or X | None)")


class Payload:
    """The data of one kind of button. Subclass with a `prefix` and annotated fields;
    the subclass becomes a frozen dataclass whose packed form fits in 64 bytes."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]
    _registry: ClassVar[dict[str, type[Payload]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _WORD.fullmatch(prefix):
            raise TypeError(f"button prefix {prefix!r} must be a plain word")
        taken = Payload._registry.get(prefix)
        if taken is not None and taken.__qualname__ != cls.__qualname__:
            raise TypeError(f"button prefix {prefix!r} is taken by {taken.__qualname__}")
        cls.prefix = prefix
        dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls, include_extras=True)
        described = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            has_default = (f.default is not dataclasses.MISSING
                           or f.default_factory is not dataclasses.MISSING)
            described.append(_describe(f.name, hints[f.name], has_default))
        cls._fields = tuple(described)
        widest = len(prefix) + sum(1 + f.widest for f in cls._fields)
        if widest > CALLBACK_DATA_MAX:
            raise TypeError(f"button {cls.__qualname__} can take {widest} bytes packed, "
                            f"over Telegram's {CALLBACK_DATA_MAX}")
        Payload._registry[prefix] = cls

    def pack(self) -> str:
        """The callback data for this button (trailing empty optionals left off)."""
        parts = [f.pack(getattr(self, f.name)) for f in self._fields]
        while parts and parts[-1] == "" and self._fields[len(parts) - 1].optional:
            parts.pop()
        return ":".join([self.prefix, *parts])

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The button for `data`, or None when it is not one of these (forged, stale)."""
        prefix, _, rest = data.partition(":")
        if prefix != cls.prefix:
            return None
        parts = rest.split(":") if rest else []
        if len(parts) > len(cls._fields):
            return None
        values: dict[str, object] = {}
        try:
            for i, field in enumerate(cls._fields):
                if i < len(parts):
                    values[field.name] = field.unpack(parts[i])
                elif not (field.has_default or field.optional):
                    return None
                elif not field.has_default:
                    values[field.name] = None
        except ValueError:
            return None
        return cls(**values)

    @classmethod
    def widest(cls) -> int:
        """The most bytes this button's data can take."""
        return len(cls.prefix) + sum(1 + f.widest for f in cls._fields)

    @classmethod
    def example(cls) -> Self:
        """A valid instance (every number 1, the first choice): for tests that press
        every button the route table declares."""
        values: dict[str, object] = {}
        for field in cls._fields:
            if field.kind == "int":
                values[field.name] = 1
            elif field.kind == "bool":
                values[field.name] = True
            elif field.kind == "literal":
                values[field.name] = field.values[0]
            else:
                values[field.name] = "x"
        return cls(**values)


def payload_for(prefix: str) -> type[Payload] | None:
    """The declared button class with this prefix, if any."""
    return Payload._registry.get(prefix)
