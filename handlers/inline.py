"""Inline mode: `@bot hotpot` in any chat offers matching deals that link back to the bot."""

from __future__ import annotations

from handlers.core import AnswerInline, Button, InlineQuery, InlineResult, Reply
from handlers.format import group_price_text, result_line
from handlers.links import deal_payload, start_link
from handlers.roles import Role
from handlers.router import Request, Router
from services.catalog.search import MAX_QUERY_CHARS, SearchQuery, find_deals
from services.marketing.referrals import referral_code_of
from services.platform.money import format_money

router = Router()

PAGE = 20  # results per inline page (Telegram allows 50)


@router.on("inline", role=Role.ANYONE)
async def inline_query(req: Request) -> Reply:
    """Offer deals matching the typed words (the most popular when nothing is typed)."""
    event = req.incoming.event
    assert isinstance(event, InlineQuery)
    t, lang = req.t, req.lang
    start = int(event.offset) if event.offset.isdigit() else 0
    deals = await find_deals(req.db, SearchQuery(text=event.query[:MAX_QUERY_CHARS].strip()),
                             req.now())
    username = req.app.options.bot_username
    ref = await referral_code_of(req.db, req.user.id)  # sharing inline is sharing too
    results = []
    for deal in deals[start : start + PAGE]:
        button = Button(t("inline-open"), url=start_link(username, deal_payload(deal.id, ref)))
        prices = [format_money(deal.price, deal.currency, lang)]
        if deal.group_size is not None and deal.group_price is not None:  # a 拼团 deal
            prices.append(group_price_text(t, deal.group_size, deal.group_price, deal.currency))
        results.append(
            InlineResult(
                id=str(deal.id),
                title=deal.title.get(lang),
                description=f"{' · '.join(prices)} · {deal.merchant.get(lang)}",
                text=result_line(t, 1, deal).removeprefix("1. "),
                buttons=((button,),),
            )
        )
    next_offset = str(start + PAGE) if start + PAGE < len(deals) else ""
    return AnswerInline(event.query_id, tuple(results), next_offset=next_offset)
