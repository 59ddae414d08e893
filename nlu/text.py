"""Text clean-up that keeps offsets: the normalized text has one character per
character of the original, so a span found in one is the same span in the other.

Full-width letters, digits and punctuation become their ASCII forms (NFKC, one
character at a time), letters are lower-cased, and emoji, symbols and control
characters become spaces.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from types import ModuleType


@lru_cache(maxsize=1)
def jieba_module() -> ModuleType:
    """jieba, imported at its first use (loading its dictionary takes about a second:
    importing nlu need not load it), its dictionary-loading chatter on stderr silenced."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


MAX_CHARS = 2000  # a chat message is shorter; the rest of a longer text is not parsed

_KEEP_SYMBOLS = set("¥$%~+-&#@")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CHINESE_RUN = re.compile(_CJK.pattern + "{2,}")  # two or more Chinese characters in a row
_LATIN = re.compile(r"[a-z]")
_LATIN_WORD = re.compile(r"[a-z]+")


def _char(c: str) -> str:
    if c.isascii():
        return c.lower() if c.isprintable() or c == " " else " "
    category = unicodedata.category(c)
    if category[0] in "CZ":  # control, format, private use, unassigned, separators
        return " "
    folded = unicodedata.normalize("NFKC", c)
    if len(folded) == 1:
        c = folded
        category = unicodedata.category(c)
        if c.isascii():
            return c.lower() if c.isprintable() else " "
    if category[0] == "S" and c not in _KEEP_SYMBOLS and c != "¥":
        return " "
    lowered = c.lower()
    return lowered if len(lowered) == 1 else c


class _Folded(dict[int, str]):
    """`str.translate`'s table: each character's `_char`, worked out when first met.
    Bounded (emptied when full: a table only saves work)."""

    size = 8192

    def __missing__(self, code: int) -> str:
        if len(self) >= self.size:
            self.clear()
        folded = self[code] = _char(chr(code))
        return folded


_FOLDED = _Folded()


def normalize(text: str) -> str:
    """`text` cut to MAX_CHARS, folded to half-width, lower-cased, symbols blanked.
    The result has the same length as the cut text."""
    text = text[:MAX_CHARS]
    if text.isascii() and text.isprintable():
        return text.lower()
    return text.translate(_FOLDED)


def language_of(normalized: str) -> str:
    """"zh" when the text has Chinese characters and they are at least a third of its
    letters, else "en"."""
    cjk = len(_CJK.findall(normalized))
    if cjk == 0:
        return "en"
    latin_words = len(_LATIN_WORD.findall(normalized))
    return "zh" if cjk >= latin_words else "en"


def is_cjk(c: str) -> bool:
    """Whether `c` is a Chinese character."""
    return bool(_CJK.match(c))


def is_word_char(c: str) -> bool:
    """Whether `c` continues a Latin word or a number."""
    return c.isascii() and (c.isalnum() or c == "'")

