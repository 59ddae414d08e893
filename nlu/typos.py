"""Correcting common typos of English words ("sushii", "cheep", "resturant", "neer me").

Only words that are neither known nor everyday English (`english_words`: "able",
"past", "green" are words, not typos of table, fast, greek) are corrected, and only to a word
the parser cares about (vocabulary words and cue words), within one edit for short
words and two for words of six letters or more (Damerau-Levenshtein). Candidates come
from a delete index (the SymSpell idea), so a lookup costs a few dictionary probes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nlu.vocabulary import Vocabulary


def _words(text: str) -> list[str]:
    return text.split()

DOMAIN_WORDS = frozenset(_words("""
restaurant restaurants nearby near cheap cheaper cheapest nearest closest popular rated
tonight tomorrow weekend reserve reservation reservations booking table tables people
discount discounts coupon coupons voucher vouchers codes orders order refund cancel
follow unfollow unsubscribe subscribe settings language help thanks thank hello
goodbye please recommend recommendation find looking search delicious dinner lunch
breakfast morning afternoon evening price budget under between around within walking
distance kilometers meters dollars bucks expensive moderate affordable location
purchase buy karaoke massage dessert desserts noodles noodle coffee seafood sushi
hotpot barbecue buffet cinema movie movies fitness burger burgers pizza steak pasta
chinese japanese western karaoke haircut manicure sauna bakery ramen skewers
group groups team together
"""))

_WORD = re.compile(r"[a-z]{4,}")
_ENGLISH = Path(__file__).with_name("data") / "english_words.txt"


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Everyday English words of four letters or more (`data/english_words.txt`, built
    from word frequencies by `data/build_english_words.py`): never typos ("able" is not
    "table", "palace" not "place", "america" not "american")."""
    lines = _ENGLISH.read_text("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


class TypoCorrector:
    """Corrects unknown English words to vocabulary and cue words."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._built_for = -1
        self._targets: frozenset[str] = frozenset()
        self._deletes: dict[str, list[str]] = {}

    def _index(self) -> None:
        if self._built_for == self.vocabulary.size:
            return
        targets = frozenset(w for w in (DOMAIN_WORDS | self.vocabulary.latin_words)
                            if len(w) >= 4)
        deletes: dict[str, list[str]] = {}
        for word in targets:
            for variant in _deletes(word, 2 if len(word) >= 8 else 1):
                deletes.setdefault(variant, []).append(word)
        english_words()  # read once here, not on a shopper's first message
        self._targets, self._deletes = targets, deletes
        self._built_for = self.vocabulary.size
        self._lookup.cache_clear()

    def correct(self, text: str, original: str | None = None,
                ) -> tuple[str, list[int], list[tuple[str, str]]]:
        """`text` with typos corrected, an offset map (index in the result -> index in
        `text`, with one extra entry for the end), and the corrections made. Words
        capitalized in `original` (past its first word) are names and stay as written."""
        self._index()
        pieces: list[str] = []
        offsets: list[int] = []
        corrections: list[tuple[str, str]] = []
        last = 0
        for m in _WORD.finditer(text):
            word = m.group(0)
            if m.end() < len(text) and text[m.end()].isascii() and text[m.end()].isalnum():
                continue
            if original is not None and m.start() > 0 and original[m.start()].isupper():
                continue
            fixed = self._lookup(word)
            if fixed is None:
                continue
            pieces.append(text[last:m.start()])
            offsets.extend(range(last, m.start()))
            pieces.append(fixed)
            offsets.extend(min(m.start() + i, m.end() - 1) for i in range(len(fixed)))
            corrections.append((word, fixed))
            last = m.end()
        pieces.append(text[last:])
        offsets.extend(range(last, len(text)))
        offsets.append(len(text))
        return "".join(pieces), offsets, corrections

    @lru_cache(maxsize=8192)  # noqa: B019 - one corrector lives as long as its parser
    def _lookup(self, word: str) -> str | None:
        known = self.vocabulary.untargeted_words
        english = english_words()
        if word in self._targets or word in known:
            return None
        if word.endswith("s") and (word[:-1] in self._targets or word[:-1] in english
                                   or word[:-1] in known):
            return None  # a plural of a known word
        for plural in (word + "s", word + "es"):  # "wing" is one of the wings, not a typo
            if plural in self._targets and plural not in DOMAIN_WORDS:  # of king
                return plural  # (a cue word's pattern takes both: "code", "codes")
        if word in english:  # "able" is a word, not a typo of "table"
            return None
        limit = 2 if len(word) >= 8 else 1
        candidates: set[str] = set()
        for variant in _deletes(word, limit):
            candidates.update(self._deletes.get(variant, ()))
        best: tuple[int, str] | None = None
        for candidate in sorted(candidates):
            distance = _distance(word, candidate)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, candidate)
        return best[1] if best else None


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
