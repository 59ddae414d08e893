"""The demo world: merchants, stores and deals around Mawei district, Fuzhou.

Plain, literal data (no randomness), loaded by `o2o seed demo` through `services.demo.seed`.
Addresses are real-looking (real street names, invented house numbers); coordinates
lie within about 10 km of DEMO_CENTER, on the north bank of the Min River and in the
Kuai'an and Tingjiang areas. Prices are in fen (8800 = ¥88.00).

Opening hours grammar: one or more `;`-separated parts, each `[DAYS ]HH:MM-HH:MM`,
where DAYS is `Mon-Fri`, `Sat-Sun` or a single day (`Mon`); no DAYS means every day;
a closing time earlier than the opening time runs past midnight (`18:00-02:00`).
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_CENTER = (26.0, 119.45)


@dataclass(frozen=True)
class DemoStore:
    key: str
    name_zh: str
    name_en: str
    address_zh: str
    address_en: str
    lat: float
    lon: float
    opening_hours: str
    phone: str


@dataclass(frozen=True)
class DemoMerchant:
    slug: str
    name_zh: str
    name_en: str
    category: str
    description_zh: str
    description_en: str
    phone: str
    rating: float
    stores: tuple[DemoStore, ...]


@dataclass(frozen=True)
class DemoDeal:
    key: str
    merchant_slug: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    category: str
    tags: tuple[str, ...]
    price: int
    original_price: int
    stock: int | None
    per_user_limit: int
    valid_days: int
    starts_in_days: int
    refund_policy: str
    usage_rules_zh: str
    usage_rules_en: str
    sold: int
    store_keys: tuple[str, ...]
    # A group deal (拼团): (people, group price in fen, hours a group stays open).
    group: tuple[int, int, int] | None = None


# Streets: (Chinese, English) pairs used in addresses below.
_ROADS = {
    "jbd": ("江滨东大道", "Jiangbin East Avenue"),
    "jz": ("君竹路", "Junzhu Road"),
    "lxd": ("罗星东路", "Luoxing East Road"),
    "lxx": ("罗星西路", "Luoxing West Road"),
    "yy": ("英屿路", "Yingyu Road"),
    "rjx": ("儒江西路", "Rujiang West Road"),
    "rjd": ("儒江东路", "Rujiang East Road"),
    "ysx": ("沿山西路", "Yanshan West Road"),
    "hl": ("湖里路", "Huli Road"),
    "mj": ("马江路", "Majiang Road"),
    "ka": ("快安大道", "Kuai'an Avenue"),
    "tj": ("亭江路", "Tingjiang Road"),
    "cz": ("船政路", "Chuanzheng Road"),
}


def _store(key: str, name_zh: str, name_en: str, road: str, number: int, extra_zh: str,
           extra_en: str, lat: float, lon: float, hours: str, phone: str) -> DemoStore:
    zh_road, en_road = _ROADS[road]
    return DemoStore(
        key=key,
        name_zh=name_zh,
        name_en=name_en,
        address_zh=f"福州市马尾区{zh_road}{number}号{extra_zh}",
        address_en=f"{extra_en}No. {number} {en_road}, Mawei District, Fuzhou",
        lat=lat,
        lon=lon,
        opening_hours=hours,
        phone=phone,
    )


W = ("万达广场", "Wanda Plaza, ")  # Mawei Wanda Plaza on Jiangbin East Avenue

MERCHANTS: tuple[DemoMerchant, ...] = (
    DemoMerchant("haidilao", "海底捞火锅", "Haidilao Hotpot", "hotpot",
                 "服务周到的连锁火锅，番茄锅和捞面表演很受欢迎。",
                 "The hotpot chain famous for its service, tomato broth and noodle dance.",
                 "0591-83681001", 4.7, (
                     _store("haidilao-wanda", "海底捞（马尾万达店）", "Haidilao (Mawei Wanda)",
                            "jbd", 108, "万达广场4层", "4F ", 25.99325, 119.44276,
                            "10:00-02:00", "0591-83681001"),
                     _store("haidilao-kuaian", "海底捞（快安店）", "Haidilao (Kuai'an)",
                            "ka", 66, "快安商业中心2层", "2F Kuai'an Center, ", 26.02510,
                            119.41930, "11:00-23:00", "0591-83681002"),
                 )),
    DemoMerchant("chuanwei-chuanchuan", "蜀味串串香", "Shu Flavour Skewer Hotpot", "hotpot",
                 "四川老板开的串串火锅，麻辣鲜香，一签一毛五。",
                 "Sichuan-style skewer hotpot run by a Chengdu family; spicy and cheap.",
                 "0591-83682010", 4.4, (
                     _store("chuanwei-luoxing", "蜀味串串香（罗星店）", "Shu Flavour (Luoxing)",
                            "lxd", 23, "", "", 25.99620, 119.45310, "16:00-02:00",
                            "0591-83682010"),
                 )),
    DemoMerchant("chaoshan-beef", "潮牛记潮汕牛肉火锅", "Chaoniuji Chaoshan Beef Hotpot",
                 "hotpot", "每日现切黄牛肉，清汤锅底，吊龙、匙柄、五花趾。",
                 "Fresh-cut beef every morning in a clear broth, Chaoshan style.",
                 "0591-83683020", 4.6, (
                     _store("chaoniu-junzhu", "潮牛记（君竹路店）", "Chaoniuji (Junzhu Rd)",
                            "jz", 152, "", "", 26.00380, 119.44120, "11:00-14:00; "
                            "17:00-23:30", "0591-83683020"),
                 )),
    DemoMerchant("mixue", "蜜雪冰城", "Mixue Ice Cream & Tea", "milk_tea",
                 "平价冰淇淋与茶饮，柠檬水和摇摇奶昔人气最旺。",
                 "Budget ice cream and tea: the lemonade and milkshakes sell out daily.",
                 "0591-83684030", 4.3, (
                     _store("mixue-wanda", "蜜雪冰城（万达店）", "Mixue (Wanda)", "jbd", 108,
                            "万达广场1层", "1F ", 25.99310, 119.44300, "09:30-22:30",
                            "0591-83684030"),
                     _store("mixue-luoxing", "蜜雪冰城（罗星店）", "Mixue (Luoxing)", "lxx", 58,
                            "", "", 25.99480, 119.44890, "09:00-22:00", "0591-83684031"),
                     _store("mixue-tingjiang", "蜜雪冰城（亭江店）", "Mixue (Tingjiang)", "tj",
                            12, "", "", 26.04960, 119.49820, "09:00-21:30", "0591-83684032"),
                 )),
    DemoMerchant("chayue", "茶语时光", "Tea Whisper", "milk_tea",
                 "本地新茶饮品牌，主打鲜果茶和手作芋圆。",
                 "A local tea brand known for fresh fruit tea and handmade taro balls.",
                 "0591-83685040", 4.5, (
                     _store("chayue-yingyu", "茶语时光（英屿路店）", "Tea Whisper (Yingyu Rd)",
                            "yy", 36, "", "", 25.99870, 119.43760, "10:00-22:00",
                            "0591-83685040"),
                     _store("chayue-kuaian", "茶语时光（快安店）", "Tea Whisper (Kuai'an)",
                            "ka", 80, "", "", 26.02350, 119.42210, "10:00-21:30",
                            "0591-83685041"),
                 )),
    DemoMerchant("luckin", "瑞幸咖啡", "Luckin Coffee", "coffee",
                 "快取咖啡，生椰拿铁和酱香拿铁是招牌。",
                 "Grab-and-go coffee; the coconut latte is the signature.",
                 "0591-83686050", 4.4, (
                     _store("luckin-wanda", "瑞幸咖啡（万达店）", "Luckin (Wanda)", "jbd", 108,
                            "万达广场1层", "1F ", 25.99340, 119.44250, "07:30-21:00",
                            "0591-83686050"),
                     _store("luckin-rujiang", "瑞幸咖啡（儒江西路店）", "Luckin (Rujiang W Rd)",
                            "rjx", 15, "", "", 26.00890, 119.43010,
                            "Mon-Fri 07:30-20:00; Sat-Sun 09:00-20:00", "0591-83686051"),
                 )),
    DemoMerchant("harbour-coffee", "船政咖啡馆", "Shipyard Café", "coffee",
                 "船政文化城旁的老厂房咖啡馆，手冲和肉桂卷。",
                 "A café in an old shipyard workshop by the Chuanzheng culture park.",
                 "0591-83687060", 4.8, (
                     _store("harbour-cz", "船政咖啡馆", "Shipyard Café", "cz", 1,
                            "船政文化城内", "Chuanzheng Culture Park, ", 25.99050, 119.45760,
                            "09:00-19:00", "0591-83687060"),
                 )),
    DemoMerchant("laowang-noodles", "老王拌面扁肉", "Lao Wang's Noodles & Wontons", "noodles",
                 "三十年的福州拌面扁肉老店，花生酱拌面配一碗扁肉。",
                 "Thirty years of Fuzhou peanut-sauce noodles with a bowl of wontons.",
                 "0591-83688070", 4.6, (
                     _store("laowang-mj", "老王拌面扁肉（马江路店）", "Lao Wang's (Majiang Rd)",
                            "mj", 9, "", "", 25.99720, 119.45620, "06:30-14:00",
                            "0591-83688070"),
                 )),
    DemoMerchant("lanzhou-lamian", "正宗兰州牛肉拉面", "Lanzhou Beef Noodles", "noodles",
                 "现拉现煮，一清二白三红四绿。", "Hand-pulled beef noodles, made to order.",
                 "0591-83689080", 4.2, (
                     _store("lanzhou-hl", "兰州拉面（湖里路店）", "Lanzhou Noodles (Huli Rd)",
                            "hl", 41, "", "", 26.00520, 119.44780, "07:00-22:00",
                            "0591-83689080"),
                 )),
    DemoMerchant("guobian-house", "依伯锅边糊", "Yibo Guobian", "noodles",
                 "福州传统早点锅边糊、海蛎饼、芋粿。",
                 "Fuzhou breakfast classics: guobian rice batter soup and oyster cakes.",
                 "0591-83690090", 4.5, (
                     _store("guobian-lx", "依伯锅边糊（罗星店）", "Yibo Guobian (Luoxing)",
                            "lxd", 77, "", "", 25.99560, 119.45580, "06:00-11:00",
                            "0591-83690090"),
                 )),
    DemoMerchant("mawei-seafood", "马尾海鲜大排档", "Mawei Seafood Stalls", "seafood",
                 "码头直供海鲜，现点现做，闽江夜景。",
                 "Seafood straight from the pier, cooked to order, river views at night.",
                 "0591-83691100", 4.5, (
                     _store("seafood-pier", "马尾海鲜大排档（码头店）", "Mawei Seafood (Pier)",
                            "jbd", 233, "", "", 25.98980, 119.45120, "16:00-02:00",
                            "0591-83691100"),
                 )),
    DemoMerchant("haixian-dawang", "海鲜大王", "Seafood King", "seafood",
                 "活海鲜池现捞，蒸、炒、椒盐任选，适合家庭聚餐。",
                 "Live seafood tanks, steamed or stir-fried; good for family dinners.",
                 "0591-83692110", 4.3, (
                     _store("dawang-tingjiang", "海鲜大王（亭江店）", "Seafood King (Tingjiang)",
                            "tj", 88, "", "", 26.05210, 119.50350, "10:30-22:00",
                            "0591-83692110"),
                 )),
    DemoMerchant("sakura-sushi", "樱花寿司", "Sakura Sushi", "sushi",
                 "回转寿司与定食，三文鱼每日空运。",
                 "Conveyor-belt sushi and set meals; salmon flown in daily.",
                 "0591-83693120", 4.4, (
                     _store("sakura-wanda", "樱花寿司（万达店）", "Sakura Sushi (Wanda)", "jbd",
                            108, "万达广场3层", "3F ", 25.99300, 119.44240, "11:00-21:30",
                            "0591-83693120"),
                 )),
    DemoMerchant("izakaya-ichi", "一番居酒屋", "Ichiban Izakaya", "sushi",
                 "深夜居酒屋，烧鸟、刺身和清酒。", "Late-night izakaya: yakitori, sashimi, sake.",
                 "0591-83694130", 4.6, (
                     _store("ichi-rujiang", "一番居酒屋", "Ichiban Izakaya", "rjd", 27, "", "",
                            26.01030, 119.43580, "18:00-02:00", "0591-83694130"),
                 )),
    DemoMerchant("sweet-moment", "甜蜜时刻烘焙", "Sweet Moment Bakery", "dessert",
                 "现烤面包、生日蛋糕和福州传统糖水。",
                 "Fresh bread, birthday cakes and Fuzhou sweet soups.",
                 "0591-83695140", 4.5, (
                     _store("sweet-junzhu", "甜蜜时刻（君竹路店）", "Sweet Moment (Junzhu Rd)",
                            "jz", 88, "", "", 26.00250, 119.44560, "08:00-21:00",
                            "0591-83695140"),
                 )),
    DemoMerchant("minjiang-kitchen", "闽江人家", "Minjiang Family Kitchen", "fujian",
                 "地道福州菜：佛跳墙、荔枝肉、鱼丸、海蛎煎。",
                 "Proper Fuzhou cooking: Buddha Jumps Over the Wall, lychee pork, fish balls.",
                 "0591-83696150", 4.7, (
                     _store("minjiang-lx", "闽江人家（罗星塔店）",
                            "Minjiang Kitchen (Luoxing Pagoda)",
                            "lxx", 120, "", "", 25.99170, 119.44980,
                            "11:00-14:00; 17:00-21:30", "0591-83696150"),
                 )),
    DemoMerchant("shaxian", "沙县小吃", "Shaxian Snacks", "fujian",
                 "拌面、扁肉、蒸饺、炖罐，实惠快捷。",
                 "Noodles, wontons, steamed dumplings and soups: cheap and quick.",
                 "0591-83697160", 4.1, (
                     _store("shaxian-yanshan", "沙县小吃（沿山西路店）", "Shaxian (Yanshan W Rd)",
                            "ysx", 5, "", "", 26.00740, 119.45230, "06:30-22:00",
                            "0591-83697160"),
                 )),
    DemoMerchant("burger-bros", "汉堡兄弟", "Burger Bros", "fast_food",
                 "手打牛肉汉堡、炸鸡和奶昔。", "Hand-smashed beef burgers, fried chicken, shakes.",
                 "0591-83698170", 4.3, (
                     _store("burger-wanda", "汉堡兄弟（万达店）", "Burger Bros (Wanda)", "jbd",
                            108, "万达广场2层", "2F ", 25.99330, 119.44310, "10:00-22:00",
                            "0591-83698170"),
                 )),
    DemoMerchant("bella-italia", "贝拉意式餐厅", "Bella Italia", "western",
                 "窑烤披萨、手工意面和牛排，约会好去处。",
                 "Wood-fired pizza, fresh pasta and steak; a good date spot.",
                 "0591-83699180", 4.6, (
                     _store("bella-yingyu", "贝拉意式餐厅", "Bella Italia", "yy", 101, "", "",
                            26.00030, 119.43520, "11:30-22:30", "0591-83699180"),
                 )),
    DemoMerchant("wanda-cinema", "万达影城", "Wanda Cinemas", "cinema",
                 "IMAX 厅和杜比全景声，最新大片。", "IMAX and Dolby Atmos halls, the latest films.",
                 "0591-83700190", 4.6, (
                     _store("cinema-wanda", "万达影城（马尾万达店）", "Wanda Cinemas (Mawei)",
                            "jbd", 108, "万达广场5层", "5F ", 25.99320, 119.44280,
                            "09:30-01:00", "0591-83700190"),
                 )),
    DemoMerchant("harbour-cinema", "港湾国际影城", "Harbour International Cinema", "cinema",
                 "快安片区的社区影院，工作日场次实惠。",
                 "A neighbourhood cinema in Kuai'an with cheap weekday screenings.",
                 "0591-83701200", 4.3, (
                     _store("cinema-kuaian", "港湾国际影城", "Harbour Cinema", "ka", 120,
                            "快安商业中心4层", "4F Kuai'an Center, ", 26.02490, 119.41900,
                            "10:00-24:00", "0591-83701200"),
                 )),
    DemoMerchant("melody-ktv", "麦乐迪KTV", "Melody KTV", "ktv",
                 "量贩式KTV，音响一流，含自助小吃。",
                 "Self-service karaoke with great sound and a snack buffet.",
                 "0591-83702210", 4.4, (
                     _store("melody-wanda", "麦乐迪KTV（万达店）", "Melody KTV (Wanda)", "jbd",
                            108, "万达广场金街3层", "3F Gold Street, ", 25.99280, 119.44350,
                            "12:00-04:00", "0591-83702210"),
                 )),
    DemoMerchant("star-ktv", "星光量贩KTV", "Starlight KTV", "ktv",
                 "午夜场超值，包厢宽敞。", "Great-value late sessions in roomy private rooms.",
                 "0591-83703220", 4.2, (
                     _store("star-hl", "星光量贩KTV", "Starlight KTV", "hl", 8, "", "",
                            26.00610, 119.44930, "13:00-05:00", "0591-83703220"),
                 )),
    DemoMerchant("zuliao-yangsheng", "足道养生馆", "Zudao Foot Spa", "spa",
                 "中药泡脚、足底按摩、肩颈推拿。",
                 "Herbal foot soaks, reflexology and shoulder massage.",
                 "0591-83704230", 4.5, (
                     _store("zudao-lxd", "足道养生馆", "Zudao Foot Spa", "lxd", 150, "", "",
                            25.99810, 119.45840, "12:00-02:00", "0591-83704230"),
                 )),
    DemoMerchant("hot-spring-spa", "温泉汗蒸会所", "Hot Spring Spa House", "spa",
                 "福州温泉水汤池、汗蒸和SPA，含自助餐。",
                 "Fuzhou hot-spring pools, sauna rooms and spa, buffet included.",
                 "0591-83705240", 4.4, (
                     _store("hotspring-kuaian", "温泉汗蒸会所", "Hot Spring Spa House", "ka",
                            200, "", "", 26.02820, 119.42600, "10:00-02:00", "0591-83705240"),
                 )),
    DemoMerchant("powerhouse-gym", "动力健身", "Powerhouse Gym", "fitness",
                 "24小时健身房，器械齐全，团课丰富。",
                 "24-hour gym with full equipment and group classes.",
                 "0591-83706250", 4.5, (
                     _store("gym-rujiang", "动力健身（儒江店）", "Powerhouse (Rujiang)", "rjx",
                            60, "", "", 26.00950, 119.42850, "00:00-24:00", "0591-83706250"),
                     _store("gym-wanda", "动力健身（万达店）", "Powerhouse (Wanda)", "jbd", 108,
                            "万达广场B1", "B1 ", 25.99350, 119.44200, "06:00-23:00",
                            "0591-83706251"),
                 )),
    DemoMerchant("lotus-yoga", "莲心瑜伽", "Lotus Yoga Studio", "fitness",
                 "小班瑜伽和普拉提，新手友好。",
                 "Small yoga and pilates classes, beginner friendly.",
                 "0591-83707260", 4.8, (
                     _store("yoga-yingyu", "莲心瑜伽", "Lotus Yoga", "yy", 15, "3楼", "3F ",
                            25.99960, 119.43900, "Mon-Fri 09:00-21:30; Sat-Sun 09:00-18:00",
                            "0591-83707260"),
                 )),
    DemoMerchant("tony-hair", "托尼造型", "Tony Hair Studio", "beauty",
                 "剪发、烫染、头皮护理，总监亲剪。",
                 "Cuts, colour and scalp care by senior stylists.",
                 "0591-83708270", 4.3, (
                     _store("tony-jz", "托尼造型", "Tony Hair Studio", "jz", 45, "", "",
                            26.00190, 119.44700, "10:00-22:00", "0591-83708270"),
                 )),
    DemoMerchant("nail-garden", "花园美甲＆美睫", "Nail Garden & Lashes", "beauty",
                 "日式美甲、美睫，款式每周上新。",
                 "Japanese-style nails and lashes, new designs every week.",
                 "0591-83709280", 4.6, (
                     _store("nail-wanda", "花园美甲（万达店）", "Nail Garden (Wanda)", "jbd", 108,
                            "万达广场2层", "2F ", 25.99290, 119.44330, "10:00-22:00",
                            "0591-83709280"),
                 )),
    DemoMerchant("grill-master", "炭火烧烤王", "Charcoal Grill King", "bbq",
                 "新疆羊肉串、烤生蚝、烤鱼，夜宵首选。",
                 "Xinjiang lamb skewers, grilled oysters and fish: the late-night pick.",
                 "0591-83710290", 4.4, (
                     _store("grill-mj", "炭火烧烤王（马江路店）", "Grill King (Majiang Rd)",
                            "mj", 66, "", "", 25.99880, 119.45950, "17:00-03:00",
                            "0591-83710290"),
                     _store("grill-kuaian", "炭火烧烤王（快安店）", "Grill King (Kuai'an)",
                            "ka", 18, "", "", 26.02180, 119.41670, "17:00-02:00",
                            "0591-83710291"),
                 )),
    DemoMerchant("seoul-bbq", "首尔烤肉", "Seoul Korean BBQ", "bbq",
                 "韩式烤肉和部队锅，五花肉现切。",
                 "Korean barbecue and army stew, pork belly cut to order.",
                 "0591-83711300", 4.5, (
                     _store("seoul-wanda", "首尔烤肉（万达店）", "Seoul BBQ (Wanda)", "jbd", 108,
                            "万达广场3层", "3F ", 25.99310, 119.44220, "11:00-22:00",
                            "0591-83711300"),
                 )),
)

_DEFAULT_RULES = {
    "cinema": ("需在线选座，不含IMAX加价", "Choose seats online; IMAX costs extra"),
    "ktv": ("需提前电话预约包厢", "Call ahead to book a room"),
    "spa": ("需提前1小时预约", "Book one hour ahead"),
    "fitness": ("需携带身份证登记", "Bring ID to register"),
    "beauty": ("需提前预约，节假日通用", "Book ahead; valid on holidays"),
}


def _stores_of(slug: str) -> tuple[str, ...]:
    merchant = next(m for m in MERCHANTS if m.slug == slug)
    return tuple(s.key for s in merchant.stores)


def _deal(key: str, slug: str, title_zh: str, title_en: str, desc_zh: str, desc_en: str,
          tags: tuple[str, ...], price: int, original: int, stock: int | None, limit: int,
          sold: int, *, days: int = 60, starts: int = 0, refund: str = "anytime",
          rules: tuple[str, str] | None = None, stores: tuple[str, ...] | None = None,
          category: str | None = None, group: tuple[int, int, int] | None = None) -> DemoDeal:
    merchant = next(m for m in MERCHANTS if m.slug == slug)
    cat = category or merchant.category
    rules_zh, rules_en = rules or _DEFAULT_RULES.get(
        cat, ("周一至周日全天可用，无需预约", "Every day, no booking needed"))
    return DemoDeal(key, slug, title_zh, title_en, desc_zh, desc_en, cat, tags, price, original,
                    stock, limit, days, starts, refund, rules_zh, rules_en, sold,
                    stores or _stores_of(slug), group)


DEALS: tuple[DemoDeal, ...] = (
    # hotpot
    _deal("hdl-duo", "haidilao", "【周末可用】双人精品火锅套餐", "Hotpot set for two, weekends too",
          "鸳鸯锅底，含肥牛、虾滑、毛肚等8道菜品和小料。",
          "Split broth with beef, shrimp paste, tripe and five more dishes.",
          ("火锅", "双人餐", "约会", "hotpot for two", "date night"), 16800, 23800, None, 2, 3120,
          rules=("周一至周日全天可用，周末、节假日通用，无需预约",
                 "Every day, weekends and holidays included; no booking needed")),
    _deal("hdl-four", "haidilao", "四人欢聚火锅套餐", "Hotpot feast for four",
          "四宫格锅底，12道菜品，含饮料4杯。", "Four-way broth, 12 dishes and four drinks.",
          ("火锅", "聚餐", "family", "friends"), 35800, 49800, 50, 1, 860),
    _deal("hdl-100", "haidilao", "100元代金券", "¥100 voucher", "全场通用，可叠加使用2张。",
          "Good for anything on the menu; up to two per table.", ("代金券", "voucher"),
          8900, 10000, None, 4, 4950, refund="on_expiry"),
    _deal("cw-single", "chuanwei-chuanchuan", "串串香单人畅吃", "All-you-can-eat skewers for one",
          "红汤锅底，荤素串串不限量，限时2小时。", "Spicy broth, unlimited skewers for two hours.",
          ("串串", "麻辣", "spicy", "skewers"), 4900, 6900, None, 2, 1280,
          group=(4, 3900, 24)),
    _deal("cw-double", "chuanwei-chuanchuan", "双人串串套餐", "Skewer hotpot for two",
          "鸳鸯锅底，精选荤素串100签，含冰粉2份。", "Split broth, 100 skewers, two ice jellies.",
          ("串串", "双人餐", "skewers"), 8800, 12800, 30, 2, 540),
    _deal("cn-beef", "chaoshan-beef", "潮汕牛肉火锅双人餐", "Chaoshan beef hotpot for two",
          "吊龙、匙柄、五花趾、牛肉丸，清汤锅底。",
          "Four cuts of fresh beef and beef balls in clear broth.",
          ("牛肉火锅", "潮汕", "beef", "hotpot"), 19800, 25800, 10, 1, 720,
          rules=("周一至周五可用，需提前1小时预约", "Mon-Fri, book 1 hour ahead")),
    # milk tea
    _deal("mx-lemon", "mixue", "冰鲜柠檬水2杯", "Two iced lemonades", "经典柠檬水，大杯。",
          "The classic lemonade, large.", ("柠檬水", "lemonade", "冷饮"), 700, 800, None, 5, 4800),
    _deal("mx-pearl", "mixue", "珍珠奶茶+冰淇淋套餐", "Pearl milk tea + ice cream",
          "珍珠奶茶一杯、甜筒一支。", "One pearl milk tea and one cone.",
          ("珍珠奶茶", "冰淇淋", "bubble tea", "ice cream"), 900, 1300, None, 5, 3900),
    _deal("mx-big", "mixue", "摇摇奶昔3杯", "Three milkshakes", "任选口味，三杯。",
          "Any three flavours.", ("奶昔", "milkshake"), 1500, 2100, None, 3, 1200),
    _deal("cy-fruit", "chayue", "鲜果茶双杯", "Two fresh fruit teas",
          "杨枝甘露、满杯百香果任选两杯。", "Pick two: mango pomelo sago or passion fruit tea.",
          ("果茶", "杨枝甘露", "fruit tea"), 2200, 3200, None, 2, 1650),
    _deal("cy-taro", "chayue", "芋泥波波奶茶", "Taro boba milk tea",
          "手作芋泥加黑糖波波。", "Handmade taro paste with brown-sugar boba.",
          ("芋泥", "波波", "boba", "taro"), 1290, 1800, None, 3, 2210,
          group=(2, 990, 24)),
    # coffee
    _deal("lk-coconut", "luckin", "生椰拿铁", "Coconut latte", "招牌生椰拿铁一杯，冰热可选。",
          "The signature coconut latte, iced or hot.", ("拿铁", "生椰", "latte"),
          990, 2900, None, 5, 4980),
    _deal("lk-two", "luckin", "任意咖啡2杯", "Any two coffees", "菜单内任选两杯咖啡。",
          "Any two coffees on the menu.", ("咖啡", "美式", "coffee"), 1980, 4200, None, 3, 2100),
    _deal("hc-pour", "harbour-coffee", "手冲咖啡+肉桂卷", "Pour-over + cinnamon roll",
          "当季单品豆手冲一杯，配现烤肉桂卷。", "Seasonal single-origin pour-over with a roll.",
          ("手冲", "肉桂卷", "pour over", "brunch"), 3500, 5200, 20, 2, 310),
    _deal("hc-brunch", "harbour-coffee", "双人早午餐", "Brunch for two",
          "班尼迪克蛋、沙拉、两杯咖啡。", "Eggs Benedict, salad and two coffees.",
          ("早午餐", "brunch", "约会"), 8800, 13600, 15, 1, 180, category="western"),
    # noodles
    _deal("lw-classic", "laowang-noodles", "经典拌面扁肉套餐", "Peanut noodles + wonton soup",
          "花生酱拌面一份、扁肉汤一碗。", "Peanut-sauce noodles and a bowl of wonton soup.",
          ("拌面", "扁肉", "早餐", "breakfast"), 1200, 1600, None, 3, 4100),
    _deal("lw-big", "laowang-noodles", "双人早餐套餐", "Breakfast for two",
          "拌面2份、扁肉2碗、卤蛋2个。", "Two noodles, two wonton soups, two braised eggs.",
          ("拌面", "早餐", "breakfast"), 2500, 3400, None, 2, 1300),
    _deal("lz-beef", "lanzhou-lamian", "牛肉拉面（大碗）", "Large beef noodle soup",
          "大碗牛肉拉面，可选宽细。", "A large bowl, wide or thin noodles.",
          ("拉面", "牛肉面", "ramen"), 1500, 2000, None, 3, 2600),
    _deal("lz-combo", "lanzhou-lamian", "拉面+凉菜双人餐", "Noodles for two with sides",
          "两碗拉面、两份凉菜。", "Two bowls of noodles and two cold dishes.",
          ("拉面", "双人餐"), 3200, 4400, None, 2, 800),
    _deal("gb-set", "guobian-house", "锅边糊+海蛎饼", "Guobian soup + oyster cake",
          "一碗锅边糊配现炸海蛎饼。", "A bowl of guobian with a fresh oyster cake.",
          ("锅边", "海蛎饼", "早餐", "breakfast"), 1300, 1800, None, 3, 1900),
    # seafood
    _deal("ms-feast", "mawei-seafood", "四人海鲜大餐", "Seafood feast for four",
          "清蒸石斑、椒盐皮皮虾、蒜蓉扇贝、炒花蛤等8道。",
          "Steamed grouper, salt-and-pepper mantis shrimp, scallops and five more.",
          ("海鲜", "石斑鱼", "聚餐", "family"), 39800, 59800, 20, 1, 420),
    _deal("ms-crayfish", "mawei-seafood", "麻辣小龙虾3斤", "3 jin spicy crayfish",
          "十三香或麻辣口味。", "Thirteen-spice or mala.", ("小龙虾", "宵夜", "crayfish"),
          12800, 16800, None, 2, 980),
    _deal("ms-oyster", "mawei-seafood", "烤生蚝一打", "A dozen grilled oysters",
          "蒜蓉烤生蚝12只。", "Twelve oysters grilled with garlic.", ("生蚝", "oysters"),
          6800, 9800, None, 3, 1500, category="seafood"),
    _deal("hd-crab", "haixian-dawang", "清蒸大闸蟹4只", "Four steamed hairy crabs",
          "当季大闸蟹，公母各2只。", "Seasonal hairy crabs, two of each.",
          ("螃蟹", "大闸蟹", "crab"), 26800, 39800, 5, 1, 90, days=30),
    _deal("hd-family", "haixian-dawang", "家庭海鲜套餐", "Family seafood set",
          "海鲜拼盘、鱼丸汤、炒饭，3-4人份。",
          "Seafood platter, fish ball soup and fried rice for 3-4.",
          ("海鲜", "鱼丸", "family"), 29800, 42800, None, 1, 260, refund="on_expiry"),
    # sushi / japanese
    _deal("sk-set", "sakura-sushi", "双人寿司套餐", "Sushi set for two",
          "三文鱼刺身、寿司拼盘24贯、味噌汤2碗。",
          "Salmon sashimi, 24 pieces of sushi, two miso soups.",
          ("寿司", "刺身", "sushi", "sashimi"), 16800, 24800, None, 2, 860),
    _deal("sk-lunch", "sakura-sushi", "工作日午间定食", "Weekday lunch set",
          "鳗鱼饭或天妇罗定食任选。", "Eel rice or tempura set.", ("定食", "鳗鱼饭", "lunch"),
          4500, 6800, None, 3, 1240, rules=("仅限周一至周五 11:00-14:00", "Mon-Fri 11:00-14:00")),
    _deal("ic-night", "izakaya-ichi", "居酒屋双人畅饮", "Izakaya night for two",
          "烧鸟拼盘、刺身、清酒畅饮2小时。", "Yakitori, sashimi and two hours of sake.",
          ("居酒屋", "烧鸟", "清酒", "sake"), 25800, 36800, 12, 1, 150, refund="none"),
    # dessert
    _deal("sw-cake", "sweet-moment", "6寸生日蛋糕", "6-inch birthday cake",
          "动物奶油水果蛋糕，提前一天预订。", "Fresh-cream fruit cake; order a day ahead.",
          ("蛋糕", "生日", "cake", "birthday"), 12800, 16800, None, 1, 540,
          rules=("需提前24小时预订", "Order 24 hours ahead")),
    _deal("sw-bread", "sweet-moment", "面包任选3件", "Any three breads",
          "店内现烤面包任选3件。", "Any three freshly baked breads.", ("面包", "bread"),
          2500, 3600, None, 3, 1900),
    _deal("sw-sweetsoup", "sweet-moment", "福州糖水双人份", "Fuzhou sweet soup for two",
          "芋泥、双皮奶、杏仁糊任选两份。", "Pick two: taro paste, milk pudding, almond soup.",
          ("糖水", "甜品", "dessert"), 1800, 2600, None, 2, 700, category="dessert"),
    # fujian
    _deal("mj-fotiaoqiang", "minjiang-kitchen", "佛跳墙位上一份", "Buddha Jumps Over the Wall",
          "鲍鱼、海参、花胶慢炖，一人份。", "Abalone, sea cucumber and fish maw, slow-braised.",
          ("佛跳墙", "闽菜", "福州菜"), 16800, 22800, 30, 2, 420),
    _deal("mj-four", "minjiang-kitchen", "福州菜四人餐", "Fuzhou dinner for four",
          "荔枝肉、鱼丸汤、海蛎煎、醉排骨等8道。",
          "Lychee pork, fish ball soup, oyster omelette and five more.",
          ("荔枝肉", "鱼丸", "海蛎煎", "fuzhou food"), 32800, 46800, None, 1, 610),
    _deal("mj-fishball", "minjiang-kitchen", "福州鱼丸汤", "Fuzhou fish ball soup",
          "手打鱼丸10颗。", "Ten handmade fish balls in broth.", ("鱼丸", "fish balls"),
          1800, 2500, None, 3, 1800),
    _deal("sx-set", "shaxian", "沙县经典套餐", "Shaxian classic combo",
          "拌面+扁肉+蒸饺。", "Noodles, wontons and steamed dumplings.", ("拌面", "蒸饺"),
          1500, 2000, None, 3, 3600),
    # fast food
    _deal("bb-single", "burger-bros", "招牌牛肉堡套餐", "Signature burger meal",
          "双层牛肉堡、薯条、可乐。", "Double beef burger, fries and a cola.",
          ("汉堡", "burger"), 3290, 4800, None, 3, 2300),
    _deal("bb-bucket", "burger-bros", "炸鸡全家桶", "Fried chicken bucket",
          "炸鸡8块、鸡翅4只、薯条2份。", "Eight pieces, four wings, two fries.",
          ("炸鸡", "fried chicken", "family"), 6990, 9990, None, 2, 1100),
    _deal("bb-pizza", "burger-bros", "9寸披萨+饮料", "9-inch pizza + drink",
          "玛格丽特或夏威夷披萨。", "Margherita or Hawaiian.", ("披萨", "pizza"),
          3900, 5900, None, 2, 640),
    # western
    _deal("bi-date", "bella-italia", "浪漫双人牛排套餐", "Steak dinner for two",
          "西冷牛排2份、意面、沙拉、甜品和红酒2杯。",
          "Two sirloins, pasta, salad, dessert and two glasses of wine.",
          ("牛排", "约会", "steak", "date night"), 29800, 45800, 20, 1, 380),
    _deal("bi-pizza", "bella-italia", "窑烤披萨+意面", "Wood-fired pizza + pasta",
          "12寸披萨和一份意面。", "A 12-inch pizza and a pasta.", ("披萨", "意面", "pizza"),
          12800, 17800, None, 2, 520),
    _deal("bi-brunch", "bella-italia", "周末早午餐自助", "Weekend brunch buffet",
          "周六日 10:00-14:00 自助早午餐。", "Saturday and Sunday buffet brunch, 10:00-14:00.",
          ("自助餐", "早午餐", "buffet", "brunch"), 9900, 13800, None, 2, 260,
          rules=("仅限周六日 10:00-14:00", "Sat-Sun 10:00-14:00 only")),
    # cinema
    _deal("wc-single", "wanda-cinema", "2D/3D电影票一张", "One 2D/3D cinema ticket",
          "全片通用，含3D眼镜。", "Any film, 3D glasses included.", ("电影票", "movie ticket"),
          3990, 6500, None, 4, 4600, group=(3, 2990, 24)),
    _deal("wc-couple", "wanda-cinema", "双人观影套餐", "Movie night for two",
          "电影票2张、大爆米花1桶、可乐2杯。", "Two tickets, a large popcorn, two colas.",
          ("电影", "约会", "爆米花", "date night", "popcorn"), 8900, 14000, None, 2, 2900),
    _deal("wc-imax", "wanda-cinema", "IMAX电影票", "IMAX ticket", "IMAX厅任意场次。",
          "Any IMAX screening.", ("IMAX", "电影票"), 5900, 9000, 100, 2, 1200,
          rules=("IMAX厅专用，需在线选座", "IMAX halls only; choose seats online")),
    _deal("hc-weekday", "harbour-cinema", "工作日电影票", "Weekday cinema ticket",
          "周一至周五任意场次。", "Any screening Monday to Friday.", ("电影票", "工作日"),
          2990, 4500, None, 4, 1700, rules=("仅限周一至周五", "Mon-Fri only")),
    _deal("hc-family", "harbour-cinema", "家庭观影三人票", "Family tickets for three",
          "电影票3张，含中份爆米花。", "Three tickets with a medium popcorn.",
          ("电影", "亲子", "family"), 9900, 15000, None, 1, 430),
    # ktv
    _deal("ml-afternoon", "melody-ktv", "下午场小包3小时", "Small room, 3-hour afternoon",
          "12:00-18:00 小包欢唱3小时，含果盘。", "12:00-18:00, three hours with a fruit plate.",
          ("唱歌", "KTV", "karaoke"), 6800, 13800, None, 2, 2100, group=(5, 4900, 24)),
    _deal("ml-night", "melody-ktv", "黄金档中包4小时", "Medium room, 4 prime hours",
          "19:00-23:00 中包，含啤酒12支。", "19:00-23:00 with twelve beers.",
          ("唱歌", "聚会", "party"), 19800, 39800, 20, 1, 760),
    _deal("st-midnight", "star-ktv", "午夜场畅唱", "Midnight karaoke session",
          "00:00-05:00 任意包厢。", "Any room 00:00-05:00.", ("午夜场", "唱歌", "karaoke"),
          8800, 16800, None, 2, 890),
    _deal("st-birthday", "star-ktv", "生日派对大包套餐", "Birthday party room",
          "大包5小时，含蛋糕和小吃拼盘。", "A large room for five hours with cake and snacks.",
          ("生日", "派对", "birthday", "party"), 29800, 52800, 8, 1, 120, refund="on_expiry"),
    # spa
    _deal("zd-foot", "zuliao-yangsheng", "中药足疗60分钟", "60-minute herbal foot massage",
          "中药泡脚加足底按摩。", "Herbal soak and reflexology.", ("足疗", "足浴", "foot massage"),
          9800, 16800, None, 2, 1800),
    _deal("zd-full", "zuliao-yangsheng", "足疗+肩颈推拿90分钟", "Foot + shoulder massage, 90 min",
          "足疗60分钟加肩颈30分钟。", "Sixty minutes of reflexology, thirty on the shoulders.",
          ("推拿", "按摩", "massage"), 15800, 25800, None, 2, 940),
    _deal("hs-day", "hot-spring-spa", "温泉汗蒸全天票", "Hot spring day pass",
          "温泉汤池、汗蒸房和自助餐，全天畅玩。", "Pools, sauna rooms and buffet, all day.",
          ("温泉", "汗蒸", "sauna", "hot spring"), 12800, 19800, None, 4, 2500),
    _deal("hs-couple", "hot-spring-spa", "双人温泉SPA", "Hot spring spa for two",
          "双人温泉加精油SPA 60分钟。", "Hot springs and a 60-minute oil massage for two.",
          ("SPA", "情侣", "massage", "date night"), 29800, 45800, 10, 1, 330),
    # fitness
    _deal("ph-day", "powerhouse-gym", "健身单次体验", "Single gym visit",
          "全馆器械和团课任选。", "All equipment and any group class.", ("健身房", "gym"),
          3900, 8000, None, 3, 1500),
    _deal("ph-month", "powerhouse-gym", "健身月卡", "One-month membership",
          "30天不限次，两家店通用。", "Thirty days unlimited at both clubs.",
          ("月卡", "健身", "membership"), 29900, 59900, 50, 1, 620, refund="on_expiry"),
    _deal("ph-pt", "powerhouse-gym", "私教体验课2节", "Two personal training sessions",
          "资深教练一对一，含体测。", "One-to-one with a senior coach, body test included.",
          ("私教", "personal trainer"), 19900, 40000, 20, 1, 210, stores=("gym-rujiang",)),
    _deal("ly-trial", "lotus-yoga", "瑜伽体验课3节", "Three trial yoga classes",
          "小班课任选3节，含瑜伽垫。", "Any three small-group classes, mat included.",
          ("瑜伽", "yoga"), 9900, 24000, None, 1, 880),
    _deal("ly-pilates", "lotus-yoga", "普拉提器械课", "Reformer pilates class",
          "器械普拉提小班一节。", "One small-group reformer class.", ("普拉提", "pilates"),
          12800, 19800, None, 2, 340, starts=3),
    # beauty
    _deal("th-cut", "tony-hair", "总监洗剪吹", "Senior stylist cut & blow-dry",
          "洗发、剪发、造型吹干。", "Wash, cut and style.", ("剪发", "理发", "haircut"),
          6800, 12800, None, 2, 1700),
    _deal("th-perm", "tony-hair", "烫染套餐", "Perm or colour package",
          "烫发或染发任选，含护理。", "A perm or colour, with treatment.",
          ("烫发", "染发", "perm", "colour"), 29800, 58800, None, 1, 420),
    _deal("th-basic", "tony-hair", "男士快剪", "Quick men's cut", "15分钟快剪。",
          "A fifteen-minute cut.", ("剪发", "barber"), 3800, 5800, None, 3, 2300),
    _deal("ng-nails", "nail-garden", "日式纯色美甲", "Japanese gel manicure",
          "纯色猫眼或渐变任选。", "Plain, cat-eye or gradient gel.", ("美甲", "nails"),
          8800, 16800, None, 2, 1300),
    _deal("ng-lash", "nail-garden", "自然款嫁接睫毛", "Natural lash extensions",
          "自然款单根嫁接。", "Natural single-lash extensions.", ("美睫", "lashes"),
          12800, 19800, None, 1, 560, refund="none"),
    # bbq
    _deal("gk-skewers", "grill-master", "羊肉串30串", "30 lamb skewers",
          "新疆羊肉串30串。", "Thirty Xinjiang lamb skewers.", ("羊肉串", "撸串", "skewers"),
          6800, 9000, None, 2, 2400),
    _deal("gk-four", "grill-master", "四人烧烤宵夜套餐", "Late-night BBQ for four",
          "羊肉串、烤生蚝、烤鱼、烤茄子等10样，含啤酒8支。",
          "Skewers, oysters, grilled fish, aubergine and more, with eight beers.",
          ("烧烤", "宵夜", "烤鱼", "late night"), 19800, 29800, None, 1, 680),
    _deal("gk-fish", "grill-master", "香辣烤鱼", "Spicy grilled fish",
          "2斤清江鱼，香辣或蒜香。", "A 1 kg fish, spicy or garlic.", ("烤鱼", "grilled fish"),
          9800, 13800, None, 2, 900),
    _deal("sb-double", "seoul-bbq", "双人韩式烤肉", "Korean BBQ for two",
          "五花肉、牛肋条、海鲜饼、大酱汤。", "Pork belly, beef rib, seafood pancake, soup.",
          ("韩式烤肉", "korean bbq", "约会"), 15800, 23800, None, 2, 1400),
    _deal("sb-army", "seoul-bbq", "部队锅三人份", "Army stew for three",
          "部队锅加炸鸡半只。", "Army stew with half a fried chicken.",
          ("部队锅", "炸鸡"), 12800, 18800, None, 2, 470),
    # a few more across categories
    _deal("hdl-solo", "haidilao", "一人食火锅套餐", "Solo hotpot set",
          "单人小锅，含6道菜。", "An individual pot with six dishes.",
          ("一人食", "火锅", "solo"), 8800, 12800, None, 2, 1500, stores=("haidilao-wanda",)),
    _deal("mx-sundae", "mixue", "圣代2个", "Two sundaes", "草莓或巧克力圣代两个。",
          "Two sundaes, strawberry or chocolate.", ("圣代", "冰淇淋", "sundae"),
          900, 1200, None, 3, 2100, category="dessert"),
    _deal("cy-coffee", "chayue", "茶咖拿铁", "Tea-coffee latte",
          "乌龙茶底与浓缩咖啡。", "Oolong tea with an espresso shot.", ("茶咖", "latte"),
          1590, 2200, None, 3, 420, category="coffee"),
    _deal("lk-tea", "luckin", "轻乳茶", "Light milk tea", "茉莉花香轻乳茶。",
          "Jasmine light milk tea.", ("轻乳茶", "milk tea"), 990, 1900, None, 3, 1800,
          category="milk_tea"),
    _deal("ms-late", "mawei-seafood", "宵夜海鲜粥双人份", "Seafood congee for two",
          "虾蟹砂锅粥，宵夜专享。", "Shrimp and crab claypot congee, late-night only.",
          ("海鲜粥", "宵夜", "congee"), 8800, 12800, None, 2, 760,
          rules=("仅限 21:00 以后", "After 21:00 only")),
    _deal("wc-kids", "wanda-cinema", "亲子动画场", "Family cartoon screening",
          "一大一小电影票，含爆米花。", "One adult and one child ticket with popcorn.",
          ("亲子", "动画", "family"), 6900, 10000, None, 2, 680),
    _deal("zd-quick", "zuliao-yangsheng", "午间肩颈放松30分钟", "30-minute lunchtime neck massage",
          "12:00-14:00 肩颈放松。", "Neck and shoulders, 12:00-14:00.", ("肩颈", "按摩"),
          4900, 8800, None, 3, 520),
    _deal("ly-month", "lotus-yoga", "瑜伽月卡", "One-month yoga pass",
          "30天不限次小班课。", "Thirty days of unlimited classes.", ("瑜伽", "月卡", "yoga"),
          39900, 68000, 15, 1, 160, refund="on_expiry"),
    _deal("ng-combo", "nail-garden", "美甲+美睫套餐", "Nails + lashes package",
          "日式美甲与自然款美睫。", "A gel manicure and natural lashes.", ("美甲", "美睫"),
          16800, 32000, 10, 1, 130),
    _deal("sx-dumpling", "shaxian", "蒸饺两笼+炖罐", "Two baskets of dumplings + soup",
          "蒸饺两笼、乌鸡炖罐一盅。", "Two baskets of dumplings and a black-chicken soup.",
          ("蒸饺", "炖罐"), 2200, 3000, None, 3, 1600),
    _deal("ic-sashimi", "izakaya-ichi", "刺身拼盘", "Sashimi platter",
          "三文鱼、金枪鱼、甜虾、北极贝。", "Salmon, tuna, sweet shrimp and surf clam.",
          ("刺身", "sashimi"), 16800, 22800, None, 2, 390, starts=3),
)


# Referral commissions (basis points of what the buyer pays, levels 1, 2, 3): a few
# merchants pay them on all their deals, a few deals pay more than their merchant's
# default; the platform's fee is the configured default for all.
MERCHANT_COMMISSIONS: dict[str, tuple[int, int, int]] = {
    "haidilao": (500, 300, 200),
    "mixue": (600, 300, 100),
    "luckin": (400, 200, 100),
    "wanda-cinema": (500, 300, 200),
    "melody-ktv": (800, 400, 200),
}
DEAL_COMMISSIONS: dict[str, tuple[int, int, int]] = {
    "hdl-duo": (1000, 500, 300),
    "mx-pearl": (800, 400, 200),
}


# 拼团 (issue 17): the demo shoppers who have part-filled a few groups of the group deals
# above, so that `拼团` in a fresh shell shows groups to join. Each shopper is a user
# named by the key (`/as xiaomei` in the shell; their Telegram id is
# `demo_telegram_id(key)`), with the first name shown to other members.
DEMO_SHOPPERS: tuple[tuple[str, str], ...] = (
    ("xiaomei", "小美"),
    ("ahui", "阿辉"),
    ("linlin", "琳琳"),
    ("dawei", "大伟"),
    ("tingting", "婷婷"),
)
# The open groups to seed, each (deal key, [demo shopper keys who paid, in join order]):
# a 4-person hotpot group half full, a 2-person milk tea group missing one, a
# 3-person cinema group missing one, a 5-person KTV group missing two. Seeded through
# `services.demo.seed.seed_demo_groups` (real sandbox payments), after the deals.
OPEN_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cw-single", ("xiaomei", "ahui")),
    ("cy-taro", ("linlin",)),
    ("wc-single", ("dawei", "tingting")),
    ("ml-afternoon", ("ahui", "linlin", "xiaomei")),
)

# Table bookings (订座): the demo restaurants' seating, each store key with its tables
# ((seats, how many), ...), how long a sitting lasts (minutes) and the deposit asked per
# booking (fen; 0: none). Slots every 30 minutes, bookable 14 days ahead, the last
# seating an hour before closing; seeded by `services.demo.seed.seed_demo_seating`.
SEATING: tuple[tuple[str, tuple[tuple[int, int], ...], int, int], ...] = (
    ("haidilao-wanda", ((2, 4), (4, 6), (6, 3), (10, 1)), 120, 0),
    ("haidilao-kuaian", ((2, 4), (4, 6), (6, 2), (10, 1)), 120, 0),
    ("chuanwei-luoxing", ((2, 4), (4, 6)), 90, 0),
    ("chaoniu-junzhu", ((2, 4), (4, 4), (8, 1)), 90, 0),
    ("lanzhou-hl", ((2, 4), (4, 3)), 60, 0),
    ("seafood-pier", ((4, 6), (8, 4), (12, 2)), 120, 5000),
    ("dawang-tingjiang", ((4, 4), (8, 4), (12, 2)), 120, 0),
    ("sakura-wanda", ((2, 8), (4, 4)), 60, 0),
    ("ichi-rujiang", ((2, 4), (4, 3), (6, 1)), 120, 0),
    ("minjiang-lx", ((4, 4), (8, 3), (12, 2)), 120, 10000),
    ("bella-yingyu", ((2, 6), (4, 4)), 90, 0),
    ("grill-mj", ((2, 2), (4, 6), (8, 2)), 120, 0),
    ("grill-kuaian", ((2, 2), (4, 4), (8, 2)), 120, 0),
    ("seoul-wanda", ((2, 4), (4, 6), (6, 2)), 90, 0),
)
# The demo's existing bookings, each (store key, days after today, local "HH:MM", party,
# who): a demo shopper's key (`DEMO_SHOPPERS`) or a name the store took over the phone.
# Stores with a deposit get none (a held booking would lapse unpaid).
DEMO_BOOKINGS: tuple[tuple[str, int, str, int, str], ...] = (
    ("seoul-wanda", 0, "18:30", 2, "xiaomei"),
    ("sakura-wanda", 1, "12:00", 2, "ahui"),
    ("haidilao-kuaian", 1, "19:00", 4, "linlin"),
    ("chaoniu-junzhu", 1, "18:00", 3, "tingting"),
    ("grill-mj", 2, "20:00", 6, "dawei"),
    ("bella-yingyu", 3, "19:30", 2, "xiaomei"),
    ("haidilao-wanda", 2, "19:00", 5, "ahui"),
    ("bella-yingyu", 1, "19:00", 2, "陈女士"),
    ("seoul-wanda", 1, "19:00", 4, "刘先生"),
    ("sakura-wanda", 1, "19:00", 2, "Emma"),
    ("ichi-rujiang", 1, "20:00", 4, "林先生"),
    ("lanzhou-hl", 1, "18:30", 2, "马师傅"),
)
# A popular place full at one start (every table booked by phone guests), so that
# 明晚7点两位 there offers the neighbouring slots: (store key, days after today, "HH:MM").
FULL_AT: tuple[str, int, str] = ("haidilao-wanda", 1, "19:00")
FULL_GUESTS = ("王先生", "李女士", "张先生", "赵女士", "黄先生", "周女士", "吴先生",
               "郑女士", "孙先生", "何女士", "高先生", "罗女士", "梁先生", "宋女士")
