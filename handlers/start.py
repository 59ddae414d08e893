"""`/start`, with or without a deep-link payload.

Payloads are described in `handlers.links`; a referral code in one is recorded for a
newcomer (`ref_<CODE>`, an invitation alone, shows the main menu). Someone who was here
already is told that the link changes nothing for them. Opening a storefront link (the
QR poster at the counter) follows the merchant, which drops its welcome coupon, if it
has one, into the wallet. A 拼团 group's link (`g_<group>_<ref>`) shows the group to join
(`handlers.groups`), crediting the sharer as a deal link does.
A malformed, unknown or stale payload lands on the main menu with a short note.

Buttons: OpenStorefront (`handlers.payloads`): a merchant's storefront (drawn by the
coupon wallet).
"""

from __future__ import annotations

from handlers.bookings import book_button
from handlers.common import follow_toggle, main_menu, stale_replies
from handlers.core import Button, Reply, SendText
from handlers.coupons import storefront_coupons
from handlers.format import category_label, result_button_text, result_line, welcome_text
from handlers.groups import group_link_replies
from handlers.links import DEAL, GROUP, PAYLOAD, REDEEM, REF, SHOP, STAFF
from handlers.payloads import OpenStorefront, ShowDeal
from handlers.redeem import scanned
from handlers.roles import Role
from handlers.router import Request, Router
from handlers.search import deal_card_replies, search_intent, with_location
from handlers.shop_app import menu_button_for, open_shop_button
from handlers.staff import joined
from nlu import Intent
from services.catalog.geo import format_distance
from services.catalog.ranking import record_event
from services.catalog.search import SearchQuery
from services.catalog.storefront import get_storefront
from services.marketing.follows import follow, is_following
from services.marketing.referrals import Referral, record_referral

router = Router()


@router.command("start", role=Role.SHOPPER)
async def start(req: Request) -> list[Reply]:
    """Greet and show the main menu, or open what a deep link points at."""
    payload = req.args.strip()
    if payload:
        opened = await _open(req, payload)
        if opened is not None:
            return opened
        return [SendText(req.t("link-invalid") + "\n\n" + _greeting(req), buttons=main_menu(req.t))]
    return [SendText(_greeting(req), buttons=main_menu(req.t))]


def _greeting(req: Request) -> str:
    return req.t("start-greeting", name=req.user.first_name or req.t("friend"))


async def _open(req: Request, payload: str) -> list[Reply] | None:
    if not PAYLOAD.fullmatch(payload):
        return None
    if REDEEM.fullmatch(payload):
        return await scanned(req, payload)
    if match := STAFF.fullmatch(payload):
        return await joined(req, match.group(1))
    if match := REF.fullmatch(payload):
        replies = [SendText(_greeting(req), buttons=main_menu(req.t))]
        return await _referred(req, replies, match.group(1))
    if match := SHOP.fullmatch(payload):
        replies = await storefront_replies(req, match.group(1), follow_source="poster")
    elif match := DEAL.fullmatch(payload):
        replies = await deal_card_replies(req, int(match.group(1)))
        last = replies[-1]
        if isinstance(last, SendText) and last.text == req.t("deal-gone"):
            replies = None
    elif match := GROUP.fullmatch(payload):
        replies = await group_link_replies(req, int(match.group(1)))
    else:
        return None
    if replies is not None and match.group(2):
        return await _referred(req, replies, match.group(2))
    return replies


async def _referred(req: Request, replies: list[Reply], code: str) -> list[Reply]:
    """What the link opened, after recording who brought this person; someone who was
    here already (or is in the sharer's own team) hears that nothing changes."""
    if await record_referral(req.db, req.user.id, code, req.now()) == Referral.UNCHANGED:
        return [*replies, SendText(req.t("referral-unchanged"))]
    return replies


@router.button(OpenStorefront, role=Role.SHOPPER)
async def storefront_button(req: Request, press: OpenStorefront) -> list[Reply]:
    """A merchant's storefront, from a button (the wallet's shop buttons)."""
    replies = await storefront_replies(req, press.slug)
    return replies if replies is not None else stale_replies(req)


async def storefront_replies(req: Request, slug: str, *,
                             follow_source: str | None = None) -> list[Reply] | None:
    """The merchant's mini-mall: its deals, coupons to claim, its stores (with distance),
    and a Follow button (Unfollow for a follower). None for no such (approved) merchant.

    With `follow_source` (a scanned poster, a shared storefront link) opening it follows
    the merchant too, and a new follower is told so, with the welcome coupon if any."""
    t, lang = req.t, req.lang
    here = with_location(req, SearchQuery())
    front = await get_storefront(req.db, slug, req.now(), here.lat, here.lon)
    if front is None:
        return None
    # What the shopper looks at is "this shop" of a question that follows ("电话多少?").
    await record_event(req.db, req.user.id, "storefront", merchant_id=front.merchant_id,
                       now=req.now())
    followed = None
    if follow_source is not None:
        followed = await follow(req.db, req.user.id, front.merchant_id, req.now(),
                                source=follow_source)
    rating = f" · ⭐ {front.rating:.1f}" if front.rating is not None else ""
    lines = [f"🏪 {front.name.get(lang)}{rating}", category_label(lang, front.category)]
    if front.description.get(lang):
        lines += ["", front.description.get(lang)]
    lines += ["", t("storefront-deals", count=len(front.deals))]
    rows: list[tuple[Button, ...]] = []
    for number, deal in enumerate(front.deals[:10], start=1):
        lines.append(result_line(t, number, deal))
        rows.append((Button(result_button_text(t, number, deal),
                            data=ShowDeal(deal.id).pack()),))
    if not front.deals:
        lines.append(t("storefront-no-deals"))
    coupon_lines, claim_buttons = await storefront_coupons(req, front.merchant_id)
    if coupon_lines:
        lines += ["", *coupon_lines]
        rows += [(button,) for button in claim_buttons]
    lines += ["", t("storefront-stores")]
    for store, distance in front.stores:
        line = t("card-store-line", name=store.name.get(lang), address=store.address.get(lang),
                 hours=store.opening_hours or "-")
        if distance is not None:
            line += " · " + t("result-distance", distance=format_distance(distance))
        lines.append(line)
    following = followed is not None or await is_following(req.db, req.user.id,
                                                           front.merchant_id)
    booking = await book_button(t, req.db, [store.id for store, _ in front.stores])
    if booking is not None:
        rows.append((booking,))
    rows.append((follow_toggle(t, front.merchant_id, front.name.get(lang), following),))
    base = req.app.options.miniapp_base
    if base is not None:
        rows.insert(0, (open_shop_button(t, base, front.slug),))
    replies: list[Reply] = [SendText("\n".join(lines), buttons=tuple(rows))]
    if followed is not None and followed.outcome == "followed":
        note = t("coupon-followed-shop", name=front.name.get(lang))
        if followed.welcome is not None:
            note += "\n" + welcome_text(t, followed.welcome, req.user.timezone)
        replies.append(SendText(note))
    if followed is not None and base is not None:  # came through the poster: its shop
        replies.append(menu_button_for(t, base, front.slug))
    return replies


@router.intent("show_deal", role=Role.SHOPPER)
async def show_deal_intent(req: Request, intent: Intent, text: str) -> list[Reply]:
    """"海底捞有什么团购": the merchant's storefront when it is known, else a search."""
    slug = intent.ref("merchant")
    replies = await storefront_replies(req, slug) if slug else None
    return replies or await search_intent(req, intent, text)


@router.intent("buy", role=Role.SHOPPER)
async def buy_intent(req: Request, intent: Intent, text: str) -> list[Reply]:
    """"买海底捞的套餐": how buying works, then the merchant's deals (or a search)."""
    slug = intent.ref("merchant")
    rest = await storefront_replies(req, slug) if slug else None
    return [SendText(req.t("nlu-buy-how")), *(rest or await search_intent(req, intent, text))]
