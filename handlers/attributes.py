"""Questions about one shop or deal: "海底捞几点关门", "万达那家火锅店电话多少", "does Luckin
have wifi", "what's in the 2-person set", "还有别的分店吗".

The parser's `ask_attribute` names the attributes asked (hours, phone, address, price,
rating, dishes, branches, refund_policy, validity, reservations, amenities, nearby).
The subject is the merchant named, else the shop a place and a category describe (the
nearest hotpot shop to 万达), else the deal card or storefront the shopper opened last
(`services.catalog.shop_facts`). A deal the question describes ("the 2-person set", "双人
套餐", "the solo set") is that deal of the shop, by the people its title is for and the
words they share. A place said narrows a shop to its store there: the
phone of "万达那家火锅店" is the Wanda store's, not every branch's. One message answers
every attribute asked, with the buttons of what it is about (Buy and Follow for a deal;
the storefront, Follow and Book for a shop). What we do not hold (wifi, what is nearby)
is said plainly, with the shop's phone to ask.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from handlers.bookings import book_button
from handlers.common import follow_toggle, main_menu
from handlers.core import Button, Reply, SendText
from handlers.format import buy_button, local_date
from handlers.i18n import Translator
from handlers.payloads import OpenStorefront, ShowDeal
from handlers.roles import Role
from handlers.router import Request, Router
from handlers.search import place_of
from nlu import Intent, people_in
from services.catalog.deal_cards import DealSummary
from services.catalog.hours import is_open
from services.catalog.ranking import record_event
from services.catalog.shop_facts import Subject, last_looked_at, shop_near, subject_of
from services.marketing.follows import is_following
from services.platform.money import format_money

router = Router()

# Attributes the catalog does not hold: the answer says so and gives the phone.
NOT_HELD = ("amenities", "nearby")
# Attributes of one deal: asked of a shop, they list its deals to choose from.
OF_A_DEAL = ("validity", "refund_policy")


@router.intent("ask_attribute", role=Role.SHOPPER)
async def ask_attribute(req: Request, intent: Intent, text: str) -> list[Reply]:
    """Answer what was asked about the shop or deal in question, in one message."""
    t = req.t
    named = intent.get("merchant")
    if isinstance(named, str) and intent.ref("merchant") is None:
        # A shop named that the catalog does not know ("is Burger King open now"): not
        # the shop looked at last.
        return [SendText(t("nlu-merchant-unknown", name=named), buttons=main_menu(t))]
    subject = await _subject(req, intent)
    if subject is None:
        return [SendText(t("attr-which-shop"), buttons=main_menu(t))]
    if intent.ref("merchant") is not None or intent.get("place") is not None:
        # A shop named or described becomes "this shop" of the next question
        # ("还有别的分店吗?"), as an opened storefront does.
        await record_event(req.db, req.user.id, "storefront",
                           merchant_id=subject.shop.merchant_id, now=req.now())
    asked = [a for a in intent.all("attribute") if isinstance(a, str)] or ["dishes"]
    described = described_deal(subject.shop.deals, intent, text,
                               unsaid=(subject.shop.name.zh, subject.shop.name.en))
    if described is not None and (subject.deal is None or subject.deal.id != described):
        subject = await subject_of(req.db, req.now(), deal_id=described) or subject
        if subject.deal is not None:  # the next question ("is it refundable?") is about it
            await record_event(req.db, req.user.id, "view", category=subject.deal.category,
                               deal_id=subject.deal.id, merchant_id=subject.shop.merchant_id,
                               now=req.now())
    shop, lang = subject.shop, req.lang
    title = subject.deal.title.get(lang) if subject.deal else shop.name.get(lang)
    booking = await book_button(t, req.db, [store.id for store, _ in shop.stores])
    lines = [t("attr-about", name=title)]
    for attribute in dict.fromkeys(asked):
        lines.append("")
        lines.extend(_answer(req, subject, attribute, bookable=booking is not None))
    return [SendText("\n".join(lines), buttons=await _buttons(req, subject, booking))]


async def _subject(req: Request, intent: Intent) -> Subject | None:
    """What the question is about: the merchant named, the shop described by a place
    (and category), or the deal or shop looked at last."""
    now = req.now()
    looked_deal, looked_slug = await last_looked_at(req.db, req.user.id, now)
    slug = intent.ref("merchant")
    # A place said narrows the shop to its store there ("万达那家火锅店电话多少": the
    # phone of the one at Wanda), unless the question is about its other branches.
    place = await place_of(req, intent)
    at_place = place is not None and "branches" not in intent.all("attribute")
    lat, lon = (place.lat, place.lon) if place is not None else (None, None)
    if slug is not None:  # the deal looked at stays the subject when it is this shop's
        same = looked_deal if looked_slug == slug else None
        return await subject_of(req.db, now, slug=slug, deal_id=same, lat=lat, lon=lon,
                                at_place=at_place)
    if place is not None:
        category = intent.get("category")
        near = await shop_near(req.db, place.lat, place.lon,
                               category if isinstance(category, str) else None)
        return await subject_of(req.db, now, slug=near, lat=place.lat, lon=place.lon,
                                at_place=at_place) if near else None
    return await subject_of(req.db, now, slug=looked_slug, deal_id=looked_deal)


# Words that say nothing of which deal: question words, and what every deal is.
_PLAIN_WORDS = frozenset(str.split("""
what whats what's the this that these those with does have has any and for are there how
much its it's inside included include includes come comes get set deal deals one
"""))
_LATIN_WORD = re.compile(r"[a-z][a-z']{2,}")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_HAN_PLAIN = frozenset(("什么", "哪些", "包含", "有什", "套餐", "团购"))


def _words(text: str) -> set[str]:
    """The words of `text` that may tell one deal from another: Latin words (not question
    words) and pairs of neighbouring Chinese characters."""
    lowered = text.lower()
    words = {w.strip("'") for w in _LATIN_WORD.findall(lowered)} - _PLAIN_WORDS
    for run in _HAN_RUN.findall(lowered):
        words.update(run[i:i + 2] for i in range(len(run) - 1))
    return words - _HAN_PLAIN


def described_deal(deals: tuple[DealSummary, ...], intent: Intent, text: str,
                   unsaid: tuple[str, ...] = ()) -> int | None:
    """The id of the one deal of `deals` the question describes, or None. A deal for
    another number of people than the question's is never it; then the deal sharing the
    most words with the question (in either language), when it is the only one. Words of
    `unsaid` (the shop's own name: "海底捞几点关门" asks about the shop, not about a deal
    whose title repeats its name) describe no deal."""
    people = intent.get("party_size")
    asked = _words(text) - set().union(*(_words(name) for name in unsaid if name))
    scores: dict[int, int] = {}
    for deal in deals:
        titles = (deal.title.zh, deal.title.en)
        sizes = {people_in(title) for title in titles if title} - {None}
        if people is not None and sizes and people not in sizes:
            continue  # a set for four is not "the 2-person set"
        shared = asked & set().union(*(_words(title) for title in titles if title))
        score = len(shared) + (2 if people is not None and people in sizes else 0)
        if score:
            scores[deal.id] = score
    if not scores:
        return None
    best = max(scores.values())
    winners = [deal_id for deal_id, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


def _answer(req: Request, subject: Subject, attribute: str, *, bookable: bool) -> list[str]:
    """The lines that answer one attribute."""
    t, lang = req.t, req.lang
    shop, deal = subject.shop, subject.deal
    stores = [store for store, _ in shop.stores]
    if attribute in NOT_HELD or (attribute == "rating" and shop.rating is None) \
            or (attribute == "phone" and not any(s.phone for s in stores)) \
            or (attribute == "reservations" and not bookable):
        return [_not_held(t, subject, attribute)]
    if attribute == "hours":
        now = req.now().astimezone(ZoneInfo(req.user.timezone))
        lines = [t("attr-hours")]
        for store in stores:
            line = t("attr-store-fact", name=store.name.get(lang), fact=store.opening_hours or "-")
            status = is_open(store.opening_hours, now)
            if status is not None:
                line += " · " + t("store-open" if status else "store-closed")
            lines.append(line)
        return lines
    if attribute == "phone":
        return [t("attr-phone"), *(t("attr-store-fact", name=s.name.get(lang), fact=s.phone)
                                   for s in stores if s.phone)]
    if attribute in ("address", "branches"):
        head = t("attr-address") if attribute == "address" else t("attr-branches",
                                                                    count=len(stores))
        return [head, *(t("attr-store-fact", name=s.name.get(lang), fact=s.address.get(lang))
                        for s in stores)]
    if attribute == "rating":
        return [t("attr-rating", rating=f"{shop.rating:.1f}")]
    if attribute == "price":
        if deal is not None:
            return [t("card-price", price=format_money(deal.price, deal.currency, lang),
                      original=format_money(deal.original_price, deal.currency, lang),
                      discount="")]
        if not shop.deals:
            return [t("storefront-no-deals")]
        low = min(shop.deals, key=lambda d: d.price)
        high = max(shop.deals, key=lambda d: d.price)
        return [t("attr-price-range", low=format_money(low.price, low.currency, lang),
                  high=format_money(high.price, high.currency, lang))]
    if attribute == "dishes":
        if deal is not None:
            return [t("attr-dishes-deal"), deal.description.get(lang) or deal.title.get(lang)]
        return [t("attr-dishes-shop"), *(f"• {d.title.get(lang)}" for d in shop.deals[:8])] \
            if shop.deals else [t("storefront-no-deals")]
    if attribute in OF_A_DEAL and deal is None:
        return [t("attr-pick-a-deal")]
    if attribute == "validity" and deal is not None:
        zone = req.user.timezone
        lines = [t("card-validity", start=local_date(deal.valid_from, zone),
                   end=local_date(deal.valid_until, zone))]
        rules = deal.usage_rules.get(lang)
        return [*lines, t("card-rules", rules=rules)] if rules else lines
    if attribute == "refund_policy" and deal is not None:
        return [t(f"refund-{deal.refund_policy.replace('_', '-')}")]
    if attribute == "reservations":
        return [t("attr-reservations")]
    return [_not_held(t, subject, attribute)]


def _not_held(t: Translator, subject: Subject, attribute: str) -> str:
    """"I don't know that about X" with the first store's phone, when there is one."""
    name = subject.shop.name.get(t.lang)
    phone = next((store.phone for store, _ in subject.shop.stores if store.phone), None)
    what = t(f"attr-what-{attribute.replace('_', '-')}")
    if phone:
        return t("attr-not-held", what=what, name=name, phone=phone)
    return t("attr-not-held-no-phone", what=what, name=name)


async def _buttons(req: Request, subject: Subject, booking: Button | None,
                   ) -> tuple[tuple[Button, ...], ...]:
    """The card's buttons: Buy (a deal on sale) and the deal; the storefront and a deal
    button for each of its deals when a deal is to be chosen; Book when a store takes
    bookings; Follow or Unfollow."""
    t, shop, deal = req.t, subject.shop, subject.deal
    rows: list[tuple[Button, ...]] = []
    if deal is not None:
        if deal.on_sale:
            rows.append((buy_button(t, deal.id, deal.price, deal.currency),))
        rows.append((Button(t("attr-open-deal"), data=ShowDeal(deal.id).pack()),))
    else:
        rows.append((Button(t("attr-open-shop"), data=OpenStorefront(shop.slug).pack()),))
        rows.extend((Button(d.title.get(req.lang)[:40], data=ShowDeal(d.id).pack()),)
                    for d in shop.deals[:3])
    if booking is not None:
        rows.append((booking,))
    following = await is_following(req.db, req.user.id, shop.merchant_id)
    rows.append((follow_toggle(t, shop.merchant_id, shop.name.get(req.lang), following),))
    return tuple(rows)
