"""`/start`, with or without a deep-link payload.

Payloads are described in `handlers.links`; a referral code in one is recorded for a
newcomer.
A malformed, unknown or stale payload lands on the main menu with a short note.
"""

from __future__ import annotations

from handlers.common import main_menu
from handlers.core import Button, Command, Reply, SendText
from handlers.format import category_label, result_button_text, result_line
from handlers.links import DEAL, PAYLOAD, REDEEM, SHOP, STAFF
from handlers.redeem import scanned
from handlers.router import Request, Router
from handlers.search import deal_card_replies, with_location
from handlers.staff import joined
from services.geo import format_distance
from services.referrals import record_referral
from services.search import SearchQuery
from services.storefront import get_storefront

router = Router()

@router.command("start")
async def start(req: Request) -> list[Reply]:
    """Greet and show the main menu, or open what a deep link points at."""
    event = req.incoming.event
    assert isinstance(event, Command)
    payload = event.args.strip()
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
    if match := SHOP.fullmatch(payload):
        replies = await storefront_replies(req, match.group(1))
    elif match := DEAL.fullmatch(payload):
        replies = await deal_card_replies(req, int(match.group(1)))
        last = replies[-1]
        if isinstance(last, SendText) and last.text == req.t("deal-gone"):
            replies = None
    else:
        return None
    if replies is not None and match.group(2):
        await record_referral(req.db, req.user.id, match.group(2), req.now())
    return replies


async def storefront_replies(req: Request, slug: str) -> list[Reply] | None:
    """The merchant's mini-mall: its deals, its stores (with distance), a Follow button."""
    t, lang = req.t, req.lang
    here = with_location(req, SearchQuery())
    front = await get_storefront(req.db, slug, req.now(), here.lat, here.lon)
    if front is None:
        return None
    rating = f" · ⭐ {front.rating:.1f}" if front.rating is not None else ""
    lines = [f"🏪 {front.name.get(lang)}{rating}", category_label(lang, front.category)]
    if front.description.get(lang):
        lines += ["", front.description.get(lang)]
    lines += ["", t("storefront-deals", count=len(front.deals))]
    rows: list[tuple[Button, ...]] = []
    for number, deal in enumerate(front.deals[:10], start=1):
        lines.append(result_line(t, number, deal))
        rows.append((Button(result_button_text(t, number, deal), data=f"d:{deal.id}"),))
    if not front.deals:
        lines.append(t("storefront-no-deals"))
    lines += ["", t("storefront-stores")]
    for store, distance in front.stores:
        line = t("card-store-line", name=store.name.get(lang), address=store.address.get(lang),
                 hours=store.opening_hours or "-")
        if distance is not None:
            line += " · " + t("result-distance", distance=format_distance(distance))
        lines.append(line)
    rows.append((Button(t("follow-button", name=front.name.get(lang)),
                        data=f"f:{front.merchant_id}"),))
    return [SendText("\n".join(lines), buttons=tuple(rows))]
