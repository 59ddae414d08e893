"""Every user-facing string lives in the zh and en catalogs, and they match."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.i18n import Catalog, normalize_language, t

ROOT = Path(__file__).resolve().parents[1]
NOT_KEYS = {"utf-8"}  # key-shaped strings that are not messages
KEY_CALL = re.compile(r"""\bt\(\s*(?:[a-z_.]+,\s*)?f?["']([a-z0-9_{}.\-]+)["']""")


def test_both_catalogs_have_the_same_messages() -> None:
    zh, en = Catalog("zh"), Catalog("en")
    assert zh.ids == en.ids
    assert len(zh.ids) > 50


def test_every_key_used_in_the_code_exists() -> None:
    ids = Catalog("en").ids
    missing = []
    for path in [*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py")]:
        for key in KEY_CALL.findall(path.read_text(encoding="utf-8")):
            if "{" in key:  # an f-string key: check that some message has that prefix
                prefix = key.split("{")[0]
                if not any(i.startswith(prefix) for i in ids):
                    missing.append(f"{path.name}: {key}")
            elif key not in ids:
                missing.append(f"{path.name}: {key}")
    assert not missing


def test_every_key_shaped_string_in_the_handlers_is_a_message() -> None:
    """Catches keys picked in expressions (`"a-done" if ok else "a-not"`), not only t("...")."""
    import ast

    ids = Catalog("en").ids
    shaped = re.compile(r"[a-z]+(?:-[a-z0-9_]+)+")
    missing = []
    for path in ROOT.glob("handlers/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and shaped.fullmatch(node.value)
                and node.value not in ids | NOT_KEYS
            ):
                missing.append(f"{path.name}: {node.value}")
    assert not missing


def test_missing_keys_fall_back_to_the_key_not_a_crash() -> None:
    assert t("zh", "no-such-message") == "no-such-message"


def test_telegram_language_codes_map_to_our_two_languages() -> None:
    assert normalize_language("zh-hans") == "zh"
    assert normalize_language("en-US") == "en"
    assert normalize_language("de") == "en"
    assert normalize_language(None) == "zh"
    assert normalize_language(None, default="en") == "en"


def test_variables_are_filled_in_without_bidi_marks() -> None:
    text = t("en", "start-greeting", name="Ann")
    assert text.startswith("Hi Ann!")
    assert "\u2068" not in text
