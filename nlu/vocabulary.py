"""The words the parser knows: categories with synonyms, merchants, dishes and places.

The caller hands them in (the parser does no I/O) and may add more while running:
a merchant's new deal makes its words known at once. Every Chinese word is also
registered with jieba, so segmentation keeps 酸菜鱼, 海底捞 or a new brand whole.

Matching is longest-first over a character trie of the normalized words. A Latin word
must stand alone (not inside a longer word); a one-character Chinese word must be a
whole jieba token (面 in 牛肉面 is noodles, in 见面 it is not).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from nlu.text import is_cjk, jieba_module, normalize

# On equal length, the more specific kind wins.
KIND_PRIORITY = {"merchant": 0, "place": 1, "category": 2, "dish": 3}
_END = "\0"
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz'")  # what continues a Latin word...
_WORD = _LETTERS | frozenset("0123456789")  # ...or a number (text.is_word_char)
_ONE_WORD = re.compile(r"[a-z]{3,}")
_WORD_CLASS = "".join(re.escape(c) for c in sorted(_WORD))

# Suffixes that people drop when naming a merchant: 海底捞火锅 -> 海底捞, Luckin Coffee -> Luckin.
_MERCHANT_SUFFIXES_ZH = ("火锅店", "火锅", "咖啡馆", "咖啡", "餐厅", "饭店", "酒楼", "烘焙",
                         "大排档", "小馆", "面馆", "店", "馆")
_MERCHANT_SUFFIXES_EN = ("hotpot", "hot pot", "coffee", "cafe", "café", "restaurant",
                         "kitchen", "bakery", "bar", "house", "noodles", "tea", "bbq")


def _plural(word: str) -> str | None:
    """The English plural of a Latin noun ("theater": "theaters", "taco": "tacos"); None
    for other words and for those that are plural or uncountable already."""
    key = " ".join(normalize(word).split())
    if not re.fullmatch(r"[a-z][a-z -]*[a-z]", key) or key.endswith(("s", "x", "sh", "ch")) \
            or len(key) < 3 or key.endswith(("food", "cuisine", "tea", "coffee", "rice", "an",
                                             "ese", "ish", "ic", "al", "ed", "ing")):
        return None
    if key.endswith("y") and key[-2] not in "aeiou":
        return key[:-1] + "ies"
    return key + "s"


@dataclass(frozen=True)
class Match:
    """A vocabulary word found in the text: `[start, end)`, its kind and reference."""

    start: int
    end: int
    kind: str
    ref: str
    others: tuple[tuple[str, str], ...] = ()  # the same words' other meanings


class Vocabulary:
    """Known words by kind, matched longest-first. Add words with the `add_*` methods."""

    def __init__(self) -> None:
        self._trie: dict[str, dict] = {}  # type: ignore[type-arg]
        self._latin_words: set[str] = set()
        self._untargeted: set[str] = set()  # one-word entries never corrected to, nor corrected
        self.size = 0
        self._starts_for = -1
        self._start_pattern = re.compile("(?!)")

    # -- building -----------------------------------------------------------------------

    def add(self, kind: str, word: str, ref: str, typo_target: bool = True) -> None:
        """Know `word` as a `kind` ("category", "merchant", "dish", "place") meaning `ref`;
        its Latin words are what typos are corrected to unless `typo_target` is False (a
        plural made up here: "seats" must not become "eats"; a short everyday word: "wise"
        must not become "wine"). Such a word, if one Latin word, is no target even inside
        another entry (the "wine" of "wine bar"), and is itself never corrected."""
        if kind not in KIND_PRIORITY:
            raise ValueError(f"unknown vocabulary kind {kind!r}")
        key = " ".join(normalize(word).split())
        if not key or len(key) > 60:
            return
        node = self._trie
        for c in key:
            node = node.setdefault(c, {})
        entries: list[tuple[str, str]] = node.setdefault(_END, [])
        if (kind, ref) in entries:
            return
        entries.append((kind, ref))
        entries.sort(key=lambda e: KIND_PRIORITY[e[0]])
        self.size += 1
        if typo_target:
            self._latin_words.update(re.findall(r"[a-z]{3,}", key))
        elif _ONE_WORD.fullmatch(key):
            self._untargeted.add(key)
        if any(is_cjk(c) for c in key) and len(key) > 1:
            jieba = jieba_module()
            jieba.add_word(key, freq=max(jieba.get_FREQ(key) or 0, 2000))

    def add_category(self, category_id: str, words: Iterable[str],
                     typo_target: bool = True) -> None:
        """A canonical category and the words people use for it (an English one in the
        plural too: theaters, pizzas); `typo_target` as for `add`."""
        for word in (category_id, *words):
            self.add("category", word, category_id, typo_target)
            plural = _plural(word)
            if plural and not self.knows(plural):
                self.add("category", plural, category_id, typo_target=False)

    def add_merchant(self, key: str, names: Iterable[str]) -> None:
        """A merchant (`key`, e.g. its slug) under its names and the short forms people
        type: the name without a trailing 火锅 / Coffee / 餐厅 and the like."""
        for name in names:
            self.add("merchant", name, key)
            for short in merchant_short_forms(name):
                self.add("merchant", short, key)

    def add_dish(self, word: str, typo_target: bool = True) -> None:
        """A dish (or cuisine) people search by; an English one in the plural too;
        `typo_target` as for `add`."""
        self.add("dish", word, normalize(word), typo_target)
        plural = _plural(word)
        if plural and not self.knows(plural):
            self.add("dish", plural, normalize(word), typo_target=False)

    def add_place(self, key: str, names: Iterable[str]) -> None:
        """A place of the gazetteer (`key`, e.g. its id) under its names and aliases."""
        for name in names:
            self.add("place", name, key)

    def knows(self, word: str) -> bool:
        """Whether `word` (as typed) is a known word of any kind."""
        return self.kind_of(word) is not None

    def kind_of(self, word: str) -> str | None:
        """The kind `word` (as typed, whole) is first known as ("category", "merchant",
        ...), or None for a word not known."""
        node = self._trie
        for c in " ".join(normalize(word).split()):
            node = node.get(c)  # type: ignore[assignment]
            if node is None:
                return None
        entries: list[tuple[str, str]] | None = node.get(_END)
        return entries[0][0] if entries else None

    @property
    def latin_words(self) -> set[str]:
        """Every Latin word (3+ letters) inside a known word that typos are corrected to:
        none added as no typo target."""
        return self._latin_words - self._untargeted

    @property
    def untargeted_words(self) -> set[str]:
        """The one-word Latin words (3+ letters) added as no typo target: known as they
        are, so never corrected, and never what another word is corrected to."""
        return self._untargeted

    # -- matching -----------------------------------------------------------------------

    def find(self, text: str, taken: list[bool], tokens: Collection[tuple[int, int]] | None = None,
             ) -> list[Match]:
        """Known words in normalized `text`, longest first, leftmost first, skipping
        characters already `taken` by other slots. `tokens` are the jieba token spans,
        used to accept one-character Chinese words."""
        found: list[Match] = []
        n = len(text)
        starts = self._starts()
        at = starts.search(text)
        while at is not None:
            i = at.start()
            if taken[i]:
                at = starts.search(text, i + 1)
                continue
            best: tuple[int, list[tuple[str, str]]] | None = None
            node = self._trie
            j = i
            while j < n and not taken[j]:
                node = node.get(text[j])  # type: ignore[assignment]
                if node is None:
                    break
                j += 1
                if _END in node and self._acceptable(text, i, j, tokens):
                    best = (j, node[_END])
            if best is None:
                at = starts.search(text, i + 1)
                continue
            end, entries = best
            kind, ref = entries[0]
            found.append(Match(i, end, kind, ref, tuple(entries[1:])))
            at = starts.search(text, end)
        return found

    def _starts(self) -> re.Pattern[str]:
        """Where a known word can start: the first character of one, and for a Latin
        word not a letter or digit that continues a word (compiled again when words are
        added)."""
        if self._starts_for != self.size:
            firsts = sorted(self._trie)
            latin = "".join(re.escape(c) for c in firsts if c in _LETTERS)
            other = "".join(re.escape(c) for c in firsts if c not in _LETTERS)
            alternatives = ([f"[{other}]"] if other else []) + \
                ([f"(?<![{_WORD_CLASS}])[{latin}]"] if latin else [])
            self._start_pattern = re.compile("|".join(alternatives) or "(?!)")
            self._starts_for = self.size
        return self._start_pattern

    @staticmethod
    def _acceptable(text: str, start: int, end: int,
                    tokens: Collection[tuple[int, int]] | None) -> bool:
        if end < len(text) and text[end - 1] in _WORD and text[end] in _WORD:
            return False  # a Latin word must not continue
        if end - start == 1 and is_cjk(text[start]):
            return tokens is not None and (start, end) in tokens
        return True


def merchant_short_forms(name: str) -> list[str]:
    """海底捞火锅 -> [海底捞]; Luckin Coffee -> [luckin]; names without a known suffix
    give nothing. A short form keeps at least two Chinese characters or four letters."""
    key = " ".join(normalize(name).split())
    shorts = []
    for suffix in _MERCHANT_SUFFIXES_ZH:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            shorts.append(key[: -len(suffix)].strip())
            break
    for suffix in _MERCHANT_SUFFIXES_EN:
        if key.endswith(" " + suffix) and len(key) - len(suffix) > 4:
            shorts.append(key[: -len(suffix)].strip())
            break
    return shorts
