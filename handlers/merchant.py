"""Becoming a merchant: `/merchant` asks for the business name, category, phone and a
short description, shows the application and sends it to the platform admins, who get
Approve / Reject buttons; the applicant is told the outcome.

Buttons:
  mk:<category>   the category, while applying
  ms / mx         submit / cancel the application
  ma:<id> mj:<id> an admin approves / rejects (checked again on press)
"""

from __future__ import annotations

from typing import Any

from handlers.common import stale_replies
from handlers.core import Button, ButtonPress, Reply, SendText, Text
from handlers.format import category_label
from handlers.i18n import Translator, language_of
from handlers.owed import owed_in_turn, renders
from handlers.roles import Role
from handlers.router import App, Request, Router
from services.catalog.deal_cards import Bilingual
from services.catalog.taxonomy import CATEGORIES, category
from services.merchants.applications import (
    Application,
    application_key,
    apply,
    check_description,
    check_name,
    check_phone,
    decide,
    merchant_news_key,
    merchant_of_applicant,
)
from services.platform.users import get_profile_by_telegram_id

router = Router()
FLOW = "merchant"


@router.command("merchant", role=Role.SHOPPER)
async def merchant_command(req: Request) -> list[Reply]:
    """Start an application, or say where the current one stands."""
    t = req.t
    current = await merchant_of_applicant(req.db, req.user.id)
    if current is not None and current.status != "rejected":
        return [SendText(t(f"merchant-status-{current.status}",
                           name=current.name.get(req.lang)))]
    await req.enter_flow(FLOW, "name")
    return [SendText(t("merchant-intro") + "\n\n" + t("merchant-ask-name"))]


@router.flow(FLOW, draft=True, role=Role.SHOPPER)
async def merchant_step(req: Request) -> list[Reply]:
    """A typed answer to the step the applicant is at; wrong answers are asked again."""
    t, state = req.t, req.state
    event = req.incoming.event
    assert state is not None
    if not isinstance(event, Text):
        return [SendText(t(f"merchant-ask-{state.step}"))]
    data = dict(state.data)
    if state.step == "name":
        name = check_name(event.text)
        if name is None:
            return [SendText(t("merchant-bad-name") + "\n" + t("merchant-ask-name"))]
        await req.enter_flow(FLOW, "category", **data, name=name)
        return [_ask_category(req)]
    if state.step == "category":
        return [_ask_category(req)]
    if state.step == "phone":
        phone = check_phone(event.text)
        if phone is None:
            return [SendText(t("merchant-bad-phone") + "\n" + t("merchant-ask-phone"))]
        await req.enter_flow(FLOW, "description", **data, phone=phone)
        return [SendText(t("merchant-ask-description"))]
    if state.step == "description":
        description = check_description(event.text)
        if description is None:
            return [SendText(t("merchant-bad-description") + "\n"
                             + t("merchant-ask-description"))]
        data["description"] = description
        await req.enter_flow(FLOW, "confirm", **data)
        return [_summary(req, data)]
    return [_summary(req, data)]


def _ask_category(req: Request) -> SendText:
    buttons = [Button(category_label(req.lang, c.id), data=f"mk:{c.id}") for c in CATEGORIES]
    rows = tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3))
    return SendText(req.t("merchant-ask-category"), buttons=rows)


def _summary(req: Request, data: dict[str, object]) -> SendText:
    t = req.t
    text = t("merchant-summary", name=str(data.get("name", "")),
             category=category_label(req.lang, str(data.get("category", ""))),
             phone=str(data.get("phone", "")), description=str(data.get("description") or "-"))
    return SendText(text, buttons=((Button(t("merchant-submit"), data="ms"),
                                    Button(t("merchant-cancel"), data="mx")),))


@router.button("mk", role=Role.SHOPPER)
async def category_chosen(req: Request) -> list[Reply]:
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    chosen = event.data.partition(":")[2]
    state = req.state
    if state is None or state.flow != FLOW or state.step != "category" or category(chosen) is None:
        return stale_replies(req)
    await req.enter_flow(FLOW, "phone", **state.data, category=chosen)
    return [SendText(req.t("merchant-ask-phone"))]


@router.button("mx", role=Role.SHOPPER)
async def cancel_application(req: Request) -> list[Reply]:
    await req.leave_flow()
    return [SendText(req.t("merchant-cancelled"))]


@router.button("ms", role=Role.SHOPPER)
async def submit(req: Request) -> list[Reply]:
    """File the application and send it to every admin with Approve / Reject."""
    state, t = req.state, req.t
    if state is None or state.flow != FLOW or state.step != "confirm":
        return stale_replies(req)
    data = state.data
    form = Application(str(data["name"]), str(data["category"]), str(data["phone"]),
                       str(data.get("description") or ""))
    admins = req.app.options.admin_ids
    merchant = await apply(req.db, req.user.id, form, req.now(), reviewers=admins)
    await req.leave_flow()
    replies: list[Reply] = [SendText(t("merchant-submitted", name=form.name))]
    for admin in admins:
        replies += await owed_in_turn(req, application_key(merchant.id, admin))
    return replies


@renders("application")
async def _owed_application(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "application": an admin asked to review it, with Approve / Reject."""
    profile = await get_profile_by_telegram_id(app.db, chat_id)
    t = Translator(language_of(profile, app.options.default_language))
    text = t("merchant-review", applicant=str(params["applicant"]), name=str(params["name"]),
             category=category_label(t.lang, str(params["category"])),
             phone=str(params["phone"]), description=str(params.get("description") or "-"))
    return [SendText(text, buttons=(decision_buttons(t, int(params["merchant_id"])),))]


def decision_buttons(t: Translator, merchant_id: int,
                     number: int | None = None) -> tuple[Button, Button]:
    """Approve / Reject for an application (`number` tells apart several in a list)."""
    suffix = f" {number}" if number is not None else ""
    return (Button(t("merchant-approve") + suffix, data=f"ma:{merchant_id}"),
            Button(t("merchant-reject") + suffix, data=f"mj:{merchant_id}"))


@router.button("ma", role=Role.SHOPPER)
async def approve(req: Request) -> list[Reply]:
    return await _decide(req, approve=True)


@router.button("mj", role=Role.SHOPPER)
async def reject(req: Request) -> list[Reply]:
    return await _decide(req, approve=False)


async def _decide(req: Request, approve: bool) -> list[Reply]:
    t = req.t
    if req.incoming.sender.id not in req.app.options.admin_ids:
        return [SendText(t("admin-only"))]
    parts = req.button_ints(1)
    if parts is None:
        return stale_replies(req)
    decided = await decide(req.db, parts[0], approve, req.now())
    if decided is None:
        return [SendText(t("merchant-decided-already"))]
    outcome = "approved" if approve else "rejected"
    name = decided.name.get(req.lang)
    replies: list[Reply] = [SendText(t(f"merchant-admin-{outcome}", name=name))]
    replies += await owed_in_turn(req, merchant_news_key(decided.id, outcome, req.now()))
    return replies


# What the owner is told of each change to their merchant.
_MERCHANT_NEWS = {"approved": "merchant-told-approved", "rejected": "merchant-told-rejected",
                  "suspended": "admin-owner-suspended", "restored": "admin-owner-restored"}


@renders("merchant_news")
async def _owed_news(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "merchant_news" message: the owner told their merchant was approved,
    rejected, suspended or restored, in their language."""
    profile = await get_profile_by_telegram_id(app.db, chat_id)
    t = Translator(language_of(profile, app.options.default_language))
    key = _MERCHANT_NEWS.get(str(params["outcome"]))
    name = Bilingual(params.get("name_zh"), params.get("name_en")).get(t.lang)
    return [SendText(t(key, name=name))] if key else []
