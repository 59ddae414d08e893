"""The shopper's codes: `/mycodes`, one code with its QR again, refunds.

Buttons:
  mc:<code>       show one code (QR, validity, Refund when the deal allows it)
  rf:<order>      ask to refund the order's unredeemed codes (a confirm step)
  rfy:<order>     yes, refund
  rt:<code>:<n>   n stars for a redeemed code's visit
"""

from __future__ import annotations

from handlers.common import stale_replies
from handlers.core import Button, Reply, SendPhoto, SendText
from handlers.format import local_date, local_datetime, short_label
from handlers.router import Request, Router
from services.codes import CodeView, format_code, get_code, list_codes, qr_payload, qr_png
from services.money import format_money
from services.redemption import rate_visit
from services.refunds import ask_refund, carry_out

router = Router()
CODE_BUTTONS = 8


def _line(req: Request, code: CodeView) -> str:
    return req.t("codes-line", code=format_code(code.code), title=code.deal_title.get(req.lang),
                 status=req.t(f"code-status-{code.status}"),
                 until=local_date(code.valid_until, req.user.timezone))


@router.command("mycodes", "codes")
async def my_codes(req: Request) -> Reply:
    """The user's codes, newest first; a button per usable code shows its QR."""
    t = req.t
    codes = await list_codes(req.db, req.user.id)
    if not codes:
        return SendText(t("codes-none"), buttons=((Button(t("menu-search"), data="menu:search"),),))
    lines = [t("codes-title", count=len(codes))] + [_line(req, c) for c in codes]
    usable = [c for c in codes if c.usable][:CODE_BUTTONS]
    buttons = tuple(
        (Button(f"🎫 {format_code(c.code)} · {short_label(c.deal_title.get(req.lang), 20)}",
                data=f"mc:{c.id}"),)
        for c in usable
    )
    if usable:
        lines += ["", t("codes-show-hint")]
    return SendText("\n".join(lines), buttons=buttons)


@router.button("mc")
async def show_code(req: Request) -> list[Reply]:
    """One code again: its QR to scan, its text to type, and Refund when allowed."""
    parts = req.button_ints(1)
    code = await get_code(req.db, req.user.id, parts[0]) if parts else None
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
        rows = ((Button(t("refund-button"), data=f"rf:{code.order_id}"),),)
    elif code.usable:
        caption += "\n" + t(f"refund-{code.refund_policy.replace('_', '-')}")
    if not code.usable:
        return [SendText(caption, buttons=rows)]
    return [SendPhoto(qr_png(qr_payload(code.code, req.app.options.bot_username)),
                      caption=caption, buttons=rows, filename=f"code-{code.code}.png")]


@router.button("rf")
async def refund_ask(req: Request) -> list[Reply]:
    """Refund pressed: say what will happen and ask once more."""
    parts = req.button_ints(1)
    if parts is None:
        return stale_replies(req)
    t = req.t
    return [SendText(t("refund-confirm"),
                     buttons=((Button(t("refund-yes"), data=f"rfy:{parts[0]}"),
                               Button(t("refund-no"), data="menu:codes")),))]


@router.button("rfy")
async def refund_yes(req: Request) -> list[Reply]:
    """Void the order's unredeemed codes and send the money back."""
    parts = req.button_ints(1)
    if parts is None:
        return stale_replies(req)
    t, now = req.t, req.now()
    asked = await ask_refund(req.db, req.user.id, parts[0], now)
    if asked.outcome != "started" or asked.refund_id is None:
        return [SendText(t(f"refund-{asked.outcome.replace('_', '-')}"))]
    done = await carry_out(req.db, asked.refund_id, req.app.payments.refund, now)
    amount = format_money(asked.amount, asked.currency, req.lang)
    key = "refund-done" if done is not None and done.status == "done" else "refund-pending"
    return [SendText(t(key, amount=amount, count=asked.codes))]


@router.button("rt")
async def rate(req: Request) -> list[Reply]:
    """Stars for a visit; they feed the merchant's rating and our ranking."""
    parts = req.button_ints(2)
    if parts is None:
        return stale_replies(req)
    outcome = await rate_visit(req.db, req.user.id, parts[0], parts[1], req.now())
    return [SendText(req.t(f"rate-{outcome}", stars="⭐" * parts[1] if outcome == "rated" else ""))]
