"""Finding deals: free-text search, category buttons, result pages and the deal card.

Button data (all well under Telegram's 64 bytes):
  cat:<category>            search one category
  sp:<search_id>:<page>     a page of a saved search
  d:<deal_id>[:<sid>:<pg>]  a deal card (with the results page to go back to)
  f:<merchant_id>           follow the merchant of a card
  uf:<merchant_id>          unfollow
"""

from __future__ import annotations

from handlers.core import (
    AnswerButton,
    Button,
    ButtonPress,
    EditText,
    Reply,
    SendText,
    Text,
)
from handlers.format import category_label, deal_card_text, result_button_text, result_line
from handlers.menu import category_buttons, main_menu, stale_button
from handlers.router import Request, Router
from services.catalog import get_deal_card
from services.follows import follow, unfollow
from services.search import SearchPage, SearchQuery, run_search, search_page
from services.taxonomy import category

router = Router()


def _int_parts(data: str, count: int) -> list[int] | None:
    """The `count` integers after the prefix of button data, or None if malformed."""
    parts = data.split(":")[1:]
    if len(parts) < count:
        return None
    try:
        return [int(p) for p in parts[:count]]
    except ValueError:
        return None


def render_page(req: Request, page: SearchPage) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """The text and buttons of one page of results."""
    t = req.t
    query = page.query
    label = query.text or (category_label(req.lang, query.category) if query.category else "")
    if page.total == 0:
        return t("search-none", query=label), category_buttons(req.lang)
    lines = [t("search-found", count=page.total, query=label,
               page=str(page.page + 1), pages=str(page.pages))]
    rows: list[tuple[Button, ...]] = []
    first = page.page * page.page_size + 1
    for number, deal in enumerate(page.items, start=first):
        lines.append(result_line(t, number, deal))
        rows.append(
            (Button(result_button_text(t, number, deal),
                    data=f"d:{deal.id}:{page.search_id}:{page.page}"),)
        )
    nav: list[Button] = []
    if page.has_prev:
        nav.append(Button(t("page-prev"), data=f"sp:{page.search_id}:{page.page - 1}"))
    if page.has_next:
        nav.append(Button(t("page-next"), data=f"sp:{page.search_id}:{page.page + 1}"))
    if nav:
        rows.append(tuple(nav))
    return "\n".join(lines), tuple(rows)


async def _search(req: Request, query: SearchQuery) -> Reply:
    page = await run_search(req.db, req.user.id, query, req.app.options.page_size, req.now())
    text, buttons = render_page(req, page)
    return SendText(text, buttons=buttons)


@router.on("text")
async def free_text(req: Request) -> Reply:
    """Anything typed that is not a command is a search."""
    event = req.incoming.event
    assert isinstance(event, Text)
    text = " ".join(event.text.split())
    if not text:
        return SendText(req.t("search-empty"), buttons=main_menu(req.t))
    return await _search(req, SearchQuery(text=text))


@router.button("cat")
async def category_button(req: Request) -> Reply | list[Reply]:
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    cat_id = event.data.partition(":")[2]
    if category(cat_id) is None:
        return await stale_button(req)
    return await _search(req, SearchQuery(category=cat_id))


@router.button("sp")
async def page_button(req: Request) -> Reply | list[Reply]:
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    parts = _int_parts(event.data, 2)
    if parts is None:
        return await stale_button(req)
    page = await search_page(req.db, parts[0], req.user.id, parts[1],
                             req.app.options.page_size, req.now())
    if page is None:
        return await stale_button(req)
    text, buttons = render_page(req, page)
    if event.message_id is not None:
        return EditText(event.message_id, text, buttons)
    return SendText(text, buttons=buttons)


@router.button("d")
async def deal_button(req: Request) -> Reply | list[Reply]:
    """Show the deal card of a pressed result."""
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    parts = _int_parts(event.data, 1)
    if parts is None:
        return await stale_button(req)
    t = req.t
    card = await get_deal_card(req.db, parts[0], req.now())
    if card is None:
        return [
            AnswerButton(event.query_id or "", t("deal-gone")),
            SendText(t("deal-gone"), buttons=main_menu(t)),
        ]
    text = deal_card_text(t, card, req.user.timezone, req.now())
    follow_label = t("follow-button", name=card.merchant.get(req.lang))
    rows: list[tuple[Button, ...]] = [(Button(follow_label, data=f"f:{card.merchant_id}"),)]
    back = _int_parts(event.data, 3)
    if back is not None:
        rows.append((Button(t("back-to-results"), data=f"sp:{back[1]}:{back[2]}"),))
    return SendText(text, buttons=tuple(rows))


@router.button("f")
async def follow_button(req: Request) -> list[Reply]:
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    parts = _int_parts(event.data, 1)
    if parts is None:
        return await stale_button(req)
    t = req.t
    result = await follow(req.db, req.user.id, parts[0], source="deal_card")
    if result is None:
        return await stale_button(req)
    key = "follow-done" if result else "follow-already"
    return [AnswerButton(event.query_id or "", t(key)), SendText(t(key))]


@router.button("uf")
async def unfollow_button(req: Request) -> list[Reply]:
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    parts = _int_parts(event.data, 1)
    if parts is None:
        return await stale_button(req)
    t = req.t
    key = "unfollow-done" if await unfollow(req.db, req.user.id, parts[0]) else "unfollow-not"
    return [AnswerButton(event.query_id or "", t(key)), SendText(t(key))]
