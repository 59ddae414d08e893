"""Translations: Fluent catalogs in `handlers/locales/<lang>/*.ftl`.

Fluent (Mozilla's Project Fluent) was chosen over gettext because its catalogs are
read as they are (no compile step), messages are keyed by id rather than by English
source text, and variables and plurals live in the translation, where each language
can word them its own way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import fluent_number

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("zh", "en")
FALLBACK = "en"
MAX_NUMBER_DIGITS = 15  # a variable of more digits is passed as text (see _fluent_args)

log = logging.getLogger(__name__)


def language_of(profile: object | None, default: str = "zh") -> str:
    """The language to write to someone in, from their stored profile: the one they
    chose in settings, else their Telegram language, else `default`."""
    if profile is None:
        return default
    chosen = getattr(profile, "language", None)
    return chosen or normalize_language(getattr(profile, "language_code", None), default)


def normalize_language(code: str | None, default: str = "zh") -> str:
    """Map a Telegram `language_code` ("zh-hans", "en-US", "de", None) to "zh" or "en"."""
    if not code:
        return default
    code = code.strip().lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    # People whose Telegram is in another language are more likely to read English.
    return "en"


class Catalog:
    """All messages of one language."""

    def __init__(self, lang: str, directory: Path = LOCALES_DIR) -> None:
        self.lang = lang
        self.bundle = FluentBundle([lang], use_isolating=False)
        self.ids: set[str] = set()
        for path in sorted((directory / lang).glob("*.ftl")):
            resource = FluentResource(path.read_text(encoding="utf-8"))
            errors = self.bundle.add_resource(resource)
            if errors:  # pragma: no cover - caught by the catalog tests
                raise ValueError(f"{path}: {errors}")
            self.ids.update(
                entry.id.name for entry in resource.body if hasattr(entry, "id")
            )

    def format(self, key: str, args: Mapping[str, Any] | None = None) -> str | None:
        """The message `key` with `args` filled in, or None when the catalog lacks it."""
        if not self.bundle.has_message(key):
            return None
        message = self.bundle.get_message(key)
        if message.value is None:
            return None
        text, errors = self.bundle.format_pattern(message.value, _fluent_args(args))
        if errors:
            log.warning("translation %s/%s: %s", self.lang, key, errors)
        return text


def _fluent_args(args: Mapping[str, Any] | None) -> dict[str, Any]:
    """The variables as Fluent should see them: a whole number written as text ("12",
    as many handlers pass counts) becomes a number, so plural variants (`[one]`) are
    chosen by it; it is shown exactly as written (no digit grouping). Longer runs of
    digits (something typed, repeated in a refusal) stay text: Fluent cannot format
    numbers that big."""
    return {
        name: fluent_number(int(value), useGrouping=False)
        if isinstance(value, str) and value.isascii() and value.isdigit()
        and len(value) <= MAX_NUMBER_DIGITS and str(int(value)) == value else value
        for name, value in (args or {}).items()
    }


@cache
def catalog(lang: str) -> Catalog:
    """The catalog of `lang` (loaded once)."""
    return Catalog(lang if lang in LANGUAGES else FALLBACK)


def load_catalogs() -> None:
    """Read every language's catalog now (Fluent's parser takes about 0.15 s a
    language), so that no reply waits for it. Safe in a thread: at worst a catalog is
    read twice, to the same messages."""
    for lang in LANGUAGES:
        catalog(lang)


def t(lang: str, key: str, /, **args: Any) -> str:
    """Translate `key` into `lang`, falling back to English, then to the key itself.

    Formatting a message through Fluent takes tens of microseconds and a reply formats
    a dozen; the same message with the same values (a deal's result line, a heading)
    is formatted again and again, so recent results are remembered. The catalogs never
    change while the process runs, so a remembered text is always the one Fluent
    would give, and forgetting them (`t_cache_clear`) changes nothing but the time."""
    try:
        return _remembered(lang, key, tuple(args.items()))
    except TypeError:  # a value that cannot be a key (a list, say): format it afresh
        return _translate(lang, key, args)


@lru_cache(maxsize=8192)
def _remembered(lang: str, key: str, args: tuple[tuple[str, Any], ...]) -> str:
    return _translate(lang, key, dict(args))


def t_cache_clear() -> None:
    """Forget the remembered translations (for tests: they are safe to lose)."""
    _remembered.cache_clear()


def _translate(lang: str, key: str, args: Mapping[str, Any]) -> str:
    text = catalog(lang).format(key, args)
    if text is None:
        log.warning("missing translation %s/%s", lang, key)
        text = catalog(FALLBACK).format(key, args)
    return text if text is not None else key


class Translator:
    """`t` bound to one language: `tr("start-greeting", name="Ann")`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else FALLBACK

    def __call__(self, key: str, /, **args: Any) -> str:
        return t(self.lang, key, **args)

    def has(self, key: str) -> bool:
        """Does this language's catalog have `key`?"""
        return key in catalog(self.lang).ids
