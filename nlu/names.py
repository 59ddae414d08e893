"""Names the vocabulary does not know yet, found by the words around them.

- places: "X附近 / X周边 / near X / in X" (an anchor for a nearby search);
- merchants: "X餐厅 / X(某某店) / called X / at X";
- dishes: "X这道菜 / 想吃X / X food / X cuisine";
- and, for searches, the leftover content words as `keywords`.

Capitalization only exists in the original text, so Latin names are looked for there
(the normalized text is lower-cased); both have the same length before typo fixes, and
`offsets` maps between the corrected working text and the original.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from nlu.literals import gated, scan
from nlu.slots import Taken
from nlu.text import CHINESE_RUN, is_cjk
from nlu.types import Slot


def _words(text: str) -> list[str]:
    return text.split()

_STOP_PREFIX = re.compile(
    r"^(?:请|麻烦|帮我|给我|帮忙|你|我们|我|想|要|去|到|在|从|离|找|推荐|查|看看|一下|一家|"
    r"这家|那家|哪家|个|家|的|有|还有|就|也|再|能|可以|好|嗯|那|这|和|跟|吃|住|是|"
    r"就在|位于|最好|或者|然后|还|又|先|都|呢|吧|啊|哦|行|对|知道|问问|问一下|问下|问|"
    r"看一下|查一下|查询|查|把|下)+")
_GENERIC = re.compile(
    r"^(?:这|那|哪|我|你|他|她|它|这里|那里|哪里|这边|那边|餐馆|餐厅|饭店|酒店|景点|地方|"
    r"家|附近|周边|学校|公司|家里|地铁站?|车站|这儿|那儿|哪儿|什么|东西|好吃|便宜|"
    r"一|二|两|三|几|多少|人|吃|喝|饭|店|菜|的|了|好玩|玩)+$")
_ZH_ANCHOR = gated(
    r"(?P<name>[^\s,.!?;:、，。！？；：“”\"'（）]{2,24}?)的?"
    r"(?:附近|周边|旁边|周围|边上|一带|那边|这边|就近)")
_ZH_AT = gated(r"(?:在|去|到)(?P<name>[\u4e00-\u9fff]{2,6}?)(?:找|吃|有|逛|玩|的餐|那儿|那里)"
               # where one is, said on its own: "我在国贸，附近有什么火锅", "我人在剑桥镇旅行"
               r"|我(?:现在|人|目前)?在(?P<here>[\u4e00-\u9fff]{2,6}?)"
               r"(?=[,，。.!！?？\s]|$|旅行|旅游|出差|上班|工作|这边|这里|呢|了)")
_ZH_SHOP = gated(
    r"(?P<plain>[\u4e00-\u9fff·]{2,14}?(?:餐厅|饭店|餐馆|酒楼|酒家|饭馆|菜馆|食府|烤鸭店|小吃店|"
    r"面馆|火锅店|咖啡馆|茶餐厅|烧烤店|大排档|料理店|酒馆|面包店|甜品店|小馆|食堂|茶楼|"
    r"饭庄|美食城|饺子城|火锅城|烧烤城|面包房|包子铺))")
# Words a description holds and a shop's name does not: "评分4分以上的餐馆", "有烤鸭的餐馆".
_NOT_A_NAME = re.compile(r"\d|的$|以上|以下|以内|这道|这个|哪|找|推荐|想|要|能|帮|给我|希望|适合|"
                         r"可以|一家|一个|有|告诉|查|请|麻烦|一下|叫|你|觉得|合适|"
                         r"他|她|它|该|此|别的|其它|其他|这家|这个|那家|那个|这里|那里")
# "有炒年糕的餐馆", "能吃到香河肉饼的餐馆": a shop described, not named ("失踪的袜子餐厅" is
# a name: its 的 is not right before the kind of shop).
_DESCRIBED_SHOP = re.compile(r"的(?:餐厅|饭店|餐馆|饭馆|店|地方|馆子)$")
_BEFORE_THIS = re.compile(r"(.+?)(?:这家|那家|这间|那间|(?:这个|那个)(?=餐|饭|店|酒))")
_ZH_NAMED = gated(
    r"(?:就去|去|选|就选|定)(?P<go>[\u4e00-\u9fff]{2,8}?)(?:吧|尝尝|吃饭|用餐|看看|试试)"
    r"|(?P<of>[\u4e00-\u9fff]{2,10}?)(?:的|家的)(?:营业时间|电话|地址|评分|人均消费|人均|"
    r"推荐菜|招牌菜|价位)")
_ZH_DISH = gated(
    r"(?P<before>[\u4e00-\u9fff]{2,10}?)(?:和|、)?这[一两二三四五]?(?:道|个|种)菜"
    r"|(?:想吃|爱吃|吃到|喜欢吃|来点|尝尝|尝一尝|有卖|想喝|来份|来一份|点个|点了|吃点)"
    r"(?P<after>[\u4e00-\u9fff]{2,10}?)(?=的|了|吗|呢|吧|啊|和|，|,|。|？|\?|！|!|\s|$|这|，)")
_ZH_DISH_LIST = gated(
    r"(?:吃|有|推荐菜有|推荐菜是|想吃的菜是|菜是|菜有)(?P<items>[\u4e00-\u9fff]{2,10}(?:\s?[、和跟及]\s?"
    r"[\u4e00-\u9fff]{2,10})*?)(?:这[一两二三四五俩几]?(?:道|个|种)?菜|的餐馆|的餐厅|的饭店|的店|"
    r"的地方)")
# A verb of eating (or a dish the shop should have) and the list of dishes after it, up to
# where the list ends: "想吃小米粥、白菜心，", "推荐菜有京东肉饼 尖椒肉丝，", "吃蟹腿、鲍鱼呢".
_ZH_EAT_LIST = gated(
    r"(?:吃到|吃|喝到|喝|尝尝|尝一尝|馋|来点|来份|来一份)的?"
    r"|推荐菜(?:最好)?(?:要|得)?(?:有|是)|(?:最好|最好还|最好要|还要|要|得)有|能做|会做|提供")
_ZH_LIST_END = re.compile(
    r"的|这|那|吗|呢|吧|啊|呀|了|哦|嘛|呗|并且|而且|然后|还有|评分|人均|消费|价格|餐馆|餐厅|"
    r"饭店|饭馆|店|地方|怎么|哪|请|帮|给|找|推荐|可以|有没有|在|去|吃饭|用餐|做的|做得|好吃|"
    r"拿手|特别|最好|因为|就|都|也|解|比较|菜品|之类|等|什么|啥|还是|或者|[^\u4e00-\u9fffa-z、 ]")
_ZH_ITEM_SPLIT = re.compile(r"[、 ]+|(?<=[\u4e00-\u9fffa-z]{2})[和与跟及](?=[\u4e00-\u9fffa-z]{2})")
_NOT_A_DISH = re.compile(r"什么|啥|东西|一顿|一下|一点|饭菜|饭$|^饭|这|那|它|他|她|我|你|顿|个|些|"
                         r"地方|口味|味道|^菜系?$|^菜|其他|别的|包间|包厢|停车|wifi|座位|位置")
_ZH_ANCHOR_ZONES = gated(r"(?:市)?(?:中心|东部|西部|南部|北部|东边|西边|南边|北边|中部|北方|"
                              r"南方|东区|西区|南区|北区|市区|城区)")

_EN_NAME = r"[A-Z][\w'&.-]*(?: (?:of|de|la|the|and|&|on|by) [A-Z][\w'&.-]*| [A-Z][\w'&.-]*)*"
_EN_PLACE = re.compile(rf"(?<![A-Za-z])(?:[Ii]n|[Nn]ear|[Aa]round|close to|next to|by|within|at|"
                       rf"from|neighbou?ring|nearby|near by|(?:area|same|state|country|city|"
                       rf"town|province) (?:as|of)) "
                       rf"(?:the )?(?P<name>{_EN_NAME}"
                       rf"(?:, ?(?:[A-Z]{{2}}(?![A-Za-z])|{_EN_NAME}))?)")
# "far from X", "distant from X": a place to measure from, not the shop one eats at.
_EN_AWAY = re.compile(r"(?:far|distant|away|faraway|distance|walk|drive|minutes?|miles?|blocks?) "
                      r"from $")
# Typed all in lower case, a place is the words after "in" / "near" at the end of the
# message or before the next part of it: "good to eat in cincinnati", "pub in mg road".
_EN_LOWER_PLACE = gated(
    r"(?<![a-z])(?:in |near |around )(?P<name>[a-z][a-z'.-]+(?: [a-z][a-z'.-]+){0,2}?)"
    r"(?=\s*(?:$|[^\w\s'-])| (?:for|to|with|that|on|at|and|please|today|tonight|tomorrow)"
    r"(?![a-z]))")
_NOT_A_PLACE = frozenset(str.split("""
a an the my your our his her their this that these those it them me us you here there
town general particular advance person stock total cash time mind fact front order line
bed half love case store mood hurry rush bulk public private person progress touch
minute minutes hour hours moment while bit one two three some any each every all other
morning afternoon evening night week weekend month year summer winter spring autumn
vicinity area neighborhood neighbourhood locality
"""))
# A shop named after "order ... from" or "call X to order": "from papa john's".
_EN_ORDER_FROM = gated(
    r"(?<![a-z])(?:order|get|buy|deliver|delivery|takeout|take out|pick up)(?![a-z])[^.?!]*?"
    r" from (?:the )?(?P<name>[a-z0-9][\w'&.-]*(?: [a-z0-9][\w'&.-]*){0,3}?)"
    r"(?=$|[.,!?]| (?:to|for|and|please|tonight|now|today|restaurant|a|an)(?![a-z]))"
    r"|(?<![a-z])call (?P<call>[a-z0-9][\w'&.-]*(?: [a-z0-9][\w'&.-]*){0,3}?) to order")
# "closest chipotle", "where is the nearest walmart": a chain's name after the nearest.
_EN_NEAREST_NAME = gated(r"(?<![a-z])(?:nearest|closest) (?P<name>[a-z][\w'&.-]+"
                         r"(?: [a-z][\w'&.-]+)?)(?=$|[.?!])")
_EN_ZONE = gated(r"(?<![a-z])(?:(?:in|on) )?the (?P<name>(?:(?:north|south|east|west)(?:ern)?"
                      r"|centre|center|city centre|city center|town centre|downtown|middle)"
                      r"(?: (?:part|side|area|end)(?: of (?:town|the city))?)?)"
                      r"|(?<![a-z])(?P<name2>city cent(?:re|er)|town cent(?:re|er)|downtown)")
_EN_CALLED = gated(r"(?<![a-z])(?:called|named) (?P<name>[\w'& -]{2,40}?)"
                        r"(?=[.,!?;]|$| in | for | on | at | and | please| that)")
_ZH_CALLED = gated(r"(?:叫做|名叫|名字(?:是|叫))(?P<name>[^\s，。,.!?？！、的]{2,14}?)"
                   r"(?=的(?:餐厅|餐馆|饭店|店|地方)|[，。,.!?？！]|$)"
                   r"|叫(?P<called>[^\s，。,.!?？！、的]{2,14}?)(?=的(?:餐厅|餐馆|饭店|店))")
_ZH_CUISINE = gated(r"(?P<name>[\u4e00-\u9fff]{2,4}?(?:菜式|菜系|料理|风味|美食))")
_EN_CUISINE = gated(
    r"(?<![a-z])(?P<name>(?:[a-z]+ )?[a-z]+) (?:food|cuisine|dishes|restaurants?|place|"
    r"joint|spot|kitchen|bistro|eatery|diner)(?![a-z])")
_EN_NOT_CUISINE = frozenset(_words("""
find search please locate book want like need recommend suggest try excellent perfect
wanna show get give tell
a an the some any good nice great cheap expensive local new nearby fancy decent best
that this your my our their a good some good nearest closest popular other another same
one two three fine real authentic little small big fast quick late open famous different
favorite favourite local best-rated top rated top-rated family kid friendly dog friendly
moderately priced cheap moderate pricey lovely tasty decent somewhat really very
"""))

_ZH_STOP = frozenset(_words("""
我 我们 你 你们 他 她 它 这 那 哪 这个 那个 哪个 这家 那家 哪家 一家 一个 一下 什么 怎么 怎么样
想 要 想要 想吃 想喝 吃 喝 去 来 找 找找 推荐 有 有没有 没有 吗 呢 吧 啊 哦 嗯 呀 的 了 是 在
和 跟 与 或 还是 就 都 也 还 再 很 太 更 最 比较 一点 一些 点 些 能 可以 可能 会 给 帮 帮我 请 麻烦
一 两 几 个 家 位 人 地方 店 餐厅 饭店 餐馆 好 好吃 好吃的 不错 东西 现在 今天 多少 时候 一起
看看 看 知道 告诉 需要 附近 周边 哪里 哪儿 这里 那里 吃饭 晚饭 午饭 饭 菜 味道 口味 谢谢 你好
那边 这边 一带 人均 能带 带 适合 最近 还开 开着 几杯 几个 多少钱 好玩 好玩的 新的 有的 一下子
怎么 怎样 为什么 时候 便宜点 一点儿 想找 找个 一份 一个人 不要 太贵 哪些 套餐 团购 优惠券
我要 我想 我想要 其实 实际上 另外 然后 顺便 对了 好的 嗯嗯 那么
"""))
_EN_STOP = frozenset(_words("""
a an the and or but if then so of to in on at by for with from about into over under
i me my we us our you your he she it its they them their this that these those is are
was were be been am do does did have has had can could would should will shall may might
want wanted need like get got find looking look search show give tell know please some
any anything something somewhere place places restaurant restaurants food eat eating
good nice great best really very just also too there here where what which who how when
near nearby around me today tonight tomorrow now deal deals offer offers options option
one ones get go going let lets there's what's i'm i'd i'll it's that's let's don't
hungry craving spot spots around area town city go grab recommend suggest
anywhere anyone somewhere someplace per person people eats stuff things thing kind
cheap price prices under over within about between tickets ticket classes class
set sets package packages menu and up
"""))
FUNCTION_WORDS_EN = _EN_STOP  # "the", "near", "please": words of no name


def _clean_zh(name: str) -> tuple[int, str]:
    """Strip leading function words; (chars stripped, what is left)."""
    m = _STOP_PREFIX.match(name)
    cut = m.end() if m else 0
    return cut, name[cut:]


_ZH_BRANCH = gated(
    r"(?P<name>[\u4e00-\u9fffa-z0-9·&]{2,18}[(（][\u4e00-\u9fff0-9a-z]{1,12}(?:店|餐厅)[)）])"
    r"(?P<after>的?(?:附近|周边|旁边|周围|边上))?")


def find_branch_names(work: str, taken: Taken) -> list[Slot]:
    """"店名(分店名)": a merchant's branch, or the place of a nearby search when 附近 /
    周边 follows. Found before vocabulary words, which may hide inside (烤鸭 in
    四季民福烤鸭店(东四十条店))."""
    found = []
    hits = scan(work) if taken.hits is None else taken.hits
    for m in _ZH_BRANCH.finditer(work, hits):
        cut, name = _clean_zh(m.group("name"))
        start, end = m.start("name") + cut, m.end("name")
        if not name or not taken.free(start, end):
            continue
        kind = "place" if m.group("after") else "merchant"
        found.append(Slot(kind, work[start:end], start, end, work[start:end]))
        taken.take(start, end)
    return found


def find_called(work: str, taken: Taken) -> list[Slot]:
    """"a restaurant called X" / "named X" / "一家叫X的餐厅" / "order ... from X": a
    merchant, found before vocabulary words that may hide inside the name (the noodle
    of "called dojo noodle bar", the 披萨 of "叫唐帕斯夸里披萨店的餐厅", the pizza of
    "from pizza hut")."""
    found = []
    hits = scan(work) if taken.hits is None else taken.hits
    for m in _EN_ORDER_FROM.finditer(work, hits):  # "order a pizza from michael's pizza"
        group = "call" if m.group("call") else "name"
        words = m.group(group).split()
        if words and words[-1] in ("restaurant", "place"):
            words = words[:-1]
        start = m.start(group)
        end = start + len(" ".join(words))
        if words and words[0] not in _EN_STOP and taken.free(start, end):
            found.append(Slot("merchant", work[start:end], start, end, work[start:end]))
            taken.take(start, end)
    called = (*_EN_CALLED.finditer(work, hits), *_ZH_CALLED.finditer(work, hits))
    for m in called:
        start, end = m.span("name" if m.group("name") else "called")
        name = work[start:end].strip(" \"'")
        start = work.index(name, start) if name else start
        end = start + len(name)
        if len(name) < 2 or not taken.free(start, end):
            continue
        found.append(Slot("merchant", name, start, end, name))
        taken.take(start, end)
    return found


_VENUE = gated(r"(?<![a-z])(?:restaurants?|resturants?|bars?|joints?|eater(?:y|ies)|"
               r"establishments?|places? to eat|spots? to eat|dining spots?|shops|stores|"
               r"shopping (?:malls?|cent(?:er|re)s?|plazas?|districts?))"
               r"(?![a-z])")
_EN_SHOP = re.compile(
    r"(?<![A-Za-z])(?P<name>(?:The )?(?:[A-Z][\w'&.-]*,? ){1,4}(?:&\s)?(?:Tavern|Diner|Cafe|Café|"
    r"House|Grill|Hotel|Restaurant|Kitchen|Bistro|Bar|Pub|Inn|Stand|Lounge|Bakery|Company|"
    r"Collective|Steakhouse|Brasserie|Pizzeria|Trattoria|Cantina|Eatery|Drive-In|Chophouse))"
    r"(?![A-Za-z])")
_EN_SHOP_WORD = gated(r"(?:tavern|diner|cafe|café|house|grill|hotel|restaurant|kitchen|bistro|"
                      r"bar|pub|inn|stand|lounge|bakery|company|collective|steakhouse|"
                      r"brasserie|pizzeria|trattoria|cantina|eatery|drive-in|chophouse)(?![a-z])")
_ANY_LATIN = re.compile(r"[a-z]")
_CAPITAL = re.compile(r"[A-Z]")
_LATIN_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_SENTENCE_STARTERS = frozenset(_words("""
book reserve find get i i'd i'm please can could would is are let's lets take go show need
want make try what where how tell give
"""))


def find_venues(work: str, taken: Taken) -> list[Slot]:
    """venue: the generic kind of place asked for (restaurant, bar, joint; shops, stores),
    which narrows no search."""
    hits = scan(work) if taken.hits is None else taken.hits
    found = []
    for m in _VENUE.finditer(work, hits):
        if taken.free(m.start(), m.end()):
            found.append(Slot("venue", m.group(0), m.start(), m.end(), m.group(0)))
            taken.take(m.start(), m.end())
    return found


def find_names(work: str, original: str, offsets: list[int], taken: Taken,
               tokens: Collection[tuple[int, int]] | None) -> list[Slot]:
    """Places, merchants and dishes found by the words around them."""
    found: list[Slot] = []
    hits = scan(work) if taken.hits is None else taken.hits

    def add(kind: str, start: int, end: int) -> None:
        while start < end and work[start] in " ·":
            start += 1
        while end > start and work[end - 1] in " ·":
            end -= 1
        if end - start < 2 or not taken.free(start, end):
            return
        found.append(Slot(kind, work[start:end], start, end, work[start:end]))
        taken.take(start, end)

    has_cjk = tokens is not None
    for m in _ZH_SHOP.finditer(work, hits) if has_cjk else ():
        group = "plain"
        cut, name = _clean_zh(m.group(group))
        if not name or _GENERIC.match(name):
            continue
        start = m.start(group) + cut
        after = work[m.end(group):m.end(group) + 3]
        named = _BEFORE_THIS.match(name)  # "钓鱼台国宾馆这家餐馆": the name, then "this one"
        if named is not None:
            cut, name = _clean_zh(named.group(1))
            if len(name) >= 2 and not _GENERIC.match(name) and not _NOT_A_NAME.search(name):
                add("merchant", start + cut, start + cut + len(name))
            continue
        kind = "place" if re.match(r"的?(?:附近|周边|旁边|周围|边上)", after) else "merchant"
        described = _DESCRIBED_SHOP.search(name) is not None
        if kind == "merchant" and (len(name) <= 3 or described or _NOT_A_NAME.search(name)):
            continue  # "川菜馆", "面馆": a kind of place; "有烤鸭的餐馆": a description
        add(kind, start, m.start(group) + len(m.group(group)))
    for m in _ZH_ANCHOR.finditer(work, hits) if has_cjk else ():
        cut, name = _clean_zh(m.group("name"))
        if not name or _GENERIC.match(name) or not any(is_cjk(c) or c.isalnum() for c in name):
            continue
        add("place", m.start("name") + cut, m.end("name"))
    for m in _ZH_AT.finditer(work, hits) if has_cjk else ():
        group = "name" if m.group("name") else "here"
        name = m.group(group)
        if not _GENERIC.match(name) and not (group == "here" and _NOT_A_NAME.search(name)):
            add("place", m.start(group), m.end(group))
    for m in _ZH_ANCHOR_ZONES.finditer(work, hits) if has_cjk else ():
        add("place", m.start(), m.end())
    for m in _ZH_NAMED.finditer(work, hits) if has_cjk else ():
        group = "go" if m.group("go") else "of"
        cut, name = _clean_zh(m.group(group))
        if name and not _GENERIC.match(name) and name not in _ZH_STOP \
                and not _NOT_A_NAME.search(name):
            add("merchant", m.start(group) + cut, m.end(group))
    for m in _ZH_CUISINE.finditer(work, hits) if has_cjk else ():  # 比利时菜式, 英国美食
        cut, name = _clean_zh(m.group("name"))
        if len(name) >= 3 and not _GENERIC.match(name) and not re.search(r"什么|啥|哪|有", name):
            add("dish", m.start("name") + cut, m.end("name"))
    for m in _ZH_DISH_LIST.finditer(work, hits) if has_cjk else ():
        start = m.start("items")
        for item in re.finditer(r"[^、和跟及,\s]+", m.group("items")):
            cut, name = _clean_zh(item.group(0))
            if len(name) >= 2 and not _GENERIC.match(name):
                add("dish", start + item.start() + cut, start + item.end())
    for m in _ZH_DISH.finditer(work, hits) if has_cjk else ():
        group = "before" if m.group("before") else "after"
        cut, name = _clean_zh(m.group(group))
        if name and not _GENERIC.match(name) and name not in _ZH_STOP \
                and not re.search(r"什么|啥|东西|一顿|一下|一点|都", name):
            add("dish", m.start(group) + cut, m.end(group))
    for m in _ZH_EAT_LIST.finditer(work, hits) if has_cjk else ():
        for start, end in _listed_dishes(work, m.end()):
            add("dish", start, end)

    # Latin names: look at the original's capitals, mapped into the working text.
    if not _ANY_LATIN.search(work):
        return found
    capitals = _CAPITAL.search(original) is not None  # what _EN_SHOP and _EN_PLACE need
    back = {orig: i for i, orig in enumerate(offsets[:-1])} if capitals else {}
    for pattern, kind in ((_EN_CALLED, "merchant"),):
        for m in pattern.finditer(work, hits):
            add(kind, m.start("name"), m.end("name"))
    shops = _EN_SHOP.finditer(original) if capitals and _EN_SHOP_WORD.search(work, hits) \
        else ()
    for m in shops:  # "Light Horse Tavern", "The Fashion Cafe"
        start, end = m.span("name")
        first = m.group("name").split(" ", 1)[0].lower()
        if first in _SENTENCE_STARTERS and " " in m.group("name"):
            start += len(first) + 1
        begin, last = back.get(start), back.get(end - 1)
        if begin is not None and last is not None and last - begin >= 3:
            add("merchant", begin, last + 1)
    for m in _EN_ZONE.finditer(work, hits):
        group = "name" if m.group("name") else "name2"
        add("place", m.start(group), m.end(group))
    for m in _EN_PLACE.finditer(original) if capitals else ():
        start, end = back.get(m.start("name")), back.get(m.end("name") - 1)
        if start is None or end is None:
            continue
        word = m.group(0).split(" ", 1)[0].lower()
        kind = "merchant" if word in ("at", "from") else "place"
        if word == "from" and _EN_AWAY.search(original[max(0, m.start() - 20):m.start() + 5]):
            kind = "place"
        if re.fullmatch(r"(?:I|A|The|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                        r"Sunday|Chinese|Japanese|Korean|Thai|Indian|Italian)",
                        m.group("name")):
            continue
        add(kind, start, end + 1)
    for m in _EN_NEAREST_NAME.finditer(work, hits):
        words = m.group("name").split()
        if words[0] not in _EN_STOP and words[0] not in _NOT_A_PLACE:
            add("merchant", m.start("name"), m.end("name"))
    for m in _EN_CUISINE.finditer(work, hits):
        name = m.group("name")
        words = name.split()
        while words and (words[0] in _EN_NOT_CUISINE or words[0] in _EN_STOP):
            words.pop(0)  # "what do food critics say": no cuisine called "what do"
        if not words or words[-1] in _EN_NOT_CUISINE or words[-1] in _EN_STOP:
            continue
        start = m.start("name") + len(name) - len(" ".join(words))
        add("dish", start, m.end("name"))
    return found


def _listed_dishes(work: str, start: int) -> list[tuple[int, int]]:
    """The spans of the dishes listed from `start` (just after a verb of eating) to
    where the list ends: "小米粥、白菜心" of "想吃小米粥、白菜心，请推荐"."""
    limit = min(len(work), start + 40)
    stop = _ZH_LIST_END.search(work, start, limit)
    end = stop.start() if stop is not None else limit
    items = []
    at = start
    for sep in (*_ZH_ITEM_SPLIT.finditer(work, start, end), None):
        a, b = at, (sep.start() if sep else end)
        at = sep.end() if sep else end
        cut, name = _clean_zh(work[a:b])
        if 2 <= len(name) <= 10 and name not in _ZH_STOP and not _GENERIC.match(name) \
                and not _NOT_A_DISH.search(name):
            items.append((a + cut, b))
    return items


def lower_case_places(work: str, taken: Taken) -> list[Slot]:
    """In a message typed all in lower case (the caller knows), the words after "in" /
    "near" at its end ("good to eat in cincinnati", "any pub in mg road"): where to
    look. Read only once the message is known to ask for a shop, since "how many people
    live in vermillion" asks nothing of one."""
    hits = scan(work) if taken.hits is None else taken.hits
    found = []
    for m in _EN_LOWER_PLACE.finditer(work, hits):
        start, end = m.span("name")
        words = m.group("name").split()
        if taken.free(start, end) and not any(w in _NOT_A_PLACE or w in _EN_STOP
                                              for w in words):
            found.append(Slot("place", work[start:end], start, end, work[start:end]))
            taken.take(start, end)
    return found


def _two_free(work: str, taken: Taken) -> bool:
    """Whether two Chinese characters in a row are free of slots (a keyword needs them)."""
    mask = taken.mask
    return any(not any(mask[i:i + 2]) for m in CHINESE_RUN.finditer(work)
               for i in range(m.start(), m.end() - 1))


def keywords(work: str, taken: Taken, tokens: Collection[tuple[int, int]] | None,
             lang: str) -> list[Slot]:
    """Content words of a search that no other slot took: one `keywords` slot."""
    words: list[tuple[int, int]] = []
    if tokens and _two_free(work, taken):  # else no token can give a word: not segmented
        for token_start, token_end in sorted(tokens):
            # the free runs of a token: 生日 of 生日蛋糕 when 蛋糕 is a category
            run_start = None
            for i in range(token_start, token_end + 1):
                free = i < token_end and not taken.mask[i] and is_cjk(work[i])
                if free and run_start is None:
                    run_start = i
                elif not free and run_start is not None:
                    word = work[run_start:i]
                    if i - run_start >= 2 and word not in _ZH_STOP:
                        words.append((run_start, i))
                    run_start = None
    for m in _LATIN_WORD.finditer(work):
        if taken.free(m.start(), m.end()) and m.group(0) not in _EN_STOP:
            words.append(m.span())
    if not words:
        return []
    words.sort()
    text = " ".join(work[a:b] for a, b in words)
    return [Slot("keywords", text, words[0][0], words[-1][1], text)]
