"""Finding deals: free-text search, category buttons, result pages and the deal card.

Buttons (declared in `handlers.payloads`): SearchCategory, ResultsPage, ShowDeal (a
deal card, with the results page to go back to), WiderSearch, UseLastLocation,
AroundPlace ("did you mean"), SortResults, OpenNowToggle, GroupOnlyToggle (only 拼团
deals), FollowMerchant, UnfollowMerchant and ShareDeal. A 拼团 deal's card shows its open
groups and 开团 (`handlers.groups`).

A search uses the user's last shared location while it is fresh (LOCATION_FRESH):
results are then limited to a radius and show their distance. One that asks for
nearness (附近, within 1 km) without a location shows what it found everywhere and asks
for the location; the location, shared within the conversation timeout, runs that
search again by distance.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import timedelta
from typing import get_args
from urllib.parse import quote

from handlers.bookings import book_button
from handlers.common import answer_press, follow_toggle, main_menu, share_location_keyboard
from handlers.core import (
    Button,
    ButtonPress,
    EditText,
    Location,
    Reply,
    SendPhoto,
    SendText,
    SendVenue,
)
from handlers.format import (
    buy_button,
    category_label,
    deal_card_text,
    fit_caption,
    follow_text,
    result_button_text,
    result_line,
)
from handlers.groups import card_groups
from handlers.i18n import Translator
from handlers.links import deal_payload, start_link
from handlers.menu import category_buttons, nearby_prompt, stale_button
from handlers.payloads import (
    AroundPlace,
    FollowMerchant,
    GroupOnlyToggle,
    OpenNowToggle,
    ResultsPage,
    SearchCategory,
    ShareDeal,
    ShowDeal,
    SortOrder,
    SortResults,
    UnfollowMerchant,
    UseLastLocation,
    WiderSearch,
)
from handlers.roles import Role
from handlers.router import Request, Router
from handlers.shop_app import menu_button_replies, open_shop_button
from nlu import Intent
from services.catalog.deal_cards import get_deal_card, merchant_id_of
from services.catalog.geo import format_distance
from services.catalog.locations import forget_location, remember_location
from services.catalog.places import (
    PlaceView,
    get_place,
    resolve_place,
    suggest_places,
)
from services.catalog.ranking import record_event
from services.catalog.search import (
    DEFAULT_RADIUS_M,
    MAX_RADIUS_M,
    SearchPage,
    SearchQuery,
    categories_near,
    categories_on_sale,
    latest_search,
    load_search,
    run_search,
    search_page,
)
from services.catalog.taxonomy import category
from services.marketing.follows import follow, is_following, unfollow
from services.marketing.referrals import referral_code_of
from services.platform.events import log_event

router = Router()

LOCATION_FRESH = timedelta(hours=3)  # older locations are not used silently
SORT_BUTTONS: tuple[SortOrder, ...] = get_args(SortOrder)


def _heading(t: Translator, key: str, label: str, **args: object) -> str:
    """A results heading: "7 deals for \"🍲 Hotpot\"", or, browsing everything (no word,
    no category), "74 deals" from the message `<key>-all`, not "deals for \"all\""."""
    return t(key, query=label, **args) if label else t(f"{key}-all", **args)


def render_page(req: Request, page: SearchPage, on_sale: Collection[str] = (),
                ) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """The text and buttons of one page of results; when it found nothing, the categories
    `on_sale` (those with a deal on sale) as buttons to try instead."""
    t = req.t
    query = page.query
    label = query.text or (category_label(req.lang, query.category) if query.category else "")
    radius = format_distance(query.radius_m or DEFAULT_RADIUS_M)
    wider = (
        (Button(t("search-wider"), data=WiderSearch(page.search_id).pack()),)
        if query.located and (query.radius_m or DEFAULT_RADIUS_M) < MAX_RADIUS_M
        else None
    )
    if page.total == 0:
        if query.group_only:
            rows_all: tuple[tuple[Button, ...], ...] = (
                (Button(t("group-filter-off"), data=GroupOnlyToggle(page.search_id).pack()),),)
            return _heading(t, "search-none-group", label), rows_all
        if query.open_now:
            rows_none: tuple[tuple[Button, ...], ...] = (
                (Button(t("open-now-off"), data=OpenNowToggle(page.search_id).pack()),),)
            return _heading(t, "search-none-open", label), rows_none
        if query.located:
            if query.near:
                radius = t("radius-of-place", radius=radius, place=query.near)
            text = _heading(t, "search-none-near", label, radius=radius)
        else:
            text = t("search-none", query=label)
        return text, ((wider,) if wider else ()) + category_buttons(req.lang, on_sale)
    reason = (
        [t("ranking-reason", category=category_label(req.lang, page.favourite))]
        if page.favourite
        else []
    )
    key = "search-found-near" if query.located else "search-found"
    if query.near:
        key, radius = "search-found-place", t("radius-of-place", radius=radius, place=query.near)
    lines = [_heading(t, key, label, count=page.total, radius=radius,
                      page=page.page + 1, pages=page.pages), *reason]
    rows: list[tuple[Button, ...]] = []
    first = page.page * page.page_size + 1
    for number, deal in enumerate(page.items, start=first):
        lines.append(result_line(t, number, deal))
        rows.append(
            (Button(result_button_text(t, number, deal),
                    data=ShowDeal(deal.id, page.search_id, page.page).pack()),)
        )
    nav: list[Button] = []
    if page.has_prev:
        nav.append(Button(t("page-prev"),
                          data=ResultsPage(page.search_id, page.page - 1).pack()))
    if page.has_next:
        nav.append(Button(t("page-next"),
                          data=ResultsPage(page.search_id, page.page + 1).pack()))
    if nav:
        rows.append(tuple(nav))
    if page.total > 1:
        rows.append(tuple(
            Button(("✓ " if query.sort == sort else "") + t(f"sort-{sort.replace('_', '-')}"),
                   data=SortResults(page.search_id, sort).pack())
            for sort in SORT_BUTTONS
            if sort != "nearest" or query.located
        ))
    if page.total > 0 or query.open_now:
        label_key = "open-now-off" if query.open_now else "open-now-on"
        group_key = "group-filter-off" if query.group_only else "group-filter-on"
        rows.append((Button(t(label_key), data=OpenNowToggle(page.search_id).pack()),
                     Button(t(group_key), data=GroupOnlyToggle(page.search_id).pack())))
    if wider and not page.has_next:
        rows.append(wider)
    return "\n".join(lines), tuple(rows)


async def render(req: Request, page: SearchPage) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """`render_page`, and when a located search found nothing, the categories that do
    have deals within the radius, offered as buttons. A kind of shop with no deal on
    sale anywhere (a pharmacy, before any pharmacy sells here) is said so plainly, with
    the categories that have deals."""
    query = page.query
    on_sale: frozenset[str] = frozenset()
    if page.total == 0:
        on_sale = await categories_on_sale(req.db, req.now())
        if query.category and query.category not in on_sale:  # no such shop sells here yet
            return (req.t("search-none-kind", query=category_label(req.lang, query.category)),
                    category_buttons(req.lang, on_sale))
    text, buttons = render_page(req, page, on_sale)
    if page.total == 0 and page.query.located and not page.query.open_now:
        nearby = await categories_near(req.db, page.query, req.now())
        if nearby:
            labels = [Button(f"{category_label(req.lang, c)} ({n})",
                             data=SearchCategory(c).pack()) for c, n in nearby]
            wider = tuple(row for row in buttons
                          if row and row[0].data and WiderSearch.unpack(row[0].data) is not None)
            text += "\n" + req.t("search-nearby-categories")
            buttons = wider + tuple(tuple(labels[i:i + 2]) for i in range(0, len(labels), 2))
    return text, buttons


def with_location(req: Request, query: SearchQuery) -> SearchQuery:
    """Add the user's last location to a query, if it is fresh and the query has none."""
    user = req.user
    if query.located or user.last_lat is None or user.last_lon is None:
        return query
    if user.last_location_at is None or req.now() - user.last_location_at > LOCATION_FRESH:
        return query
    return replace(query, lat=user.last_lat, lon=user.last_lon,
                   radius_m=query.radius_m or DEFAULT_RADIUS_M)


def stale_location_age(req: Request, query: SearchQuery) -> timedelta | None:
    """How old the user's last location is, when it exists but is too old to use silently."""
    user = req.user
    if query.located or user.last_lat is None or user.last_location_at is None:
        return None
    age = req.now() - user.last_location_at
    return age if age > LOCATION_FRESH else None


def search_query_from(intent: Intent, text: str, place: PlaceView | None, lang: str,
                      ) -> tuple[SearchQuery, list[tuple[str, dict[str, object]]]]:
    """The search a parsed message asks for, and notes to tell the user (a radius
    capped to what "near" can mean). Prices are major units: 100 means ¥100."""
    notes: list[tuple[str, dict[str, object]]] = []
    words = [str(v) for name in ("dish", "merchant", "keywords") for v in intent.all(name)]
    if not words and not any(intent.get(n) is not None for n in (
            "category", "price_min", "price_max", "radius_m", "sort", "discount", "place",
            "group")):
        words = [text]  # nothing understood as a filter: search the words as typed
    radius = intent.get("radius_m")
    if isinstance(radius, int) and radius > MAX_RADIUS_M:
        notes.append(("nlu-radius-capped", {"km": MAX_RADIUS_M // 1000}))
        radius = MAX_RADIUS_M
    sort = intent.get("sort") or ("biggest_discount" if intent.get("discount") else None)

    def minor(value: object) -> int | None:
        return round(float(value) * 100) if isinstance(value, int | float) else None

    query = SearchQuery(
        text=" ".join(words)[:200],
        category=intent.get("category"),
        category_words=" ".join(s.text for s in intent.slots if s.name == "category")[:200],
        price_min=minor(intent.get("price_min")),
        price_max=minor(intent.get("price_max")),
        radius_m=radius if isinstance(radius, int) and radius > 0 else None,
        sort=sort or "relevance",
        group_only=bool(intent.get("group")),  # 拼团, group buy: only group deals
    )
    if place is not None:
        query = replace(query, lat=place.lat, lon=place.lon, near=place.name(lang),
                        radius_m=query.radius_m or DEFAULT_RADIUS_M)
    return query, notes


async def search_replies(req: Request, query: SearchQuery) -> list[Reply]:
    """Run `query` (around the user's fresh location when it has none) and show page 1.
    A search that asks for nearness without a location to measure from shows what it
    found everywhere, then asks for the location; when it arrives, the search is run
    again by distance (see `location`)."""
    query = with_location(req, query)
    page = await run_search(req.db, req.user.id, query, req.app.options.page_size, req.now(),
                            logged=True)
    text, buttons = await render(req, page)
    age = stale_location_age(req, query)
    if age is not None:
        hours = max(1, int(age.total_seconds() // 3600))
        ask = Button(req.t("use-last-location", hours=hours),
                     data=UseLastLocation(page.search_id).pack())
        buttons = ((ask,), *buttons)
    replies: list[Reply] = [SendText(text, buttons=buttons)]
    if query.waits_for_location and page.total:  # nothing anywhere: none nearer either
        replies.append(SendText(req.t("nearby-not-by-distance"),
                                keyboard=share_location_keyboard(req.t)))
    return replies


@router.on("location", role=Role.SHOPPER)
async def location(req: Request) -> Reply | None:
    """A shared location: remember it (coarsely) and show what is nearby, nearest first.
    Later positions of a live location only update what is remembered, silently."""
    event = req.incoming.event
    assert isinstance(event, Location)
    t = req.t
    remembered = await remember_location(req.db, req.user.id, event.lat, event.lon, req.now())
    if event.update:
        return None
    if not remembered:
        return SendText(t("location-invalid"), keyboard=share_location_keyboard(t))
    here = {"lat": round(event.lat, 3), "lon": round(event.lon, 3)}
    waiting = await latest_search(req.db, req.user.id,
                                  req.now() - req.app.options.conversation_ttl)
    if waiting is not None and waiting[1].waits_for_location:
        query = replace(waiting[1], **here)  # the nearby search that asked for it
    else:
        query = SearchQuery(**here, radius_m=DEFAULT_RADIUS_M, sort="nearest")
    page = await run_search(req.db, req.user.id, query, req.app.options.page_size, req.now())
    await log_event(req.db, "search", now=req.now(), user_id=req.user.id)
    text, buttons = await render(req, page)
    return SendText(t("location-saved") + "\n\n" + text, buttons=buttons, remove_keyboard=True)


@router.command("forget", role=Role.SHOPPER)
async def forget(req: Request) -> Reply:
    """Delete the user's location history, and say so."""
    t = req.t
    forgotten = await forget_location(req.db, req.user.id, req.now())
    return SendText(t("forget-done" if forgotten else "forget-nothing"))


@router.command("near", role=Role.SHOPPER)
async def near(req: Request) -> Reply | list[Reply]:
    """`/near 万达`: take a named place as where the user is, and show what is nearby."""
    t = req.t
    name = req.args.strip()[:80]
    if not name:
        return SendText(t("near-usage"))
    place = await resolve_place(req.db, name)
    if place is None:
        suggestions = await suggest_places(req.db, name)
        if not suggestions:
            return SendText(t("place-unknown", name=name))
        buttons = tuple((Button(p.name(req.lang), data=AroundPlace(p.id).pack()),)
                        for p in suggestions)
        return SendText(t("place-did-you-mean", name=name), buttons=buttons)
    return await around_place(req, place)


@router.button(AroundPlace, role=Role.SHOPPER)
async def place_button(req: Request, press: AroundPlace) -> Reply | list[Reply]:
    """A "did you mean" place chosen: what is around it."""
    place = await get_place(req.db, press.place_id)
    if place is None:
        return await stale_button(req)
    return await around_place(req, place)


async def around_place(req: Request, place: PlaceView) -> Reply:
    """Take `place` as where the user is, and show what is nearby, nearest first."""
    await remember_location(req.db, req.user.id, place.lat, place.lon, req.now())
    query = SearchQuery(lat=place.lat, lon=place.lon, radius_m=DEFAULT_RADIUS_M,
                        sort="nearest", near=place.name(req.lang))
    page = await run_search(req.db, req.user.id, query, req.app.options.page_size, req.now())
    await log_event(req.db, "search", now=req.now(), user_id=req.user.id)
    text, buttons = await render(req, page)
    return SendText(text, buttons=buttons)


@router.button(WiderSearch, role=Role.SHOPPER)
async def wider_button(req: Request, press: WiderSearch) -> Reply | list[Reply]:
    """The same search again with three times the radius (up to the maximum)."""
    query = await load_search(req.db, press.search_id, req.user.id)
    if query is None or not query.located:
        return await stale_button(req)
    radius = min(MAX_RADIUS_M, (query.radius_m or DEFAULT_RADIUS_M) * 3)
    return await search_replies(req, replace(query, radius_m=radius))


@router.button(UseLastLocation, role=Role.SHOPPER)
async def use_last_location(req: Request, press: UseLastLocation) -> Reply | list[Reply]:
    """Run a saved search again around the user's last location, however old."""
    query = await load_search(req.db, press.search_id, req.user.id)
    user = req.user
    if query is None or user.last_lat is None or user.last_lon is None:
        return await stale_button(req)
    located = replace(query, lat=user.last_lat, lon=user.last_lon,
                      radius_m=query.radius_m or DEFAULT_RADIUS_M)
    page = await run_search(req.db, user.id, located, req.app.options.page_size, req.now())
    text, buttons = await render(req, page)
    return SendText(text, buttons=buttons)


@router.button(SortResults, role=Role.SHOPPER)
async def sort_button(req: Request, press: SortResults) -> Reply | list[Reply]:
    """The same search in another order, shown in place of the old page."""
    query = await load_search(req.db, press.search_id, req.user.id)
    if query is None:
        return await stale_button(req)
    page = await run_search(req.db, req.user.id, replace(query, sort=press.sort),
                            req.app.options.page_size, req.now())
    return await _show_page(req, page)


async def _show_page(req: Request, page: SearchPage) -> Reply:
    """A result page in place of the pressed message (or anew when it has no id)."""
    event = req.incoming.event
    text, buttons = await render(req, page)
    if isinstance(event, ButtonPress) and event.message_id is not None:
        return EditText(event.message_id, text, buttons)
    return SendText(text, buttons=buttons)


@router.button(OpenNowToggle, role=Role.SHOPPER)
async def open_now_button(req: Request, press: OpenNowToggle) -> Reply | list[Reply]:
    """Toggle "only what is open now" on a saved search."""
    query = await load_search(req.db, press.search_id, req.user.id)
    if query is None:
        return await stale_button(req)
    toggled = replace(query, open_now=not query.open_now, tz=req.app.options.default_timezone)
    page = await run_search(req.db, req.user.id, toggled, req.app.options.page_size, req.now())
    return await _show_page(req, page)


@router.button(GroupOnlyToggle, role=Role.SHOPPER)
async def group_only_button(req: Request, press: GroupOnlyToggle) -> Reply | list[Reply]:
    """Toggle "only 拼团 deals" on a saved search."""
    query = await load_search(req.db, press.search_id, req.user.id)
    if query is None:
        return await stale_button(req)
    toggled = replace(query, group_only=not query.group_only)
    page = await run_search(req.db, req.user.id, toggled, req.app.options.page_size, req.now())
    return await _show_page(req, page)


@router.button(SearchCategory, role=Role.SHOPPER)
async def category_button(req: Request, press: SearchCategory) -> Reply | list[Reply]:
    """A category pressed: its deals (around the user's fresh location, if any)."""
    if category(press.category) is None:
        return await stale_button(req)
    return await search_replies(req, SearchQuery(category=press.category))


@router.button(ResultsPage, role=Role.SHOPPER)
async def page_button(req: Request, press: ResultsPage) -> Reply | list[Reply]:
    """Another page of a saved search, in place of the pressed one."""
    page = await search_page(req.db, press.search_id, req.user.id, press.page,
                             req.app.options.page_size, req.now())
    if page is None:
        return await stale_button(req)
    return await _show_page(req, page)


@router.button(ShowDeal, role=Role.SHOPPER)
async def deal_button(req: Request, press: ShowDeal) -> Reply | list[Reply]:
    """Show the deal card of a pressed result."""
    back = (ResultsPage(press.search_id, press.page)
            if press.search_id is not None and press.page is not None else None)
    replies = await deal_card_replies(req, press.deal_id, back, clicked=True)
    if isinstance(replies[-1], SendText) and replies[-1].text == req.t("deal-gone"):
        replies.insert(0, answer_press(req, req.t("deal-gone")))
    return replies


async def deal_card_replies(req: Request, deal_id: int, back: ResultsPage | None = None, *,
                            clicked: bool = False) -> list[Reply]:
    """The deal card (or a note that the deal is gone), with Follow (Unfollow for a
    follower) and Back buttons.
    `clicked`: it was opened from a list (results, a storefront), which is logged too."""
    t = req.t
    card = await get_deal_card(req.db, deal_id, req.now())
    if card is None:
        return [SendText(t("deal-gone"), buttons=main_menu(t))]
    await record_event(req.db, req.user.id, "view", category=card.category, deal_id=card.id,
                       merchant_id=card.merchant_id, now=req.now())
    if clicked:
        await log_event(req.db, "click", now=req.now(), user_id=req.user.id,
                        category=card.category, deal_id=card.id, merchant_id=card.merchant_id)
    text = deal_card_text(t, card, req.user.timezone, req.now())
    following = await is_following(req.db, req.user.id, card.merchant_id)
    rows: list[tuple[Button, ...]] = [
        (follow_toggle(t, card.merchant_id, card.merchant.get(req.lang), following),
         Button(t("share-button"), data=ShareDeal(card.id).pack())),
    ]
    if card.on_sale:
        rows.insert(0, (buy_button(t, card.id, card.price, card.currency),))
    group_lines, group_rows = await card_groups(req, card)  # a 拼团 deal's open groups
    if group_lines:
        text += "\n\n" + "\n".join(group_lines)
    rows[1:1] = group_rows  # under Buy: 开团, and Join for each open group
    booking = await book_button(t, req.db, [store.id for store in card.stores])
    if booking is not None:
        rows.insert(len(rows) - 1, (booking,))  # above Follow and Share
    if req.app.options.miniapp_base is not None:
        rows.append((open_shop_button(t, req.app.options.miniapp_base, card.merchant_slug,
                                      card.id),))
    if back is not None:
        rows.append((Button(t("back-to-results"), data=back.pack()),))
    replies: list[Reply] = []
    if card.photo:
        replies += fit_caption(SendPhoto(card.photo, caption=card.title.get(req.lang)))
    if card.stores:
        store = card.stores[0]
        replies.append(SendVenue(store.lat, store.lon, store.name.get(req.lang),
                                 store.address.get(req.lang)))
    replies.append(SendText(text, buttons=tuple(rows)))
    return replies


@router.button(ShareDeal, role=Role.SHOPPER)
async def share_button(req: Request, press: ShareDeal) -> list[Reply]:
    """A link to this deal that carries the sharer's referral code, ready to forward."""
    card = await get_deal_card(req.db, press.deal_id, req.now())
    if card is None:
        return await stale_button(req)
    t = req.t
    code = await referral_code_of(req.db, req.user.id)
    link = start_link(req.app.options.bot_username, deal_payload(card.id, code))
    title = card.title.get(req.lang)
    forward = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(title)}"
    return [
        answer_press(req),
        SendText(t("share-text", title=title, link=link),
                 buttons=((Button(t("share-forward"), url=forward),),)),
    ]


@router.button(FollowMerchant, role=Role.SHOPPER)
async def follow_button(req: Request, press: FollowMerchant) -> list[Reply]:
    """Follow pressed (a card, a storefront): followed, with the welcome coupon if any."""
    t = req.t
    result = await follow(req.db, req.user.id, press.merchant_id, req.now(), source="deal_card")
    if result.outcome == "unknown":
        return await stale_button(req)
    text = follow_text(t, result, req.user.timezone)
    return [answer_press(req, text.splitlines()[0]), SendText(text),
            *await menu_button_replies(req)]


@router.button(UnfollowMerchant, role=Role.SHOPPER)
async def unfollow_button(req: Request, press: UnfollowMerchant) -> list[Reply]:
    """Unfollow pressed: no more of the merchant's pushes."""
    t = req.t
    unfollowed = await unfollow(req.db, req.user.id, press.merchant_id)
    key = "unfollow-done" if unfollowed else "unfollow-not"
    return [answer_press(req, t(key)), SendText(t(key)), *await menu_button_replies(req)]


# --------------------------------------------------------------------------- free text


async def place_of(req: Request, intent: Intent) -> PlaceView | None:
    """The known place the message names ("万达附近"), or None."""
    written = intent.get("place")
    return await resolve_place(req.db, written) if isinstance(written, str) else None


@router.intent("search_deals", role=Role.SHOPPER)
async def search_intent(req: Request, intent: Intent, text: str) -> list[Reply]:
    """"附近有什么火锅，人均100以内": the deals the words ask for, with notes on what was
    read differently (a radius capped, say)."""
    query, notes = search_query_from(intent, text, await place_of(req, intent), req.lang)
    replies: list[Reply] = [SendText(req.t(key, **args)) for key, args in notes]
    return [*replies, *await search_replies(req, query)]


@router.intent("set_location", role=Role.SHOPPER)
async def set_location_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"我在万达": a known place is taken as where the user is; otherwise the
    share-location prompt."""
    place = await place_of(req, intent)
    if place is None:
        return await nearby_prompt(req)
    return await around_place(req, place)


@router.intent("follow", "unfollow", role=Role.SHOPPER)
async def follow_intent(req: Request, intent: Intent, text: str) -> Reply | list[Reply]:
    """"关注海底捞" / "取消关注海底捞": follow or unfollow the merchant named."""
    t = req.t
    slug = intent.ref("merchant")
    merchant_id = await merchant_id_of(req.db, slug) if slug else None
    if merchant_id is None:
        written = intent.get("merchant")
        key = "nlu-follow-which" if written is None else "nlu-merchant-unknown"
        return SendText(t(key, name=str(written or "")))
    if intent.name == "follow":
        result = await follow(req.db, req.user.id, merchant_id, req.now(), source="chat")
        return [SendText(follow_text(t, result, req.user.timezone)),
                *await menu_button_replies(req)]
    return [SendText(t("unfollow-done" if await unfollow(req.db, req.user.id, merchant_id)
                       else "unfollow-not")), *await menu_button_replies(req)]
