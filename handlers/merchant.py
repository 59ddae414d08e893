"""Becoming a merchant: `/merchant` asks for the business name, category, phone and a
short description, shows the application and sends it to the platform admins, who get
Approve / Reject buttons; the applicant is told the outcome.

Applying is for anyone (`Role.SHOPPER`); deciding is for platform admins (`Role.ADMIN`,
checked by the router on every press).

Buttons (declared in handlers/payloads.py):
  MerchantCategory  mk:<category>   the category, while applying
  MerchantSubmit    ms              submit the application
  MerchantCancel    mx              drop it
  MerchantApprove   ma:<id>         an admin approves
  MerchantReject    mj:<id>         an admin rejects
"""

from __future__ import annotations

from typing import Any

from handlers.common import stale_replies
from handlers.core import Button, Reply, SendText, Text
from handlers.format import category_label
from handlers.i18n import Translator, language_of
from handlers.owed import owed_in_turn, renders
from handlers.payloads import (
    MerchantApprove,
    MerchantCancel,
    MerchantCategory,
    MerchantReject,
    MerchantSubmit,
)
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


# The application, one step per answer (a photo or a location instead of a typed
# answer gets the step's question again).
application = router.flow(FLOW, role=Role.SHOPPER, draft=True)


def _typed(req: Request) -> bool:
    return isinstance(req.incoming.event, Text)


def _data(req: Request) -> dict[str, object]:
    assert req.state is not None
    return dict(req.state.data)


@application.step("name")
async def name_answered(req: Request) -> list[Reply]:
    """The business name; then the category buttons."""
    t = req.t
    name = check_name(req.text) if _typed(req) else None
    if name is None:
        problem = t("merchant-bad-name") + "\n" if _typed(req) else ""
        return [SendText(problem + t("merchant-ask-name"))]
    await req.enter_flow(FLOW, "category", **_data(req), name=name)
    return [_ask_category(req)]


@application.step("category")
async def category_typed(req: Request) -> list[Reply]:
    """Anything sent while the category buttons are shown: the buttons again."""
    return [_ask_category(req)]


@application.step("phone")
async def phone_answered(req: Request) -> list[Reply]:
    """The contact phone."""
    t = req.t
    phone = check_phone(req.text) if _typed(req) else None
    if phone is None:
        problem = t("merchant-bad-phone") + "\n" if _typed(req) else ""
        return [SendText(problem + t("merchant-ask-phone"))]
    await req.enter_flow(FLOW, "description", **_data(req), phone=phone)
    return [SendText(t("merchant-ask-description"))]


@application.step("description")
async def description_answered(req: Request) -> list[Reply]:
    """The short description ("-" for none); then the summary to submit."""
    t = req.t
    description = check_description(req.text) if _typed(req) else None
    if description is None:
        problem = t("merchant-bad-description") + "\n" if _typed(req) else ""
        return [SendText(problem + t("merchant-ask-description"))]
    data = _data(req) | {"description": description}
    await req.enter_flow(FLOW, "confirm", **data)
    return [_summary(req, data)]


@application.step("confirm")
async def confirm_typed(req: Request) -> list[Reply]:
    """Anything sent while Submit / Cancel are shown: the summary again."""
    if not _typed(req):
        return [SendText(req.t("merchant-ask-confirm"))]
    return [_summary(req, _data(req))]


def _ask_category(req: Request) -> SendText:
    buttons = [Button(category_label(req.lang, c.id), data=MerchantCategory(c.id).pack())
               for c in CATEGORIES]
    rows = tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3))
    return SendText(req.t("merchant-ask-category"), buttons=rows)


def _summary(req: Request, data: dict[str, object]) -> SendText:
    t = req.t
    text = t("merchant-summary", name=str(data.get("name", "")),
             category=category_label(req.lang, str(data.get("category", ""))),
             phone=str(data.get("phone", "")), description=str(data.get("description") or "-"))
    return SendText(text, buttons=((Button(t("merchant-submit"), data=MerchantSubmit().pack()),
                                    Button(t("merchant-cancel"), data=MerchantCancel().pack())),))


@router.button(MerchantCategory, role=Role.SHOPPER)
async def category_chosen(req: Request, press: MerchantCategory) -> list[Reply]:
    """The category pressed (only while the application asks for it)."""
    chosen, state = press.category, req.state
    if state is None or state.flow != FLOW or state.step != "category" or category(chosen) is None:
        return stale_replies(req)
    await req.enter_flow(FLOW, "phone", **state.data, category=chosen)
    return [SendText(req.t("merchant-ask-phone"))]


@router.button(MerchantCancel, role=Role.SHOPPER)
async def cancel_application(req: Request, press: MerchantCancel) -> list[Reply]:
    """Drop the application; nothing is filed. An old Cancel pressed in another flow
    is stale: it leaves that flow alone."""
    if req.state is None or req.state.flow != FLOW:
        return stale_replies(req)
    await req.leave_flow()
    return [SendText(req.t("merchant-cancelled"))]


@router.button(MerchantSubmit, role=Role.SHOPPER)
async def submit(req: Request, press: MerchantSubmit) -> list[Reply]:
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
    return (Button(t("merchant-approve") + suffix, data=MerchantApprove(merchant_id).pack()),
            Button(t("merchant-reject") + suffix, data=MerchantReject(merchant_id).pack()))


@router.button(MerchantApprove, role=Role.ADMIN, area="admin")
async def approve(req: Request, press: MerchantApprove) -> list[Reply]:
    """An admin approves the application; the applicant is told."""
    return await _decide(req, press.merchant_id, approve=True)


@router.button(MerchantReject, role=Role.ADMIN, area="admin")
async def reject(req: Request, press: MerchantReject) -> list[Reply]:
    """An admin rejects the application; the applicant is told."""
    return await _decide(req, press.merchant_id, approve=False)


async def _decide(req: Request, merchant_id: int, approve: bool) -> list[Reply]:
    t = req.t
    decided = await decide(req.db, merchant_id, approve, req.now())
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
