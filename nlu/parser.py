"""The parser: normalized text -> slots -> intent.

    parser = Parser(vocabulary)
    intent = parser.parse("附近有什么火锅，人均100以内")
    intent.name, intent.get("category"), intent.get("price_max")   # search_deals hotpot 100

Pure: no I/O and no database. The vocabulary is handed in and may grow while running.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from nlu import lexicon, names, slots, timex
from nlu.intents import (
    ASK_FRAME,
    NO_PREFERENCE_EN,
    NO_PREFERENCE_ZH,
    OPINION,
    SEARCH_SLOT_WEIGHTS,
    SUBJECT,
    attribute_spans,
    cue_scores,
)
from nlu.literals import prepare, scan
from nlu.text import jieba_module, language_of, normalize
from nlu.types import Intent, Slot
from nlu.typos import TypoCorrector
from nlu.vocabulary import Match, Vocabulary

# When both are said, the first intent of a pair wins over the second: "取消关注" is an
# unfollow, not a cancel; "cancel my reservation" a cancel, not a look at my codes.
_DOMINATES: dict[str, tuple[str, ...]] = {
    "ask_attribute": ("show_deal",),
    "unknown": ("search_deals", "show_deal", "ask_attribute", "book_table", "buy"),
    "my_groups": ("search_deals", "my_codes", "show_deal", "buy"),
    "thanks": ("help",),
    "unfollow": ("follow", "my_follows", "cancel", "settings"),
    "my_follows": ("follow", "search_deals", "show_deal", "settings"),
    "refund": ("my_codes", "cancel", "buy", "show_deal", "search_deals"),
    "cancel": ("my_codes", "book_table", "buy", "greeting"),
    "my_codes": ("buy", "show_deal", "ask_attribute", "search_deals", "book_table"),
    "follow": ("search_deals", "show_deal", "settings"),
    "buy": ("search_deals", "show_deal"),
    "set_location": ("search_deals",),
    "book_table": ("search_deals",),
}
_UNKNOWN_BELOW = 0.5
_REFUSING = re.compile(r"(?:不想|不要|不用|不需要|不爱|不喜欢|不能)(?:吃|喝|点|去|订)?$|"
                       r"(?<![a-z])(?:don'?t|do not) (?:want|like|eat|feel like)(?: any| a| an)? $")


def _refused(text: str, slot: Slot) -> bool:
    """Whether a food the message names is one it refuses: "我不想吃辣的", "I don't want
    pizza" (a search cannot leave a food out, so it is not searched for either)."""
    return slot.name in ("dish", "category") and \
        _REFUSING.search(text, max(0, slot.start - 16), slot.start) is not None


# A clause saying what is not wanted: "不需要预订宾馆", "I don't need a taxi".
_NOT_WANTED = re.compile(r"(?:不需要|不用|无需|(?<![a-z])(?:don'?t|do not|no longer) need|"
                         r"(?<![a-z])no need for)[^,，。.!?？！;；]{0,16}")
_WITH = re.compile(r"(?<![a-z])(?:with|that has|that have|which has|offering|having)"
                   r"(?: a| an| some| good)? $|有.{0,4}的?$")
_PREFERENCE = re.compile(
    rf"(?<![a-z])(?:{NO_PREFERENCE_EN}|(?:would|'d) (?:rather|prefer)|prefer(?:ably)?|"
    r"not (?:bothered|picky|specific)|no particular|"
    r"i (?:would like|want|need) (?:it|the price range|the food)(?: to be| in)?|let'?s try)"
    rf"(?![a-z])|{NO_PREFERENCE_ZH}|不限|偏好|更喜欢|最好是")
_CLOSING_THANKS = re.compile(r"(?:谢谢|多谢|感谢|谢啦|谢了)[^，,。.!！?？]{0,8}[。.!！~～\s]*$|"
                             r"(?<![a-z])(?:thanks?|thank you)(?: (?:so|very) much)?[.!\s]*$")
_ASKING = re.compile(r"[?？吗帮请找]|推荐一|有没有|有什么|能不能|可不可以|想要|我要|我想|需要|"
                     r"(?<![a-z])(?:please|can you|could you|would you|i need|i want|i'?d like|"
                     r"find|book|reserve|show me|tell me|give me|get me|how about|what|where|"
                     r"when|which|any)(?![a-z])")
def _is_remark(said: str) -> bool:
    """Whether the words before a closing thanks make a remark (a sentence of its own)
    rather than a short answer ("欧洲的餐厅", "French food")."""
    said = said.strip(" ,，。.!！~")
    return len(said) >= 8 if _HAS_CJK.search(said) else len(said.split()) >= 4


_THE_NAMED = re.compile(r"(?<![a-z])the (?:restaurant |place |shop |store |cafe )?$")
_HOW_TO = re.compile(r"(?<![a-z])how (?:do|can|should|does|to)(?![a-z])|怎么|如何")
_ORDER = re.compile(r"(?<![a-z])order(?![a-z])")
_HAS_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_STOP_PUSHES = re.compile(r"别再|不要再|不想再|别给我|不想收到|no more|stop (?:sending|the)|"
                          r"don'?t send|fewer")  # a best score under this is "unknown"


class Parser:
    """Turns one message into an `Intent`. Thread-safe for reading; `vocabulary` may be
    extended at any time (new words are used by the next parse)."""

    def __init__(self, vocabulary: Vocabulary | None = None, tz: str = "Asia/Shanghai") -> None:
        self.vocabulary = vocabulary or Vocabulary()
        lexicon.add_to(self.vocabulary)  # kinds of restaurant, cuisines and food it lacks
        self.tz = ZoneInfo(tz)
        self.typos = TypoCorrector(self.vocabulary)
        jieba_module().initialize()  # with the first parser: a bot polls before anyone talks
        prepare()  # the patterns, compiled and read for their literals (nlu.literals)

    def parse(self, text: object, lang: str | None = None, now: datetime | None = None,
              tz: str | ZoneInfo | None = None) -> Intent:
        """The intent of `text`, with its slots. Never raises on any input: what cannot
        be understood is `unknown`."""
        if not isinstance(text, str):
            return Intent("unknown", 1.0, lang=lang or "en")
        norm = normalize(text)
        original = text[: len(norm)]  # normalize keeps one character per character
        zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or self.tz)
        lang = lang if lang in ("zh", "en") else language_of(norm)
        work, offsets, corrections = self.typos.correct(norm, original)
        if not work.strip():
            return Intent("unknown", 1.0, lang=lang)
        hits = scan(work)  # one pass: which of the patterns below can match at all
        taken = slots.Taken(len(work), hits)
        tokens = _jieba_spans(work)
        found: list[Slot] = []
        places_too: dict[int, str] = {}  # merchant slots whose words also name a place

        found.extend(names.find_branch_names(work, taken))
        found.extend(names.find_called(work, taken))
        for match in self.vocabulary.find(work, taken.mask, tokens):
            if match.kind == "dish" and match.ref in _EVERYDAY_FOOD and (
                    work.startswith(_ZH_SHOP_WORDS, match.end)
                    or _in_capitalised_name(original, offsets, match.start, match.end)):
                continue  # "The Cheese Factory", "米饭之家": a name, read by find_names
            brand = _brand_end(original, offsets, match, self.vocabulary) \
                if match.kind in ("category", "dish") else None
            if brand is not None:  # "Burger King", "Pizza Hut": a shop's name, no kind
                found.append(Slot("merchant", work[match.start:brand], match.start, brand,
                                  work[match.start:brand]))
                taken.take(match.start, brand)
                continue
            found.append(Slot(match.kind, match.ref, match.start, match.end,
                              work[match.start:match.end], match.ref))
            place = next((ref for kind, ref in match.others if kind == "place"), None)
            if match.kind == "merchant" and place is not None:
                places_too[match.start] = place
            taken.take(match.start, match.end)
        for start, end in timex.find_times(work, hits):
            if taken.free(start, end):
                found.append(Slot("time", work[start:end], start, end, work[start:end]))
                taken.take(start, end)
        for extract in slots.NUMERIC_EXTRACTORS:
            found.extend(extract(work, taken))
        found.extend(names.find_names(work, original, offsets, taken, tokens))
        found.extend(names.find_venues(work, taken))

        found = [slot for slot in found if not _refused(work, slot)]
        scores, cue_spans = _score(work, found, hits)
        name, confidence, alternatives = _decide(scores, found)
        if name in ("search_deals", "book_table", "buy") and lang == "en" \
                and original == original.lower():
            found.extend(names.lower_case_places(work, taken))
        if name == "search_deals":
            for start, end in cue_spans:
                taken.take(start, end)
            found.extend(names.keywords(work, taken, tokens, lang))
        if name == "ask_attribute" or any(n == "ask_attribute" for n, _ in alternatives):
            asked = attribute_spans(work, hits)
            found.extend(Slot("attribute", attribute, start, end, work[start:end])
                         for attribute, start, end in asked)
            if name == "ask_attribute":
                found = _subject_places_are_shops(found, work, asked)
        found = _fit_to_intent(found, name, places_too)
        result = _finish(found, original, offsets)
        window = None
        time_slot = next((s for s in found if s.name == "time"), None)
        if time_slot is not None:
            window = timex.resolve(time_slot.value, now or datetime.now(zone), zone)
        return Intent(name, confidence, result, alternatives, window, lang,
                      tuple(corrections), out_of_scope=name == "unknown" and "unknown" in scores)


class JiebaSpans(Collection[tuple[int, int]]):
    """The spans of jieba's tokens of a Chinese text, segmented on first use: most
    messages never ask (only a one-character vocabulary word or a search's leftover
    keywords need them), and segmenting is the dearest step of a parse."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._spans: set[tuple[int, int]] | None = None

    def _get(self) -> set[tuple[int, int]]:
        if self._spans is None:
            self._spans = {(start, end)
                           for _, start, end in jieba_module().tokenize(self._text)}
        return self._spans

    def __contains__(self, span: object) -> bool:
        return span in self._get()

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __bool__(self) -> bool:
        return True  # a Chinese text has at least one token


def _jieba_spans(text: str) -> JiebaSpans | None:
    """jieba's token spans of `text` (segmented when first asked), None without Chinese."""
    return JiebaSpans(text) if _HAS_CJK.search(text) is not None else None


def _score(text: str, found: list[Slot], hits: set[int],
           ) -> tuple[dict[str, float], list[tuple[int, int]]]:
    filters = [(s.start, s.end) for s in found if s.name in _FILTER_SLOTS]
    cues = cue_scores(text, hits, filters)
    # A group-buy word is a search filter: the "buy" in "group buy" asks to buy nothing.
    groups = [(s.start, s.end) for s in found if s.name == "group"]
    if groups:
        cues = {intent: (score, own) for intent, (score, own) in cues.items()
                if intent in ("search_deals", "my_groups")
                or not all(any(a <= s and e <= b for a, b in groups) for s, e in own)}
    # A word of another world inside a name is the name's: the bank of "Left Bank". What
    # is said not to be wanted asks for nothing: "我不需要预订宾馆", "I don't need a taxi".
    names = [(s.start, s.end) for s in found if s.name in ("merchant", "place")]
    unwanted = [m.span() for m in _NOT_WANTED.finditer(text)]  # no words to search by
    for intent in ("unknown", "book_table"):
        if intent in cues:
            _, own = cues[intent]
            wanted = [(s, e) for s, e in own if not any(a <= s and e <= b for a, b in unwanted)
                      and not (intent == "unknown" and any(a <= s and e <= b for a, b in names))]
            if not wanted:
                del cues[intent]
    # In a question about a shop, the words naming the shop are not a search: 餐馆 in
    # "该餐馆周边有哪些景点", the anchor of "北京全聚德(王府井店)周边景点都有啥".
    asked_spans = cues["ask_attribute"][1] if "ask_attribute" in cues else []
    subject_spans = [m.span() for m in SUBJECT.finditer(text, hits)] if asked_spans else []
    if subject_spans and "search_deals" in cues:
        score, own = cues["search_deals"]
        if all(any(a <= s and e <= b for a, b in subject_spans) for s, e in own):
            del cues["search_deals"]
    questioned = [slot for slot in found if asked_spans and _names_the_subject(
        slot, text, asked_spans, subject_spans)]
    # A cue inside another intent's longer cue is part of that one: 取消关注 holds 关注.
    spans = [(intent, span) for intent, (_, spans) in cues.items() for span in spans]
    scores: dict[str, float] = {}
    for intent, (score, own) in cues.items():
        inside = all(any(other != intent and s[0] <= a and b <= s[1] and (s[1] - s[0]) > (b - a)
                         for other, s in spans) for a, b in own)
        if not inside:
            scores[intent] = score
    # The morning of "good morning" is a greeting's, no time to book at.
    social = [span for intent in ("greeting", "bye") for span in cues.get(intent, (0, []))[1]]
    found = [slot for slot in found
             if not any(a <= slot.start and slot.end <= b for a, b in social)]
    kinds = {slot.name for slot in found}
    searched = {slot.name for slot in found if slot not in questioned}
    search = min(1.4, sum(SEARCH_SLOT_WEIGHTS.get(kind, 0.0) for kind in searched))
    if search:
        scores["search_deals"] = scores.get("search_deals", 0.0) + search
    if "time" in kinds or "party_size" in kinds:
        both = "time" in kinds and "party_size" in kinds
        # A message that is only a time or a party size answers a booking question.
        # "星期三的17:30，4个人" is a table; "karaoke for 8 people saturday night" a search.
        # "明天的4人套餐" is a set meal for four: its people are in a search word.
        deal_people = any(slot.name == "party_size" and slot.overlaps(a, b)
                          for slot in found for a, b in cues.get("search_deals", (0, []))[1])
        table = both and not kinds & {"category", "dish"} and not deal_people
        scores["book_table"] = scores.get("book_table", 0.0) + (1.1 if table else
                                                                0.7 if both else 0.55)
        # People at a place to sit down: "a bistro for six", "restaurant for my son and I".
        if "party_size" in kinds and any(_sit_down(slot) for slot in found):
            scores["book_table"] += 0.8
    # Food after "order" is food to buy: "order general t'so eggroll to go".
    order = _ORDER.search(text) if "buy" in scores and kinds & {"dish", "category"} else None
    if order is not None and any(s.name in ("dish", "category") and s.start > order.end()
                                 for s in found):
        scores["buy"] += 0.6
    if "merchant" in kinds:
        scores["show_deal"] = scores.get("show_deal", 0.0) + 0.7
        # "looking for the Curry Garden", "find the restaurant Pizza Express": that one shop
        if any(slot.name == "merchant" and _THE_NAMED.search(text[:slot.start]) is not None
               for slot in found):
            scores["show_deal"] += 0.5
        if "time" in kinds or "party_size" in kinds:  # "海底捞明晚两位": a table there
            scores["book_table"] = scores.get("book_table", 0.0) + 0.4
        if _STOP_PUSHES.search(text):  # "no more Seafood King updates" is an unfollow
            scores["unfollow"] = scores.get("unfollow", 0.0) + 3.0
    if "place" in searched:  # "In Burlingame please", "我希望它在东部": where to search
        scores["search_deals"] = scores.get("search_deals", 0.0) + 0.6
    if "ask_attribute" in scores:  # an attribute asked about a shop: "它家电话多少?"
        opinion = OPINION.search(text, hits) is not None  # what others think of one thing
        about = bool(subject_spans) or "merchant" in kinds or opinion or any(
            slot.name == "place" for slot in questioned)
        asked = ASK_FRAME.search(text, hits) is not None
        scores["ask_attribute"] += 0.3 * about + 0.3 * asked
        if "time" in kinds and "party_size" in kinds:  # "do they have an opening at 13:00
            scores["ask_attribute"] -= 0.8  # for 5 people?": a table
        # "找一家川菜馆，告诉我电话": a search whose results show the phone; "有包间的火锅店",
        # "a cafe with wifi": the attribute is what is searched for, of no shop in particular.
        filtering = any(s.name in _FILTERING and s not in questioned for s in found)
        asked_about = attribute_spans(text, hits) if filtering else []
        attributes = {name for name, _, _ in asked_about}
        # "便利店在哪", "附近的火锅店在哪里", "where is the pharmacy in leavenworth": where
        # shops of a kind are, no shop in particular (a name before the kind, "盛和轩烤鸭店
        # 在哪", is one shop).
        where_kind = attributes == {"address"} and "merchant" not in kinds \
            and _asks_where(text, asked_about[0][1], asked_about[0][2]) and any(
                s.name in ("category", "dish") and s not in questioned
                and _kind_leads(text, s, found, after=asked_about[0][2]) for s in found)
        # "something with vegetarian options", "a place to eat with outdoor seating"
        wanted_with = not about and "search_deals" in cues and all(
            _WITH.search(text, max(0, a - 16), a) is not None for a, _ in asked_spans)
        if (filtering and not about and (attributes <= _FILTER_LIKE or where_kind)) \
                or wanted_with:
            del scores["ask_attribute"]  # "有wifi的咖啡店", "KTV包厢多少钱": what is searched for
        elif filtering and "search_deals" in cues and not opinion:
            scores["ask_attribute"] -= 0.8
        elif about and "search_deals" in scores:  # "万达那家火锅店电话多少": which shop
            scores["search_deals"] *= 0.5
        # A preference said about no shop in particular ("I have no preference on type of
        # food", "I would prefer vegetarian food", "无所谓什么价位") is what to search by.
        if not about and "ask_attribute" in scores and _PREFERENCE.search(text) is not None:
            search = max(scores.get("search_deals", 0.0), scores.pop("ask_attribute") + 0.1)
            scores["search_deals"] = search
    # Social words around a request are politeness: "你好，推荐一家火锅" is a search.
    # So is "can you help me?" after one: "I need a cheap place in the east. Can you help?"
    # ("20:15 on wednesday, thanks": a time answered; "how are you doing today": a greeting.)
    request = max((score for intent, score in scores.items() if intent not in _SOCIAL),
                  default=0.0)
    # A remark that ends in thanks, asking nothing ("这两个地方好像离得很近呢，谢谢你啊！",
    # "真是一个经济实惠的酒店呢，谢谢你"), is thanks: its words of places and prices ask
    # for no search. (An answer given with thanks, "20:15 on wednesday, thanks", "French
    # food, thanks", keeps what it answers; a question, a request or a no keeps its intent.)
    closing = _CLOSING_THANKS.search(text) if "thanks" in scores and request else None
    if closing is not None and _ASKING.search(text) is None and "cancel" not in scores \
            and _is_remark(text[:closing.start()]) \
            and not kinds & {"time", "party_size", "category", "dish", "merchant", "place"}:
        scores["thanks"] = max(scores["thanks"], request + 0.1)
        request = 0.0
    if request >= 0.55:
        polite_help = "help" in text and _HOW_TO.search(text) is None
        for intent in _SOCIAL if polite_help else _SOCIAL[:3]:
            if intent in scores and (request >= 0.8 or intent != "greeting"):
                scores[intent] *= 0.4
    # Where one is, said with a request, is where to search: "我在国贸，附近有什么火锅",
    # "I'm in Cambridge, can you recommend a restaurant?".
    if "set_location" in scores and "search_deals" in cues:
        scores["search_deals"] = max(scores["search_deals"], scores.pop("set_location"))
    for winner, losers in _DOMINATES.items():
        if scores.get(winner, 0.0) >= 1.0:
            for loser in losers:
                if loser in scores:
                    scores[loser] = min(scores[loser], scores[winner] * 0.5)
    # The words of a question about an attribute stay free for a search's keywords: the
    # wifi of "a cafe with wifi" is what the search is for.
    return scores, [span for intent, span in spans if intent != "ask_attribute"] + unwanted


_EVERYDAY_FOOD = frozenset(normalize(w) for w in (*lexicon.FOOD_EN, *lexicon.FOOD_ZH))
_ZH_SHOP_WORDS = ("餐厅", "餐馆", "之家", "店", "馆", "酒家", "酒楼", "坊", "屋", "吧")
_CAPITALISED = re.compile(r"[A-Z][\w'&.-]*")


def _in_capitalised_name(original: str, offsets: list[int], start: int, end: int) -> bool:
    """Whether the word at `[start, end)` of the working text is written capitalised, past
    the message's first word, next to another capitalised word ("at The Cheese Factory")."""
    begin, stop = offsets[start], offsets[end - 1] + 1
    if begin == 0 or not original[begin].isupper():
        return False
    before = original[:begin].rstrip().rsplit(" ", 1)[-1]
    after = original[stop:].lstrip().split(" ", 1)[0]
    return any(_CAPITALISED.fullmatch(w) for w in (before, after) if w)


_NAME_WORD = re.compile(r"[A-Z][a-z'&-]*")
_PLACE_BEFORE = frozenset(("in", "near", "around", "within", "across", "of"))
# Words after a kind of food that still say a kind, not a name: "Chinese Food", "Pizza
# Place", "Sushi Bar", "Thai Restaurant".
_KIND_TAILS = frozenset(_w for _phrase in lexicon.RESTAURANT_KINDS_EN for _w in _phrase.split()) \
    | frozenset(("food", "foods", "cuisine", "cuisines", "dishes", "dish", "restaurant",
                 "restaurants", "place", "places", "shop", "shops", "store", "stores", "spot",
                 "spots", "joint", "joints", "deal", "deals", "set", "meal", "meals", "menu",
                 "options", "near", "nearby", "tonight", "today", "tomorrow", "please"))


def _brand_end(original: str, offsets: list[int], match: Match, vocabulary: Vocabulary,
               ) -> int | None:
    """Where the name ends when the kind of food at `match` begins a capitalised shop
    name ("Burger King", "Pizza Hut", "Thai Garden": the next word is written with a
    capital, mid-sentence, and says no kind of food or place); None otherwise. A message
    written in title case says nothing by its capitals."""
    begin, stop = offsets[match.start], offsets[match.end - 1] + 1
    if not original[begin].isupper() or stop >= len(original) or original[stop] != " ":
        return None
    after = _NAME_WORD.match(original, stop + 1)
    if after is None:
        return None
    word = after.group(0).lower()
    if word in _KIND_TAILS or word in names.FUNCTION_WORDS_EN or vocabulary.kind_of(word) in (
            "category", "dish", "place"):
        return None
    words = original.split()
    if sum(w[:1].isupper() for w in words) * 10 >= len(words) * 7:  # Title Case Message
        return None
    before = original[:begin].split()
    if before and (before[-1].lower() in _PLACE_BEFORE or (
            len(before) > 1 and _NAME_WORD.fullmatch(before[-1]) is not None)):
        return None  # "in French Southern Territories": a place; "Little Grill ...": longer
    back = offsets.index(after.end() - 1) if after.end() - 1 in offsets else None
    return None if back is None else back + 1


_SIT_DOWN = frozenset(normalize(w) for w in (*lexicon.RESTAURANT_KINDS_EN,
                                             *lexicon.RESTAURANT_KINDS_ZH))


def _sit_down(slot: Slot) -> bool:
    """Whether `slot` names a place one sits down at (a restaurant, a bistro, a pub)."""
    return (slot.name == "venue" and not slot.value.startswith(("shop", "store"))) \
        or (slot.name == "dish" and slot.value in _SIT_DOWN)


_LEAD_IN = re.compile(r"[\s,，。!！?？的]+")


def _kind_leads(text: str, kind: Slot, found: list[Slot], after: int = 0) -> bool:
    """Whether nothing but other slots (附近) and punctuation comes before `kind` (from
    the start, or from `after` when the question comes first: "where is the <kind>"): no
    name of one shop is said in front of it."""
    begin = after if after <= kind.start and text[:after].isascii() else 0
    covered = {i for slot in found if slot.end <= kind.start for i in range(slot.start, slot.end)}
    before = "".join(c for i, c in enumerate(text[begin:kind.start], begin) if i not in covered)
    return not _LEAD_IN.sub("", before)


def _asks_where(text: str, start: int, end: int) -> bool:
    """Whether the address question at `[start, end)` asks where ("在哪", "where is")."""
    return "哪" in text[start:end] or text.startswith("where", start)


def _names_the_subject(slot: Slot, text: str, asked: list[tuple[int, int]],
                       subjects: list[tuple[int, int]]) -> bool:
    """Whether `slot` is part of a question about a shop rather than a search filter:
    inside the question's words (周边 of "它家周边有什么景点"), inside the words naming
    the shop (该餐馆), or the shop's name right before the question (X的电话, X周边的景点)."""
    if any(slot.overlaps(a, b) for a, b in (*asked, *subjects)):
        return True
    if slot.name not in ("place", "merchant"):
        return False
    gap = {slot.end, slot.end + 1 if text[slot.end:slot.end + 1] == "的" else slot.end}
    return any(a in gap for a, _ in asked)


def _subject_places_are_shops(found: list[Slot], text: str,
                              asked: list[tuple[str, int, int]]) -> list[Slot]:
    """In a question about a shop, a name right before the attribute asked is the shop,
    not the anchor of a search: "庆云楼(什刹海店)的周边有哪些酒店", "X附近有啥景点"."""
    starts = {start for _, start, _ in asked}
    out = []
    for slot in found:
        gap = {slot.end, slot.end + 1 if text[slot.end:slot.end + 1] == "的" else slot.end}
        if slot.name == "place" and gap & starts:
            slot = Slot("merchant", slot.value, slot.start, slot.end, slot.text, slot.ref)
        out.append(slot)
    return out


def _decide(scores: dict[str, float], found: list[Slot],
            ) -> tuple[str, float, tuple[tuple[str, float], ...]]:
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    if not ranked or ranked[0][1] <= _UNKNOWN_BELOW:
        return "unknown", 0.9 if not found else 0.6, ()
    best, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    strength = 1 - math.exp(-1.2 * top)
    margin = (top - second) / top
    confidence = round(strength * (0.55 + 0.45 * margin), 3)
    alternatives = tuple((name, round(strength * (0.55 + 0.45 * (score - second) / top)
                                      if score < top else confidence, 3))
                         for name, score in ranked[1:3] if score >= 0.6 * top)
    return best, confidence, alternatives


# Attributes that also describe what is searched for, when no shop is named.
_FILTER_LIKE = {"amenities", "price", "hours", "rating"}
_FILTER_SLOTS = {"rating_min", "price_min", "price_max", "price_level", "sort"}
_FILTERING = {"category", "dish", "price_min", "price_max", "price_level", "rating_min", "place",
              "radius_m", "sort"}
_SOCIAL = ("greeting", "thanks", "bye", "help")  # help last: "thanks for the help" is thanks
_SEARCH_ONLY = ("keywords",)


def _fit_to_intent(found: list[Slot], intent: str, places_too: dict[int, str]) -> list[Slot]:
    """Drop what means nothing for this intent: slots of a greeting ("早上好" holds no
    time), a discount wish outside a search, categories in a settings change ("switch to
    Chinese"), a nearness word when saying where one is or asking about a shop ("what
    time does it close", "它家附近有什么好玩的"); and read a name that is both a
    merchant and a place as the place when the user says where they are."""
    if intent in _SOCIAL:
        return []
    out = []
    for slot in found:
        if intent != "search_deals" and (slot.name in _SEARCH_ONLY
                                         or (slot.name == "discount" and slot.value == "any")):
            continue
        if intent == "settings" and slot.name in ("category", "dish"):
            continue
        if intent in ("set_location", "ask_attribute") and slot.name == "radius_m":
            continue
        if intent == "set_location" and slot.name == "merchant" and slot.start in places_too:
            ref = places_too[slot.start]
            slot = Slot("place", ref, slot.start, slot.end, slot.text, ref)
        out.append(slot)
    return out


_SPAN_SLOTS = {"dish", "merchant", "place", "keywords", "time", "venue"}
_SPACES = re.compile(r"\s+")


def _finish(found: list[Slot], original: str, offsets: list[int]) -> tuple[Slot, ...]:
    """Map spans back to the original text; span slots take the text as written."""
    out = []
    for slot in sorted(found, key=lambda s: (s.start, s.end)):
        start = offsets[slot.start]
        end = offsets[slot.end - 1] + 1
        written = _SPACES.sub(" ", original[start:end]).strip()
        value = written if slot.name in _SPAN_SLOTS and slot.name != "keywords" \
            else slot.value
        out.append(Slot(slot.name, value, start, end, written, slot.ref))
    return tuple(out)

