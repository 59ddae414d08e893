"""Numbers as people type them: 88, 1.5, 两百, 一百五, 三千五, 二十五, fifteen.

`NUMBER` is a regular-expression fragment that finds any of them in normalized text;
`to_number` turns the matched text into a float (None when it is not a number);
`read_quantity` reads a whole message that answers "how many?".
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}

CN_NUMERAL = "[零〇一二两三四五六七八九十百千万]+"
EN_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a hundred": 100,
    "a couple": 2, "a pair": 2,
}
_EN_WORDS = "|".join(sorted((re.escape(w) for w in EN_NUMBER_WORDS), key=len, reverse=True))
EN_NUMBER = rf"(?:{_EN_WORDS})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
ARABIC = r"\d+(?:\.\d+)?"
NUMBER = rf"(?:{ARABIC}|{CN_NUMERAL}|\b{EN_NUMBER}\b)"


def chinese_to_number(text: str) -> float | None:
    """两百 -> 200, 一百五 -> 150, 三千五 -> 3500, 十五 -> 15, 二十 -> 20, 一万二 -> 12000,
    and digit strings such as 一二三 -> 123. None for anything else."""
    if not text or any(c not in _DIGITS and c not in _UNITS for c in text):
        return None
    if all(c in _DIGITS for c in text):
        return float("".join(str(_DIGITS[c]) for c in text)) if len(text) > 1 \
            else float(_DIGITS[text])
    total, section, digit, last_unit = 0, 0, None, None
    for c in text:
        if c in _DIGITS:
            if digit is not None and _DIGITS[c] != 0 and digit != 0:
                return None  # two digits in a row inside a unit number: not a number
            digit = _DIGITS[c]
        else:
            unit = _UNITS[c]
            if unit == 10000:
                section = (section + (digit or 0)) or 1
                total += section * unit
                section, digit, last_unit = 0, None, unit
                continue
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    if digit is not None:
        # A trailing digit after a unit is the next place down: 一百五 is 150, 三千五 is 3500.
        if last_unit is not None and last_unit >= 100 and text[-2] in _UNITS:
            digit *= (last_unit // 10) if last_unit != 10000 else 1000
        section += digit
    return float(total + section)


def english_to_number(text: str) -> float | None:
    """"twenty five" / "twenty-five" -> 25; "six" -> 6. None for anything else."""
    words = re.split(r"[- ]+", text.strip())
    if " ".join(words) in EN_NUMBER_WORDS:
        return float(EN_NUMBER_WORDS[" ".join(words)])
    if len(words) == 2 and words[0] in EN_NUMBER_WORDS and words[1] in EN_NUMBER_WORDS:
        tens, ones = EN_NUMBER_WORDS[words[0]], EN_NUMBER_WORDS[words[1]]
        if tens >= 20 and tens % 10 == 0 and 0 < ones < 10:
            return float(tens + ones)
    return None


def to_number(text: str) -> float | None:
    """Any of the number forms above as a float, or None."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(ARABIC, text):
        return float(text)
    return chinese_to_number(text) if not text.isascii() else english_to_number(text)


_QUANTITY = re.compile(
    r"(?:我?(?:要|买|来|拿)\s*)?(?:x\s*)?"
    rf"(?P<sign>-\s*)?(?P<n>{ARABIC}|{CN_NUMERAL}|{EN_NUMBER})"
    r"\s*(?:份|个|张|件|套|单|pcs?|pieces?|units?|x)?"
    r"\s*(?:吧|就好|就行|谢谢|please|thanks|thank you)?"
)


def read_quantity(text: str) -> float | None:
    """How many units a whole message asks for: "3", "３", "3份", "三份", "两份", "要2份",
    "3 pcs", "x3", "two please"; a minus sign is kept ("-1" -> -1.0) so the caller can
    say why that will not do. None when the message is anything else ("3个人", "火锅")."""
    # Full-width forms fold to ASCII; "×" and punctuation become spaces.
    folded = unicodedata.normalize("NFKC", text).lower().replace("×", "x")
    folded = re.sub(r"[\s。.!！,，~]+$", "", folded.strip())
    match = _QUANTITY.fullmatch(folded)
    if match is None:
        return None
    value = to_number(match.group("n"))
    if value is None:
        return None
    return -value if match.group("sign") else value
