"""The one-pass literal gate: a pattern is skipped only when it cannot match."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import nlu.parser  # noqa: F401 - registers every gated pattern of the parser
from nlu.literals import (
    OTHER_DIGIT,
    Gated,
    _registry,
    gated,
    required_literals,
    requirement,
    scan,
)
from nlu.text import normalize

DATA = Path(__file__).parents[1] / "data"
NASTY = ["", " ", "😀😀😀", "火锅🍲 near me", "'; DROP TABLE deals; --", "a" * 3000,
         "ＡＢＣ１２３", "明晚7点两位", "table for 4 at 7", "人均100以内", "at 7", "周末",
         "\x00\x1f", "地址电话营业时间address phone hours", "٣ people", "７点"]


def _gates() -> list:
    """Every gated pattern the parser registered (rebuilt from the registry's ids)."""
    import nlu.intents as intents
    import nlu.names as names
    import nlu.slots as slots
    import nlu.timex as timex

    found = [cue for cues in intents.CUES.values() for cue, _, _ in cues]
    for module in (slots, names, timex):
        for value in vars(module).values():
            items = value if isinstance(value, list) else [value]
            for item in items:
                item = item[1] if isinstance(item, tuple) and len(item) == 2 else item
                if isinstance(item, Gated):
                    found.append(item)
    return found


def _texts() -> list[str]:
    texts = list(NASTY)
    for path in [DATA / "nlu_eval.jsonl", *sorted((DATA / "public").glob("*.jsonl"))]:
        lines = path.read_text("utf-8").splitlines()
        texts.extend(json.loads(line)["text"] for line in lines[::7] if line)
    return [normalize(t) for t in texts]


def test_a_skipped_pattern_never_matches_the_text() -> None:
    gates = _gates()
    assert len(gates) > 60
    for text in _texts():
        hits = scan(text)
        for gate in gates:
            if not gate.possible(hits):
                assert gate.pattern.search(text) is None, (gate.pattern.pattern[:60], text)


def test_most_patterns_are_skipped_for_a_plain_message() -> None:
    gates = _gates()
    hits = scan(normalize("附近有什么火锅"))
    assert sum(gate.possible(hits) for gate in gates) < len(gates) // 3


def test_required_literals_of_simple_patterns() -> None:
    assert required_literals(r"地址|电话") == {"地址", "电话"}
    assert required_literals(r"(?<![a-z])(?:find|recommend\w*)(?![a-z])") == {"find", "recommend"}
    assert required_literals(r"[一二三\d]人套餐") == {"人套餐"}
    assert required_literals(r"(?<=at )\d{1,2}") == {"at "}
    assert required_literals(r"abc|\w") is None  # one branch needs no literal
    digits = required_literals(r"(?:x)?\d+")
    assert digits is not None and "7" in digits and OTHER_DIGIT in digits


def test_a_digit_of_another_script_opens_the_gates_of_digits() -> None:
    pattern = gated(r"[a-z]\d{3}")
    assert pattern.pattern.search("a٣٣٣") is not None  # Arabic-Indic digits are \d too
    assert pattern.possible(scan("a٣٣٣")) and pattern.possible(scan("a123"))
    assert not pattern.possible(scan("abc"))
    assert required_literals(re.compile("abc", re.IGNORECASE)) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("地址电话找推荐abcdefinorst 0123456789人套餐x")),
               max_size=30))
def test_the_gate_agrees_with_the_pattern_on_any_text(text: str) -> None:
    pattern = gated(r"(?<![a-z])(?:find|recommend\w*)(?![a-z])|[一二三\d]人套餐|地址")
    assert _registry.count > pattern.id
    matched = pattern.pattern.search(text) is not None
    assert not matched or pattern.possible(scan(text))


def test_neighbouring_pieces_are_spelled_out_as_words() -> None:
    assert required_literals(r"(?:周|星期)[一二]") == {"周一", "周二", "星期一", "星期二"}
    assert required_literals(r"(?:这个?|下)?周末") == {"周末"}  # an optional piece adds nothing
    assert required_literals(r"(?<![a-z])(?:one|two) (?:km|miles?)") == {
        "one km", "two km", "one mile", "two mile"}


def test_a_match_that_needs_several_words_needs_each_of_them() -> None:
    need = requirement(r"\d+\s?(?:公里|km)|步行\d+分钟")
    assert need is not None and len(need) == 2  # one term per alternative
    radius = gated(r"\d+\s?(?:公里|km)|步行\d+分钟")
    assert radius.possible(scan("3公里以内")) and radius.possible(scan("步行10分钟"))
    assert not radius.possible(scan("几公里"))  # 公里 without a digit
    assert not radius.possible(scan("3个人"))  # a digit without a unit
    assert not radius.possible(scan("步行 分钟 km"))


_TIME_AND_RADIUS = list("周星期一二三末下个这 0123456789公里km步行分钟at点半٣")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TIME_AND_RADIUS), max_size=24))
def test_a_gate_of_several_words_agrees_with_its_pattern_on_any_text(text: str) -> None:
    pattern = gated(r"(?:这个?|下)?(?:周末|(?:周|星期)[一二三])|\d+\s?(?:公里|km)|步行\d+分钟"
                    r"|(?<=at )\d{1,2}(?:点半?)?")
    matched = pattern.pattern.search(text) is not None
    assert not matched or pattern.possible(scan(text))


def test_a_pattern_is_compiled_and_read_at_the_first_scan_not_when_registered() -> None:
    before = len(_registry.unread)
    late = gated("雪糕筒|ice cream cone")
    assert late._compiled is None and len(_registry.unread) == before + 1  # nothing read yet
    assert late.search("来个雪糕筒", scan("来个雪糕筒")) is not None
    assert late._compiled is not None and not _registry.unread  # read by that scan
    assert not late.possible(scan("附近有什么火锅"))


def test_two_threads_building_the_automaton_at_once_read_each_pattern_once() -> None:
    import threading

    late = gated("棉花糖机")
    threads = [threading.Thread(target=_registry.build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    registered = [ident for idents in _registry.single.values() for ident in idents]
    assert registered.count(late.id) == 1 and not _registry.unread
    assert late.search("一台棉花糖机", scan("一台棉花糖机")) is not None
