"""Intent cues: the words and phrases that say what a message wants, with weights.

Scoring adds the weights of every cue found (each cue counts once) and a few
slot-based hints (a category or a price makes a search likelier; a time with a party
size makes a booking likelier). The best score wins; close runners-up are reported
as alternatives so the handler can ask rather than guess.
"""

from __future__ import annotations

from nlu.literals import Gated, gated, scan

_CUES: dict[str, list[tuple[str, float]]] = {
    "search_deals": [
        (r"找|推荐|有什么|有没有|有啥|哪里有|哪儿有|哪有|想吃|想喝|吃什么|喝什么|去哪|哪家|"
         r"来点|好吃的|好喝的|餐厅|饭店|餐馆|美食|团购|有吗|有没|吃饭|搜|查一下|"
         r"看看有|求推荐|什么好|吃点|喝点|馆子|搞点|地方|双人|单人|[一二三四两\d]人餐|"
         r"[一二三四两\d]人套餐", 1.0),
        (r"(?<![a-z])(?:find|looking for|look for|search|recommend\w*|suggest\w*|any\b|"
         r"restaurants?|resturants?|place to eat|places to eat|somewhere|where can i|"
         r"i want (?:to eat|some)|i'?m hungry|hungry|craving|food|deals?|eat|grab|"
         r"show me|options?|something|what'?s good|spots?|cuisine|serves?|serving|"
         r"i need a|i'?d like (?:a|some)|get me some|got any|are there|is there)(?![a-z])",
         1.0),
    ],
    "show_deal": [
        (r"怎么样|好不好|如何", 0.45),
        (r"地址|电话|营业时间|人均消费是多少|人均消费多少|评分是多少|评分多少|人均多少", 1.6),
        (r"在哪|怎么走|几点开门|几点关门|营业到|开到几点|几点开|"
         r"好吃吗|评价|评分是多少|评分多少|详情|详细|介绍一下|包含什么|包括什么|"
         r"包含哪些|都有什么菜|是什么|第[一二三四五六七八九十\d]+[个家]|那家|这家|它家|"
         r"邮编|区域|门店|营业|开门|关门|几点|能用吗|可以用吗|哪些门店|有效期|"
         r"看一下|看下|详细看看", 1.0),
        (r"(?<![a-z])(?:address|phone number|postcode|post code|do they (?:have|do|serve|offer|"
         r"take|accept)|does it (?:have|serve)|what (?:type|kind) of food)(?![a-z])", 1.6),
        (r"(?<![a-z])(?:address|phone|number|postcode|post code|opening hours|hours|"
         r"open until|what time|reviews?|tell me (?:more )?about|details?|how is|is it good|"
         r"what'?s in|menu|located|where is|where'?s|more info|information|info|"
         r"contact|website|price range of|the first one|the second one|the third one|"
         r"that one|this one|accept|take reservations|open on|open at|open now)(?![a-z])",
         1.0),
        (r"#\s?\d+|^\d{1,2}$", 1.2),
        (r"多少钱|价格是|那个|这个(?!月)|有几|包含|包括|含什么|要预约吗|需要预约|需要预订|"
         r"要排队吗|能用吗", 1.2),
        (r"(?<![a-z])(?:include[sd]?|what'?s in|package|valid|can i use|first (?:deal|one)|"
         r"second (?:deal|one)|third (?:deal|one)|the \w+(?: \w+)? deal(?!s)|how much is|"
         r"need (?:a )?reservation|need to book|expire)(?![a-z])", 1.2),
    ],
    "buy": [
        (r"买|购买|下单|付款|支付|来一份|来两份|来一个|要一份|要两份|拿下|我要了|"
         r"就这个|抢购|拍下|结账|买单|订一份|来份|要这个", 1.6),
        (r"(?<![a-z])(?:buy|purchase|i'?ll take|i will take|checkout|check out|pay for|"
         r"order (?:the|a|an|one|two|some|me|food|\d)|place an order|get (?:the|this|that) "
         r"(?:deal|set|one)|take (?:the|this|that)|add to cart)(?![a-z])", 1.6),
        (r"(?<![a-z])(?:order|pay)(?![a-z])", 0.7),
        (r"(?<![a-z])(?:get me the|i want the|i'?d like the|i'?ll have|give me the)(?![a-z])",
         1.2),
    ],
    "my_codes": [
        (r"我的券|我的劵|我的优惠券|我的订单|我的码|券码|核销码|兑换码|订单状态|我买的|已购|"
         r"我的团购|我的卡券|买过的|我的购买|订单到哪|订单呢|券呢|码呢|我的预订|我的预约|"
         r"买了什么|我的钱包|卡包|我的凭证|买的|买过|已买|没用的券|还没用|没用过|二维码|券在哪|"
         r"码在哪|我的.{0,6}码", 2.0),
        (r"(?<![a-z])(?:my (?:codes?|vouchers?|coupons?|orders?|purchases?|bookings?|"
         r"reservations?|tickets?|wallet|stuff)|order status|status of my|where is my order|"
         r"track my|confirm my|did i (?:buy|order|book)|what did i (?:buy|order)|"
         r"redemption codes?|codes? i bought|is my (?:order|reservation|booking)|"
         r"(?:i|i'?ve|have i) (?:bought|purchased|paid for)|(?:the|my|a) (?:qr|code)s?|"
         r"show .{0,20}(?:qr|code)|confirm|do i (?:still )?have a|i have a reservation|"
         r"is there a reservation|are there reservations?)(?![a-z])",
         2.0),
    ],
    "refund": [
        (r"退款|退钱|退货|退掉|退了|退单|退券|退回|申请退|能退吗|可以退吗|退一下|要退", 2.2),
        (r"(?<![a-z])(?:refund\w*|money back|return (?:it|my|the|this)|get my money|"
         r"charge ?back)(?![a-z])", 2.2),
    ],
    "follow": [
        (r"关注|收藏|订阅|加关注|粉丝|通知我|提醒我", 1.8),
        (r"(?<![a-z])(?:follow|subscribe|save (?:this|the) (?:store|shop)|"
         r"keep me posted|notify me|favou?rites?|bookmark)(?![a-z])", 1.8),
    ],
    "unfollow": [
        (r"取消关注|取关|不再关注|不想关注|不关注|不要再关注|别再关注|取消订阅|退订|移除关注|"
         r"取消收藏", 3.0),
        (r"(?<![a-z])(?:unfollow|unsubscribe|stop following|don'?t follow|no longer follow|"
         r"remove .{0,30}from my (?:follow|favou?rite)\w*)"
         r"(?![a-z])", 3.0),
    ],
    # The stores one follows, listed: "我关注的店" holds 关注 but names no store to follow,
    # and "把这家加到我的关注" is a follow.
    "my_follows": [
        (r"(?<!加到)(?<!加入)(?<!放进)(?<!添加到)我的关注|我(?:都|已经|已)?关注(?:了|的|过)|"
         r"关注(?:了|过)?(?:哪些|哪几家|多少家)|关注列表|关注的(?:店|商家|门店|商户)|"
         r"已关注的", 2.5),
        (r"(?<![a-z])(?:my follows|my following|following list|(?:list|show) (?:of )?(?:my )?"
         r"follow(?:s|ing)|(?:shops|stores|places|restaurants|merchants|ones) (?:that )?"
         r"i(?:'m| am)? follow(?:ing)?|who (?:do )?i follow|do i follow|"
         r"(?:i'?m|i am|am i) following|^following)(?![a-z])", 2.5),
    ],
    # The shopper's own 拼团 groups: "我的拼团" holds 拼团 (a search word) but asks for
    # the groups they are in.
    "my_groups": [
        (r"我的拼团|我参加的拼团|我参与的拼团|我开的团|我参的团|我的团(?!购)|拼团进度|"
         r"拼团状态|拼团(?:成功|成了)(?:没|吗)|成团了(?:没|吗)|我在的团", 2.6),
        (r"(?<![a-z])(?:my (?:groups?|group[- ]?(?:buys?|deals?|orders?)|team[- ]?deals?)|"
         r"groups? i(?:'m| am)? (?:in|joined)|did (?:my|the) group fill)(?![a-z])", 2.6),
    ],
    "book_table": [
        (r"订位|订座|订桌|预订|预定|订个位|订个桌|订一个位|订一桌|订餐|有位|有座|留位|留个位|"
         r"留座|位子|座位|桌子|订个|排号|排队|订一张|餐位|订两位|订\d位|预约", 1.6),
        (r"(?<![a-z])(?:book\w*|reserv\w*|table for|a table|get a table|seats?|tables?|"
         r"make a reservation|walk[- ]in|party of)(?![a-z])", 1.6),
    ],
    "set_location": [
        (r"我在(?!找|想|看|搜|问|吃|等|考虑)|我现在在|现在在|我到了|我已经到|刚到|^到了|我人在|定位|"
         r"我的位置|位置是|位置改|改位置|我住在|我住|我这边是|我目前在|搬到", 1.8),
        (r"(?<![a-z])(?:i'?m at|i am at|i'?m in|i am in|i'?m near|i am near|my location|"
         r"set (?:my )?location|i'?m staying|i live in|i'?m currently|located at|"
         r"i'?m around|update my location|change (?:my )?location|just landed|landed (?:at|in)|"
         r"moved to|arrived (?:at|in)|i'?m now (?:at|in)|now at|currently at|currently in)"
         r"(?![a-z])", 1.8),
    ],
    "settings": [
        (r"设置|语言|切换|英文|中文|免打扰|通知|推送|时区|夜间勿扰|晚上别|静音|改成", 1.6),
        (r"默认|偏好|关闭|打开|开启", 1.0),
        (r"(?<![a-z])(?:settings?|language|english|chinese please|in chinese|notifications?|"
         r"quiet hours|time ?zone|preferences|switch to|change (?:the )?language|"
         r"do not disturb|mute|push(?:es)?|push messages|daily|updates|messages)(?![a-z])", 1.6),
    ],
    "help": [
        (r"帮助|怎么用|如何使用|你能做什么|你会什么|有什么功能|使用说明|能干嘛|能干什么|帮我一下|"
         r"救命|怎么操作|教教我|不会用|怎么玩|你是谁|help|功能|干嘛的|机器人|^[?？]+$", 1.6),
        (r"怎么(?:买|用|核销|付款|支付|关注|领|使用|兑换|操作|预订|订)|如何", 2.5),
        (r"^(?:how (?:do|can|should) i|how to)(?![a-z])|(?<![a-z])how (?:do|does) (?:it|this|"
         r"redemption|redeeming)|i'?m (?:confused|lost)", 2.5),
        (r"(?<![a-z])(?:what (?:subjects|kinds? of|kid of|types? of|sorts? of|things)|"
         r"what can you|what you can|are you able|examples of what|familiar with|"
         r"experienced (?:in|with)|capable of|be able to do|able to help)(?![a-z])", 1.6),
        (r"(?<![a-z])(?:help(?! me (?:find|book|reserve|get|look|locate|search|to|with|pick|"
         r"choose|order|buy|make))|what can you do|how (?:does this|do i use|to use|do you work|"
         r"does it work)|what can i (?:ask|do|say)|what are you|who are you|instructions|"
         r"how do i|what do you do|what are your (?:features|abilities)|commands|"
         r"what things can|list of things)(?![a-z])", 1.6),
    ],
    "greeting": [
        (r"^/start|^(?:你好|您好|嗨|哈喽|哈啰|早上好|早安|晚上好|下午好|中午好|在吗|在不在|喂|hello|hi|"
         r"hey|hiya|yo|howdy|good (?:morning|evening|afternoon|day)|greetings|sup|"
         r"what'?s up|how are you|how'?s it going)", 0.9),
        (r"(?<![a-z])(?:hello|hi there|hey there|nice to meet you|how are you doing|"
         r"how have you been)(?![a-z])|你好|您好", 0.6),
    ],
    "thanks": [
        (r"谢谢|多谢|感谢|谢啦|谢了|辛苦了|太好了谢|thx|3q", 1.2),
        (r"(?<![a-z])(?:thanks?|thank you|thank u|ty|cheers|much appreciated|appreciate it|"
         r"grateful|many thanks)(?![a-z])", 1.2),
    ],
    "bye": [
        (r"再见|拜拜|回见|下次见|下次再聊|再聊|回聊|先这样|晚安|^88+$|byebye|走了|下线了|"
         r"回头见", 1.3),
        (r"(?<![a-z])(?:bye|goodbye|good bye|see you|see ya|cya|good night|goodnight|"
         r"talk later|ttyl|farewell|i'?m off|later)(?![a-z])", 1.3),
    ],
    "cancel": [
        (r"取消|算了|不要了|不用了|不买了|先不|别弄了|停止|退出|放弃|不订了|撤销|不去了|没事了|"
         r"不需要了|^停$|^停下", 1.7),
        (r"(?<![a-z])(?:cancel\w*|never ?mind|forget it|^stop(?! (?:the|sending|following))|"
         r"abort|quit|don'?t want it|"
         r"no thanks|call (?:it|that) off|scratch that|nvm|don'?t (?:buy|book|order|want)|"
         r"no wait|wait no)(?![a-z])", 1.7),
    ],
}

# Out of the shop's world: weather, travel, news, chit-chat, code. These make "unknown"
# a positive answer instead of a fallback.
_CUES["unknown"] = [
    (r"天气|下雨|气温|股票|股价|打车|出租车|航班|机票|高铁票|火车票|宾馆|新闻|坐地铁|乘坐地铁|"
     r"乘地铁|地铁站(?!附近|周边)|"
     r"笑话|讲个|翻译|作业|考试|几点了|现在几点|汇率|彩票|快递|医院|银行", 1.5),
    (r"(?<![a-z])(?:weather|rain|forecast|temperature|stocks?|taxi|uber|cab|flights?|"
     r"train ticket|bus ticket|hotel room|news|joke|translate|homework|exam|what time is it|"
     r"exchange rate|"
     r"lottery|bank|hospital|alarm|timer|remind me|play (?:some )?music|song|volume|"
     r"battery|wifi password|spell|calculate|meaning of life|tire|credit card|insurance|"
     r"vacation|flight|car|gas|rent|salary|paycheck|meeting|calendar|email|text message|"
     r"phone call|call (?:mom|dad|my)|direct deposit|pto|w-2|taxes|recipe|calories)"
     r"(?![a-z])", 1.5),
    (r"(?:drop|delete|truncate|alter)\s+table|select\s.+\sfrom\s|insert\s+into|union\s+select|"
     r"'\s*or\s+'?1'?\s*=\s*'?1|<script|;\s*--", 3.0),
]

_WORD_START = "(?<![a-z])"


def _compile(pattern: str) -> tuple[Gated, bool]:
    """The cue's pattern, with a leading "not inside a word" check moved out of the
    regular expression (a leading look-behind stops the engine from skipping ahead to
    the first letters of the alternatives, which made each search about five times
    slower); the flag says whether the caller must check it."""
    if pattern.startswith(_WORD_START):
        return gated(pattern[len(_WORD_START):]), True
    return gated(pattern), False


CUES: dict[str, list[tuple[Gated, bool, float]]] = {
    intent: [(*_compile(pattern), weight) for pattern, weight in cues]
    for intent, cues in _CUES.items()
}

# Slots that mark a search, and how much each adds.
SEARCH_SLOT_WEIGHTS = {"category": 0.9, "dish": 0.9, "price_min": 0.6, "price_max": 0.6,
                       "price_level": 0.5, "radius_m": 0.6, "sort": 0.7, "discount": 0.8,
                       "keywords": 0.2, "group": 0.9}


# Each cue as (intent, pattern, word_start, weight), by its pattern's gate id.
_BY_ID: dict[int, tuple[str, Gated, bool, float]] = {
    cue.id: (intent, cue, word_start, weight)
    for intent, cues in CUES.items() for cue, word_start, weight in cues}
_ALWAYS = tuple(ident for ident, (_, cue, _, _) in _BY_ID.items() if cue.always)


def cue_scores(text: str, hits: set[int] | None = None,
               ) -> dict[str, tuple[float, list[tuple[int, int]]]]:
    """Each intent's cue score on normalized `text`, with the spans of its cues. `hits`
    is `literals.scan(text)` when the caller has it; only the cues whose words occur
    are run."""
    if hits is None:
        hits = scan(text)
    scores: dict[str, tuple[float, list[tuple[int, int]]]] = {}
    for ident in sorted({*_ALWAYS, *(hits & _BY_ID.keys())}):
        intent, cue, word_start, weight = _BY_ID[ident]
        found = [m.span() for m in cue.pattern.finditer(text) if m.end() > m.start()
                 and not (word_start and m.start() > 0 and "a" <= text[m.start() - 1] <= "z")]
        if found:
            total, spans = scores.get(intent, (0.0, []))
            scores[intent] = (total + weight, spans + found)
    return scores
