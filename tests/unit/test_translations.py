"""Every user-facing string lives in the zh and en catalogs, and they match."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.i18n import Catalog, normalize_language, t

ROOT = Path(__file__).resolve().parents[2]
NOT_KEYS = {"utf-8", "utf-16-le"}  # key-shaped strings that are not messages
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


# Variables that hold something other than a count (a name, an amount, an id shown as
# "#12"), so no noun agrees with them.
NOT_COUNTS = {"number", "merchant", "campaign", "field", "kind", "amount", "name", "title",
              "draft", "when", "code"}
# Verbs that agree with a count, singular -> plural.
VERBS = {"is": "are", "was": "were", "has": "have"}
# After these, the next word is not what is counted ("2 per person", "1 of them").
NOT_BEFORE_NOUN = {"on", "of", "to", "in", "at", "per", "a", "an", "for", "from", "with", "by",
                   "and", "or", *VERBS, *VERBS.values()}


def _variables(node: object, found: set[str]) -> set[str]:
    from fluent.syntax import ast as fast

    if isinstance(node, fast.VariableReference):
        found.add(node.id.name)
    if isinstance(node, fast.BaseNode):
        for value in vars(node).values():
            for child in value if isinstance(value, list) else [value]:
                _variables(child, found)
    return found


def _after(number: int, text: str) -> list[tuple[str, ...]]:
    """The (up to) two words after each free-standing `number` in `text`."""
    pattern = rf"(?<![\w#.,¥$/:+-]){number} ([A-Za-z]+)(?: ([A-Za-z]+))?"
    return [tuple(w for w in m.groups() if w) for m in re.finditer(pattern, text)]


def test_every_english_count_agrees_with_its_noun_for_1_and_2() -> None:
    """"1 deal", "2 deals", "1 code was", never "1 deals" or "2 day": each English
    message is rendered with each count at 1 and at 2, and the words after the number
    must change where English changes them (a noun that also appears with an -s in
    the catalog, or a verb such as was/were)."""
    from fluent.syntax import FluentParser
    from fluent.syntax import ast as fast

    catalog = Catalog("en")
    sources = sorted((ROOT / "handlers/locales/en").glob("*.ftl"))
    words = {w.lower() for path in sources for w in re.findall(r"[A-Za-z]+", path.read_text())}
    wrong = []
    for path in sources:
        for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(entry, fast.Message):
                continue
            variables = _variables(entry, set())
            for name in sorted(variables - NOT_COUNTS):
                rendered = {}
                for n in (1, 2):
                    args = {v: "‹x›" for v in variables} | {name: n}
                    rendered[n] = catalog.format(entry.id.name, args) or ""
                for one, two in zip(_after(1, rendered[1]), _after(2, rendered[2]), strict=False):
                    for w1, w2 in zip(one, two, strict=False):
                        a, b = w1.lower(), w2.lower()
                        verb = a in VERBS or a in VERBS.values()
                        if a in NOT_BEFORE_NOUN and not verb:
                            break  # "2 per person": what follows is not counted
                        wrong_form = a == b and (
                            verb
                            or (a.endswith("s") and (a[:-1] in words or a[:-2] in words))
                            or f"{a}s" in words or f"{a}es" in words)  # 2 day
                        if wrong_form:
                            wrong.append(f"{entry.id.name} (${name}): {rendered[1]!r} / "
                                         f"{rendered[2]!r}")
                        if verb:
                            break
    assert not wrong, "\n".join(wrong)


def test_remembered_translations_are_safe_to_forget() -> None:
    """A result line formatted again comes from memory; forgetting every remembered
    text gives the same words, and values that cannot be remembered are formatted."""
    from handlers.i18n import t, t_cache_clear

    asked = [("zh", "result-line", {"number": "1", "title": "双人套餐", "merchant": "海底捞",
                                    "price": "¥88", "original": "¥128", "discount": "6.9折"}),
             ("en", "search-found", {"query": "hotpot", "count": "12", "page": 1,
                                     "pages": 3}),
             ("en", "cmd-start", {})]
    first = [t(lang, key, **args) for lang, key, args in asked]
    again = [t(lang, key, **args) for lang, key, args in asked]
    t_cache_clear()
    forgotten = [t(lang, key, **args) for lang, key, args in asked]
    assert first == again == forgotten
    assert "海底捞" in first[0] and "12" in first[1]
    # a list is no dictionary key: formatted afresh instead of failing
    assert t("en", "search-found", query=["hotpot"], count="2", page=1, pages=1)
