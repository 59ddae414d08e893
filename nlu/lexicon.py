"""Words of the language itself that the parser always knows: kinds of restaurant,
cuisines and everyday food and drink, in Chinese and English ("brasserie", "food truck",
"川菜", "清真", "bacon", "beer", "啤酒").

They are general knowledge, not the catalog: the caller's vocabulary (categories with
their synonyms, merchants, dishes, places) still comes first, and a word it knows keeps
its meaning there. A lexicon word is a `dish` slot (a word to search deals by), with
the word itself, normalized, as its value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nlu.vocabulary import Vocabulary


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


# Kinds of place to eat or drink at.
RESTAURANT_KINDS_EN = _words("""
brasserie, brasseries, bistro, bistros, tavern, taverns, pizzeria, pizzerias, pizza place,
pizza parlor, pizza parlour, food truck, food trucks, food cart, food stand, food court,
diner, diners, pub, pubs, gastropub, gastropubs, gastro pub, steakhouse, steakhouses,
steak house, chophouse, chop house, cafeteria, canteen, trattoria, osteria, taqueria,
taco stand, taco truck, noodle bar, noodle house, sushi bar, oyster bar, raw bar, wine bar,
sports bar, cocktail bar, juice bar, salad bar, tapas bar, brewpub, brewery,
tea house, teahouse, tea room, tearoom, coffee shop, coffeehouse, coffee house, creperie,
patisserie, bakery, deli, delicatessen, sandwich shop, bagel shop, donut shop,
doughnut shop, ice cream parlor, ice cream parlour, ice cream shop, dessert bar,
burger joint, hot dog stand, fish and chips, chippy, drive-in, drive-thru, drive through,
roadhouse, bar and grill, rotisserie, smokehouse, barbecue joint,
dim sum, dumpling house, ramen shop, ramen bar, izakaya, hawker centre, hawker center,
buffet, all you can eat, soup kitchen, supper club, fast food joint, fine dining,
family restaurant, dinner theater, dinner theatre, churrascaria, cantina, bodega,
luncheonette, snack bar, automat, crab shack, seafood shack, clam shack
""")
CUISINES_EN = _words("""
american, new american, traditional american, british, modern british, english, irish,
scottish, welsh, european, modern european, european food, french, italian, spanish,
portuguese, greek, turkish, lebanese, middle eastern, mediterranean, moroccan,
north african, african, ethiopian, eritrean, german, austrian, swiss, belgian, dutch,
scandinavian, danish, swedish, norwegian, polish, russian, ukrainian, hungarian, czech,
jewish, kosher, halal, mexican, tex-mex, latin american, south american, brazilian,
peruvian, argentinian, argentine, colombian, cuban, caribbean, jamaican, cajun, creole,
soul food, hawaiian, indian, north indian, south indian, pakistani,
bangladeshi, nepalese, sri lankan, thai, vietnamese, korean, malaysian, indonesian,
filipino, singaporean, cambodian, burmese, laotian, mongolian, tibetan, taiwanese,
cantonese, sichuan, szechuan, hunan, shanghainese, asian, asian oriental, oriental,
pan asian, persian, iranian, afghan, australian, fusion, vegetarian,
vegan, gluten free, seafood, fish, barbeque, bbq, gastro, tapas, sushi, ramen,
pizza, burgers, steak, dumplings, noodles, curry, kebab, kebabs, falafel, shawarma,
gyros, tacos, burritos, crepes, waffles, pancakes, bagels,
sandwiches, salads, soup, wings, fried chicken, hot pot, dim sum, north american,
corsica, corsican, venetian, tuscan, sicilian, basque, catalan, bavarian, eastern european,
polynesian
""")
# Dishes and drinks people order by name (takeaway favourites), typo targets; short
# everyday words (coke, wine) are in FOOD_EN, which is none.
DISHES_EN = _words("""
cheeseburger, hamburger, eggroll, french fries, chicken wings, buffalo wings,
chicken nuggets, sandwich, burrito, quesadilla, fried rice, egg foo young, kung pao chicken,
bibimbap, biryani, samosa, hummus, lasagna, risotto, brisket, croissant,
pancake, smoothie, milkshake, lemonade, cocktail, drinks
""")
# Everyday food and drink a shopper types: what they order by (meats, seafood, cheese),
# dishes, snacks, desserts and drinks. Many are short and sit one letter from everyday
# English (coke: joke, wine: wise, beer: bear, beef: been), so none is a typo target.
# Words that are more often something else are left out (date, punch, toast, sake,
# salsa, turkey, apple, orange, jam, roll, sub, pop, mint).
FOOD_EN = _words("""
bacon, ham, sausage, hot dogs, pepperoni, salami, chorizo, prosciutto, beef, pork, chicken,
lamb, mutton, veal, duck, ribs, spare ribs, pork chop, lamb chop, meatballs, meatloaf,
pulled pork, roast beef, roast chicken, grilled chicken, chicken breast, chicken tenders,
chicken strips, chicken sandwich, chicken soup, chicken salad, salmon, tuna, cod, shrimp,
prawns, lobster, crab, crabs, oysters, clams, mussels, scallops, squid, calamari, octopus,
anchovies, sardines, fish fillet, fish tacos, tofu, eggs, omelette, omelet, scrambled eggs,
fried eggs, cheese, butter, yogurt, yoghurt, cream, bread, garlic bread, bagel, muffin,
donut, doughnut, donuts, doughnuts, baguette, pretzel, pretzels, biscuits, cookies, cookie,
brownie, brownies, cupcake, cupcakes, cake, cakes, pie, pies, apple pie, pastry, pastries,
scone, scones, cinnamon roll, waffle, crepe, french toast, burger, fries, chips, onion rings,
nachos, taco, hoagie, panini, club sandwich, grilled cheese, mac and cheese, macaroni,
ravioli, gnocchi, fettuccine, penne, carbonara, pot pie, chili, udon, soba, pho, sashimi,
nigiri, teriyaki, katsu, tonkatsu, gyoza, spring roll, egg roll, chow mein, lo mein,
chop suey, orange chicken, sweet and sour chicken, fried noodles, wonton soup,
hot and sour soup, dumpling, bulgogi, kimchi, satay, nasi goreng, tom yum, green curry,
red curry, butter chicken, tikka masala, chicken tikka, tandoori chicken, naan, paneer,
korma, vindaloo, poke bowl, enchiladas, fajitas, guacamole, tamales, churros, empanadas,
paella, gazpacho, gyro, pita, souvlaki, moussaka, baklava, couscous, tagine, clam chowder,
chowder, tomato soup, caesar salad, greek salad, coleslaw, potato salad, fruit salad,
potatoes, mashed potatoes, baked potato, hash browns, rice, corn, broccoli, mushrooms,
spinach, avocado, bananas, strawberries, mango, pineapple, watermelon, fruit, popcorn,
crisps, peanuts, candy, chocolate, chocolates, jerky, crackers, granola, cereal, oatmeal,
porridge, ice cream, gelato, sorbet, frozen yogurt, pudding, custard, fudge, tart, macarons,
mochi, sundae, beer, beers, wine, red wine, white wine, champagne, prosecco, cider, whiskey,
whisky, vodka, rum, gin, tequila, soju, margarita, mojito, martini, sangria, coke,
diet coke, pepsi, sprite, fanta, soda, sodas, soft drink, soft drinks, iced tea, juice,
orange juice, apple juice, espresso, latte, cappuccino, americano, mocha, frappuccino,
hot chocolate, cocoa, green tea, black tea, chai, matcha, energy drink, sparkling water,
mineral water, kombucha
""")
FOOD_ZH = _words("""
培根, 火腿, 香肠, 腊肠, 牛肉, 猪肉, 鸡肉, 羊肉, 鸭肉, 牛排, 猪排, 羊排, 排骨, 肉丸, 鸡胸肉,
三文鱼, 金枪鱼, 鳕鱼, 大虾, 虾仁, 螃蟹, 大闸蟹, 生蚝, 牡蛎, 蛤蜊, 青口, 鱿鱼, 章鱼, 豆腐,
鸡蛋, 煎蛋, 荷包蛋, 芝士, 奶酪, 黄油, 酸奶, 面包, 吐司, 贝果, 甜甜圈, 可颂, 羊角包, 松饼,
华夫饼, 蛋糕, 纸杯蛋糕, 布朗尼, 饼干, 曲奇, 苹果派, 汉堡, 芝士汉堡, 薯条, 鸡块, 热狗, 披萨,
三明治, 沙拉, 意面, 意大利面, 千层面, 乌冬面, 荞麦面, 刺身, 生鱼片, 咖喱, 泡菜, 年糕,
炒年糕, 墨西哥卷饼, 玉米片, 米饭, 面条, 炒面, 土豆, 土豆泥, 玉米, 水果, 香蕉, 草莓, 芒果,
西瓜, 菠萝, 水果沙拉, 爆米花, 薯片, 花生, 坚果, 糖果, 巧克力, 牛肉干, 燕麦, 麦片, 冰淇淋,
冰激凌, 雪糕, 布丁, 马卡龙, 啤酒, 精酿, 红酒, 葡萄酒, 白酒, 黄酒, 香槟, 威士忌, 伏特加,
朗姆酒, 鸡尾酒, 可乐, 可口可乐, 百事可乐, 雪碧, 芬达, 汽水, 苏打水, 饮料, 果汁, 橙汁,
苹果汁, 柠檬水, 冰红茶, 绿茶, 红茶, 珍珠奶茶, 拿铁, 美式咖啡, 卡布奇诺, 摩卡, 浓缩咖啡,
热巧克力, 抹茶, 奶昔, 牛奶, 矿泉水, 气泡水
""")
RESTAURANT_KINDS_ZH = _words("""
小酒馆, 酒馆, 酒吧, 清吧, 餐吧, 西餐厅, 法式餐厅, 意式餐厅, 披萨店, 比萨店, 餐车, 美食车,
快餐店, 小吃店, 小吃街, 美食城, 美食广场, 食阁, 大排档, 夜市, 排档, 茶餐厅, 茶楼, 茶馆, 茶室,
咖啡厅, 咖啡馆, 面包店, 面包房, 蛋糕店, 甜品店, 冰淇淋店, 饮品店, 奶茶店, 烧烤店, 烤肉店,
自助餐厅, 自助餐, 食堂, 农家乐, 农家菜馆, 私房菜馆, 面馆, 粉店, 粥铺, 包子铺, 饺子馆,
火锅店, 串串店, 烤鸭店, 日料店, 寿司店, 居酒屋, 拉面馆, 韩餐厅, 韩国料理店, 牛排馆, 汉堡店,
酒楼, 饭庄, 食府, 海鲜酒家, 海鲜楼, 江湖菜馆, 卤味店, 熟食店, 早餐店, 早点铺, 宵夜摊
""")
CUISINES_ZH = _words("""
川菜, 湘菜, 粤菜, 鲁菜, 苏菜, 浙菜, 徽菜, 闽菜, 京菜, 北京菜, 上海菜, 本帮菜, 江浙菜, 淮扬菜,
东北菜, 西北菜, 新疆菜, 云南菜, 云贵菜, 贵州菜, 广西菜, 客家菜, 潮汕菜, 潮州菜, 台湾菜, 港式,
港式茶点, 清真, 清真菜, 素食, 素菜, 斋菜, 韩餐, 韩国料理, 韩式料理, 泰国菜, 泰餐, 越南菜, 印度菜,
东南亚菜, 日本菜, 日餐, 墨西哥菜, 西班牙菜, 法国菜, 法餐, 德国菜, 俄罗斯菜, 土耳其菜, 中东菜,
地中海菜, 意大利菜, 意餐, 美式, 英式, 创意菜, 融合菜, 官府菜, 宫廷菜, 农家菜, 家常菜, 江湖菜,
私房菜, 西餐, 中餐, 快餐, 小吃, 特色小吃, 北京小吃, 早茶, 烤鸭, 涮肉, 铜锅涮肉, 饺子, 包子,
馄饨, 粥, 麻辣烫, 麻辣香锅, 冒菜, 烤鱼, 酸菜鱼, 水煮鱼, 小龙虾, 卤味, 炸酱面, 牛肉面, 铁板烧,
海鲜, 日料, 寿司, 烧烤, 自助, 火锅, 面食, 西北面食, 羊蝎子, 驴肉火烧, 煎饼, 烧饼
""")


_SHOP_SUFFIXES_ZH = ("餐厅", "店", "馆", "厅", "铺", "房", "楼", "摊", "屋")


def add_to(vocabulary: Vocabulary) -> None:
    """Teach `vocabulary` the lexicon's words it does not know yet (as dishes); a shop
    word whose stem it knows (奶茶店: 奶茶) stays the stem's, followed by a shop word."""
    for word in (*RESTAURANT_KINDS_EN, *CUISINES_EN, *DISHES_EN, *RESTAURANT_KINDS_ZH,
                 *CUISINES_ZH):
        stem = next((word[: -len(s)] for s in _SHOP_SUFFIXES_ZH
                     if word.endswith(s) and len(word) > len(s) + 1), None)
        if not vocabulary.knows(word) and not (stem and vocabulary.knows(stem)):
            vocabulary.add_dish(word)
    for word in (*FOOD_EN, *FOOD_ZH):
        if not vocabulary.knows(word):
            vocabulary.add_dish(word, typo_target=False)
