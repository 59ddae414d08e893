"""Common dish names people search by, beside the category words of the taxonomy.

A dish is more specific than a category ("酸菜鱼" rather than "中餐"): the NLU
parser reports it as a `dish` slot and search matches it against deal titles,
descriptions and tags. Words that are already category synonyms in
`services.catalog.taxonomy` are left out here, so each word has one meaning.
Merchants' own deal titles add more dish words at run time (see
`handlers.vocabulary`).
"""

from __future__ import annotations

from services.catalog.taxonomy import synonym_table

DISHES_ZH: tuple[str, ...] = (
    "酸菜鱼", "水煮鱼", "烤鸭", "北京烤鸭", "小笼包", "生煎", "饺子", "水饺", "煎饺", "包子",
    "馄饨", "扁肉", "炒饭", "蛋炒饭", "麻辣香锅", "酸辣粉", "螺蛳粉", "鸡排", "炸串",
    "羊肉串", "烤鸡翅", "鸡翅", "牛腩", "肥牛", "毛肚", "鸭血", "虾滑", "酸汤鱼",
    "红烧肉", "东坡肉", "宫保鸡丁", "麻婆豆腐", "回锅肉", "鱼香肉丝", "糖醋排骨",
    "锅包肉", "地三鲜", "煲仔饭", "肠粉", "烧卖", "叉烧", "烧鹅", "白切鸡", "黄焖鸡",
    "卤肉饭", "鸡公煲", "干锅", "石锅拌饭", "冷面", "炸酱面", "担担面", "热干面",
    "凉皮", "肉夹馍", "煎饼", "煎饼果子", "豆浆", "油条", "粥", "海鲜粥", "蛋挞",
    "提拉米苏", "芝士蛋糕", "双皮奶", "杨枝甘露", "芋圆", "烧仙草", "柠檬茶", "椰子鸡",
    "光饼", "肉燕", "鼎边糊", "海蛎饼", "鱼丸汤", "醉排骨", "土笋冻", "沙县小吃",
    "拉面", "鳗鱼饭", "天妇罗", "章鱼小丸子", "牛丼", "咖喱饭", "部队锅", "炸鸡啤酒",
    "龙虾", "帝王蟹", "扇贝", "花甲", "蛏子",
)

DISHES_EN: tuple[str, ...] = (
    "dumplings", "dim sum", "fried rice", "peking duck", "roast duck", "wontons",
    "xiaolongbao", "soup dumplings", "spring rolls", "kung pao chicken", "mapo tofu",
    "sweet and sour pork", "congee", "curry", "tacos", "burrito", "sandwich",
    "sandwiches", "salad", "fish and chips", "wings", "chicken wings", "hot dog",
    "bibimbap", "tempura", "eel rice", "takoyaki", "egg tarts", "tiramisu",
    "cheesecake", "waffles", "pancakes", "smoothie", "lemon tea", "spicy fish",
    "pad thai", "laksa", "kebab", "noodle soup", "beef noodles",
)


def dish_words() -> tuple[str, ...]:
    """Every dish word, Chinese then English, with category synonyms left out."""
    categories = synonym_table()
    return tuple(word for word in (*DISHES_ZH, *DISHES_EN) if word.lower() not in categories)
