"""Staff at the counter: `/redeem CODE` (or scanning the code's QR) -> check -> confirm.

Redeeming is for a merchant's staff and owners (`Role.STAFF`, area "redeem"), checked by
the router on every command, answer and press. The services check the rest per code:
the code must be one of the merchant's, and a confirm's one-time request must be one the
presser's own check made.

Buttons (declared in handlers/payloads.py):
  RedeemConfirm  rc:<request>:<store>  confirm the checked code at that store
  RedeemUndo     ru:<code>             undo a redemption made in the last ten minutes
Scanning a code's QR with Telegram opens `/start r_<CODE>` (see `handlers.start`).
"""

from __future__ import annotations

from typing import Any

from handlers.core import Button, Reply, SendText, Text
from handlers.format import local_date, local_datetime, local_time
from handlers.i18n import Translator, language_of
from handlers.owed import owed_in_turn, renders
from handlers.payloads import RateVisit, RedeemConfirm, RedeemUndo
from handlers.roles import Role
from handlers.router import App, Request, Router
from services.catalog.deal_cards import Bilingual
from services.orders.codes import format_code, read_code
from services.orders.redemption import (
    CheckOutcome,
    CodeAtCounter,
    check_code,
    confirm,
    is_staff,
    undo,
)
from services.platform.users import get_profile_by_telegram_id

router = Router()
FLOW = "redeem"


@router.command("redeem", role=Role.STAFF, area="redeem")
async def redeem_command(req: Request) -> list[Reply]:
    """`/redeem CODE` checks the code; `/redeem` alone asks for it."""
    if req.args.strip():
        return await check_replies(req, req.args)
    await req.enter_flow(FLOW)
    return [SendText(req.t("redeem-ask"))]


@router.flow(FLOW, role=Role.STAFF, area="redeem")
async def redeem_typed(req: Request) -> list[Reply]:
    """The code typed after `/redeem`."""
    if not isinstance(req.incoming.event, Text):
        return [SendText(req.t("redeem-ask"))]
    await req.leave_flow()
    return await check_replies(req, req.text)


async def scanned(req: Request, payload: str) -> list[Reply]:
    """`/start r_<CODE>` (a route anyone may open): staff get the check; anyone else,
    such as the code's owner, is told to show it at the counter."""
    if await is_staff(req.db, req.user.id):
        return await check_replies(req, payload)
    return [SendText(req.t("redeem-scanned-by-shopper"))]


def _describe(req: Request, code: CodeAtCounter, hand_over: bool = False) -> str:
    """The code as staff see it; with `hand_over` (the check before Confirm and the
    confirmation), also the free item its order's coupon gives, to hand over."""
    tz = req.user.timezone
    text = req.t("redeem-code-line", code=format_code(code.code),
                 title=code.deal_title.get(req.lang), shopper=code.shopper_name or "-",
                 start=local_date(code.valid_from, tz), end=local_date(code.valid_until, tz))
    if hand_over and code.free_item is not None:
        text += "\n" + req.t("redeem-free-item", item=code.free_item.get(req.lang))
    return text


async def check_replies(req: Request, entered: str) -> list[Reply]:
    """Phase one, answered: what would be redeemed, with one confirm button per store."""
    t = req.t
    checked: CheckOutcome = await check_code(req.db, req.user.id, entered[:64], req.now())
    outcome = checked.outcome
    if outcome == "ok" and checked.code is not None and checked.request_id is not None:
        buttons = tuple(
            (Button(t("redeem-confirm-at", store=s.name.get(req.lang)),
                    data=RedeemConfirm(checked.request_id, s.id).pack()),)
            for s in checked.stores
        )
        return [SendText(t("redeem-check-ok") + "\n" + _describe(req, checked.code, True),
                         buttons=buttons)]
    if checked.locked_until is not None:
        return [SendText(t("redeem-locked",
                           until=local_time(checked.locked_until, req.user.timezone)))]
    if outcome == "typo":
        read = read_code(entered)
        return [SendText(t("redeem-typo", code=format_code(read.code) or entered[:20]))]
    text = t(f"redeem-{outcome.replace('_', '-')}")
    if checked.code is not None:
        text += "\n" + _describe(req, checked.code)
        if checked.code.redeemed_at is not None:
            text += "\n" + t("redeem-redeemed-at",
                             at=local_datetime(checked.code.redeemed_at, req.user.timezone))
    return [SendText(text)]


@router.button(RedeemConfirm, role=Role.STAFF, area="redeem")
async def confirm_button(req: Request, press: RedeemConfirm) -> list[Reply]:
    """Phase two: redeem once, tell the shopper and (once per code) ask them to rate it.
    Only the staff member whose check made the request may confirm it (the service
    refuses anyone else, an owner included)."""
    t = req.t
    done = await confirm(req.db, press.request, req.user.id, press.store_id, req.now())
    if done.outcome not in ("redeemed", "replayed") or done.code is None:
        text = t(f"redeem-{done.outcome.replace('_', '-')}")
        if done.code is not None:
            text += "\n" + _describe(req, done.code)
        return [SendText(text)]
    code = done.code
    replies: list[Reply] = [SendText(
        t("redeem-done") + "\n" + _describe(req, code, True),
        buttons=((Button(t("redeem-undo"), data=RedeemUndo(code.code_id).pack()),),),
    )]
    if done.outcome == "redeemed":
        replies += await _tell_shopper(req, done.owed_key)
    return replies


async def _tell_shopper(req: Request, owed_key: str | None) -> list[Reply]:
    """The message the redemption (or its undo) owes the code's shopper, in their
    language, sent in this turn: claimed from the outbox, then marked `Delivered`."""
    return await owed_in_turn(req, owed_key) if owed_key else []


@renders("redeemed", "undone")
async def _owed_note(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    message = await shopper_message(app, chat_id, str(params["kind"]), params)
    return [message] if message is not None else []


async def shopper_message(app: App, chat_id: int, kind: str,
                          params: dict[str, Any]) -> SendText | None:
    """An owed message about a shopper's code ("redeemed", "undone"), in their language."""
    profile = await get_profile_by_telegram_id(app.db, chat_id)
    t = Translator(language_of(profile, app.options.default_language))
    code = format_code(str(params["code"]))
    title = Bilingual(params.get("title_zh"), params.get("title_en")).get(t.lang)
    if kind == "undone":
        return SendText(t("redeem-shopper-undone", code=code, title=title))
    if kind != "redeemed":
        return None
    store = Bilingual(params.get("store_zh"), params.get("store_en")).get(t.lang)
    text = t("redeem-shopper-told", code=code, title=title, store=store)
    if not params.get("ask_rating"):
        return SendText(text)
    code_id = int(params["code_id"])
    # The shopper's rating buttons belong to handlers/codes.py (its `rt:` data).
    stars = tuple(Button("⭐" * n, data=RateVisit(code_id, n).pack()) for n in range(1, 6))
    return SendText(text + "\n\n" + t("rate-ask"), buttons=(stars[:3], stars[3:]))


@router.button(RedeemUndo, role=Role.STAFF, area="redeem")
async def undo_button(req: Request, press: RedeemUndo) -> list[Reply]:
    """Undo a mis-scan within ten minutes; the shopper is told their code works again."""
    done = await undo(req.db, press.code_id, req.user.id, req.now())
    text = req.t(f"redeem-{done.outcome.replace('_', '-')}")
    if done.code is None:
        return [SendText(text)]
    code = done.code
    replies: list[Reply] = [SendText(text + "\n" + _describe(req, code))]
    if done.outcome == "undone":
        replies += await _tell_shopper(req, done.owed_key)
    return replies
