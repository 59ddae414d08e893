"""The shopper's codes: `/mycodes`, one code with its QR again, refunds.

Buttons (declared in `handlers.payloads`):
  ShowCode     one code again (QR, validity, Refund when the deal allows it)
  AskRefund    Refund pressed: what it gives back, this code or all unused
  RefundOne    yes, refund this code (for the amount shown)
  RefundAll    yes, refund all n unused codes of its order (for the amount shown)
  RateVisit    n stars for a redeemed code's visit (drawn by `handlers.redeem`)
The amounts ride on the buttons: if the codes changed since (one was used or refunded),
nothing is refunded and the shopper sees the new offer.
"""

from __future__ import annotations

from handlers.common import stale_replies
from handlers.core import Button, Reply, SendPhoto, SendText
from handlers.format import fit_caption, local_date, local_datetime, short_label
from handlers.payloads import (
    AskRefund,
    MenuChoice,
    RateVisit,
    RefundAll,
    RefundOne,
    ShowCode,
)
from handlers.roles import Role
from handlers.router import Request, Router
from nlu import Intent
from services.orders.codes import CodeView, format_code, get_code, list_codes, qr_payload, qr_png
from services.orders.redemption import rate_visit
from services.orders.refunds import RefundOffer, ask_refund, carry_out, refund_offer
from services.platform.money import format_money

router = Router()
CODE_BUTTONS = 8


def _line(req: Request, code: CodeView) -> str:
    return req.t("codes-line", code=format_code(code.code), title=code.deal_title.get(req.lang),
                 status=req.t(f"code-status-{code.status}"),
                 until=local_date(code.valid_until, req.user.timezone))


@router.command("mycodes", "codes", role=Role.SHOPPER)
async def my_codes(req: Request) -> Reply:
    """The user's codes, newest first; a button per usable code shows its QR."""
    t = req.t
    codes = await list_codes(req.db, req.user.id)
    if not codes:
        return SendText(t("codes-none"), buttons=((Button(t("menu-search"),
                                                             data=MenuChoice("search").pack()),),))
    lines = [t("codes-title", count=len(codes))] + [_line(req, c) for c in codes]
    usable = [c for c in codes if c.usable][:CODE_BUTTONS]
    buttons = tuple(
        (Button(f"🎫 {format_code(c.code)} · {short_label(c.deal_title.get(req.lang), 20)}",
                data=ShowCode(c.id).pack()),)
        for c in usable
    )
    if usable:
        lines += ["", t("codes-show-hint")]
    return SendText("\n".join(lines), buttons=buttons)


@router.button(ShowCode, role=Role.SHOPPER)
async def show_code(req: Request, press: ShowCode) -> list[Reply]:
    """One code again: its QR to scan, its text to type, and Refund when allowed."""
    code = await get_code(req.db, req.user.id, press.code_id)
    if code is None:
        return stale_replies(req)
    t, tz = req.t, req.user.timezone
    caption = t("code-caption", code=format_code(code.code), title=code.deal_title.get(req.lang),
                start=local_date(code.valid_from, tz), end=local_date(code.valid_until, tz))
    caption += "\n" + t(f"code-status-{code.status}")
    if code.redeemed_at is not None:
        caption += " · " + local_datetime(code.redeemed_at, tz)
    rows: tuple[tuple[Button, ...], ...] = ()
    if code.refundable:
        rows = ((Button(t("refund-button"), data=AskRefund(code.id).pack()),),)
    elif code.usable:
        caption += "\n" + t(f"refund-{code.refund_policy.replace('_', '-')}")
    if not code.usable:
        return [SendText(caption, buttons=rows)]
    return fit_caption(SendPhoto(qr_png(qr_payload(code.code, req.app.options.bot_username)),
                                 caption=caption, buttons=rows,
                                 filename=f"code-{code.code}.png"))


def _code_list(req: Request, codes: tuple[str, ...]) -> str:
    """Codes as a list in the shopper's language."""
    return ("、" if req.lang == "zh" else ", ").join(format_code(c) for c in codes)


def _offer_reply(req: Request, code_id: int, offer: RefundOffer, title: str,
                 note: str = "") -> SendText:
    """The refund confirmation: the amount and the codes, one button per choice."""
    t = req.t
    if offer.outcome != "ok":
        return SendText((note + "\n" if note else "")
                        + t(f"refund-{offer.outcome.replace('_', '-')}"))

    def money(amount: int) -> str:
        return format_money(amount, offer.currency, req.lang)

    code, count = format_code(offer.code), len(offer.open_codes)
    no = Button(t("refund-no"), data=MenuChoice("codes").pack())
    if count == 1:
        text = t("refund-offer-one", code=code, title=title, amount=money(offer.amount))
        rows = ((Button(t("refund-yes", amount=money(offer.amount)),
                        data=RefundOne(code_id, offer.amount).pack()), no),)
    else:
        text = t("refund-offer-choice", code=code, title=title, amount=money(offer.amount),
                 count=count, codes=_code_list(req, offer.open_codes),
                 all=money(offer.all_amount))
        rows = ((Button(t("refund-this", amount=money(offer.amount)),
                        data=RefundOne(code_id, offer.amount).pack()),),
                (Button(t("refund-all", count=count, amount=money(offer.all_amount)),
                        data=RefundAll(code_id, count, offer.all_amount).pack()),),
                (no,))
    return SendText((note + "\n" if note else "") + text, buttons=rows)


@router.button(AskRefund, role=Role.SHOPPER)
async def refund_ask(req: Request, press: AskRefund) -> list[Reply]:
    """Refund pressed: what this code, or all unused codes of its order, would give back."""
    code = await get_code(req.db, req.user.id, press.code_id)
    if code is None:
        return stale_replies(req)
    offer = await refund_offer(req.db, req.user.id, code.id)
    return [_offer_reply(req, code.id, offer, code.deal_title.get(req.lang))]


async def _refund(req: Request, code_id: int, one: bool, count: int,
                  amount: int) -> list[Reply]:
    """Refund what the shopper confirmed (this code, or all `count` unused codes of its
    order) for exactly `amount`, and send the money back."""
    t, now = req.t, req.now()
    code = await get_code(req.db, req.user.id, code_id)
    if code is None:
        return stale_replies(req)
    asked = await ask_refund(req.db, req.user.id, code.order_id, now,
                             code_id=code.id if one else None, expected=amount,
                             expected_codes=count)
    if asked.outcome == "changed":
        offer = await refund_offer(req.db, req.user.id, code.id)
        return [_offer_reply(req, code.id, offer, code.deal_title.get(req.lang),
                             note=t("refund-changed"))]
    if asked.outcome != "started" or asked.refund_id is None:
        return [SendText(t(f"refund-{asked.outcome.replace('_', '-')}"))]
    # Answered here, in the shopper's own turn; a retry that finishes it later tells them.
    done = await carry_out(req.db, asked.refund_id, req.app.payments.refund, now,
                           tell_buyer=False)
    key = "refund-done" if done is not None and done.status == "done" else "refund-pending"
    return [SendText(t(key, amount=format_money(asked.amount, asked.currency, req.lang),
                       count=asked.codes, codes=_code_list(req, asked.code_list)))]


@router.button(RefundOne, role=Role.SHOPPER)
async def refund_one(req: Request, press: RefundOne) -> list[Reply]:
    """Yes, refund this code."""
    return await _refund(req, press.code_id, True, 1, press.amount)


@router.button(RefundAll, role=Role.SHOPPER)
async def refund_all(req: Request, press: RefundAll) -> list[Reply]:
    """Yes, refund every unused code of this code's order."""
    return await _refund(req, press.code_id, False, press.count, press.amount)


@router.button(RateVisit, role=Role.SHOPPER)
async def rate(req: Request, press: RateVisit) -> list[Reply]:
    """Stars for a visit; they feed the merchant's rating and our ranking."""
    outcome = await rate_visit(req.db, req.user.id, press.code_id, press.stars, req.now())
    stars = "⭐" * press.stars if outcome == "rated" else ""
    return [SendText(req.t(f"rate-{outcome}", stars=stars))]


@router.intent("my_codes", role=Role.SHOPPER)
async def my_codes_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"我的券码" / "my codes"."""
    return await my_codes(req)


@router.intent("refund", role=Role.SHOPPER)
async def refund_intent(req: Request, intent: Intent, text: str) -> list[Reply]:
    """"我要退款": how refunds work, then the codes to pick from."""
    return [SendText(req.t("nlu-refund-how")), await my_codes(req)]
