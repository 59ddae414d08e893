"""The one category taxonomy of the project.

Every deal carries one canonical category id from this list; search filters,
the NLU parser (which is handed these synonyms as vocabulary), demo data and
merchant forms all speak these ids. Display names come from here too, so a new
category needs only one entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Category:
    """A canonical category: its id, display names and the words people use for it."""

    id: str
    name_zh: str
    name_en: str
    emoji: str
    synonyms_zh: tuple[str, ...] = field(default_factory=tuple)
    synonyms_en: tuple[str, ...] = field(default_factory=tuple)
    group: str = "food"

    def name(self, lang: str) -> str:
        """The display name in `lang` ("zh" or "en")."""
        return self.name_zh if lang == "zh" else self.name_en


CATEGORIES: tuple[Category, ...] = (
    Category("hotpot", "火锅", "Hotpot", "🍲",
             ("火锅", "涮锅", "麻辣烫", "串串", "串串香", "涮羊肉", "打边炉", "重庆火锅",
              "潮汕牛肉火锅"),
             ("hotpot", "hot pot", "hot-pot", "shabu shabu", "shabu-shabu", "steamboat")),
    Category("milk_tea", "奶茶", "Milk tea", "🧋",
             ("奶茶", "珍珠奶茶", "茶饮", "果茶", "奶盖", "波霸", "新茶饮"),
             ("milk tea", "bubble tea", "boba", "boba tea", "pearl milk tea", "tea drinks")),
    Category("coffee", "咖啡", "Coffee", "☕",
             ("咖啡", "拿铁", "美式", "咖啡馆", "咖啡店", "卡布奇诺"),
             ("coffee", "cafe", "café", "latte", "espresso", "americano", "cappuccino")),
    Category("noodles", "面馆", "Noodles", "🍜",
             ("面", "面条", "面馆", "拉面", "牛肉面", "拌面", "米粉", "米线", "粉面", "线面",
              "锅边"),
             ("noodles", "noodle", "ramen", "rice noodles", "udon", "pho")),
    Category("bbq", "烧烤", "BBQ", "🍢",
             ("烧烤", "烤串", "撸串", "烤肉", "韩式烤肉", "烤鱼"),
             ("bbq", "barbecue", "barbeque", "grill", "skewers", "korean bbq")),
    Category("seafood", "海鲜", "Seafood", "🦞",
             ("海鲜", "海鲜大排档", "小龙虾", "生蚝", "螃蟹", "鱼丸", "海蛎"),
             ("seafood", "sea food", "crayfish", "oysters", "crab", "lobster", "fish")),
    Category("sushi", "日料", "Japanese & sushi", "🍣",
             ("日料", "寿司", "日本料理", "刺身", "居酒屋", "日式"),
             ("sushi", "japanese", "sashimi", "izakaya", "japanese food")),
    Category("dessert", "甜品", "Desserts & bakery", "🍰",
             ("甜品", "甜点", "蛋糕", "面包", "烘焙", "冰淇淋", "糖水"),
             ("dessert", "desserts", "cake", "bakery", "ice cream", "sweets", "pastry")),
    Category("fujian", "闽菜", "Fujian cuisine", "🥢",
             ("闽菜", "福州菜", "本帮菜", "佛跳墙", "荔枝肉", "家常菜", "中餐", "私房菜"),
             ("fujian", "fujianese", "fuzhou food", "chinese", "chinese food", "local food")),
    Category("fast_food", "快餐", "Fast food", "🍔",
             ("快餐", "汉堡", "炸鸡", "披萨", "简餐", "盖饭"),
             ("fast food", "burger", "burgers", "fried chicken", "pizza")),
    Category("western", "西餐", "Western food", "🥩",
             ("西餐", "牛排", "意面", "意大利菜", "法餐", "自助餐", "自助"),
             ("western", "steak", "pasta", "italian", "french", "buffet", "brunch")),
    Category("cinema", "电影", "Cinema", "🎬",
             ("电影", "电影院", "影院", "影城", "看电影", "电影票", "IMAX"),
             ("cinema", "movie", "movies", "film", "films", "theater", "theatre", "imax")),
    Category("ktv", "KTV", "KTV", "🎤",
             ("KTV", "ktv", "唱歌", "K歌", "量贩式KTV", "卡拉OK"),
             ("ktv", "karaoke", "singing")),
    Category("spa", "足疗按摩", "Spa & massage", "💆",
             ("按摩", "足疗", "足浴", "SPA", "spa", "推拿", "洗浴", "汗蒸", "养生"),
             ("spa", "massage", "foot massage", "sauna", "reflexology")),
    Category("fitness", "健身", "Fitness", "🏋️",
             ("健身", "健身房", "瑜伽", "游泳", "普拉提", "私教", "运动"),
             ("fitness", "gym", "yoga", "swimming", "pilates", "workout", "personal trainer"),
             "leisure"),
    Category("beauty", "丽人", "Beauty & hair", "💇",
             ("美发", "理发", "剪发", "美甲", "美容", "丽人", "烫发"),
             ("beauty", "hair", "haircut", "salon", "nails", "manicure", "barber"),
             "leisure"),
    # Shops beyond food and leisure (Meituan and Dianping list them too): people ask for
    # them by kind ("附近有药店吗", "a pharmacy near here"), and a search for one says
    # plainly when no shop of the kind sells here yet.
    Category("pharmacy", "药店", "Pharmacy", "💊",
             ("药店", "药房", "大药房", "药铺", "买药"),
             ("pharmacy", "drugstore", "drug store", "chemist", "chemist's"),
             "shopping"),
    Category("supermarket", "超市", "Supermarket", "🛒",
             ("超市", "超级市场", "生鲜超市", "菜市场", "生鲜店", "买菜"),
             ("supermarket", "grocery", "groceries", "grocery store", "grocer",
              "food market"),
             "shopping"),
    Category("minimart", "便利店", "Convenience store", "🏪",
             ("便利店", "小卖部", "小卖铺", "24小时便利店"),
             ("convenience store", "corner shop", "corner store", "minimart", "mini mart"),
             "shopping"),
    Category("clothing", "服饰", "Clothing & shoes", "👗",
             ("服饰", "服装", "服装店", "衣服店", "服饰店", "女装", "男装", "童装", "鞋店",
              "买衣服"),
             ("clothing", "clothes", "clothing store", "clothes store", "clothes shop",
              "clothing shop", "boutique", "shoe store", "shoe shop", "apparel"),
             "shopping"),
    Category("books", "书店", "Bookstore", "📚",
             ("书店", "书城", "书屋", "图书", "买书"),
             ("bookstore", "bookshop", "book store", "book shop", "books"),
             "shopping"),
    Category("flowers", "鲜花", "Flowers", "💐",
             ("鲜花", "花店", "花束", "买花", "送花"),
             ("florist", "flower shop", "flowers", "bouquet", "flower delivery"),
             "shopping"),
    Category("gifts", "礼品", "Gifts", "🎁",
             ("礼品", "礼品店", "礼物", "纪念品", "伴手礼", "送礼"),
             ("gift shop", "gift store", "gift", "gifts", "souvenir shop", "souvenirs"),
             "shopping"),
    Category("pet_shop", "宠物店", "Pet shop", "🐾",
             ("宠物店", "宠物用品", "宠物美容", "宠物洗澡", "猫粮", "狗粮"),
             ("pet shop", "pet store", "pet supplies", "pet grooming", "dog grooming",
              "pet food"),
             "shopping"),
    Category("furniture", "家居", "Home & furniture", "🛋️",
             ("家居", "家具", "家具店", "家居店", "家居用品", "家纺"),
             ("furniture", "furniture store", "furniture shop", "home goods", "homeware",
              "home decor"),
             "shopping"),
)

_BY_ID = {c.id: c for c in CATEGORIES}

# Categories outside food: handy for "what to do" vs "what to eat".
for _id in ("cinema", "ktv", "spa"):
    object.__setattr__(_BY_ID[_id], "group", "leisure")


def category(category_id: str) -> Category | None:
    """The category with this canonical id, or None."""
    return _BY_ID.get(category_id)


def category_ids() -> tuple[str, ...]:
    """All canonical category ids, in display order."""
    return tuple(c.id for c in CATEGORIES)


def synonym_table() -> dict[str, str]:
    """Every synonym (lower-cased) mapped to its canonical id, both languages."""
    table: dict[str, str] = {}
    for c in CATEGORIES:
        for word in (c.id, c.name_zh, c.name_en, *c.synonyms_zh, *c.synonyms_en):
            table.setdefault(word.lower(), c.id)
    return table
