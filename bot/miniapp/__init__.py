"""The Mini App storefront: each merchant's shop as a page in Telegram.

  GET  /app/shop/<slug>                 the page (server-rendered; ?category, min, max,
                                        sort, deal, lang); a plain browser gets it
                                        read-only with an "open in Telegram" link
  GET  /app/static/<file>               its stylesheet and script
  GET  /app/api/shop/<slug>/deals       a page of deals (filters as above, offset) as
                                        JSON, with the rendered items (`html`)
  GET  /app/api/deal/<id>               one deal's detail (JSON, with `html`)
  GET  /app/api/me?slug=<slug>[&lat=&lon=]  the caller's follow state and the stores,
                                        nearest first from the place sent (Telegram's
                                        LocationManager) or the last shared in the chat
  GET  /app/photo/<deal>[?size=small]   the deal's photo from Telegram, kept on disk
                                        (`bot.miniapp.photos`); no launch data needed
  POST /app/api/buy     {deal_id, quantity}   an order, as the chat's Buy makes it, and
                                        its payment: a link to open (sandbox, Stripe) or
                                        Telegram's invoice link (`openInvoice`; the
                                        invoice goes to the chat when there is none)
  POST /app/api/follow  {merchant_id}   follow (the welcome coupon as in the chat)
  POST /app/api/claim   {template_id}   claim a coupon, once per template per launch

Calls carry the launch data as `Authorization: tma <initData>`, checked by
`services.platform.init_data` with the bot's token: buying, following and claiming need
data younger than `miniapp_buy_max_age_minutes`; reading takes none, and reading with
data that does not check out is refused too (401), so a forged or stale launch never
passes for anyone. The user is only ever the validated data's `user`. Bodies are
small JSON objects with exactly the fields above, of the right types (else 400).
Every answer carries a content-security policy.

The orders go through `services.orders.checkout.start_order` and
`services.orders.payment_links.open_payment`, as the chat's; the codes come to the chat
through the outbox when the payment settles, as they always do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.miniapp.botapi import BotApi, BotApiError
from bot.miniapp.photos import PhotoCache, PhotoSize, PhotoUnavailable
from bot.runtime import Runtime
from handlers.checkout import link_replies, order_summary
from handlers.format import discount_text, follow_text, local_date, terms_text
from handlers.i18n import Translator, language_of, normalize_language
from handlers.links import shop_payload, start_link
from services.catalog.deal_cards import DealCard, DealSummary, StoreView, get_deal_card
from services.catalog.hours import is_open
from services.catalog.storefront import (
    SHOP_SORTS,
    ShopHeader,
    ShopQuery,
    deal_photo,
    photo_file_id,
    shop_header,
    shop_page,
)
from services.catalog.taxonomy import category
from services.marketing.coupons.templates import TemplateView, claimable_templates
from services.marketing.coupons.wallet import claim
from services.marketing.follows import follow, is_following
from services.merchants.stores import list_stores
from services.orders.checkout import OrderStart, buy_limits, start_order
from services.orders.payment_links import open_payment
from services.platform.init_data import InitDataError, WebAppLaunch, validate_init_data
from services.platform.money import format_money, minor_digits
from services.platform.users import UserProfile, ensure_user
from storage.geo import haversine_m

__all__ = ["TELEGRAM_SCRIPT", "add_miniapp_routes"]

log = structlog.get_logger("o2o.miniapp")
HERE = Path(__file__).parent
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
SLUG = re.compile(r"[a-z0-9-]{1,32}")
# What Telegram's openInvoice accepts (the page's SDK checks the same).
INVOICE_LINK = re.compile(r"https://t\.me/(\$|invoice/)[A-Za-z0-9_=-]{1,128}")
BODY_MAX = 2048  # bytes of a POST body: the page sends a few small fields
MOST_AT_ONCE = 10  # the quantity list's length (the chat's buttons show six)
# Scripts from us and Telegram only; no inline script or style; calls to us only; framed
# by Telegram's web client or opened directly.
CSP = ("default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@dataclass
class MiniApp:
    """What the Mini App's views share: the runtime and the page templates."""

    runtime: Runtime
    templates: Environment
    api: BotApi | None = None  # the Bot API, when the bot has a token
    photos: PhotoCache | None = None  # deal photos from Telegram (needs `api`)

    def now(self) -> datetime:
        return self.runtime.app.clock()

    def launch(self, request: web.Request, max_age: timedelta) -> WebAppLaunch | None:
        """The request's validated launch data; None when it carries none. Data that
        does not check out raises 401."""
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        token = self.runtime.settings.bot_token
        if not header.startswith("tma ") or token is None:
            raise _refused("missing" if token else "not_configured")
        try:
            return validate_init_data(header[4:], token.get_secret_value(), self.now(),
                                      max_age, self.runtime.settings.miniapp_public_key or None)
        except InitDataError as exc:
            raise _refused(exc.reason) from exc

    async def user(self, request: web.Request, max_age: timedelta) -> UserProfile:
        """The user the validated launch data names (401 without one)."""
        launch = self.launch(request, max_age)
        if launch is None or launch.user is None:
            raise _refused("missing" if launch is None else "no_user")
        who = launch.user
        return await ensure_user(
            self.runtime.db, who.telegram_id, first_name=who.first_name,
            username=who.username or None, language_code=who.language_code,
            default_timezone=self.runtime.settings.default_timezone, now=self.now())

    async def invoice_link(self, title: str, description: str, payload: str, currency: str,
                           amount: int, label: str) -> str | None:
        """A Telegram Payments invoice link (createInvoiceLink) the page opens with
        `openInvoice`; None when Telegram gave none (logged)."""
        if self.api is None:
            return None
        token = self.runtime.settings.telegram_payment_provider_token
        try:
            url = await self.api.call("createInvoiceLink", {
                "title": title[:32], "description": description[:255], "payload": payload,
                "provider_token": token.get_secret_value() if token else "",
                "currency": currency, "prices": [{"label": label, "amount": amount}]})
        except BotApiError as exc:
            log.warning("mini app invoice link failed", error=str(exc))
            return None
        return url if isinstance(url, str) and INVOICE_LINK.fullmatch(url) else None

    @property
    def buy_age(self) -> timedelta:
        return timedelta(minutes=self.runtime.settings.miniapp_buy_max_age_minutes)

    @property
    def browse_age(self) -> timedelta:
        return timedelta(minutes=self.runtime.settings.miniapp_browse_max_age_minutes)


MINIAPP = web.AppKey("miniapp", MiniApp)


def _refused(reason: str) -> web.HTTPUnauthorized:
    log.info("mini app launch data refused", reason=reason)
    return web.HTTPUnauthorized(text=json.dumps({"error": "unauthorized", "reason": reason}),
                                content_type="application/json", headers=HEADERS)


def _bad(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": reason}),
                              content_type="application/json", headers=HEADERS)


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers=HEADERS)


# --------------------------------------------------------------------- reading requests


def _language(request: web.Request, default: str) -> tuple[str, bool]:
    """The page's language and whether it was asked for (?lang=), else the browser's."""
    asked = request.query.get("lang", "")
    if asked in ("zh", "en"):
        return asked, True
    accepted = request.headers.get("Accept-Language", "")[:200].split(",")[0].strip()
    return normalize_language(accepted.split(";")[0] or None, default), False


def _language_of(request: web.Request, user: UserProfile, default: str) -> str:
    """The language to answer `user` in: the page's (?lang=), else theirs."""
    asked = request.query.get("lang", "")
    return asked if asked in ("zh", "en") else language_of(user, default)


def _money(text: str, currency: str) -> int | None:
    """A price typed into a filter ("49", "49.5") in minor units; None when blank or
    not a price (the filter is then left out)."""
    text = text.strip()[:16]
    if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,2})?", text):
        return None
    whole, _, cents = text.partition(".")
    digits = minor_digits(currency)
    return int(whole) * 10**digits + int((cents + "00")[:digits] or 0)


def _query(params: Any, currency: str, strict: bool) -> ShopQuery:
    """The filters of a request; a strict (API) request with a bad one gets 400, the
    page leaves it out."""
    sort = params.get("sort", "popular")
    if sort not in SHOP_SORTS:
        if strict:
            raise _bad("bad_sort")
        sort = "popular"
    offset_text = params.get("offset", "0") or "0"
    if not (offset_text.isascii() and offset_text.isdigit() and len(offset_text) <= 6):
        if strict:
            raise _bad("bad_offset")
        offset_text = "0"
    low, high = params.get("min", ""), params.get("max", "")
    min_price, max_price = _money(low, currency), _money(high, currency)
    if strict and ((low and min_price is None) or (high and max_price is None)):
        raise _bad("bad_price")
    wanted = params.get("category", "")[:32]
    return ShopQuery(category=wanted or None, min_price=min_price, max_price=max_price,
                     sort=sort, offset=int(offset_text), limit=20)  # type: ignore[arg-type]


async def _body(request: web.Request, fields: dict[str, tuple[int, int]]) -> dict[str, int]:
    """A POST's JSON object of exactly `fields`, each an integer within its bounds."""
    if request.content_length is None or request.content_length > BODY_MAX:
        raise _bad("body_size")
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad("not_json") from exc
    if not isinstance(body, dict) or set(body) != set(fields):
        raise _bad("fields")
    for name, (low, high) in fields.items():
        value = body[name]
        if type(value) is not int or not low <= value <= high:
            raise _bad(f"bad_{name}")
    return body


# ------------------------------------------------------------------- what pages show


def _deal_view(t: Translator, deal: DealSummary | DealCard, coupon_floor: int | None,
               has_photo: bool = False) -> dict:
    lang = t.lang
    kind = category(deal.category)
    badges = []
    if deal.group_size is not None and deal.group_price is not None:
        badges.append(t("app-group", size=str(deal.group_size),
                        price=format_money(deal.group_price, deal.currency, lang)))
    if coupon_floor is not None and deal.price >= coupon_floor:
        badges.append(t("app-coupon-badge"))
    saving = deal.original_price > deal.price
    return {
        "id": deal.id,
        "title": deal.title.get(lang),
        "icon": kind.emoji if kind else "🛍",
        "price": format_money(deal.price, deal.currency, lang),
        "was": t("app-was", price=format_money(deal.original_price, deal.currency, lang))
        if saving else "",
        "off": discount_text(t, deal.price, deal.original_price) if saving else "",
        "sold": t("app-sold", sold=str(deal.sold)),
        "badges": badges,
        "photo": f"/app/photo/{deal.id}" if has_photo else "",
    }


def _coupon_floor(coupons: list[TemplateView]) -> int | None:
    """The lowest price any of the shop's open coupons applies to (None: no coupons)."""
    if not coupons:
        return None
    return min(c.terms.min_spend or 0 for c in coupons)


def _store_views(t: Translator, stores: list[StoreView], tz: str, now: datetime,
                 where: tuple[float, float] | None) -> list[dict]:
    local = now.astimezone(ZoneInfo(tz))
    views = []
    for store in stores:
        metres = haversine_m(where[0], where[1], store.lat, store.lon) if where else None
        distance = "" if metres is None else (
            t("app-distance-m", metres=str(round(metres))) if metres < 1000
            else t("app-distance-km", km=f"{metres / 1000:.1f}"))
        views.append({"name": store.name.get(t.lang), "address": store.address.get(t.lang),
                      "hours": store.opening_hours or "", "distance": distance,
                      "metres": metres, "open": is_open(store.opening_hours, local)})
    if where:
        views.sort(key=lambda v: v["metres"])
    return views


async def _detail_view(app: MiniApp, t: Translator, card: DealCard,
                       most: int | None = None) -> dict:
    coupons = await claimable_templates(app.runtime.db, card.merchant_id, app.now())
    view = _deal_view(t, card, _coupon_floor(coupons),
                      app.photos is not None and photo_file_id(card.photo) is not None)
    if most is None:
        most = card.per_user_limit if card.stock is None else min(card.stock,
                                                                  card.per_user_limit)
    most = max(1, min(most, MOST_AT_ONCE))
    view.update(
        description=card.description.get(t.lang), rules=card.usage_rules.get(t.lang),
        stores=[f"{s.name.get(t.lang)} · {s.address.get(t.lang)}" for s in card.stores],
        on_sale=card.on_sale, most=most,
        buy_texts=[t("app-buy", total=format_money(card.price * n, card.currency, t.lang))
                   for n in range(1, most + 1)])
    return view


def _render(app: MiniApp, name: str, lang: str, **context: Any) -> str:
    t = Translator(lang)
    return app.templates.get_template(name).render(t=t, lang=lang, **context)


def _render_macro(app: MiniApp, macro: str, lang: str, *args: Any) -> str:
    t = Translator(lang)
    module = app.templates.get_template("parts.html").make_module({"t": t, "lang": lang})
    return str(getattr(module, macro)(*args))


# ------------------------------------------------------------------------------ views


async def _shop_or_404(app: MiniApp, slug: str) -> ShopHeader:
    header = await shop_header(app.runtime.db, slug) if SLUG.fullmatch(slug) else None
    if header is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "no_such_shop"}),
                               content_type="application/json", headers=HEADERS)
    return header


async def page(request: web.Request) -> web.Response:
    """The shop page, server-rendered in the asked or the browser's language."""
    app = request.app[MINIAPP]
    settings, db, now = app.runtime.settings, app.runtime.db, app.now()
    lang, chosen = _language(request, settings.default_language)
    t = Translator(lang)
    shop = await _shop_or_404(app, request.match_info["slug"])
    query = _query(request.query, settings.currency, strict=False)
    listing = await shop_page(db, shop, now, query)
    coupons = await claimable_templates(db, shop.merchant_id, now)
    floor = _coupon_floor(coupons)
    detail = None
    deal_text = request.query.get("deal", "")
    if deal_text.isascii() and deal_text.isdigit() and len(deal_text) <= 12:
        card = await get_deal_card(db, int(deal_text), now)
        if card is not None and card.merchant_id == shop.merchant_id:
            detail = await _detail_view(app, t, card)
    shown = query.offset + len(listing.deals)
    page_data = {
        "slug": shop.slug, "merchant_id": shop.merchant_id, "lang": lang,
        "lang_chosen": chosen, "api": "/app/api",
        "texts": {key: t(f"app-{key}") for key in ("refused", "error", "paying", "paid",
                                                   "pay-cancelled", "pay-failed")},
    }
    html = _render(
        app, "shop.html", lang, shop=shop, page=listing, query=query,
        deals=[_deal_view(t, d, floor, app.photos is not None and d.id in listing.with_photo)
               for d in listing.deals],
        next_offset=shown if shown < listing.total else None,
        categories=[(c, category(c).name(lang) if category(c) else c)  # type: ignore[union-attr]
                    for c in listing.categories],
        sorts=SHOP_SORTS, price_min=request.query.get("min", "")[:16],
        price_max=request.query.get("max", "")[:16],
        coupons=[{"id": c.id, "text": terms_text(t, c.terms)} for c in coupons],
        stores=_store_views(t, await list_stores(db, shop.merchant_id),
                            settings.default_timezone, now, None),
        detail=detail, other_lang="en" if lang == "zh" else "zh",
        telegram_link=start_link(settings.bot_username, shop_payload(shop.slug)),
        telegram_script=TELEGRAM_SCRIPT, static="/app/static", page_data=page_data)
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=HEADERS)


async def deals_api(request: web.Request) -> web.Response:
    """A page of the shop's deals, filtered and sorted, with the rendered items."""
    app = request.app[MINIAPP]
    app.launch(request, app.browse_age)  # forged or stale: 401, even for reading
    lang, _ = _language(request, app.runtime.settings.default_language)
    t = Translator(lang)
    shop = await _shop_or_404(app, request.match_info["slug"])
    query = _query(request.query, app.runtime.settings.currency, strict=True)
    listing = await shop_page(app.runtime.db, shop, app.now(), query)
    floor = _coupon_floor(await claimable_templates(app.runtime.db, shop.merchant_id,
                                                    app.now()))
    views = [_deal_view(t, d, floor, app.photos is not None and d.id in listing.with_photo)
             for d in listing.deals]
    shown = query.offset + len(views)
    return _json({
        "total": listing.total, "count_text": t("app-count", count=listing.total),
        "next_offset": shown if shown < listing.total else None,
        "categories": list(listing.categories), "deals": views,
        "html": _render_macro(app, "deal_items", lang, views),
    })


async def deal_api(request: web.Request) -> web.Response:
    """One deal's detail; with launch data, how many the caller may still buy."""
    app = request.app[MINIAPP]
    launch = app.launch(request, app.browse_age)
    default = app.runtime.settings.default_language
    user = None
    if launch is not None and launch.user is not None:
        user = await app.user(request, app.browse_age)
    lang = _language_of(request, user, default) if user else _language(request, default)[0]
    t = Translator(lang)
    deal_text = request.match_info["deal"]
    card = (await get_deal_card(app.runtime.db, int(deal_text), app.now())
            if deal_text.isascii() and deal_text.isdigit() and len(deal_text) <= 12 else None)
    if card is None or await shop_header(app.runtime.db, card.merchant_slug) is None:
        return _json({"error": "no_such_deal"}, 404)
    most = None
    if user is not None:
        most = (await buy_limits(app.runtime.db, user.id, card.id, app.now())).can_buy
    view = await _detail_view(app, t, card, most)
    return _json({**view, "html": _render_macro(app, "deal_detail", lang, view)})


def _place(params: Any) -> tuple[float, float] | None:
    """A location the page sent (`lat`, `lon`: Telegram's LocationManager); None when
    none was sent; 400 when it is not a place on Earth."""
    lat_text, lon_text = params.get("lat", ""), params.get("lon", "")
    if not lat_text and not lon_text:
        return None
    number = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,12})?")
    if not (number.fullmatch(lat_text) and number.fullmatch(lon_text)):
        raise _bad("bad_place")
    lat, lon = float(lat_text), float(lon_text)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _bad("bad_place")
    return lat, lon


async def me_api(request: web.Request) -> web.Response:
    """The caller's follow state of a shop, and its stores nearest them first: from the
    location the page sent, else the last one they shared in the chat (`by_distance`
    says whether there was one; `html` is the rendered list)."""
    app = request.app[MINIAPP]
    user = await app.user(request, app.browse_age)
    shop = await _shop_or_404(app, request.query.get("slug", ""))
    lang = _language_of(request, user, app.runtime.settings.default_language)
    where = _place(request.query)
    if where is None and user.last_lat is not None and user.last_lon is not None:
        where = (user.last_lat, user.last_lon)
    stores = _store_views(Translator(lang), await list_stores(app.runtime.db, shop.merchant_id),
                          user.timezone, app.now(), where)
    for view in stores:
        view.pop("metres")
    return _json({"following": await is_following(app.runtime.db, user.id, shop.merchant_id),
                  "stores": stores, "by_distance": where is not None,
                  "html": _render_macro(app, "store_items", lang, stores)})


async def buy_api(request: web.Request) -> web.Response:
    """Buy: the order as the chat makes it, then its payment opened."""
    app = request.app[MINIAPP]
    user = await app.user(request, app.buy_age)
    body = await _body(request, {"deal_id": (1, 2**52), "quantity": (1, 99)})
    lang = _language_of(request, user, app.runtime.settings.default_language)
    t, db, now = Translator(lang), app.runtime.db, app.now()
    hold = app.runtime.app.options.order_hold
    started = await start_order(db, user.id, body["deal_id"], body["quantity"], now, hold)
    if started.reason == "coupon_unavailable":  # taken since: order without it
        started = await start_order(db, user.id, body["deal_id"], body["quantity"], now,
                                    hold, None)
    order = started.order
    if order is None:
        return _json({"error": started.reason, "message": _refusal_text(t, started)}, 409)
    title = order.deal_title.get(lang)
    description = t("invoice-description", title=title)
    link = await open_payment(db, app.runtime.app.payments.current, order, title=title,
                              description=description, user_telegram_id=user.telegram_id,
                              lang=lang, now=now)
    if link is None:
        return _json({"error": "pay_unavailable", "message": t("pay-unavailable")}, 503)
    total = format_money(order.total, order.currency, lang)
    answer: dict[str, Any] = {"order_id": order.id, "status": order.status, "total": total,
                              "provider": link.provider}
    if link.invoice_payload is not None:  # Telegram Payments: opened in the page
        label = t("invoice-label", quantity=str(order.quantity))
        invoice_url = await app.invoice_link(title, description, link.invoice_payload,
                                             order.currency, order.total, label)
        if invoice_url is not None:
            answer.update(invoice_url=invoice_url, message=t("app-paying"))
        else:  # no link from Telegram: the invoice goes to the chat, as the chat's Buy does
            await app.runtime.send(user.telegram_id, link_replies(
                t, link, [order_summary(t, order)], (), title=title, description=description,
                amount=order.total, currency=order.currency, label=label))
            answer["message"] = t("app-pay-in-chat")
    else:
        answer.update(pay_url=link.url, message=t("app-pay-opened"))
    log.info("mini app order", order=order.id, user=user.id, provider=link.provider)
    return _json(answer)


def _refusal_text(t: Translator, started: OrderStart) -> str:
    reason = (started.reason or "deal_gone").replace("_", "-")
    return t(f"buy-{reason}", most=str(started.can_buy), limit=str(started.limit))


async def follow_api(request: web.Request) -> web.Response:
    """Follow the merchant (a new follower gets its welcome coupon, as in the chat)."""
    app = request.app[MINIAPP]
    user = await app.user(request, app.buy_age)
    body = await _body(request, {"merchant_id": (1, 2**52)})
    lang = _language_of(request, user, app.runtime.settings.default_language)
    result = await follow(app.runtime.db, user.id, body["merchant_id"], app.now(),
                          source="miniapp")
    if result.outcome == "unknown":
        return _json({"error": "no_such_merchant"}, 404)
    return _json({"outcome": result.outcome,
                  "message": follow_text(Translator(lang), result, user.timezone)})


async def claim_api(request: web.Request) -> web.Response:
    """Claim a coupon: one per template per launch of the app, however often pressed."""
    app = request.app[MINIAPP]
    launch = app.launch(request, app.buy_age)
    user = await app.user(request, app.buy_age)
    assert launch is not None
    body = await _body(request, {"template_id": (1, 2**52)})
    lang = _language_of(request, user, app.runtime.settings.default_language)
    t = Translator(lang)
    template_id = body["template_id"]
    key = f"claim:{template_id}:{user.id}:w{int(launch.auth_date.timestamp())}"
    result = await claim(app.runtime.db, user.id, template_id, app.now(), key=key,
                         source="claim")
    if result.outcome == "unknown":
        return _json({"error": "no_such_coupon"}, 404)
    coupon = result.coupon
    if result.outcome == "claimed" and coupon is not None:
        text = t("coupon-claimed", terms=terms_text(t, coupon.terms),
                 until=local_date(coupon.valid_until, user.timezone))
    else:
        text = t(f"coupon-claim-{result.outcome}")
    return _json({"outcome": result.outcome, "message": text})


async def photo(request: web.Request) -> web.Response:
    """A deal's photo as a JPEG (`?size=small` for a card, else the detail view's), from
    Telegram through the photo cache; 404 when the deal has none to show."""
    app = request.app[MINIAPP]
    deal_text = request.match_info["deal"]
    size: PhotoSize = "small" if request.query.get("size") == "small" else "large"
    if app.photos is None or not (deal_text.isascii() and deal_text.isdigit()
                                  and len(deal_text) <= 12):
        raise web.HTTPNotFound(headers=HEADERS)
    file_id = await deal_photo(app.runtime.db, int(deal_text))
    if file_id is None:
        raise web.HTTPNotFound(headers=HEADERS)
    try:
        data = await app.photos.photo(file_id, size)
    except PhotoUnavailable as exc:
        log.info("mini app photo unavailable", deal=deal_text, reason=str(exc))
        raise web.HTTPNotFound(headers=HEADERS) from exc
    return web.Response(body=data, content_type="image/jpeg", headers={
        **HEADERS, "Cache-Control": "public, max-age=3600"})


def add_miniapp_routes(app: web.Application, runtime: Runtime) -> None:
    """Serve the Mini App from `app` (the bot's web server)."""
    templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                            autoescape=select_autoescape(["html"]), auto_reload=False)
    settings = runtime.settings
    api = photos = None
    if settings.bot_token is not None:
        api = BotApi(settings.api_base, settings.bot_token.get_secret_value())
        photos = PhotoCache(api, Path(settings.miniapp_photo_dir),
                            settings.miniapp_photo_cache_mb * 1024 * 1024)

        async def close_api(_: web.Application) -> None:
            await api.close()

        app.on_cleanup.append(close_api)
    app[MINIAPP] = MiniApp(runtime, templates, api, photos)
    app.router.add_get("/app/shop/{slug}", page)
    app.router.add_get("/app/photo/{deal}", photo)
    app.router.add_static("/app/static", HERE / "static", append_version=False)
    app.router.add_get("/app/api/shop/{slug}/deals", deals_api)
    app.router.add_get("/app/api/deal/{deal}", deal_api)
    app.router.add_get("/app/api/me", me_api)
    app.router.add_post("/app/api/buy", buy_api)
    app.router.add_post("/app/api/follow", follow_api)
    app.router.add_post("/app/api/claim", claim_api)
    app.on_response_prepare.append(_static_headers)


async def _static_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The static files get the same policy, and may be cached for an hour."""
    if request.path.startswith("/app/static/"):
        response.headers.update({k: v for k, v in HEADERS.items() if k != "Cache-Control"})
        response.headers["Cache-Control"] = "public, max-age=3600"


