"""Slot extractors: each finds one kind of slot in normalized text.

They run in a fixed order (times, group-buy words, radii, sorts, prices, party sizes,
quantities, discounts, then
vocabulary words and name patterns); characters a slot has taken are not offered to
later extractors, so "7点" is a time and never a price, and "3公里" never a party.
Each extractor returns `Slot`s whose spans index the original text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from nlu.literals import Gated, gated, scan
from nlu.numbers import NUMBER, to_number
from nlu.text import normalize
from nlu.types import Slot

_ZH_CUR = r"(?:元|块钱|块|rmb|人民币|¥)"
_EN_CUR = r"(?:dollars?|bucks|usd|yuan|rmb|kuai|元|块)"
_CUR_WORDS = _ZH_CUR[3:-1] + "|" + _EN_CUR[3:-1]
_NUM = rf"(?:¥|\$|rmb\s?)?\s?{NUMBER}"
_UNIT_AFTER = rf"(?:\s?(?:{_CUR_WORDS}))"
_UPPER = r"(?:以内|以下|之内|内|以下的|封顶)"
_LOWER = r"(?:以上|起|往上)"
_ABOUT = r"(?:左右|上下|差不多)"


class Taken:
    """Which characters of the text a slot already uses, and which gated patterns can
    match the text at all (`hits`: `literals.scan` of it)."""

    def __init__(self, length: int, hits: set[int] | None = None) -> None:
        self.mask = [False] * length
        self.hits = hits

    def free(self, start: int, end: int) -> bool:
        """Whether no character of `[start, end)` is taken."""
        return not any(self.mask[start:end])

    def take(self, start: int, end: int) -> None:
        """Mark `[start, end)` as used."""
        for i in range(start, end):
            self.mask[i] = True


def _finditer(pattern: Gated, text: str, taken: Taken) -> Iterator[re.Match[str]]:
    """The matches of `pattern` on characters no slot has taken yet."""
    if taken.hits is None:
        taken.hits = scan(text)
    if not (pattern.always or pattern.id in taken.hits):
        return iter(())  # most patterns cannot match: no scan at all
    return (m for m in pattern.pattern.finditer(text)
            if m.end() > m.start() and taken.free(m.start(), m.end()))


def _number(text: str) -> float | None:
    text = re.sub(rf"^(?:¥|\$|rmb)\s?|\s?(?:{_CUR_WORDS})$", "", text.strip()).strip()
    return to_number(text)


def _tidy(value: float) -> int | float:
    return int(value) if value == int(value) else round(value, 2)


# -- radius -------------------------------------------------------------------------------

_RADIUS_UNITS = {"公里": 1000, "千米": 1000, "km": 1000, "k": 1000, "kilometer": 1000,
                 "kilometers": 1000, "kilometre": 1000, "kilometres": 1000, "里": 500,
                 "米": 1, "m": 1, "meter": 1, "meters": 1, "metre": 1, "metres": 1,
                 "mile": 1609, "miles": 1609, "mi": 1609, "block": 100, "blocks": 100}
_RADIUS = gated(
    rf"(?:within\s|in\s)?(?P<n>{NUMBER})\s?(?P<u>公里|千米|kilomet(?:er|re)s?|km|k(?=\s)|米|"
    r"met(?:er|re)s?|miles?|mi\b|m\b|blocks?|里(?=以内|之内|范围|内|左右|地|路|$|[^\u4e00-\u9fff]))(?:\s?(?:以内|之内|范围内|内|左右|radius|away))?"
    r"|(?:步行|走路)\s?(?P<min>\d{1,2}|[一二三四五六七八九十]{1,3})\s?分钟(?:内|以内|之内)?")
_NEARBY = gated(
    r"附近|周边|周围|旁边|身边|离我近|离我不远|不远|就近|边上"
    r"|(?:near|around|close to|nearest to|in) my (?:location|locality|area|neighbou?rhood)"
    r"|near me|near here|nearby|near by|close by|close to me|(?<![a-z])a?round (?:here|me)"
    r"|in the area|not (?:too |to )?far|(?<![a-z])(?:close|near)(?![a-z])"
    r"|(?:in|within) the same area|neighbou?ring|(?:in )?the vicinity|my locality")
_WALKING = gated(r"走路能到|走路可以到|走路就能到|步行可达|步行能到|走过去|走路过去|步行"
                      r"|(?:within )?walking distance|walkable|on foot|a short walk|walk to")

NEARBY_RADIUS_M = 3000
WALKING_RADIUS_M = 1000


def radius(text: str, taken: Taken) -> list[Slot]:
    """radius_m from 1公里内, 500米, within 2 km, 步行10分钟; 附近 / nearby 3000 m;
    走路能到 / walking distance 1000 m."""
    slots = []
    for m in _finditer(_RADIUS, text, taken):
        if m.group("min"):
            minutes = to_number(m.group("min")) or 0
            metres = round(minutes * 80)  # about 80 m a minute on foot
        else:
            n = to_number(m.group("n"))
            if n is None:
                continue
            metres = round(n * _RADIUS_UNITS[m.group("u")])
        if metres <= 0:
            continue
        slots.append(Slot("radius_m", int(metres), m.start(), m.end(), m.group(0)))
        taken.take(m.start(), m.end())
    if not slots:
        for pattern, metres in ((_WALKING, WALKING_RADIUS_M), (_NEARBY, NEARBY_RADIUS_M)):
            m = next(_finditer(pattern, text, taken), None)
            if m is not None:
                slots.append(Slot("radius_m", metres, m.start(), m.end(), m.group(0)))
                taken.take(m.start(), m.end())
                break
    return slots


# -- price --------------------------------------------------------------------------------

_PRICE_PATTERNS: list[tuple[str, Gated]] = [
    ("range", gated(
        rf"(?:人均|价格|预算|每人|price|budget)?\s?(?:在|是|为)?\s?(?:between\s)?(?P<a>{_NUM})"
        rf"{_UNIT_AFTER}?\s?(?:到|至|-|~|—|–|and|to)\s?(?P<b>{_NUM}){_UNIT_AFTER}?"
        rf"(?:\s?(?:之间|范围))?")),
    ("max", gated(
        rf"(?:不超过|不要超过|别超过|不能超过|最多|低于|少于|不到|不高于|小于|控制在|"
        rf"under|below|less than|no more than|not more than|max(?:imum)?|at most|up to|"
        rf"cheaper than|lower than|<)\s?(?:人均)?\s?(?P<a>{_NUM}){_UNIT_AFTER}?"
        rf"(?:\s?{_UPPER})?")),
    ("min", gated(
        rf"(?:高于|超过|至少|不低于|最低|大于|over|above|more than|at least|min(?:imum)?|"
        rf"from|>)\s?(?:人均)?\s?(?P<a>{_NUM}){_UNIT_AFTER}?")),
    ("around", gated(
        rf"(?:around|about|roughly|approximately|approx|~)\s?(?P<a>{_NUM}){_UNIT_AFTER}?")),
    ("budget", gated(
        rf"(?:预算|价格|价位|budget|price|spend(?:ing)?)\s?(?:是|在|为|of|is|:)?\s?"
        rf"(?P<a>{_NUM}){_UNIT_AFTER}?\s?(?P<d>{_UPPER}|{_LOWER}|{_ABOUT})?")),
    ("per_person", gated(
        rf"(?:人均|每人|一个人|每位|per person|pp|a head|per head)\s?(?:消费|价格)?\s?"
        rf"(?:在|是|为)?\s?(?P<a>{_NUM}){_UNIT_AFTER}?\s?(?P<d>{_UPPER}|{_LOWER}|{_ABOUT})?")),
    ("unit", gated(
        rf"(?P<a>(?:¥|\$|rmb\s?)\s?{NUMBER}|{NUMBER}\s?(?:{_CUR_WORDS}))"
        rf"\s?(?P<d>{_UPPER}|{_LOWER}|{_ABOUT}|or less|or under|or more|and up|and under|"
        rf"max|tops|or so|ish)?")),
    ("bare", gated(rf"(?P<a>{NUMBER})\s?(?P<d>{_UPPER}|{_ABOUT}|{_LOWER})")),
]
_LEVELS: list[tuple[str, Gated]] = [
    ("cheap", gated(r"不要太贵|别太贵|不太贵|不用太贵|便宜|实惠|平价|不贵|经济|划算|性价比高|"
                         r"cheap(?:er)?|inexpensive|"
                         r"affordable|budget|low[- ]cost|not (?:too )?expensive|economical")),
    ("moderate", gated(r"适中|中等|中档|价位一般|moderate(?:ly)?(?: priced)?|mid[- ]range|"
                            r"reasonabl[ey](?: priced)?|average pric")),
    ("expensive", gated(r"贵点|贵一点|贵的|较贵|高档|高端|奢华|豪华|价位比较高|价格高|"
                             r"expensive|pricey|pricy|high[- ]end|upscale|fancy|luxur\w*|posh")),
]


def price(text: str, taken: Taken) -> list[Slot]:
    """price_min / price_max (major units) with currency; a price level (cheap,
    moderate, expensive) when only words say it."""
    slots: list[Slot] = []
    for kind, pattern in _PRICE_PATTERNS:
        for m in _finditer(pattern, text, taken):
            span = m.group(0).strip()
            start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            end = start + len(span)
            whole = m.group(0)
            if kind == "range":
                a, b = _number(m.group("a")), _number(m.group("b"))
                money = re.search(rf"人均|价格|预算|每人|price|budget|between|{_CUR_WORDS}|¥|\$",
                                  whole)
                if a is None or b is None or b < a or not (money or a >= 10):
                    continue
                low, high = a, b
            else:
                value = _number(m.group("a"))
                if value is None or value <= 0:
                    continue
                direction = (m.groupdict().get("d") or "").strip()
                bare = not re.search(rf"{_CUR_WORDS}|¥|\$", whole)
                if kind in ("bare", "min", "around", "budget") and bare and value < 10:
                    continue
                low, high = _bounds(kind, value, direction)
            currency = "USD" if re.search(r"\$|dollar|bucks|usd", whole) else "CNY"
            if low is not None:
                slots.append(Slot("price_min", _tidy(low), start, end, span))
            if high is not None:
                slots.append(Slot("price_max", _tidy(high), start, end, span))
            slots.append(Slot("currency", currency, start, end, span))
            taken.take(m.start(), m.end())
    # A price level is said in words, beside or instead of numbers.
    figures = bool(slots)
    for level, pattern in _LEVELS:
        m = next(_finditer(pattern, text, taken), None)
        if m is not None:
            slots.append(Slot("price_level", level, m.start(), m.end(), m.group(0)))
            if level == "cheap" and not figures:  # "cheap X" with no figure: cheapest first
                slots.append(Slot("sort", "cheapest", m.start(), m.end(), m.group(0)))
            taken.take(m.start(), m.end())
            break
    return slots


def _bounds(kind: str, value: float, direction: str) -> tuple[float | None, float | None]:
    if kind == "min" or direction in ("以上", "起", "往上", "or more", "and up"):
        return value, None
    if kind == "around" or direction in ("左右", "上下", "差不多", "or so", "ish"):
        return value * 0.8, value * 1.2
    return None, value


# -- party size ---------------------------------------------------------------------------

_PARTY_WORDS = {"我俩": 2, "我们俩": 2, "咱俩": 2, "两口子": 2, "情侣": 2, "双人": 2,
                "单人": 1, "一个人": 1, "就我一个": 1, "just me": 1, "myself": 1, "solo": 1,
                "a couple": 2, "couple": 2, "date night": 2}
# What may follow a list of people: the end, or a time or place ("... and I at 14:41"), not
# a verb ("for me and I need", "my anniversary and I want").
_PEOPLE_END = (r"(?=\s*(?:[.,!?]|$|(?:at|on|in|for|to|tonight|tomorrow|today|this|next|"
               r"from|near|within|please)(?![a-z])))")
_PARTY = gated(
    rf"一家(?P<fam>{NUMBER})口"
    rf"|(?P<zh>{NUMBER})\s?(?:个人|个大人|口人|位客人|位|人(?!均|民)|名|口)(?:餐|套餐)?"
    rf"|(?:table|booking|reservation|seats?|room|dinner|lunch|reserve|book)?\s?"
    rf"(?<![a-z])for\s(?P<for>{NUMBER})(?!\s?(?:{_CUR_WORDS}|%|minutes?|hours?|mins?|km|"
    r"am|pm|:|\.\d|days?|weeks?|nights?|o'?clock)|(?:th|st|nd|rd)(?![a-z]))"
    rf"(?:\s(?:people|persons|person|of us|guests|adults|pax|diners|members))?"
    rf"|(?:party|family|group) of (?P<of>{NUMBER})"
    rf"|(?P<en>{NUMBER})(?:\s(?:people|persons|guests|adults|pax|diners|of us)|-(?:person|people))"
    r"|(?P<me>me and my (?:(?:step|ex|best|little|big|baby|older|younger|grand) ?)?\w+"
    rf"|my (?:\w+ )?\w+ and (?:i|me){_PEOPLE_END})"
    # people by name: "for kirsten price, audra and I", "with vickie and caitlin"
    r"|(?<![a-z])(?:for|with) (?P<names>(?:me|[a-z]+(?: [a-z]+)?)(?:, [a-z]+(?: [a-z]+)?){0,6},?"
    rf" and (?:i|me|[a-z]+(?: [a-z]+)?)){_PEOPLE_END}"
    r"|(?P<w>我俩|我们俩|咱俩|两口子|情侣|双人|单人|就我一个|just me|(?<![a-z])solo(?![a-z])"
    r"|a couple(?! of)|date night)")


# Words that are not people: "for lunch and dinner", "with fries and a coke".
_NOT_PEOPLE = frozenset(str.split("""
a an the some any one two lunch dinner breakfast brunch supper drinks drink food fries chips
coke beer wine cheese sauce bacon rice noodles salad dessert desserts coffee tea pizza pasta
burgers sushi chicken beef pork fish steak today tomorrow tonight now later here there it
them this that those these delivery pickup takeout parking wifi music kids children family
friends people more less your his her their time help all everything everyone
"""))


def _named_people(names: str) -> int | None:
    """How many people a list of names holds ("kirsten price, audra and i": 3); None when
    an item is no person's name (food, a time)."""
    items = [item.strip() for item in re.split(r",\s*|\s+and\s+", names) if item.strip()]
    if any(word in _NOT_PEOPLE or word.endswith("ing") for item in items
           for word in item.split()):
        return None
    return len(items) if len(items) >= 2 else None


def party_size(text: str, taken: Taken) -> list[Slot]:
    """party_size from 两个人, 4位, 一家三口, for two, table for 4, party of 6."""
    slots = []
    for m in _finditer(_PARTY, text, taken):
        if m.group("names"):
            n: float | None = _named_people(m.group("names"))
        elif m.group("me"):
            n = 2
        elif m.group("w"):
            n = _PARTY_WORDS[m.group("w")]
        else:
            raw = next(m.group(g) for g in ("fam", "zh", "for", "of", "en") if m.group(g))
            n = to_number(raw)
        if n is None or not 1 <= n <= 50 or n != int(n):
            continue
        span = m.group(0).strip()
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        slots.append(Slot("party_size", int(n), start, start + len(span), span))
        taken.take(m.start(), m.end())
    return slots


def people_in(text: str) -> int | None:
    """How many people `text` says it is for, by the party-size reading alone ("双人精品火锅
    套餐": 2, "Hotpot feast for four": 4, "Solo hotpot set": 1), or None: for a deal's
    title, which a whole parse would read as the deal's name."""
    lowered = normalize(text if isinstance(text, str) else "")
    found = party_size(lowered, Taken(len(lowered)))
    return int(found[0].value) if found else None


# -- sort ---------------------------------------------------------------------------------

_SORTS: list[tuple[str, Gated]] = [
    ("nearest", gated(r"离我最近|距离最近|最近的|最近一家|最近那家|最近的一家|最近点|最靠近"
                           r"|nearest|closest|sort(?:ed)? by distance|by distance")),
    ("cheapest", gated(r"最便宜|价格最低|最实惠|最低价|便宜的排前面|cheapest|lowest price"
                            r"|least expensive|sort(?:ed)? by price|by price|lowest cost")),
    ("best_rated", gated(r"评分最高|评价最好|口碑最好|好评最多|最好吃|评分高|口碑好|好评|"
                              r"评分最好|top[- ]rated|best[- ]rated|highest[- ]rated|"
                              r"highly[- ]rated|best reviewed|best reviews|top rated|"
                              r"(?:high|top|excellent) (?:reviews|ratings)|"
                              r"(?<![a-z])(?<!you're the )(?<!youre the )(?<!you’re the )"
                              r"(?<!you are the )"
                              r"best(?! (?:deals?|discounts?|prices?|value|way|time))"
                              r"(?![a-z])")),
    ("popular", gated(r"人气最旺|人气最高|人气旺|最火|最热门|最受欢迎|卖得最好|销量最高|"
                           r"人最多|网红|most popular|popular|trending|hottest|busiest|"
                           r"best[- ]selling|"
                           # the choice left to the bot, or none shown liked: what is liked most
                           r"随便|你(?:来)?(?:选|挑|定)|帮我(?:选|挑)|换一家|(?:哪个都|哪家都)不(?:喜欢|满意)|"
                           r"surprise me|you (?:choose|pick|decide)|your (?:choice|pick|call)|"
                           r"(?:something|anything) else|"
                           r"(?:other|more|different) options|none of (?:these|those|them)")),
    ("biggest_discount", gated(r"折扣最大|优惠最大|最划算|最省钱|折扣最多|优惠最多|"
                                    r"力度最大|biggest discount|best deals?|best value|"
                                    r"most savings|biggest savings|largest discount")),
]


def sort(text: str, taken: Taken) -> list[Slot]:
    """sort: nearest, cheapest, best_rated, popular or biggest_discount."""
    for name, pattern in _SORTS:
        m = next(_finditer(pattern, text, taken), None)
        if m is not None:
            taken.take(m.start(), m.end())
            return [Slot("sort", name, m.start(), m.end(), m.group(0))]
    return []


# -- rating ---------------------------------------------------------------------------

_RATING = gated(
    r"(?:评分|评价|口碑|打分|星级)\s?(?:要|能|要能|还是|能够|最好|至少)?(?:是|在|为|到|达到)?\s?"
    r"(?P<zh>\d(?:\.\d)?|[一二三四五])\s?(?:分|星|颗星)(?!钟)(?:\s?(?:及|或)?(?:以上|起|往上))?"
    r"|(?P<zh2>\d(?:\.\d)?|[一二三四五])\s?(?:分|星|颗星)(?!钟)\s?(?:及|或)?(?:以上|起|往上)"
    r"|(?<![a-z])(?:rated|rating(?: of)?|at least)\s(?P<en>\d(?:\.\d)?)\s?(?:stars?|\+|"
    r"or (?:more|higher|above|better)|and (?:up|above))?"
    r"|(?P<en2>\d(?:\.\d)?)\+?[- ]?stars?(?: (?:or|and) (?:more|higher|above|up|better))?")


def rating(text: str, taken: Taken) -> list[Slot]:
    """rating_min from 评分4.5分以上, 4分以上, 4星, rated 4 stars, 4+ stars: a filter of a
    search, not a question about one shop's rating."""
    for m in _finditer(_RATING, text, taken):
        raw = next(m.group(g) for g in ("zh", "zh2", "en", "en2") if m.group(g))
        value = to_number(raw)
        if value is None or not 1 <= value <= 5:
            continue
        taken.take(m.start(), m.end())
        return [Slot("rating_min", _tidy(value), m.start(), m.end(), m.group(0))]
    return []


# -- group-buy ----------------------------------------------------------------------------

# 拼团: a lower price when enough people pay together. Plain 团购 is every deal here (the
# voucher sense, Meituan's), so it marks a group only with a group word beside it.
_GROUP = gated(
    r"拼团|拼单|参团|开团|成团|组团|凑团|多人团|几人团|[二两三四五六七八九十\d]{1,2}人团"
    r"|(?:一起|几个人|多人|凑人|组队)团购"
    r"|(?<![a-z])(?:group[- ]?(?:buy(?:s|ing)?|deals?|purchas(?:e|es|ing)|discounts?|"
    r"prices?|offers?)|team[- ]?(?:buy(?:s|ing)?|deals?|purchas(?:e|es|ing))|"
    r"buy(?:ing)? (?:it |them )?together|pin ?tuan)(?![a-z])")


def group_buy(text: str, taken: Taken) -> list[Slot]:
    """group: True for 拼团 / group buy / team deal (only group deals, please)."""
    m = next(_finditer(_GROUP, text, taken), None)
    if m is None:
        return []
    taken.take(m.start(), m.end())
    return [Slot("group", True, m.start(), m.end(), m.group(0))]


# -- discount -----------------------------------------------------------------------------

_DISCOUNT_RATIO = gated(
    r"(?P<zh>\d(?:\.\d)?|[一二三四五六七八九]{1,2})\s?折"
    r"|(?P<pct>\d{1,2})\s?(?:%|percent|per cent)\s?off"
    r"|半价|对折|half[- ]price|half off|(?P<bogo>买一送一|buy one get one(?: free)?|bogo)")
_DISCOUNT_ANY = gated(
    r"打折|折扣|优惠|特价|促销|活动价|满减|团购价|便宜券|有券|打个折|减价|降价|秒杀"
    r"|discounts?|discounted|on sale|(?<![a-z])sales?(?![a-z])|special offers?|offers?|deals"
    r"|promos?|promotions?|coupons?|vouchers? (?:deal|discount)|specials(?![a-z])")


def discount(text: str, taken: Taken) -> list[Slot]:
    """discount: the share of the price paid (五折 0.5, 30% off 0.7) or "any"."""
    for m in _finditer(_DISCOUNT_RATIO, text, taken):
        if m.group("zh"):
            raw = m.group("zh")
            if raw.isascii():
                ratio = float(raw) / 10
            else:
                digits = [to_number(c) or 0 for c in raw]
                ratio = digits[0] / 10 + (digits[1] / 100 if len(digits) > 1 else 0)
        elif m.group("pct"):
            ratio = 1 - int(m.group("pct")) / 100
        else:
            ratio = 0.5
        if not 0 < ratio < 1:
            continue
        taken.take(m.start(), m.end())
        return [Slot("discount", _tidy(round(ratio, 2)), m.start(), m.end(), m.group(0))]
    m = next(_finditer(_DISCOUNT_ANY, text, taken), None)
    if m is not None:
        taken.take(m.start(), m.end())
        return [Slot("discount", "any", m.start(), m.end(), m.group(0))]
    return []


_QUANTITY = gated(
    rf"(?P<n>{NUMBER})\s?(?:份|张|杯|个套餐|套)(?!餐)|(?:x|×)\s?(?P<x>\d{{1,2}})(?![\d.])"
    rf"|(?<![a-z])(?P<en>{NUMBER}) (?:of (?:them|those|these|it)|orders|portions|sets|vouchers|"
    r"tickets|servings)")


def quantity(text: str, taken: Taken) -> list[Slot]:
    """quantity for buying: 两份, 3张, x2, two of them."""
    for m in _finditer(_QUANTITY, text, taken):
        n = to_number(m.group("n") or m.group("x") or m.group("en") or "")
        if n is None or not 1 <= n <= 99 or n != int(n):
            continue
        taken.take(m.start(), m.end())
        return [Slot("quantity", int(n), m.start(), m.end(), m.group(0))]
    return []


Extractor = Callable[[str, Taken], list[Slot]]
NUMERIC_EXTRACTORS: tuple[Extractor, ...] = (group_buy, radius, sort, rating, price,
                                              party_size, quantity, discount)
