"""One pass over a message for every literal the parser's patterns need.

Most of the parser's regular expressions (intent cues, slot patterns, name patterns)
cannot match a message at all: "地址|电话|营业时间" needs one of those words in it. Each
pattern registered here is read once (with the `re` module's own parser) for the
literal strings that any match of it must contain; one Aho-Corasick automaton
(`pyahocorasick`) holds all of them, and one pass of it over the message says which
patterns can match. Only those are run, so a message costs one automaton pass and a
handful of regular-expression scans instead of about 80 scans.

The gate is exact: a pattern is skipped only when the text lacks every literal that a
match needs, so results are the same as running every pattern. A pattern with no
required literal (it can match with digits alone, say) is always run.

    CUE = gated(r"地址|电话|address")
    hits = scan(text)                  # once per message
    CUE.search(text, hits)             # None at once when no trigger is in the text
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import ahocorasick

try:  # the parser of regular expressions: re._parser from 3.11, sre_parse before
    from re import _constants as _c
    from re import _parser as _sre
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

_REPEATS = tuple(op for op in (getattr(_c, "MAX_REPEAT", None), getattr(_c, "MIN_REPEAT", None),
                               getattr(_c, "POSSESSIVE_REPEAT", None)) if op is not None)


def required_literals(pattern: str | re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every text that `pattern` matches in contains; None when
    no such set is known (the pattern may match without any fixed text)."""
    compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
    if compiled.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    found = _of_sequence(_sre.parse(compiled.pattern, compiled.flags))
    return frozenset(found) if found else None


def _of_sequence(items: object) -> set[str] | None:
    """The best required set of a sequence: its longest run of literal characters, or
    the required set of one of its required parts, whichever has the longest shortest
    member."""
    candidates: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append({"".join(run)})
            run.clear()

    for op, av in items:  # type: ignore[attr-defined]
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        part: set[str] | None = None
        if op is _c.SUBPATTERN:
            part = _of_sequence(av[-1])
        elif op is _c.BRANCH:
            branches = [_of_sequence(b) for b in av[1]]
            if all(branches):
                part = set().union(*branches)  # type: ignore[arg-type]
        elif op in _REPEATS:
            low, _, item = av
            if low >= 1:
                part = _of_sequence(item)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            part = _of_sequence(av)
        elif op is _c.IN:
            part = _of_class(av)  # a class of a few characters: [点时], \\d
        elif op is _c.ASSERT:  # a look-ahead or look-behind: its text is in the message too
            part = _of_sequence(av[1])
        if part:
            candidates.append(part)
    flush()
    candidates = [c for c in candidates if c and all(c)]
    if not candidates:
        return None
    return min(candidates, key=_cost)


# Any decimal digit other than 0-9 (Arabic-Indic, Devanagari...): a text holding one
# counts as holding every "digit" literal, so `\d` can be gated by 0-9 and stay exact.
OTHER_DIGIT = "\x00digit"
_OTHER_DIGITS = re.compile(r"(?![0-9])\d")


def _of_class(items: list[tuple[object, object]]) -> set[str] | None:
    """The characters a class of literals, small ranges and `\\d` can match; None for
    anything wider (a negated class, letters, spaces)."""
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))  # type: ignore[arg-type]
        elif op is _c.RANGE and av[1] - av[0] <= 30:  # type: ignore[index]
            chars.update(chr(c) for c in range(av[0], av[1] + 1))  # type: ignore[index]
        elif op is _c.CATEGORY and av is _c.CATEGORY_DIGIT:
            chars.update("0123456789")
            chars.add(OTHER_DIGIT)
        else:
            return None
    return chars


def _cost(literals: set[str]) -> float:
    """How often a text may hold one of `literals` (a rough guess: a lone letter is in
    almost every text, a digit or a Chinese character in some, longer words in few); the
    cheapest set of a sequence gates it."""
    total = 0.0
    for literal in literals:
        if literal == OTHER_DIGIT:
            continue
        if len(literal) == 1:
            total += 0.05 if literal.isdigit() else 0.5 if literal.isascii() else 0.03
        else:
            total += 0.01 if len(literal) == 2 else 0.002
    return total


class Gated:
    """A compiled pattern that runs only when the message holds one of its literals."""

    __slots__ = ("always", "id", "pattern")

    def __init__(self, pattern: re.Pattern[str], ident: int, always: bool) -> None:
        self.pattern = pattern
        self.id = ident
        self.always = always

    def possible(self, hits: frozenset[int] | set[int]) -> bool:
        """Whether the pattern can match the message `hits` was scanned from."""
        return self.always or self.id in hits

    def search(self, text: str, hits: frozenset[int] | set[int]) -> re.Match[str] | None:
        """`pattern.search(text)`, or None at once when it cannot match."""
        return self.pattern.search(text) if self.always or self.id in hits else None

    def finditer(self, text: str, hits: frozenset[int] | set[int]) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text)`, or nothing at once when it cannot match."""
        if self.always or self.id in hits:
            return self.pattern.finditer(text)
        return iter(())


class _Registry:
    def __init__(self) -> None:
        self.by_literal: dict[str, list[int]] = {}
        self.count = 0
        self.automaton: ahocorasick.Automaton | None = None

    def add(self, pattern: str | re.Pattern[str]) -> Gated:
        compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
        literals = required_literals(compiled)
        ident = self.count
        self.count += 1
        for literal in literals or ():
            self.by_literal.setdefault(literal, []).append(ident)  # OTHER_DIGIT too
        self.automaton = None  # rebuilt on the next scan
        return Gated(compiled, ident, literals is None)

    def build(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        for literal, idents in self.by_literal.items():
            if literal != OTHER_DIGIT:  # not text: scan looks for such digits itself
                automaton.add_word(literal, tuple(idents))
        automaton.make_automaton()
        self.automaton = automaton
        return automaton


_registry = _Registry()


def gated(pattern: str | re.Pattern[str]) -> Gated:
    """Register `pattern` (compiled if given as text) with the shared automaton."""
    return _registry.add(pattern)


def scan(text: str) -> set[int]:
    """The ids of the registered patterns whose literals occur in `text`."""
    automaton = _registry.automaton if _registry.automaton is not None else _registry.build()
    hits: set[int] = set()
    for _, idents in automaton.iter(text):
        hits.update(idents)
    if not text.isascii() and _OTHER_DIGITS.search(text):
        hits.update(_registry.by_literal.get(OTHER_DIGIT, ()))
    return hits


def literal_count() -> int:
    """How many distinct literals the automaton holds (for the benchmark's report)."""
    return len(_registry.by_literal)
