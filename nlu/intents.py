"""Intent cues: the words and phrases that say what a message wants, with weights.

Scoring adds the weights of every cue found (each cue counts once) and a few
slot-based hints (a category or a price makes a search likelier; a time with a party
size makes a booking likelier). The best score wins; close runners-up are reported
as alternatives so the handler can ask rather than guess.
"""

from __future__ import annotations

from nlu.literals import Gated, gated, scan

# What one does with this bot: "how do I <one of these>" asks for help; "how do I make
# pancakes" or "how do you get red wine out of the carpet" asks about another world.
_APP_VERBS = (r"buy|pay|purchase|redeem|use|follow|unfollow|subscribe|unsubscribe|book|reserve|"
              r"order|get (?:a |my |the )?(?:code|coupon|voucher|refund|"
              r"deal|discount|table|reservation|money)|cancel|refund|share|invite|join|claim|"
              r"change|set|turn|stop|see|check|contact|reach|talk|start|sign|log|open|switch|"
              r"track|apply|register|become|sell|post|add|list|scan|show|save|delete|edit")
# Saying that something does not matter: "no preference", "doesn't matter", "无所谓".
NO_PREFERENCE_EN = (r"(?:does ?n'?t|does not|do ?n'?t|do not) (?:really )?(?:matter|care|mind)|"
                    r"no (?:particular )?preferences?|not particular")
NO_PREFERENCE_ZH = r"无所谓|都可以|随便|都行|没有要求|没要求|没什么要求|不挑"
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
        # Booking "a restaurant" (not a table) picks one first: "我想在北边预订一家贵一点的".
        (r"(?:想|要)?(?:预订|预定|订)(?:一家|一个)(?!人)", 1.2),
        # An answer to "which area / price / food?" that leaves it open is still a search.
        (rf"(?<![a-z])(?:{NO_PREFERENCE_EN}|(?:either|any) (?:one )?(?:is|will be) "
         r"fine|any (?:area|part of town|price range|type of food|kind of food|cuisine)|"
         # the choice left to the bot, or none of the shops shown liked: show (more) shops
         r"you (?:choose|pick|decide)|(?:pick|choose) (?:one|any|something) for me|surprise me|"
         r"your (?:choice|pick|call)|none of (?:these|those|them)|(?:something|anything) else|"
         r"(?:other|more|different) options)(?![a-z])|"
         rf"{NO_PREFERENCE_ZH}|你(?:来)?(?:选|挑|定)|"
         r"帮我(?:选|挑)|你觉得(?:合适|好|不错)的?|(?:都|哪个都|哪家都)不(?:喜欢|满意|行|合适)|"
         r"换一[家个]|换个", 0.9),
    ],
    # Looking at one deal or shop as a whole; questions about one of its attributes
    # (hours, phone, what a set holds) are `ask_attribute` (ATTRIBUTE_CUES below).
    "show_deal": [
        (r"怎么样|好不好|如何", 0.45),
        (r"详情|详细|介绍一下|是什么|第[一二三四五六七八九十\d]+[个家]|那家|这家|它家|"
         r"看一下|看下|详细看看|就去|就选|就定", 1.0),
        (r"(?<![a-z])(?:tell me (?:more )?about|details?|how is|is it good|more info|"
         r"information|info|the first one|the second one|the third one|that one|this one|"
         r"heard (?:of|about)|(?:called|named) [a-z])(?![a-z])", 1.0),
        (r"#\s?\d+|^\d{1,2}$", 1.2),
        (r"那个|这个(?!月)", 1.2),
        # One shop by its name: "a restaurant called Meghna", "information on the Gandhi".
        (r"(?<![a-z])(?:called|named|by the name(?: of)?|(?:information|info|details) "
         r"(?:on|about)|(?:a|this|that|one) (?:particular|certain|specific) (?:restaurant|place)|"
         r"heard (?:of|about|something about))(?![a-z])|叫做?.{1,12}的(?:餐馆|餐厅|饭店|店)|"
         r"名叫|叫做|名字(?:是|叫)", 1.8),
        (r"(?:的|一些|更多|有关|相关)(?:信息|资料|情况|介绍)|了解一下|了解下|多了解|详细了解", 1.2),
        # "looking for the cotto restaurant": the one with that name.
        (r"(?<![a-z])(?:looking for|find|about|try|recommended) the (?!(?:best|cheapest|nearest|"
         r"closest|same|other|right|perfect|ideal|new|local|good|expensive|moderate|cheap|"
         r"first|second|third|last|next|one)(?![a-z]))[a-z'&]+(?: [a-z'&]+)? restaurant(?![a-z])",
         1.2),
        (r"(?<![a-z])(?:first (?:deal|one)|second (?:deal|one)|third (?:deal|one)|"
         r"the \w+(?: \w+)? deal(?!s))(?![a-z])", 1.2),
    ],
    "buy": [
        (r"(?<!牙)买|购买|下单|付款|支付|来一份|来两份|来一个|要一份|要两份|拿下|我要了|"
         r"就这个|抢购|拍下|结账|买单|订一份|来份|要这个", 1.6),
        (r"(?<![a-z])(?:buy|purchase|i'?ll take|i will take|checkout|check out|pay for|"
         r"order (?:the|a|an|one|two|some|me|food|\d)|place an order|get (?:the|this|that) "
         r"(?:deal|set|one)|take (?:the|this|that)|add to cart)(?![a-z])", 1.6),
        (r"(?<![a-z])(?:order|pay)(?![a-z])", 0.7),
        (r"(?<![a-z])(?:and|then|to) order(?: it| them| some)?(?![a-z])", 1.6),
        # Food to take away or have delivered: "order chinese takeout", "get me takeaway".
        (r"(?<![a-z])(?:takeout|take out|take-out|takeaway|take away|for delivery|"
         r"(?:could|can|would) you order|let me order|make an order|order (?:it|them|from)|"
         r"order (?:\w+ )?(?:food|pizzas?|sushi|noodles|burgers?|soup)|delivery)(?![a-z])|"
         r"外卖|点外卖|"
         r"送餐|打包带走", 1.6),
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
         r"show .{0,20}(?:qr|code)|confirm .{0,30}(?:order|booking|reservation|purchase)|"
         r"(?:package|item|order|delivery)(?:'s)? (?:progress|doing|getting here|arriv\w*|"
         r"tracking)|(?:my|the) (?:package|item|order) (?:will|is|'s)|monitor my|"
         r"do i (?:still )?have a|i have a reservation|"
         r"is there a reservation|are there reservations?|track(?:ed|ing)? (?:a |an |my |the )?"
         r"(?:package|parcel|order|delivery|shipment)|(?:package|parcel|shipment|delivery|"
         r"order|item) (?:tracked|status)|need it tracked|where (?:is|'s) my|locate my|"
         r"(?:my|the) (?:package|parcel|shipment|item) (?:been|is|was)|has my|"
         r"order (?:i|we) (?:placed|made)|(?:if|whether) .{0,20}(?:i|we) (?:still )?have a "
         r"(?:reservation|booking)|reservation .{0,40}(?:accepted|confirmed|went through))"
         r"(?![a-z])", 2.0),
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
         r"留座|位子|座位|桌子|订个|排号|排队|订一张|餐位|订两位|订\d位|预约|帮我订|给我订|我要订|"
         r"想订|订(?:一个|个)?(?:包间|包厢)", 1.6),
        (r"(?<![a-z])(?:reference number|ref number|booking reference|confirmation number|"
         r"booking number|reference code)(?![a-z])|预订号|预约号|订单号|参考号", 1.6),
        # Going to eat at a place: "I'd like to eat at The Firehouse", "lets go to a bistro".
        (r"(?<![a-z])(?:(?:like|want|wanna|going|need|love|wish) to (?:eat|dine|have "
         r"(?:dinner|lunch)) at|(?:let'?s|lets) (?:go|eat) (?:to|at))(?![a-z])", 1.0),
        (r"(?<![a-z])(?:book(?!(?:store|shop)s?(?![a-z]))\w*|reserv\w*|table for|a table|"
         r"get a table|seats?|tables?|make a reservation|walk[- ]in|party of)(?![a-z])", 1.6),
        # "make my reservation for seven", "I want my reservation to be made at 7:15"
        (r"(?<![a-z])(?:(?:make|book|set|put) my (?:reservation|booking|table)|my (?:reservation|"
         r"booking) (?:to be|should be|be) (?:made|booked|set))(?![a-z])", 2.2),
    ],
    "set_location": [
        (r"我到[^，。,.!?？\s]{1,10}了$|(?<!帮)(?<!给)(?<!替)我在(?!找|想|看|搜|问|吃|等|考虑)|我现在在|现在在|我到了|我已经到|刚到|^到了|我人在|定位|"
         r"我的位置|位置是|位置改|改位置|我住在|我住|我这边是|我目前在|搬到", 1.8),
        (r"(?<![a-z])(?:(?<!where )i'?m at|(?<!where )i am at|i'?m in(?! the mood)|"
         r"i am in(?! the mood)|i'?m near|"
         r"i am near|(?<!to )(?<!near )(?<!around )my location(?! is near)|"
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
         r"救命|怎么操作|教教我|不会用|怎么玩|你是谁|功能|干嘛的|机器人|^[?？]+$", 1.6),
        (r"(?:怎么|如何)(?:买|用|核销|付款|支付|关注|领|使用|兑换|操作|预订|订)", 2.5),
        (rf"^(?:how (?:do|can|should) (?:i|we)|how to)(?: (?:{_APP_VERBS})(?![a-z])|\s*[?？]?$)|"
         r"(?<![a-z])how (?:do|does) (?:it|this|redemption|redeeming)|i'?m (?:confused|lost)",
         2.5),
        # "what kinds of things can you do" (not "what kind of shops are near"): a kind
        # of what the bot does.
        (r"(?<![a-z])(?:what (?:subjects|(?:kinds?|kid|types?|sorts?) of (?:things|tasks|"
         r"questions|subjects|topics|stuff|requests|help|jobs)|things)|"
         r"what can you|what you can|are you able|examples of what|familiar with|"
         r"experienced (?:in|with)|capable of|be able to do|able to help)(?![a-z])", 1.6),
        (r"(?<![a-z])(?:help(?!(?: me| us)?(?: to)? (?:find|book|reserve|get|look|locate|search|"
         r"pick|choose|order|buy|make)|(?: me| us) (?:to|with))|what can you do|"
         r"how (?:does this|do i use|to use|do you work|does it work)|what can i (?:ask|do|say)|"
         r"what are you|who are you|instructions|"
         r"what do you do|what are your (?:features|abilities)|commands|"
         r"what things can|list of things)(?![a-z])", 1.6),
    ],
    "greeting": [
        (r"^/start|^(?:你好|您好|嗨|哈喽|哈啰|早上好|早安|晚上好|下午好|中午好|在吗|在不在|喂|hello|hi|"
         r"hey|hiya|yo|howdy|good (?:morning|evening|afternoon|day)|greetings|sup|"
         r"what'?s up|how are you|how'?s it going)", 0.9),
        (r"(?<![a-z])(?:hello|hi there|hey there|nice to meet you|how are you doing|"
         r"how have you been)(?![a-z])|你好|您好", 0.6),
        # Asking after the bot: "tell me how you are doing", "are you doing alright".
        (r"(?<![a-z])(?:how (?:are )?you(?: are)? doing|how are you|how'?s it going|"
         r"are you doing (?:alright|all right|ok|okay|well|good|fine)|how (?:is|are) "
         r"(?:the ai|you|things|life|your day)(?: (?:doing|going))?|(?:good|nice|great) to "
         r"see you|hola|bonjour|salutations|hiya|what'?s new|how(?: is)? it going|"
         r"how (?:the ai|you) (?:is|are) doing|are you (?:ok|okay|alright|well)|is everything "
         r"(?:ok|okay|alright)|how are you feeling|what are you feeling)(?![a-z])|"
         r"最近怎么样|最近好吗|"
         r"你好吗|大家好", 1.2),
    ],
    "thanks": [
        # Thanks for what the bot did holds its words ("谢谢你的推荐", "thanks for the
        # recommendation"): they ask for nothing new.
        (r"(?:谢谢|多谢|感谢)(?:你|您)?(?:的|提供的|这么多的)?(?:宝贵)?(?:推荐|介绍|信息|帮助|帮忙|建议|"
         r"解答|耐心)|谢谢|多谢|感谢|谢啦|谢了|辛苦了|太好了谢|thx|3q", 1.2),
        (r"(?<![a-z])(?:thanks? (?:you )?(?:so much |very much |a lot )?for (?:the|your|all the|"
         r"all your|all of the|this) (?:recommendations?|suggestions?|info|information|help|"
         r"details|assistance)|thanks?|thank you|thank u|ty|cheers|much appreciated|"
         r"appreciate it|grateful|many thanks|thanks? a (?:bunch|lot|ton|million)|appr?e?c\w*|"
         r"you'?(?:ve| have) been (?:very |so |really )?helpful|that'?s (?:very |so )?helpful)"
         r"(?![a-z])", 1.2),
    ],
    "bye": [
        (r"再见|拜拜|回见|下次见|下次再聊|再聊|回聊|先这样|晚安|^88+$|byebye|走了|下线了|"
         r"回头见", 1.3),
        (r"(?<![a-z])(?:bye|goodbye|good bye|see you|see ya|cya|good night|goodnight|"
         r"talk later|ttyl|farewell|i'?m off|later|sign(?:ing)? off|(?:great|nice|good) "
         r"(?:to talk|talking|chatting) (?:to|with) you|talk to you (?:soon|later)|"
         r"have a (?:good|nice|great|lovely) (?:day|night|one|evening|weekend)|until next time|"
         r"adios|ciao|so long|take care|gotta go|got to go|i (?:have|need) to (?:go|leave)|"
         r"i'?m leaving|leaving now|(?:great|nice|good|awesome|a pleasure|lovely|fun)(?: \w+)? "
         r"(?:to )?(?:talk|talking|chat|chatting|speak|speaking)(?: (?:to|with) you)?|"
         r"great talk|regards|(?:i'?m|i am) going now)(?![a-z])", 1.3),
    ],
    "cancel": [
        (r"取消|算了|不要了|不用了|不买了|先不|别弄了|停止|退出|放弃|不订了|撤销|不去了|没事了|"
         r"不需要了|^停$|^停下", 1.7),
        (r"(?<![a-z])(?:cancel\w*|never ?mind|forget it|^stop(?! (?:the|sending|following))|"
         r"abort|quit|don'?t want it|"
         r"no thanks(?![,.!;]?\s+[a-z])|call (?:it|that) off|scratch that|nvm|"
         r"don'?t (?:buy|book|order)|"
         r"don'?t want(?: it| this| that| them| to (?:buy|book|order|reserve|continue|proceed)|"
         r" the (?:deal|order|booking|reservation|voucher|coupon))?(?= *(?:[,.!?;]|$|any ?more))|"
         r"no wait|wait no|forget (?:that|this|about it|what i (?:said|asked))|"
         r"ignore (?:that|this|it|the (?:previous|last)|my (?:last|previous)|"
         r"what i (?:said|asked))|undo|(?:end|stop|halt|terminate|kill) (?:the |this )?"
         r"(?:current )?(?:process|task|request|action|operation)|(?:needs?|has) to stop|"
         r"stop (?:talking|it|this|that|now|everything|what you'?re doing)|hush|shut up|"
         r"be quiet|no longer (?:want|need)|(?:don'?t|do not) (?:actually |really )?(?:need|want)"
         r" .{0,30}any ?more|that was a mistake|discontinue|shut (?:it|up)|turn off the|"
         r"delete (?:the|my) (?:reservation|booking|order)|not in need of|"
         r"forget what i (?:told|asked) you)(?![a-z])", 1.7),
    ],
}

# Questions about one attribute of a shop or deal: "海底捞几点关门", "does Starbucks have
# wifi", "what's in the 2-person set". Each attribute's cues are questions, not filters:
# "评分4.5以上的餐馆" searches, "它家评分多少" asks. The attribute is a slot of
# `ask_attribute` (its value is the attribute's name).
ATTRIBUTES: tuple[str, ...] = ("hours", "phone", "address", "price", "rating", "dishes",
                               "branches", "refund_policy", "validity", "reservations",
                               "amenities", "nearby")
_Q = r"(?:什么|啥|哪些|哪几|多少|几|怎么样|如何|吗|么|呢|\?)"  # a Chinese question word
_EN_ASK = (r"(?:what|what'?s|which|where|when|how|do|does|did|is|are|can|could|will|would|"
           r"tell me|give me|get me|need|know|check|find out|have|has|may i have|"
           r"i'?d like|any idea|and)")
_ATTRIBUTE_CUES: dict[str, list[tuple[str, float]]] = {
    "hours": [
        (r"营业时间|营业时段|几点(?:开门|关门|营业|打烊|开始营业|结束营业|开|关)|开到几点|营业到几点|"
         r"什么时[候间](?:开门|关门|营业|打烊|开始营业)|(?:开门|营业|打烊|关门)(?:了)?(?:吗|没)|"
         r"还开着|还在营业|几点下班|营业到", 1.6),
        (r"(?<![a-z])(?:opening hours|business hours|open(?:ing)? times?|hours of|their hours|"
         r"the hours|what hours|closing time|open until|close[sd]? at|"
         r"what time (?:do|does|is|will) .{0,30}(?:open|close|closing|opening)|"
         r"when (?:do|does|is|will) .{0,30}(?:open|close)|"
         r"(?:is|are) .{0,30} open (?:now|today|tonight|late|on|at|until)|open (?:now|late)\?)"
         r"(?![a-z])", 1.6),
    ],
    "phone": [
        (r"电话|联系方式|手机号|座机|怎么联系|联系电话|打给", 1.6),
        (r"(?<![a-z])(?:phone|telephone|contact (?:number|details|info)|call them|"
         r"their number|the number|number for|number of|contact them)(?![a-z])", 1.6),
    ],
    "address": [
        (r"地址|在哪|在什么地方|在什么位置|具体位置|位置在|怎么走|怎么去|邮编|邮政编码|在哪个区|"
         r"哪个(?:地区|区域|区)", 1.6),
        (r"(?<![a-z])(?:address|addresses|where (?:is|are|'?s) (?:it|they|that|this|"
         r"the(?! (?:nearest|closest|best|cheapest|next|nearby)))|"
         r"located|location of|directions|how (?:do|can) (?:i|we) get (?:there|to)|"
         r"postcode|post code|postal code|zip code|which area|what area|what part of town|"
         r"(?:the|its|their|the venue) location)"
         r"(?![a-z])", 1.6),
    ],
    "price": [
        (rf"人均(?:消费)?(?:是|大概|大约|一般)?(?:多少|几|如何|怎么样|高吗|贵吗)|消费价格|多少钱|什么价|价位{_Q}|价格{_Q}|"
         r"(?:的|和)价位(?=[。？?！!，,]|$)|"
         r"贵不贵|贵吗|消费(?:水平|高|怎么样)|一位多少|一个人多少|收费", 1.6),
        (r"(?<![a-z])(?:how much(?! (?:time|data|longer|more|of|over|memory|space|storage|"
         r"weight|sleep|water|money do i|do i))|what(?:'s| is| are) the (?:price|cost)|"
         r"how (?:pricey|expensive|cheap|costly)|pricing|cost of|price of|"
         r"(?<!moderate )(?<!cheap )(?<!expensive )(?<!same )(?<!any )(?<!high )"
         r"(?<!that )(?<!this )price range(?! (?:of|is) (?:cheap|moderate|expensive))"
         r"|(?:it|this|that|the) (?:restaurant|place) (?:is|'s) (?:very |too |really |a |an )*"
         r"(?:reasonably priced|cheap|expensive|pricey|costly|affordable|high-end|"
         r"ultra high-end)"
         r"|(?:is|are) (?:it|they|this|that|the restaurant|the place|this place|that place) "
         r"(?:not )?"
         r"(?:very |too |really |a |an )*(?:cheap|expensive|pricey|costly|economical|affordable|"
         r"high-end|ultra high-end)|(?:their|its) (?:prices?|pricing))(?![a-z])", 1.5),
    ],
    "rating": [
        (r"评分|评价|口碑|好评|差评|几星|几颗星|星级|打分|评级", 1.6),
        (r"(?<![a-z])(?:ratings?|rated|reviews?|reviewed|stars|critics|"
         r"what do (?:people|others|customers) (?:say|think)|good or bad|feedback|"
         r"critics? (?:say|give|think)|people (?:say|saying|think)|good or not|"
         r"(?:good|bad|great|any) (?:reviews|ratings)|"
         r"(?:is|are) (?:it|they|that|this|the \w+) any good)(?![a-z])", 1.6),
    ],
    "dishes": [
        (rf"推荐菜(?:都|一般|主要)?(?:有|是)?{_Q}|食物类型|菜品类型|(?:有|是)(?:什么|啥|哪些)(?:好吃的|不错的|特色|招牌)?(?:推荐菜|招牌菜|特色菜|拿手菜|菜)|"
         r"招牌菜|特色菜|"
         r"拿手菜|菜单|包含(?:什么|啥|哪些)|包括(?:什么|啥|哪些)|含(?:什么|啥|哪些)|"
         r"有几[杯份道样]|有几个(?:菜|套餐|饮料)|(?:套餐|券|里面|里)有(?:什么|啥|哪些)|"
         r"有(?:没有)?.{1,8}(?:这个|这道)菜(?:吗|么|没|呢|\?)|卖(?:什么|哪种|哪些)|"
         r"(?:哪种|什么样的?)(?:食物|菜系|菜)", 1.6),
        (r"(?<![a-z])(?:menu|what(?:'s| is) in|whats in|what do(?:es)? .{0,25}include|"
         r"what(?:'s| is) included|included|includes|what comes with|comes with|"
         r"food type|type of food|kind of food|sort of food|cuisine do|food category|"
         r"(?:kind|type|sort) of (?:restaurant|place|cuisine)|(?:what|which) cuisine|"
         r"what (?:do|does) (?:they|it|the \w+) serve)(?![a-z])", 1.6),
    ],
    "branches": [
        (r"分店|别的店|其他店|其它店|其他门店|其它门店|别的门店|几家店|几家门店|连锁|哪些门店|"
         r"别的分店", 1.8),
        (r"(?<![a-z])(?:branch|branches|other locations?|another location|more locations|"
         r"how many locations|other (?:stores|shops|outlets))(?![a-z])", 1.8),
    ],
    "refund_policy": [
        (r"退款政策|退款规则|退改|支持(?:随时|过期)?退(?:款)?(?:吗|么)|随时退|过期退|过期自动退|不能退",
         2.6),
        (r"(?<![a-z])(?:refund policy|refundable|cancellation policy|return policy|"
         r"can i (?:get a )?refund (?:it|this|that)? ?(?:if|later|after))(?![a-z])", 2.6),
    ],
    "validity": [
        (r"有效期|有效到|能用到|可以用到|用到(?:什么时候|哪天|几号)|(?:什么时候|哪天|几号)(?:过期|到期)|"
         r"过期吗|到期|(?:周末|节假日|假日|晚上|今天|明天|周[一二三四五六日天])(?:能|可以)用|"
         r"能用吗|可以用吗|几点能用|什么时候能用|使用时间|使用规则|可以叠加|能叠加|限时", 1.6),
        (r"(?<![a-z])(?:valid|validity|expire[sd]?|expiry|expiration|good until|"
         r"can i use (?:it|this|the|that)|use (?:it|this|the \w+(?: \w+)?) on|usable)(?![a-z])",
         1.6),
    ],
    "reservations": [
        (r"要预约吗|需要预约吗|需要预订吗|需要订位吗|要订位吗|用预约吗|用订位吗|能预约吗|可以预约吗|"
         r"接受预订|提前预约吗|要不要预约|要不要预订|需不需要预[约订]|用不用预[约订]", 1.9),
        (r"(?<![a-z])(?:(?:take|takes|accept|accepts|needs|require|requires|ask for|"
         r"let you make|allow) (?:a )?reservations?|reservations? (?:required|needed|necessary)|"
         r"(?:if|whether) (?!you (?:could|can|would|don'?t mind|wouldn'?t mind))"
         r".{0,40}reserv\w*|possible to (?:get|make) (?:a )?reservations?|"
         r"walk[- ]ins?|(?:do|does|will|would) (?:i|we|you|one) need (?:a |to )?(?:reserv\w*|book)|"
         r"(?:can|could) (?:i|we) (?:do|get|make) (?:a )?reservations? at|is it possible to "
         r"(?:reserve|book|make|get)|(?:will|would) (?:we|i) (?:have|need) to (?:make "
         r"(?:a )?reservations?|reserve|book)|(?:do|does) [a-z'&]+(?: [a-z'&]+)? (?:do|take|"
         r"accept) reservations|let (?:me|us) reserve)"
         r"(?![a-z])", 1.9),
    ],
    "amenities": [
        (r"wifi|wi-fi|无线网|停车|车位|包间|包厢|宝宝椅|儿童椅|宠物|无障碍|户外座|露天|外摆|充电|吸烟|禁烟|"
         r"洗手间|卫生间|能送|送不送|可以送", 1.2),
        (r"(?<![a-z])(?:parking|outdoor seating|outdoors?|outside|private rooms?|"
         r"high ?chairs?|pets?|dogs? allowed|dog friendly|wheelchair|accessible|smoking|"
         r"restrooms?|bathrooms?|toilets?|kid friendly|live music|deliver|delivery|seating|"
         r"al fresco|(?:vegetarian|vegan|veggie|gluten[- ]free|halal) (?:options?|dishes|food|"
         r"menu|fare|items|choices|selection|meals|stuff|friendly)|"
         r"(?:options|dishes|menu items) for (?:vegetarians|vegans))(?![a-z])", 1.2),
        # "do they have / offer ...?": something about the place, whatever it is.
        (r"(?<![a-z])(?:do|does) (?:they|it|the (?:restaurant|place|shop|store|diner|cafe|bar|"
         r"pub|bistro)) (?:have|offer|serve|take|accept|do|allow|make|cook|sell|provide|carry)"
         r"(?![a-z])|(?:if|whether) they (?:have|offer|serve|make)(?![a-z])", 1.4),
    ],
    "nearby": [
        (r"(?:周边|附近|周围|旁边|边上)[^，。,.!?？！餐饭吃]{0,12}(?:景点|酒店|宾馆|住宿|住的)"
         r"(?![^，。,.!?？！]{0,4}(?:餐|饭|吃))", 1.7),
        (r"(?:它家|他家|这家|那家|它|餐馆|餐厅|店)的?(?:周边|附近|周围|旁边|边上)[^，。,.!?？！]{0,12}"
         r"(?:好玩|游玩|可以玩|玩的|逛|转转|走走)", 1.7),
        (r"(?<![a-z])(?:hotels?|attractions?|sights|things to do|museums?|parks?) "
         r"(?:near|around|close to|next to) (?:it|there|them|the restaurant|that|this)(?![a-z])",
         1.7),
    ],
}
# A question marks an attribute cue as asked about; the shop it is about, as said.
ASK_FRAME = gated(rf"[?？]|吗|么|呢|{_Q}|(?<![a-z]){_EN_ASK}(?![a-z])")
SUBJECT = gated(r"这家|那家|它家|他家|她家|该店|该餐馆|"
                # X的电话: the phone of one X
                r"的(?:电话|地址|营业时间|评分|人均|推荐菜|招牌菜|邮编|邮政编码|分店|有效期)|"
            r"餐馆的|餐厅的|店的|它的|他们家|这里的|那里的|它|这个|那个|刚才|这款|那款|这份|"
            r"(?<![a-z])(?:they|their|them|it|its|this place|that place|the restaurant|"
            r"this restaurant|that restaurant|the place|there|the (?:set|deal|voucher|package)|"
            r"(?:has|does|did|is|at) the [a-z]|the (?:average |user |overall )?(?:rating|prices|"
            r"price range|menu|address|phone number|hours|location)|"
            r"(?:does|did|has|will) [a-z'&-]+(?: [a-z'&-]+){0,3} (?:have|get|got|do|take|accept|"
            r"serve|need)|(?:reviews?|ratings?|stars|menu|hours) "
            r"(?:for|of|at|does|do)|how many stars|"
            # a shop described by its kind and place, as 万达那家火锅店: "the hotpot place
            # at Wanda", "Wanda hotpot place phone number"
            r"the (?!(?:best|cheapest|nearest|closest|good|nice|new|other|same|right|"
            r"cheap|expensive|moderate|local|top|first|next)(?![a-z]))[a-z'&-]+(?: [a-z'&-]+)? "
            r"(?:place|shop|store|restaurant|branch|outlet) (?:at|in|on|by|near|inside)|"
            r"(?:place|shop|store|branch|outlet)(?:'s)? (?:phone|telephone|number|address|"
            r"hours|opening|closing|menu|location))"
            r"(?![a-z])")
# Asking what others think of one thing: never a filter of a search ("what do people think
# of the new burger at X", "reviews for the pasta at Y"; "reviews of my nearest food court"
# and "good reviews" are searches).
OPINION = gated(r"(?<![a-z])(?:what do (?:people|others|customers|critics|reviewers|diners) "
                r"(?:think|say)|(?:people|critics|reviewers|diners|customers) (?:are )?"
                r"(?:think|thinking|say|saying) (?:of|about)|what are (?:people|critics|customers) "
                r"saying|(?:feedback|reviews?|opinions?|ratings?) (?:on|about|for|of)"
                r"(?= (?!(?:my|me|places?|restaurants?|shops?|stores?|somewhere)(?![a-z])))|"
                r"(?:gotten|got|get|getting|had|have|has) (?:good|bad|great|any|decent|poor) "
                r"(?:reviews|ratings))(?![a-z])")
_CUES["ask_attribute"] = [(pattern, weight) for cues in _ATTRIBUTE_CUES.values()
                          for pattern, weight in cues]


# Out of the shop's world: weather, travel, news, chit-chat, code. These make "unknown"
# a positive answer instead of a fallback.
_CUES["unknown"] = [
    (r"天气|下雨|气温|股票|股价|打车|出租车|航班|机票|高铁票|火车票|宾馆|新闻|坐地铁|乘坐地铁|"
     r"乘地铁|地铁站(?!附近|周边)|"
     r"笑话|讲个|翻译|作业|考试|几点了|现在几点|汇率|彩票|快递|医院|银行|"
     # cooking at home: "怎么做红烧肉", "红烧肉的做法"
     r"做法|食谱|菜谱|(?:怎么|如何|怎样)(?:做|烧|煮|炒|炖|烤|蒸|腌|煎)(?!到|成|的单)", 1.5),
    (r"(?<![a-z])(?:weather|rain|forecast|temperature|stocks?|taxi|uber|cab|flights?|"
     r"train ticket|bus ticket|hotel room|news|joke|translate|homework|exam|what time is it|"
     r"exchange rate|"
     r"lottery|bank|hospital|alarm|timer|remind me|play (?:some )?music|song|volume|"
     r"battery|wifi password|spell|calculate|meaning of life|tire|credit card|insurance|"
     r"vacation|flight|car|gas|rent|salary|paycheck|meeting|calendar|email|text message|"
     r"phone call|call (?:mom|dad|my)|direct deposit|pto|w-2|taxes|recipe|calories)"
     r"(?![a-z])", 1.5),
    # Other worlds: computers and phones, money, health, jobs, knowledge, goods that are
    # not deals, media, getting around.
    (r"电脑|笔记本|内存|软件|下载|上传|密码|蓝牙|充电器|话费|流量|手机卡|贷款|信用卡|利率|存款|理财|基金|"
     r"保险|税|医生|感冒|发烧|头疼|头痛|咳嗽|吃药|症状|过敏|文章|百科|维基|找工作|简历|面试|工资|"
     r"加班|公交|导航|路况|堵车|衣服|裤子|鞋子|玩具|书籍|小说|电视剧|综艺|比赛|比分|"
     r"定义|意思是|是什么意思|怎么拼|历史|首都|人口|闹钟|日程|会议", 1.5),
    (r"(?<![a-z])(?:computer|laptop|ram|memory|storage|software|app update|microsoft|"
     r"word document|excel|printer|bluetooth|wifi network|password|download|upload|the cloud|"
     r"phone plans?|data plan|charger|gps|website|browser|savings|"
     r"interest rate|loan|mortgage|credit score|debit|tax|invoice|doctor|nose|"
     r"fever|headache|heart rate|medicine|pills|symptoms?|allergy|rash|bumps|"
     r"career|resume|interview|promotion|jeans|shoes|doll|toys?|"
     r"fiction|novels?|job hunt|breaking news|speakers|headphones|articles?|"
     r"wikipedia|headlines|"
     r"podcast|tv show|movie trailer|bus route|car rental|"
     r"periodic table|define|definition|synonym|meaning of|capital of|"
     r"who invented|history of|occult|religion|politics|election|sports|"
     r"hair ?styles?|plane|shipping)"
     r"(?![a-z])", 1.5),
    # A how-to of another world: "how do i make pancakes", "how to take care of the sick".
    (rf"^(?:how (?:do|can|should|would) (?:i|you|we|one)|how to) (?!(?:{_APP_VERBS}|help|"
     r"find|search|look|locate|eat|get (?:there|to|here))(?![a-z]))[a-z]", 1.5),
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
SEARCH_SLOT_WEIGHTS = {"rating_min": 0.8, "category": 0.9, "dish": 0.9, "price_min": 0.6,
                       "price_max": 0.6, "price_level": 0.7, "radius_m": 0.6, "sort": 0.7,
                       "discount": 0.8, "keywords": 0.2, "group": 0.9}


def _own(text: str, start: int) -> bool:
    """Whether the words at `start` are the shopper's own ("my phone", "我的地址"):
    nothing to ask a shop about."""
    return text.endswith(("my ", "our ", "我的", "我们的"), max(0, start - 4), start)


# Each cue as (intent, pattern, word_start, weight), by its pattern's gate id.
_BY_ID: dict[int, tuple[str, Gated, bool, float]] = {
    cue.id: (intent, cue, word_start, weight)
    for intent, cues in CUES.items() for cue, word_start, weight in cues}
_ALWAYS = tuple(ident for ident, (_, cue, _, _) in _BY_ID.items() if cue.always)


def cue_scores(text: str, hits: set[int] | None = None,
               filters: list[tuple[int, int]] | None = None,
               ) -> dict[str, tuple[float, list[tuple[int, int]]]]:
    """Each intent's cue score on normalized `text`, with the spans of its cues. `hits`
    is `literals.scan(text)` when the caller has it; only the cues whose words occur
    are run. An attribute word inside one of `filters` (the spans of search filters:
    "评分4.5分以上") asks nothing and does not count."""
    if hits is None:
        hits = scan(text)
    scores: dict[str, tuple[float, list[tuple[int, int]]]] = {}
    for ident in sorted({*_ALWAYS, *(hits & _BY_ID.keys())}):
        intent, cue, word_start, weight = _BY_ID[ident]
        found = [m.span() for m in cue.pattern.finditer(text) if m.end() > m.start()
                 and not (word_start and m.start() > 0 and "a" <= text[m.start() - 1] <= "z")]
        if found and intent == "ask_attribute":
            found = [(a, b) for a, b in found if not _own(text, a) and not (
                filters and any(s <= a and b <= e for s, e in filters))]
        if found:
            total, spans = scores.get(intent, (0.0, []))
            scores[intent] = (total + weight, spans + found)
    return scores


_ATTRIBUTE_OF: dict[str, str] = {pattern: name for name, cues in _ATTRIBUTE_CUES.items()
                                 for pattern, _ in cues}
_ATTRIBUTE_GATES: tuple[tuple[str, Gated, bool], ...] = tuple(
    (_ATTRIBUTE_OF[cue.pattern.pattern if not word_start else _WORD_START + cue.pattern.pattern],
     cue, word_start)
    for cue, word_start, _ in CUES["ask_attribute"])


def attribute_spans(text: str, hits: set[int]) -> list[tuple[str, int, int]]:
    """The attributes asked about in normalized `text`: (name, start, end), in text
    order, each attribute once."""
    found: dict[str, tuple[int, int]] = {}
    for name, cue, word_start in _ATTRIBUTE_GATES:
        if name in found or not cue.possible(hits):
            continue
        for m in cue.pattern.finditer(text):
            if m.end() > m.start() and not (word_start and m.start() > 0
                                            and "a" <= text[m.start() - 1] <= "z"):
                found[name] = m.span()
                break
    return sorted(((name, a, b) for name, (a, b) in found.items()), key=lambda x: x[1])
