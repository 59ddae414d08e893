"""`/deals`: the owner's deals with sales and stock left, newest first; one deal's page
with Edit / Pause / Resume / End; and changing one field of a deal (a one-question
conversation, "dealedit").

The list and a deal's page are read by an owner whatever their merchant's status (a
suspended merchant's owner sees what shoppers no longer see, and why); changing
anything needs an approved merchant. Every press re-checks that the deal is one of the
presser's merchant's.

A group deal (拼团) is set, changed or cleared as one more field ("3人 39元 24小时", "-");
groups already open are not touched by it (each keeps its size, each member the price
they paid), and the confirmation says so.

Buttons: `DealList` (dl), `DealPage` (dm), `DealEditField` (de), `DealPause` (dp),
`DealResume` (dr), `DealEndAsk` (dn) and `DealEnd` (dny).
"""

from __future__ import annotations

from handlers.common import stale_replies
from handlers.core import Button, Reply, SendText, Text, keyboard_rows
from handlers.dates import time_reader
from handlers.deals import group_bounds, group_terms_text, input_problem
from handlers.format import BUTTON_TITLE_MAX, local_date, short_label
from handlers.i18n import Translator
from handlers.payloads import (
    DealEditField,
    DealEnd,
    DealEndAsk,
    DealList,
    DealPage,
    DealPause,
    DealResume,
)
from handlers.roles import Role, owner_refusal, refusal_reply
from handlers.router import Request, Router
from services.merchants.deal_input import DealInputError, GroupTerms
from services.merchants.deals import (
    EDITABLE,
    OwnDeal,
    change_status,
    edit_deal,
    get_own_deal,
    list_own_deals,
    seller_of,
)
from services.platform.money import format_money

router = Router()
EDIT_FLOW = "dealedit"
PAGE = 5


def _group(deal: OwnDeal) -> GroupTerms | None:
    """The deal's group terms, or None when it is not a group deal."""
    if deal.group_size is None or deal.group_price is None or deal.group_hours is None:
        return None
    return GroupTerms(deal.group_size, deal.group_price, deal.group_hours)


def _left_text(t: Translator, deal: OwnDeal) -> str:
    """What is left to sell, as it reads after "left" ("no limit" for unlimited stock)."""
    return t("deal-left-unlimited") if deal.stock is None else str(deal.stock)


# --------------------------------------------------------------------------- /deals


@router.command("deals", role=Role.OWNER_ANY_STATUS, area="deal")
async def deals_command(req: Request) -> list[Reply]:
    """The owner's deals with sales and stock left, newest first."""
    return await _deals_page(req, 0)


@router.button(DealList, role=Role.OWNER_ANY_STATUS, area="deal")
async def deals_page_button(req: Request, press: DealList) -> list[Reply]:
    """Another page of the list."""
    return await _deals_page(req, press.offset)


async def _deals_page(req: Request, offset: int) -> list[Reply]:
    t = req.t
    found = await list_own_deals(req.db, req.user.id, offset=offset, limit=PAGE)
    if found is None:  # the owner role found their merchant, so only in a race
        return [refusal_reply(t("deal-owner-only"))]
    page, total = found
    if not page:
        if total and offset:
            return await _deals_page(req, 0)
        return [SendText(t("deal-none"))]
    lines = [t("deal-list-title", total=total)]
    if page[0].merchant_status == "suspended":
        lines.insert(0, t("deal-list-suspended"))
    buttons: list[Button] = []
    for number, deal in enumerate(page, start=offset + 1):
        lines.append(t("deal-list-line", number=number,
                       status=t(f"deal-status-{deal.shown_status}"),
                       title=deal.title.get(req.lang),
                       price=format_money(deal.price, deal.currency, t.lang),
                       sold=deal.paid_units, left=_left_text(t, deal),
                       until=local_date(deal.valid_until, req.user.timezone)))
        label = short_label(deal.title.get(req.lang), BUTTON_TITLE_MAX)
        buttons.append(Button(f"{number}. {label}", data=DealPage(deal.id).pack()))
    rows = list(keyboard_rows(buttons, 1))
    nav: list[Button] = []
    if offset > 0:
        nav.append(Button(t("page-prev"), data=DealList(max(0, offset - PAGE)).pack()))
    if offset + PAGE < total:
        nav.append(Button(t("page-next"), data=DealList(offset + PAGE).pack()))
    if nav:
        rows.append(tuple(nav))
    return [SendText("\n".join(lines), buttons=tuple(rows))]


# --------------------------------------------------------------------------- one deal


def _deal_page(req: Request, deal: OwnDeal, note: str = "") -> SendText:
    t = req.t
    text = t("deal-page", title=deal.title.get(req.lang),
             status=t(f"deal-status-{deal.shown_status}"),
             price=format_money(deal.price, deal.currency, t.lang),
             original=format_money(deal.original_price, deal.currency, t.lang),
             sold=deal.paid_units, pending=deal.pending_units, left=_left_text(t, deal),
             until=local_date(deal.valid_until, req.user.timezone))
    if (terms := _group(deal)) is not None:
        text += "\n" + t("deal-page-group", terms=group_terms_text(t, terms, deal.currency))
    if deal.merchant_status == "suspended":
        note = "\n".join(filter(None, (note, t("deal-page-suspended"))))
    if note:
        text = f"{note}\n\n{text}"
    rows: list[tuple[Button, ...]] = []
    # While the merchant may not sell, nothing here could be changed: no buttons for it.
    if deal.status != "ended" and deal.merchant_status == "approved":
        edits = [Button(t(f"deal-field-{f}"), data=DealEditField(deal.id, f).pack())
                 for f in EDITABLE]
        rows += keyboard_rows(edits, 3)
        toggle = (Button(t("deal-pause"), data=DealPause(deal.id).pack())
                  if deal.status == "active"
                  else Button(t("deal-resume"), data=DealResume(deal.id).pack()))
        rows.append((toggle, Button(t("deal-end"), data=DealEndAsk(deal.id).pack())))
    rows.append((Button(t("deal-list"), data=DealList(0).pack()),))
    return SendText(text, buttons=tuple(rows))


@router.button(DealPage, role=Role.OWNER_ANY_STATUS, area="deal")
async def deal_page_button(req: Request, press: DealPage) -> list[Reply]:
    """One of the owner's deals: sales, stock, and Edit / Pause / Resume / End."""
    deal = await get_own_deal(req.db, req.user.id, press.deal_id)
    return [_deal_page(req, deal)] if deal is not None else stale_replies(req)


async def _move(req: Request, deal_id: int, action: str) -> list[Reply]:
    """Pause, resume or end the deal, and show its page with what happened."""
    outcome = await change_status(req.db, req.user.id, deal_id, action, req.now())
    if outcome == "not_owner":
        return stale_replies(req)
    if outcome == "not_approved":  # the merchant's status changed since the role check
        seller = await seller_of(req.db, req.user.id)
        refused = owner_refusal(req.t, seller.status if seller else None, "deal")
        return [refusal_reply(refused)] if refused else stale_replies(req)
    deal = await get_own_deal(req.db, req.user.id, deal_id)
    assert deal is not None
    note = req.t(f"deal-{action}-{outcome}")
    return [_deal_page(req, deal, note)]


@router.button(DealPause, role=Role.OWNER, area="deal")
async def pause_button(req: Request, press: DealPause) -> list[Reply]:
    """Pause: the deal leaves search and checkout; codes sold stay good."""
    return await _move(req, press.deal_id, "pause")


@router.button(DealResume, role=Role.OWNER, area="deal")
async def resume_button(req: Request, press: DealResume) -> list[Reply]:
    """Resume: the paused deal is on sale again."""
    return await _move(req, press.deal_id, "resume")


@router.button(DealEnd, role=Role.OWNER, area="deal")
async def end_button(req: Request, press: DealEnd) -> list[Reply]:
    """End, for sure: the deal is off sale for good."""
    return await _move(req, press.deal_id, "end")


@router.button(DealEndAsk, role=Role.OWNER, area="deal")
async def end_ask_button(req: Request, press: DealEndAsk) -> list[Reply]:
    """Ending cannot be undone: ask first."""
    deal = await get_own_deal(req.db, req.user.id, press.deal_id)
    if deal is None:
        return stale_replies(req)
    t = req.t
    return [SendText(t("deal-end-confirm", title=deal.title.get(req.lang)),
                     buttons=((Button(t("deal-end-yes"), data=DealEnd(deal.id).pack()),
                               Button(t("deal-end-no"), data=DealPage(deal.id).pack())),))]


# --------------------------------------------------------------------------- editing


@router.button(DealEditField, role=Role.OWNER, area="deal")
async def edit_button(req: Request, press: DealEditField) -> list[Reply]:
    """Ask for the new value of one field of a deal."""
    deal = await get_own_deal(req.db, req.user.id, press.deal_id)
    if deal is None:
        return stale_replies(req)
    field_name = press.field_name
    await req.enter_flow(EDIT_FLOW, field_name, deal_id=deal.id)
    t = req.t
    current = {
        "title": deal.title.get(req.lang),
        "price": format_money(deal.price, deal.currency, t.lang),
        "original_price": format_money(deal.original_price, deal.currency, t.lang),
        "stock": t("deal-unlimited") if deal.stock is None else str(deal.stock),
        "valid_until": local_date(deal.valid_until, req.user.timezone),
        "group": group_terms_text(t, _group(deal), deal.currency),
    }[field_name]
    if field_name == "group":
        return [SendText(t("deal-edit-ask-group", current=current,
                           **group_bounds(t, deal.price, deal.currency)))]
    return [SendText(t("deal-edit-ask", field=t(f"deal-field-{field_name}"), current=current))]


@router.flow(EDIT_FLOW, role=Role.OWNER, area="deal")
async def edit_step(req: Request) -> list[Reply]:
    """The new value of the field being edited (the flow's step); a wrong one is asked
    again."""
    state, t = req.state, req.t
    assert state is not None
    deal_id = int(state.data.get("deal_id") or 0)
    field_name = state.step
    if not isinstance(req.incoming.event, Text):
        return [SendText(t("deal-bad-not-text"))]
    try:
        deal = await edit_deal(req.db, req.user.id, deal_id, field_name, req.text,
                               req.now(), req.user.timezone,
                               time_reader(req.now(), req.user.timezone))
    except DealInputError as error:
        return [SendText(input_problem(t, error) + "\n"
                         + t("deal-edit-ask-again", field=t(f"deal-field-{field_name}")))]
    except PermissionError:
        await req.leave_flow()
        return stale_replies(req)
    await req.leave_flow()
    if field_name == "group":  # open groups go on as they were: say so
        terms = _group(deal)
        saved = (t("deal-edit-group-saved", terms=group_terms_text(t, terms, deal.currency))
                 if terms is not None else t("deal-edit-group-cleared"))
        return [_deal_page(req, deal, saved)]
    return [_deal_page(req, deal, t("deal-edit-saved", field=t(f"deal-field-{field_name}")))]
