"""Buying: Buy -> how many -> an order holding stock -> Pay -> codes in the chat.

Buttons (declared in `handlers.payloads`):
  Buy            on a deal card (asks how many: buttons, or typed in flow "buy")
  BuyQuantity    that many units
  CancelOrder    give up a pending order
  ChangeCoupon   the buyer's other coupons for a pending order
  ChooseCoupon   use that coupon instead (0: none): the order is cancelled and the
                 same units are ordered again with exactly that coupon
Payment arrives three ways and meets in `services.orders.settlement.settle`: Telegram's
successful_payment (here), the sandbox page and Stripe's webhook (the web server in
`bot/web.py`, and the console shell's Pay button). The codes are owed through the
outbox (`services.platform.outbox`); `delivery_replies` is how they read.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from handlers.common import stale_replies
from handlers.core import (
    AnswerPreCheckout,
    Button,
    ButtonPress,
    EditText,
    PreCheckout,
    Reply,
    SendInvoice,
    SendPhoto,
    SendText,
    SendVenue,
    SuccessfulPayment,
    Text,
)
from handlers.format import (
    LABEL_MAX,
    fit_caption,
    local_date,
    local_time,
    short_label,
    terms_text,
)
from handlers.i18n import Translator, language_of
from handlers.owed import owed_in_turn, renders, translator_for
from handlers.payloads import (
    Buy,
    BuyQuantity,
    CancelOrder,
    ChangeCoupon,
    ChooseCoupon,
    GroupJoin,
    GroupOpen,
    MenuChoice,
)
from handlers.roles import Role
from handlers.router import App, Request, Router
from nlu.numbers import read_quantity
from services.bookings.deposits import booking_by_ref
from services.bookings.deposits import precheck_problem as deposit_problem
from services.catalog.deal_cards import Bilingual, get_deal_card
from services.marketing.coupons.at_checkout import coupons_for_order
from services.orders.checkout import (
    BuyLimits,
    OrderStart,
    OrderView,
    buy_limits,
    cancel_order,
    get_order,
    precheck_problem,
    start_order,
)
from services.orders.codes import codes_of_order, format_code, qr_payload, qr_png
from services.orders.held import held_order
from services.orders.payment_links import open_payment
from services.orders.refunds import refunded_deal
from services.orders.settlement import settle
from services.payments import PaymentLink
from services.payments.base import BOOKING
from services.payments.telegram import TelegramProvider, target_of_payload
from services.platform.money import format_money
from services.platform.users import get_profile

log = logging.getLogger(__name__)
router = Router()

FLOW = "buy"  # "how many?" waits for a typed quantity (`quantity_typed`)
QUANTITY_BUTTONS = 6
CODES_WITH_PICTURES = 5  # more codes than this: the rest are listed, QR in /mycodes


@router.button(Buy, role=Role.SHOPPER)
async def buy(req: Request, press: Buy) -> list[Reply]:
    """Buy pressed: ask how many (or go straight on when only one can be bought)."""
    deal_id = press.deal_id
    if req.state is not None and req.state.flow == FLOW:
        await req.leave_flow()  # an earlier question of how many is answered by this one
    limits = await buy_limits(req.db, req.user.id, deal_id, req.now())
    if limits.can_buy == 0:
        held = (await held_order(req.db, req.user.id, deal_id, req.now())
                if limits.reason == "limit_reached" else None)
        if held is not None:  # their own unpaid order: shown again, payable
            return await payment_replies(req, held, note=[SendText(req.t("buy-held-again"))])
        return [_cannot_buy(req.t, limits)]
    if limits.can_buy == 1:
        return await _order(req, deal_id, 1)
    if req.state is None:  # never over another flow's answers (a deal being written...)
        await req.enter_flow(FLOW, "quantity", deal=deal_id)
    return [await _how_many(req, deal_id, limits)]


def _cannot_buy(t: Translator, limits: BuyLimits) -> SendText:
    """Why nothing can be bought (`limits.can_buy` is 0)."""
    return SendText(t(f"buy-{(limits.reason or 'deal_gone').replace('_', '-')}",
                      limit=str(limits.per_user_limit)))


async def _how_many(req: Request, deal_id: int, limits: BuyLimits, why: str = "") -> SendText:
    """"How many?" with a button per quantity (up to QUANTITY_BUTTONS; more are typed),
    after `why` the last answer would not do."""
    t = req.t
    card = await get_deal_card(req.db, deal_id, req.now())
    title = card.title.get(req.lang) if card else ""
    choices = [Button(str(n), data=BuyQuantity(deal_id, n).pack())
               for n in range(1, min(limits.can_buy, QUANTITY_BUTTONS) + 1)]
    lines = [why] if why else []
    lines.append(t("buy-how-many", title=title, most=str(limits.can_buy)))
    if limits.can_buy > QUANTITY_BUTTONS:
        lines.append(t("buy-how-many-type"))
    return SendText("\n".join(lines), buttons=(tuple(choices),))


@router.flow(FLOW, role=Role.SHOPPER)
async def quantity_typed(req: Request) -> list[Reply] | Reply | None:
    """Something sent at "how many?": a quantity within the limits orders it, one
    outside them gets the reason and the question again; anything else is read as it
    would be without the question (a search, a location...)."""
    event = req.incoming.event
    deal_id = req.state.data.get("deal") if req.state is not None else None
    wanted = read_quantity(event.text) if isinstance(event, Text) else None
    if wanted is None or not isinstance(deal_id, int):
        # Imported here: the free-text flow reaches the deal cards, which import us.
        from handlers.understand import typed_instead

        return await typed_instead(req)  # leaves the flow
    limits = await buy_limits(req.db, req.user.id, deal_id, req.now())
    refusal = limits.refusal(wanted)
    if refusal is None:
        await req.leave_flow()
        return await _order(req, deal_id, int(wanted))
    if limits.can_buy == 0:
        await req.leave_flow()
        return [_cannot_buy(req.t, limits)]
    key = {"bad_quantity": "buy-quantity-range", "limit_reached": "buy-quantity-over-limit",
           "not_enough": "buy-not-enough", "too_many": "buy-quantity-too-many"}[refusal]
    why = req.t(key, most=str(limits.can_buy), limit=str(limits.per_user_limit),
                bought=limits.bought)
    return [await _how_many(req, deal_id, limits, why)]


@router.button(BuyQuantity, role=Role.SHOPPER)
async def buy_quantity(req: Request, press: BuyQuantity) -> list[Reply]:
    """A quantity chosen: open the order."""
    if req.state is not None and req.state.flow == FLOW:
        await req.leave_flow()
    return await _order(req, press.deal_id, press.quantity)


async def _order(req: Request, deal_id: int, quantity: int,
                 coupon_id: int | Literal["best"] | None = "best") -> list[Reply]:
    t, now = req.t, req.now()
    started = await start_order(req.db, req.user.id, deal_id, quantity, now,
                                req.app.options.order_hold, coupon_id)
    note: list[Reply] = []
    if started.reason == "coupon_unavailable":  # taken or expired since the list was drawn
        note = [SendText(t("buy-coupon-unavailable"))]
        started = await start_order(req.db, req.user.id, deal_id, quantity, now,
                                    req.app.options.order_hold)
    order = started.order
    if order is None:
        return [refusal(t, started)]
    return await payment_replies(req, order, note=note)


def refusal(t: Translator, started: OrderStart) -> SendText:
    """Why no order was opened (`started.reason`), in the buyer's words."""
    reason = (started.reason or "deal_gone").replace("_", "-")
    return SendText(t(f"buy-{reason}", most=str(started.can_buy), limit=str(started.limit)))


async def payment_replies(req: Request, order: OrderView, *, note: list[Reply] | None = None,
                          lines: list[str] | None = None,
                          extra: tuple[Button, ...] = ()) -> list[Reply]:
    """A pending order's payment link (or Telegram invoice), under its summary: `lines`
    when given (a 拼团 seat says what it is), else what, how many and the coupon applied;
    then how long it is held. `extra` buttons go beside Cancel. An order whose link cannot
    be made is cancelled and the buyer told nothing was charged."""
    t, now = req.t, req.now()
    note = note or []
    quantity = order.quantity
    title = order.deal_title.get(req.lang)
    link = await open_payment(req.db, req.app.payments.current, order, title=title,
                              description=t("invoice-description", title=title),
                              user_telegram_id=req.user.telegram_id, lang=req.lang, now=now)
    if link is None:
        return [SendText(t("pay-unavailable"))]
    total = format_money(order.total, order.currency, req.lang)
    change: tuple[Button, ...] = ()
    if lines is None:
        lines = [order_summary(t, order)]
        choices = await coupons_for_order(req.db, req.user.id, order.id, now)
        if choices is not None and choices.current is not None:
            words = terms_text(t, choices.current.terms)
            lines.append(t("order-coupon-applied", terms=words, total=total,
                           saving=format_money(order.discount, order.currency, req.lang))
                         if order.discount else t("order-coupon-free", terms=words))
        if choices is not None and (choices.current or choices.others):
            change = (Button(t("order-coupon-change"), data=ChangeCoupon(order.id).pack()),)
    lines = [*lines, t("order-hold", until=local_time(order.expires_at, req.user.timezone))]
    cancel = Button(t("order-cancel"), data=CancelOrder(order.id).pack())
    return [*note, *link_replies(t, link, lines, (cancel, *change, *extra), title=title,
                                 description=t("invoice-description", title=title),
                                 amount=order.total, currency=order.currency,
                                 label=t("invoice-label", quantity=str(quantity)))]


def link_replies(t: Translator, link: PaymentLink, lines: list[str],
                 row: tuple[Button, ...], *, title: str, description: str, amount: int,
                 currency: str, label: str) -> list[Reply]:
    """How something is paid once the provider gave its `link` (an order, a booking's
    deposit): `lines` (and the sandbox's note) with the Pay button above `row` (Cancel
    and the like), or, for Telegram Payments, with `row` under the text and the invoice
    after it."""
    if link.provider == "sandbox":
        lines = [*lines, t("pay-sandbox-note")]
    if link.invoice_payload is not None:
        return [
            SendText("\n".join(lines), buttons=(row,) if row else ()),
            SendInvoice(title=title[:32], description=description[:255],
                        payload=link.invoice_payload, currency=currency, amount=amount,
                        label=label),
        ]
    assert link.url is not None
    pay = Button(t("pay-button", total=format_money(amount, currency, t.lang)), url=link.url)
    return [SendText("\n".join(lines), buttons=((pay,), row) if row else ((pay,),))]


@router.button(CancelOrder, role=Role.SHOPPER)
async def cancel(req: Request, press: CancelOrder) -> list[Reply]:
    """The buyer gives up a pending order: the order message loses its Pay button and
    the provider's page stops taking money."""
    order = await _cancel_and_close(req, press.order_id)
    if order is None:
        return [SendText(req.t("order-not-pending"))]
    t = req.t
    text = order_summary(t, order) + "\n" + t("order-cancelled")
    event = req.incoming.event
    if isinstance(event, ButtonPress) and event.message_id is not None:
        return [EditText(event.message_id, text)]
    return [SendText(text)]


def order_summary(t: Translator, order: OrderView) -> str:
    """The order's first lines: what, how many, at what price."""
    return t("order-summary", title=order.deal_title.get(t.lang), quantity=str(order.quantity),
             unit=format_money(order.unit_price, order.currency, t.lang),
             total=format_money(order.total + order.discount, order.currency, t.lang))


async def _cancel_and_close(req: Request, order_id: int) -> OrderView | None:
    """Cancel the buyer's pending order and close its payment at the provider, so a
    payment page left open takes no money; the cancelled order, or None if it was not
    pending (or not theirs)."""
    if not await cancel_order(req.db, order_id, req.user.id, req.now()):
        return None
    order = await get_order(req.db, order_id)
    if order is not None:
        await req.app.payments.close(order.provider, order.provider_ref)
    return order


@router.button(ChangeCoupon, role=Role.SHOPPER)
async def change_coupon(req: Request, press: ChangeCoupon) -> list[Reply]:
    """"Change coupon" on a pending order: its buyer's other coupons, and "No coupon"."""
    t = req.t
    choices = await coupons_for_order(req.db, req.user.id, press.order_id, req.now())
    if choices is None:
        return [SendText(t("order-not-pending"))]
    order = await get_order(req.db, choices.order_id)
    assert order is not None
    rows: list[tuple[Button, ...]] = []
    if choices.current is not None:
        rows.append((Button(short_label(t("order-coupon-option-current",
                              terms=terms_text(t, choices.current.terms)), LABEL_MAX),
                            data=ChooseCoupon(order.id, choices.current.id).pack()),))
    for option in choices.others[:8]:
        label = t("order-coupon-option", terms=terms_text(t, option.coupon.terms),
                  saving=format_money(option.discount, order.currency, req.lang)) \
            if option.discount else terms_text(t, option.coupon.terms)
        rows.append((Button(short_label(label, LABEL_MAX),
                            data=ChooseCoupon(order.id, option.coupon.id).pack()),))
    if choices.current is not None:
        rows.append((Button(t("order-coupon-none"), data=ChooseCoupon(order.id, 0).pack()),))
    if not choices.others and choices.current is None:
        return [SendText(t("order-coupon-nothing"))]
    subtotal = format_money(choices.subtotal, order.currency, req.lang)
    return [SendText(t("order-coupon-choose", subtotal=subtotal), buttons=tuple(rows))]


@router.button(ChooseCoupon, role=Role.SHOPPER)
async def choose_coupon(req: Request, press: ChooseCoupon) -> list[Reply]:
    """A coupon (or none) chosen for a pending order: the order is cancelled (its coupon
    and stock go back) and the same units are ordered again with exactly that coupon."""
    order_id, wanted = press.order_id, press.coupon_id
    now = req.now()
    choices = await coupons_for_order(req.db, req.user.id, order_id, now)
    if choices is None:
        return [SendText(req.t("order-not-pending"))]
    current = choices.current.id if choices.current else None
    allowed = {current, *(o.coupon.id for o in choices.others), 0}
    if wanted not in allowed:  # forged, or a coupon this order cannot use
        return stale_replies(req)
    return await _order_again(req, choices.deal_id, choices.quantity, order_id,
                              wanted or None)


async def _order_again(req: Request, deal_id: int, quantity: int, order_id: int,
                       coupon_id: int | None) -> list[Reply]:
    """Cancel the pending order and open it again with `coupon_id` (None: no coupon).
    Only the tap that cancels it goes on, so a double tap opens one new order."""
    if await _cancel_and_close(req, order_id) is None:
        return [SendText(req.t("order-not-pending"))]
    return await _order(req, deal_id, quantity, coupon_id)


# ------------------------------------------------------------------ Telegram Payments


@router.on("pre_checkout", role=Role.ANYONE)
async def pre_checkout(req: Request) -> list[Reply]:
    """Telegram asks before charging: re-check the order (state, amount, hold) at once,
    or the booking whose deposit it pays (held, its hold not run out)."""
    event = req.incoming.event
    assert isinstance(event, PreCheckout)
    purpose, target = target_of_payload(event.payload) or ("order", None)
    if purpose == BOOKING:
        booking = await booking_by_ref(req.db, TelegramProvider.name, event.payload)
        problem = deposit_problem(booking, event.total_amount, event.currency, req.now())
        if booking is not None and booking.id != target:
            problem = "booking_closed"
    else:
        order = await get_order(req.db, target) if target is not None else None
        problem = precheck_problem(order, event.total_amount, event.currency, req.now())
        if problem is None and order is not None and order.provider_ref != event.payload:
            problem = "order_closed"  # an invoice from an earlier attempt
    if problem is not None:
        log.info("pre-checkout refused: %s (payload %r)", problem, event.payload[:80])
        key = f"precheck-{'deposit-' if purpose == BOOKING else ''}{problem.replace('_', '-')}"
        return [AnswerPreCheckout(event.query_id, ok=False, error=req.t(key))]
    return [AnswerPreCheckout(event.query_id, ok=True)]


@router.on("payment", role=Role.ANYONE)
async def successful_payment(req: Request) -> list[Reply]:
    """Telegram says the money arrived: issue the codes (once per charge).

    The payment's transaction owes the buyer the codes (an outbox row; in a 拼团 group
    not full yet, the news that they are in; filling one owes every member theirs);
    this turn takes those rows and answers with them, the payer's here and the other
    members' as `Notify`, so they come at once, and the transport marks each row sent
    once it went out (`Delivered`)."""
    event = req.incoming.event
    assert isinstance(event, SuccessfulPayment)
    notice = TelegramProvider.notice(event.payload, event.total_amount, event.currency,
                                     event.telegram_charge_id)
    if notice is None:
        log.warning("successful_payment with a payload not ours: %r", event.payload[:80])
        return [SendText(req.t("payment-unknown"))]
    settlement = await settle(req.db, req.app.payments, notice, req.now())
    # What the payment owes, the payer's first: their codes (or, in a 拼团 group not full
    # yet, the news that they are in; the payment that fills a group owes every member
    # their codes: to the others as `Notify`), or the news of a refund for money that
    # bought nothing. Each row is taken once, whoever sends it.
    replies: list[Reply] = []
    for key in settlement.owed_keys:
        replies += await owed_in_turn(req, key)
    return replies


# ------------------------------------------------------------------ owed to the buyer


# Why money went back, told with the news of its refund (a shopper who asked knows why).
_REFUND_REASONS_TOLD = frozenset({"expired", "late_payment", "double_payment",
                                  "amount_changed", "order_closed", "deposit",
                                  "booking_late", "booking_closed"})
# 拼团: the group did not fill in time (failed), the buyer left it (left), or a payment
# came when its group could take nobody and no other could (closed). Told with the
# deal's title; the first and last offer to open a new group of the deal.
_GROUP_REASONS = frozenset({"group_failed", "group_left", "group_closed"})
_OPEN_AGAIN = frozenset({"group_failed", "group_closed"})


@renders("refund")
async def _owed_refund(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "refund": the buyer told their money is back ("done") or on its way, and
    why it went back when they did not ask for it."""
    t = await translator_for(app, chat_id)
    amount = format_money(int(params["amount"]), str(params["currency"]), t.lang)
    text = t("payment-refunded" if params.get("told") == "done" else "payment-refund-pending",
             amount=amount)
    reason = str(params.get("reason") or "")
    if reason in _REFUND_REASONS_TOLD:
        text += "\n" + t(f"refund-why-{reason.replace('_', '-')}")
    buttons: tuple[tuple[Button, ...], ...] = ()
    if reason in _GROUP_REASONS:
        deal = await refunded_deal(app.db, int(params["refund_id"]))
        title = Bilingual(deal[1], deal[2]).get(t.lang) if deal else ""
        text += "\n" + t(f"refund-why-{reason.replace('_', '-')}", title=title)
        if deal is not None and reason in _OPEN_AGAIN:
            buttons = ((Button(t("group-open-again"), data=GroupOpen(deal[0]).pack()),),)
    return [SendText(text, buttons=buttons)]


@renders("hold_expired")
async def _owed_hold_expired(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "hold_expired": the buyer told their unpaid order ran out (nothing if the
    order is gone)."""
    order = await get_order(app.db, int(params["order_id"]))
    return await hold_expired_replies(app, order) if order is not None else []


@renders("codes")
async def _owed_codes(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "codes" message: the paid order's codes (nothing if the order is gone)."""
    order = await get_order(app.db, int(params["order_id"]))
    if order is None:
        return []
    return await delivery_replies(app, order)


async def delivery_replies(app: App, order: OrderView) -> list[Reply]:
    """The paid order's codes as the buyer gets them: text, QR pictures, the store."""
    profile = await get_profile(app.db, order.user_id)
    t = Translator(language_of(profile, app.options.default_language))
    tz = profile.timezone if profile else app.options.default_timezone
    codes = await codes_of_order(app.db, order.id)
    card = await get_deal_card(app.db, order.deal_id, app.clock())
    title = order.deal_title.get(t.lang)
    header = t("paid-header", total=format_money(order.total, order.currency, t.lang),
               count=len(codes), title=title)
    if order.group_id is not None:  # its 拼团 group just filled: that is the news
        header = t("group-filled") + "\n" + header
    replies: list[Reply] = [SendText(header)]
    for code in codes[:CODES_WITH_PICTURES]:
        replies += fit_caption(SendPhoto(
            qr_png(qr_payload(code.code, app.options.bot_username)),
            caption=t("code-caption", code=format_code(code.code), title=title,
                      start=local_date(code.valid_from, tz), end=local_date(code.valid_until, tz)),
            filename=f"code-{code.code}.png",
        ))
    rest = codes[CODES_WITH_PICTURES:]
    if rest:
        replies.append(SendText(t("paid-more-codes", count=len(rest)) + "\n" +
                                "\n".join(format_code(c.code) for c in rest)))
    if card is not None and card.stores:
        store = card.stores[0]
        replies.append(SendVenue(store.lat, store.lon, store.name.get(t.lang),
                                 store.address.get(t.lang)))
    replies.append(SendText(t("paid-footer"),
                            buttons=((Button(t("menu-codes"),
                                              data=MenuChoice("codes").pack()),),)))
    return replies


async def hold_expired_replies(app: App, order: OrderView) -> list[Reply]:
    """What the buyer of `order` is told when its hold ran out unpaid, in their
    language: nothing was charged, and a button into the deal's buy flow again."""
    profile = await get_profile(app.db, order.user_id)
    t = Translator(language_of(profile, app.options.default_language))
    text = t("order-hold-expired", title=order.deal_title.get(t.lang),
             quantity=str(order.quantity),
             total=format_money(order.total, order.currency, t.lang))
    again = GroupJoin(order.group_id) if order.group_id is not None else Buy(order.deal_id)
    return [SendText(text, buttons=((Button(t("order-buy-again"), data=again.pack()),),))]
