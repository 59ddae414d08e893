"""The parser's vocabulary, built from what the project knows: the category taxonomy,
the dish list, the gazetteer, and the merchants and their deals in the database.

`shipped_vocabulary()` needs no database (the demo merchants stand in for the real
ones): the evaluation and the benchmark use it. `load_vocabulary(db)` adds every
active merchant and place of the database, and the titles and tags of the deals on sale
(as dishes: words a shopper searches by). `handlers.router.App` rebuilds it whenever the
database's vocabulary version moves.
"""

from __future__ import annotations

from nlu import Vocabulary
from services.catalog.dishes import dish_words
from services.catalog.places import gazetteer_rows, list_place_names
from services.catalog.taxonomy import CATEGORIES
from services.demo.demo_data import MERCHANTS
from services.platform.database import Database


def base_vocabulary() -> Vocabulary:
    """Categories and dishes: the words that do not depend on any merchant."""
    vocabulary = Vocabulary()
    for c in CATEGORIES:
        # Shop words (gift, book, store, mart) sit one letter from everyday English
        # (lift, cook, score, mark): as typo targets they would rewrite ordinary messages.
        vocabulary.add_category(c.id, (c.name_zh, c.name_en, *c.synonyms_zh, *c.synonyms_en),
                                typo_target=c.group != "shopping")
    for word in dish_words():
        vocabulary.add_dish(word)
    return vocabulary


def shipped_vocabulary() -> Vocabulary:
    """The vocabulary of a fresh install: categories, dishes, the demo merchants and the
    shipped gazetteer."""
    vocabulary = base_vocabulary()
    for m in MERCHANTS:
        vocabulary.add_merchant(m.slug, (m.name_zh, m.name_en))
    for key, names in gazetteer_rows():
        vocabulary.add_place(key, names)
    return vocabulary


async def load_vocabulary(db: Database) -> Vocabulary:
    """Categories, dishes, and every merchant, place and deal on sale in the database."""
    from services.catalog.deal_cards import deal_words, merchant_names

    vocabulary = base_vocabulary()
    for slug, names in await merchant_names(db):
        vocabulary.add_merchant(slug, names)
    for word in await deal_words(db):
        vocabulary.add_dish(word)
    for key, names in await list_place_names(db):
        vocabulary.add_place(key, names)
    return vocabulary
