"""One pass over a message for every literal the parser's patterns need.

Most of the parser's regular expressions (intent cues, slot patterns, name patterns)
cannot match a message at all: "地址|电话|营业时间" needs one of those words in it. Each
pattern registered here is read once (with the `re` module's own parser) for what any
match of it must contain: literal words, spelled out from neighbouring pieces where
they are few ("(?:周|星期)[一二]" needs 周一, 周二, 星期一 or 星期二), and all of the words
a match needs at once ("\\d+公里" needs a digit and 公里), for each alternative of the
pattern. One Aho-Corasick automaton (`pyahocorasick`) holds every such word, and one
pass of it over the message says which patterns can match. Only those are run, so a
message costs one automaton pass and a handful of regular-expression scans instead of
about 130 scans.

The gate is exact: a pattern is skipped only when the text lacks something every match
needs, so results are the same as running every pattern. A pattern with no required
literal (it can match with letters alone, say) is always run.

    CUE = gated(r"地址|电话|address")
    hits = scan(text)                  # once per message
    CUE.search(text, hits)             # None at once when no trigger is in the text
"""

from __future__ import annotations

import math
import re
import threading
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

# A requirement is a disjunction of conjunctions of literal sets: a text can hold a match
# only if, for one of the conjunctions, it contains a member of each of its sets. None
# is no requirement known (the pattern may match without any fixed text).
Requirement = tuple[tuple[frozenset[str], ...], ...] | None

_MAX_STRINGS = 200  # strings in a literal set (words spelled out from a pattern's pieces)
_MAX_TERMS = 64  # conjunctions in one requirement
_MAX_SETS = 3  # literal sets kept in one conjunction (the rarest)


def requirement(pattern: str | re.Pattern[str]) -> Requirement:
    """What every text that `pattern` matches in contains (see `Requirement`): words
    spelled out from neighbouring pieces ("(?:周|星期)[一二]" needs 周一, 周二, 星期一 or
    星期二), several of them when a match needs each ("\\d+公里": a digit and 公里), for
    each alternative of its own."""
    compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
    if compiled.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    return _requirement(_sre.parse(compiled.pattern, compiled.flags))


def required_literals(pattern: str | re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every text that `pattern` matches in contains; None when
    no such set is known. (The rarest set of each alternative, together.)"""
    found = requirement(pattern)
    if found is None:
        return None
    return _minimal(set().union(*(min(term, key=_cost) for term in found)))


def _requirement(items: object) -> Requirement:
    """The requirement of a sequence: runs of neighbouring pieces whose texts are few
    spelled out as words, and each other piece's own requirement, all needed."""
    needs: list[Requirement] = []
    run: set[str] = {""}

    def flush() -> None:
        if "" not in run:  # an optional piece left out matches no text: nothing needed
            needs.append(_one_of(_minimal(run)))
        run.clear()
        run.add("")

    for op, av in items:  # type: ignore[attr-defined]
        texts = _texts(op, av)
        if texts is not None and len(run) * len(texts) <= _MAX_STRINGS:
            run = {a + b for a in run for b in texts}
        else:
            flush()
            if texts is not None:
                run = set(texts)
            else:
                needs.append(_requirement_of(op, av))
        if op is _c.ASSERT:  # a look-ahead or look-behind: its text is in the message too
            needs.append(_requirement(av[1]))
    flush()
    return _all(needs)


def _requirement_of(op: object, av: object) -> Requirement:
    """The requirement of one piece of a sequence."""
    if op is _c.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _requirement(av[-1])  # type: ignore[index]
    if op is _c.BRANCH:
        return _any([_requirement(branch) for branch in av[1]])  # type: ignore[index]
    if op in _REPEATS:
        low, _, item = av  # type: ignore[misc]
        return _requirement(item) if low >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _requirement(av)
    if op is _c.IN:
        chars = _of_class(av)  # type: ignore[arg-type]
        return _one_of(frozenset(chars)) if chars else None
    return None


def _one_of(literals: frozenset[str]) -> Requirement:
    """The requirement of one of `literals`; None when nearly every text meets it (a
    few lone letters: any English text holds an "a", an "m" or a "k")."""
    if _cost(literals) >= 0.9:
        return None
    return ((literals,),)


def _texts(op: object, av: object) -> set[str] | None:
    """Every text the piece can match, when they are few (at most `_MAX_STRINGS`);
    zero-width pieces (anchors, look-arounds) match the empty text."""
    found: set[str] | None
    if op is _c.LITERAL:
        return {chr(av)}  # type: ignore[arg-type]
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return {""}
    if op is _c.IN:
        chars = _of_class(av)  # type: ignore[arg-type]
        return None if chars is None or OTHER_DIGIT in chars else chars
    if op is _c.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _texts_of(av[-1])  # type: ignore[index]
    if op is _c.BRANCH:
        found = set()
        for branch in av[1]:  # type: ignore[index]
            texts = _texts_of(branch)
            if texts is None or len(found | texts) > _MAX_STRINGS:
                return None
            found |= texts
        return found
    if op in _REPEATS:
        low, high, item = av  # type: ignore[misc]
        texts = _texts_of(item)
        if texts is None or high > 1:
            return None
        return texts | {""} if low == 0 else texts
    return None


def _texts_of(items: object) -> set[str] | None:
    found = {""}
    for op, av in items:  # type: ignore[attr-defined]
        texts = _texts(op, av)
        if texts is None or len(found) * len(texts) > _MAX_STRINGS:
            return None
        found = {a + b for a in found for b in texts}
    return found


def _minimal(strings: set[str]) -> frozenset[str]:
    """`strings` without those that hold another of them (a text holding "周一" holds
    "周"), nor the empty one."""
    ordered = sorted(strings - {""}, key=len)
    kept: list[str] = []
    for s in ordered:
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


def _all(needs: list[Requirement]) -> Requirement:
    """All of `needs` at once, as one requirement (dropping the commonest when the
    conjunctions would grow too many)."""
    terms: list[tuple[frozenset[str], ...]] | None = None
    for need in sorted((n for n in needs if n is not None), key=_chance):
        if terms is None:
            terms = list(need)
            continue
        product = [(*a, *b) for a in terms for b in need]
        if len(product) <= _MAX_TERMS:
            terms = product
    if terms is None:
        return None
    return tuple(tuple(sorted(set(term), key=_cost)[:_MAX_SETS]) for term in terms)


def _any(options: list[Requirement]) -> Requirement:
    """One of `options`: None if any is None; alternatives of one literal set each are
    merged into one set."""
    if any(option is None for option in options):
        return None
    terms = [term for option in options for term in option]  # type: ignore[union-attr]
    if all(len(term) == 1 for term in terms) or len(terms) > _MAX_TERMS:
        return ((_minimal(set().union(*(min(term, key=_cost) for term in terms))),),)
    return tuple(terms)


def _chance(need: Requirement) -> float:
    """A rough chance that a text meets `need` (lower is rarer)."""
    return sum(math.prod(_cost(s) for s in term) for term in need or ())


# Any decimal digit other than 0-9 (Arabic-Indic, Devanagari...): a text holding one
# counts as holding every "digit" literal, so `\d` can be gated by 0-9 and stay exact.
OTHER_DIGIT = "\x00digit"
_OTHER_DIGITS = re.compile(r"[^\D0-9]")


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


def _cost(literals: frozenset[str] | set[str]) -> float:
    """How often a text may hold one of `literals` (a rough guess: a lone letter is in
    almost every text, a digit, a sign or a Chinese character in some, longer words in
    few)."""
    total = 0.0
    for literal in literals:
        if literal == OTHER_DIGIT:
            continue
        if len(literal) == 1:
            total += 0.3 if literal.isascii() and literal.isalpha() else \
                0.05 if literal.isdigit() else 0.1 if literal.isascii() else 0.03
        else:
            total += 0.01 if len(literal) == 2 else 0.002
    return min(total, 1.0)


class Gated:
    """A pattern that runs only when the message holds one of its literals. It is
    compiled and read for its literals when first needed (the first `scan`, or its
    `pattern`), not when registered: the parser's modules register about 130 patterns
    at import, and reading them all there cost a bot's start-up about 0.2 s."""

    __slots__ = ("_compiled", "_source", "always", "id")

    def __init__(self, source: str | re.Pattern[str], ident: int) -> None:
        self._source = source
        self._compiled = source if isinstance(source, re.Pattern) else None
        self.id = ident
        self.always = False  # set when the registry reads the pattern (`_Registry.build`)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled pattern."""
        if self._compiled is None:
            self._compiled = re.compile(self._source)
        return self._compiled

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
    """The registered patterns' requirements, over literal sets numbered once each."""

    def __init__(self) -> None:
        self.set_ids: dict[frozenset[str], int] = {}
        self.sets_of: dict[str, list[int]] = {}  # literal -> the sets holding it
        self.single: dict[int, list[int]] = {}  # set -> patterns that need only it
        self.terms: dict[int, list[tuple[int, frozenset[int]]]] = {}  # rarest set -> terms
        self.count = 0
        self.automaton: ahocorasick.Automaton | None = None
        self.groups: list[tuple[tuple[int, ...], tuple[int, ...]]] = []  # see `build`
        self.other_digit: int | None = None  # the group of the sets of `\d`
        self.term_keys: frozenset[int] = frozenset()  # the sets that key a term
        self.unread: list[Gated] = []  # registered, not read yet (see `build`)
        self.lock = threading.Lock()

    def add(self, pattern: str | re.Pattern[str]) -> Gated:
        """Register `pattern`; it is read at the next `build` (under the lock: a module
        imported while a thread builds must not lose its patterns)."""
        with self.lock:
            registered = Gated(pattern, self.count)
            self.count += 1
            self.unread.append(registered)
            self.automaton = None  # rebuilt on the next scan
            return registered

    def _read(self, registered: Gated) -> None:
        need = requirement(registered.pattern)
        for term in need or ():
            ids = [self._set_id(literals) for literals in term]  # rarest first
            if len(ids) == 1:
                self.single.setdefault(ids[0], []).append(registered.id)
            else:
                self.terms.setdefault(ids[0], []).append((registered.id, frozenset(ids[1:])))
        registered.always = need is None

    def _set_id(self, literals: frozenset[str]) -> int:
        if literals not in self.set_ids:
            self.set_ids[literals] = len(self.set_ids)
            for literal in literals:  # OTHER_DIGIT too
                self.sets_of.setdefault(literal, []).append(self.set_ids[literals])
        return self.set_ids[literals]

    def build(self) -> ahocorasick.Automaton:
        """The automaton of every literal; each word's value is the number of its group
        of literal sets (words of the same sets share one), with the patterns that need
        only one of those sets. Patterns registered since the last build are read first.
        One build at a time: a bot's warm-up builds it in a thread."""
        with self.lock:
            if self.automaton is not None:
                return self.automaton
            return self._build()

    def _build(self) -> ahocorasick.Automaton:
        for registered in self.unread:
            self._read(registered)
        self.unread = []
        automaton = ahocorasick.Automaton()
        groups: dict[tuple[int, ...], int] = {}
        self.groups = []
        for literal, set_ids in self.sets_of.items():
            key = tuple(sorted(set_ids))
            if key not in groups:
                groups[key] = len(self.groups)
                patterns = {ident for set_id in key for ident in self.single.get(set_id, ())}
                self.groups.append((key, tuple(patterns)))
            if literal != OTHER_DIGIT:  # not text: scan looks for such digits itself
                automaton.add_word(literal, groups[key])
        automaton.make_automaton()
        self.other_digit = groups.get(tuple(sorted(self.sets_of.get(OTHER_DIGIT, ()))))
        self.term_keys = frozenset(self.terms)
        self.automaton = automaton
        return automaton


_registry = _Registry()


def gated(pattern: str | re.Pattern[str]) -> Gated:
    """Register `pattern` (compiled if given as text) with the shared automaton."""
    return _registry.add(pattern)


def scan(text: str) -> set[int]:
    """The ids of the registered patterns whose requirements `text` meets."""
    registry = _registry
    automaton = registry.automaton if registry.automaton is not None else registry.build()
    keys = {key for _, key in automaton.iter(text)}
    if registry.other_digit is not None and not text.isascii() and _OTHER_DIGITS.search(text):
        keys.add(registry.other_digit)
    found: set[int] = set()  # the literal sets met
    hits: set[int] = set()
    groups = registry.groups
    for key in keys:
        set_ids, patterns = groups[key]
        found.update(set_ids)
        hits.update(patterns)
    terms = registry.terms
    for set_id in found & registry.term_keys:
        for ident, rest in terms[set_id]:
            if rest <= found:
                hits.add(ident)
    return hits


def literal_count() -> int:
    """How many distinct literals the automaton holds (for the benchmark's report)."""
    prepare()
    return len(_registry.sets_of)


def prepare() -> None:
    """Compile and read every registered pattern and build the automaton now (a
    parser's construction calls it, so no message pays for it)."""
    if _registry.automaton is None:
        _registry.build()
