"""The owner's deals: `/newdeal` (guided, or on one line), CSV import, `/deals`.

`/newdeal` asks one thing at a time (title, description, photo, price, original price,
quantity, per-person limit, valid from / until, usage rules, stores, category, tags,
refund policy); each answer is checked where it is given and a wrong one is asked
again with the reason. A preview card ends it: Publish / Edit / Cancel. Power users
type it all on one line: `/newdeal 双人火锅套餐 | 88 | 168 | 100 | 2026-12-31`, which
goes straight to the same preview. A CSV sent as a document imports many deals.

Buttons:
  nd:<what>          a choice inside the /newdeal conversation (skip, stores, ...)
  dl:<offset>        a page of /deals
  dm:<id>            one deal's page: sales, stock, and what can be done
  de:<id>:<field>    change a field of it (asks for the new value)
  dp:<id> dr:<id>    pause / resume
  dn:<id> dny:<id>   end (asks first) / end for sure
Every press re-checks that the presser owns the deal's (approved) merchant.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from handlers.common import owner_refusal, stale_replies
from handlers.core import (
    DOCUMENT_FETCH_MAX,
    Button,
    ButtonPress,
    Command,
    Document,
    Photo,
    Reply,
    SendDocument,
    SendPhoto,
    SendText,
    Text,
    keyboard_rows,
)
from handlers.dates import time_reader
from handlers.format import (
    BUTTON_TITLE_MAX,
    category_label,
    discount_text,
    fit_caption,
    local_date,
    short_label,
)
from handlers.i18n import Translator
from handlers.links import deal_payload, start_link
from handlers.roles import Role
from handlers.router import Request, Router
from services.catalog.taxonomy import CATEGORIES
from services.merchants.deal_import import (
    MAX_REPORTED_ERRORS,
    MAX_ROWS,
    read_deal_csv,
    template_csv,
)
from services.merchants.deal_input import (
    DESCRIPTION_MAX,
    REFUND_POLICIES,
    RULES_MAX,
    DealDraft,
    DealFormErrors,
    DealInputError,
    answer_step,
    parse_one_line,
)
from services.merchants.deals import (
    EDITABLE,
    OwnDeal,
    Seller,
    change_status,
    edit_deal,
    get_own_deal,
    list_own_deals,
    publish_deals,
    seller_of,
)
from services.platform.merchant_input import PER_USER_MAX, QUANTITY_MAX
from services.platform.money import format_money

router = Router()
FLOW = "newdeal"
EDIT_FLOW = "dealedit"
PAGE = 5
STEPS = ("title", "description", "photo", "price", "original_price", "stock",
         "per_user_limit", "valid_from", "valid_until", "usage_rules", "stores", "category",
         "tags", "refund_policy")


# --------------------------------------------------------------------------- who


def seller_refusal(req: Request, seller: Seller | None) -> SendText | None:
    """Why this person cannot sell (no merchant, suspended, not yet approved); None
    when they can."""
    why = owner_refusal(req.t, seller.status if seller else None, "deal")
    return SendText(why) if why else None


async def _approved_seller(req: Request) -> Seller | SendText:
    """The approved merchant the user owns, or the reply saying why they cannot sell."""
    seller = await seller_of(req.db, req.user.id)
    refusal = seller_refusal(req, seller)
    if refusal is not None or seller is None:
        return refusal or SendText(req.t("deal-owner-only"))
    return seller


def _problem(t: Translator, error: DealInputError) -> str:
    return t(f"deal-bad-{error.reason}", **error.args_)


# --------------------------------------------------------------------------- /newdeal


@router.command("newdeal", role=Role.SHOPPER)
async def newdeal(req: Request) -> list[Reply]:
    """Start the guided conversation, or take a one-line deal straight to its preview."""
    seller = await _approved_seller(req)
    if isinstance(seller, SendText):
        return [seller]
    t = req.t
    if not seller.stores:
        return [SendText(t("deal-no-stores"))]
    event = req.incoming.event
    args = event.args if isinstance(event, Command) else ""
    token = secrets.token_hex(8)
    if args:
        try:
            draft = parse_one_line(args, req.now(), req.user.timezone,
                                   time_reader(req.now(), req.user.timezone))
        except DealFormErrors as exc:
            lines = [t("deal-one-line-problems")]
            lines += [f"• {t(f'deal-field-{name}')}: {_problem(t, error)}"
                      for name, error in exc.errors]
            lines.append(t("deal-one-line-usage"))
            return [SendText("\n".join(lines))]
        await req.enter_flow(FLOW, "preview", token=token, **draft.as_data())
        return _preview(req, seller, draft)
    await req.enter_flow(FLOW, "title", token=token)
    return [SendText(t("deal-intro")), _ask(req, seller, "title", {})]


def _ask(req: Request, seller: Seller, step: str, data: dict[str, Any],
         problem: str = "") -> SendText:
    """The question of `step` with its shortcut buttons (and the reason a wrong answer
    was refused, when there is one)."""
    t = req.t
    buttons: list[Button] = []
    per_row = 1
    if step in ("description", "photo", "usage_rules", "tags"):
        buttons = [Button(t("deal-skip"), data="nd:skip")]
    elif step == "stock":
        buttons = [Button(t("deal-unlimited"), data="nd:unlimited")]
    elif step == "per_user_limit":
        buttons = [Button(str(n), data=f"nd:n:{n}") for n in (1, 2, 5)]
        per_row = 3
    elif step == "valid_from":
        buttons = [Button(t("deal-from-now"), data="nd:now")]
    elif step == "valid_until":
        buttons = [Button(t("deal-days", days=d), data=f"nd:days:{d}") for d in (7, 30, 90)]
        per_row = 3
    elif step == "stores":
        chosen = set(data.get("store_ids") or [s for s, _ in seller.stores])
        buttons = [Button(("✅ " if store_id in chosen else "⬜ ") + name.get(req.lang),
                          data=f"nd:s:{store_id}") for store_id, name in seller.stores]
        buttons.append(Button(t("deal-stores-done"), data="nd:s:ok"))
    elif step == "category":
        buttons = [Button(t("deal-category-shop", category=category_label(req.lang,
                                                                          seller.category)),
                          data=f"nd:c:{seller.category}")]
        buttons += [Button(category_label(req.lang, c.id), data=f"nd:c:{c.id}")
                    for c in CATEGORIES if c.id != seller.category]
        per_row = 3
    elif step == "refund_policy":
        buttons = [Button(t(f"deal-policy-{p}"), data=f"nd:r:{p}") for p in REFUND_POLICIES]
    text = t(f"deal-ask-{step}", max_description=DESCRIPTION_MAX, max_rules=RULES_MAX,
             max_quantity=QUANTITY_MAX, max_limit=PER_USER_MAX)
    if problem:
        text = f"{problem}\n{text}"
    if step == "category":
        rows = ((buttons[0],), *keyboard_rows(buttons[1:], per_row))
        return SendText(text, buttons=rows)
    return SendText(text, buttons=keyboard_rows(buttons, per_row))


async def _advance(req: Request, seller: Seller, data: dict[str, Any],
                   step: str) -> list[Reply]:
    """Move past `step`: to the next question, or back to the preview when editing
    (or when the draft is complete)."""
    if data.get("valid_until") and data.get("valid_from"):
        start = datetime.fromisoformat(data["valid_from"])
        if datetime.fromisoformat(data["valid_until"]) < start:
            data.pop("valid_until")  # a later start makes the old last day impossible
            await req.enter_flow(FLOW, "valid_until", **data)
            return [_ask(req, seller, "valid_until", data, req.t("deal-bad-until-before-from"))]
    following = STEPS[STEPS.index(step) + 1:] if not data.get("editing") else ()
    for nxt in following:
        if nxt == "stores" and len(seller.stores) == 1:
            continue  # one store: nothing to choose
        await req.enter_flow(FLOW, nxt, **data)
        return [_ask(req, seller, nxt, data)]
    data.pop("editing", None)
    draft = _draft_of(data)
    if draft is None:  # pragma: no cover - every step before the preview sets its field
        return stale_replies(req)
    await req.enter_flow(FLOW, "preview", **data)
    return _preview(req, seller, draft)


def _draft_of(data: dict[str, Any]) -> DealDraft | None:
    try:
        return DealDraft.from_data(data)
    except (KeyError, ValueError, TypeError):
        return None


@router.flow(FLOW, draft=True, role=Role.SHOPPER)
async def newdeal_step(req: Request) -> list[Reply]:
    """A typed answer (or a photo) at the step the owner is at."""
    state = req.state
    assert state is not None
    seller = await _approved_seller(req)
    if isinstance(seller, SendText):
        await req.leave_flow()
        return [seller]
    data, step, event = dict(state.data), state.step, req.incoming.event
    if step == "preview":
        draft = _draft_of(data)
        return _preview(req, seller, draft) if draft else stale_replies(req)
    if step == "photo" and isinstance(event, Photo):
        data["photo"] = event.file_id
        return await _advance(req, seller, data, step)
    if isinstance(event, Document) and step == "photo":
        return [_ask(req, seller, step, data, req.t("deal-bad-photo-as-file"))]
    if not isinstance(event, Text):
        return [_ask(req, seller, step, data, req.t("deal-bad-not-text"))]
    try:
        data.update(answer_step(step, event.text, data, req.now(), req.user.timezone,
                                time_reader(req.now(), req.user.timezone)))
    except DealInputError as error:
        return [_ask(req, seller, step, data, _problem(req.t, error))]
    return await _advance(req, seller, data, step)


@router.button("nd", role=Role.SHOPPER)
async def newdeal_button(req: Request) -> list[Reply]:
    """A shortcut or choice button inside /newdeal, or the preview's Publish/Edit/Cancel."""
    state, event = req.state, req.incoming.event
    assert isinstance(event, ButtonPress)
    if state is None or state.flow != FLOW:
        return stale_replies(req)
    seller = await _approved_seller(req)
    if isinstance(seller, SendText):
        await req.leave_flow()
        return [seller]
    parts = event.data.split(":")[1:]
    data, step = dict(state.data), state.step
    what = parts[0] if parts else ""
    if what == "x":
        await req.leave_flow()
        return [SendText(req.t("deal-cancelled"))]
    if step == "preview":
        if what == "pub":
            return await _publish(req, seller, data)
        if what == "edit":
            return [_edit_menu(req)]
        if what == "e" and len(parts) == 2 and parts[1] in STEPS:
            data["editing"] = True
            await req.enter_flow(FLOW, parts[1], **data)
            return [_ask(req, seller, parts[1], data)]
        return stale_replies(req)
    chosen = _button_choice(step, parts, seller, data, req)
    if chosen is None:
        return stale_replies(req)
    if chosen == "again":  # a store toggled: show the choice again
        await req.enter_flow(FLOW, step, **data)
        return [_ask(req, seller, step, data)]
    data.update(chosen)
    return await _advance(req, seller, data, step)


def _button_choice(step: str, parts: list[str], seller: Seller, data: dict[str, Any],
                   req: Request) -> dict[str, Any] | str | None:
    """What a button pressed at `step` sets; "again" to redraw; None if it does not
    belong to this step (old or forged)."""
    what = parts[0] if parts else ""
    arg = parts[1] if len(parts) > 1 else ""
    if what == "skip" and step in ("description", "photo", "usage_rules", "tags"):
        return {step: [] if step == "tags" else ("" if step != "photo" else None)}
    if what == "unlimited" and step == "stock":
        return {"stock": None}
    if what == "n" and step == "per_user_limit" and arg in ("1", "2", "5"):
        return {"per_user_limit": int(arg)}
    if what == "now" and step == "valid_from":
        return {"valid_from": None}
    if what == "days" and step == "valid_until" and arg in ("7", "30", "90"):
        day = req.now() + timedelta(days=int(arg))
        try:
            return answer_step("valid_until", local_date(day, req.user.timezone), data,
                               req.now(), req.user.timezone)
        except DealInputError:
            return None
    if what == "s" and step == "stores":
        own = [s for s, _ in seller.stores]
        chosen = list(data.get("store_ids") or own)
        if arg == "ok":
            return {"store_ids": [] if set(chosen) == set(own) else sorted(chosen)}
        if arg.isdigit() and int(arg) in own:
            store_id = int(arg)
            if store_id in chosen and len(chosen) > 1:  # at least one store stays
                chosen.remove(store_id)
            elif store_id not in chosen:
                chosen.append(store_id)
            data["store_ids"] = sorted(chosen)
            return "again"
        return None
    if what == "c" and step == "category" and any(c.id == arg for c in CATEGORIES):
        return {"category": arg}
    if what == "r" and step == "refund_policy" and arg in REFUND_POLICIES:
        return {"refund_policy": arg}
    return None


def _edit_menu(req: Request) -> SendText:
    t = req.t
    buttons = [Button(t(f"deal-field-{step}"), data=f"nd:e:{step}") for step in STEPS]
    return SendText(t("deal-edit-which"), buttons=keyboard_rows(buttons, 2))


def _preview_text(req: Request, seller: Seller, draft: DealDraft) -> str:
    t, tz = req.t, req.user.timezone
    stores = [name.get(req.lang) for store_id, name in seller.stores
              if not draft.store_ids or store_id in draft.store_ids]
    return t(
        "deal-preview",
        title=draft.title,
        price=format_money(draft.price, draft.currency, t.lang),
        original=format_money(draft.original_price, draft.currency, t.lang),
        discount=discount_text(t, draft.price, draft.original_price) or "-",
        stock=t("deal-unlimited") if draft.stock is None else str(draft.stock),
        limit=str(draft.per_user_limit),
        start=local_date(draft.valid_from or req.now(), tz),
        until=local_date(draft.valid_until, tz),
        stores="、".join(stores) if t.lang == "zh" else ", ".join(stores),
        category=category_label(t.lang, draft.category or seller.category),
        tags=" ".join(f"#{tag}" for tag in draft.tags) or "-",
        policy=t(f"deal-policy-{draft.refund_policy}"),
        description=draft.description or "-",
        rules=draft.usage_rules or "-",
    )


def _preview(req: Request, seller: Seller, draft: DealDraft) -> list[Reply]:
    t = req.t
    buttons = ((Button(t("deal-publish"), data="nd:pub"),),
               (Button(t("deal-edit"), data="nd:edit"), Button(t("deal-cancel"), data="nd:x")))
    text = _preview_text(req, seller, draft)
    if draft.photo:
        return [*fit_caption(SendPhoto(draft.photo, caption=draft.title)),
                SendText(text, buttons=buttons)]
    return [SendText(text, buttons=buttons)]


async def _publish(req: Request, seller: Seller, data: dict[str, Any]) -> list[Reply]:
    t = req.t
    draft = _draft_of(data)
    if draft is None:
        return stale_replies(req)
    if draft.valid_until <= req.now():  # the preview sat open past the last day
        data["editing"] = True
        await req.enter_flow(FLOW, "valid_until", **data)
        return [_ask(req, seller, "valid_until", data, t("deal-bad-date-past"))]
    key = f"chat:{seller.merchant_id}:{data.get('token', '')}"
    [outcome] = await publish_deals(req.db, req.user.id, [draft], [key], req.now())
    await req.leave_flow()
    if outcome.problem == "duplicate":
        return [SendText(t("deal-published-already"))]
    if outcome.deal_id is None:
        return [SendText(t(f"deal-publish-{outcome.problem}"))]
    link = start_link(req.app.options.bot_username, deal_payload(outcome.deal_id))
    return [SendText(t("deal-published", title=draft.title, link=link),
                     buttons=((Button(t("deal-manage"), data=f"dm:{outcome.deal_id}"),
                               Button(t("deal-list"), data="dl:0")),))]


# --------------------------------------------------------------------------- CSV import


@router.command("import", role=Role.SHOPPER)
async def import_help(req: Request) -> list[Reply]:
    """How to import deals from a CSV, with a template file to fill in."""
    seller = await _approved_seller(req)
    if isinstance(seller, SendText):
        return [seller]
    today = req.now().date()
    return [SendText(req.t("deal-import-help", max=MAX_ROWS)),
            SendDocument(template_csv(today), "deals-template.csv",
                         caption=req.t("deal-import-template"))]


@router.on("document", role=Role.ANYONE)
async def document(req: Request) -> list[Reply]:
    """A file sent outside any conversation: a CSV of deals from an owner."""
    t = req.t
    event = req.incoming.event
    assert isinstance(event, Document)
    seller = await seller_of(req.db, req.user.id)
    if seller is None:  # a shopper's file: nothing to import
        return [SendText(t("unsupported-message", kind=t("kind-document")))]
    refusal = seller_refusal(req, seller)
    if refusal is not None:
        return [refusal]
    name = event.file_name.lower()
    if not (name.endswith((".csv", ".txt")) or event.mime_type in ("text/csv", "text/plain")):
        return [SendText(t("deal-import-not-csv"))]
    if event.content is None:
        return [SendText(t("deal-bad-file-big", max_mb=DOCUMENT_FETCH_MAX // (1024 * 1024)))]
    if not seller.stores:
        return [SendText(t("deal-no-stores"))]
    plan = read_deal_csv(event.content, seller, req.now(), req.user.timezone)
    if plan.problem is not None:
        return [SendText(_problem(t, plan.problem) + "\n" + t("deal-import-see-help"))]
    if plan.errors:
        bad_rows = len({e.row for e in plan.errors})
        lines = [t("deal-import-refused", rows=plan.rows, bad=bad_rows)]
        for error in plan.errors[:MAX_REPORTED_ERRORS]:
            lines.append(t("deal-import-row", row=error.row,
                           column=t(f"deal-column-{error.column}"),
                           problem=_problem(t, error.error)))
        if len(plan.errors) > MAX_REPORTED_ERRORS:
            lines.append(t("deal-import-more", count=len(plan.errors) - MAX_REPORTED_ERRORS))
        return [SendText("\n".join(lines))]
    outcomes = await publish_deals(req.db, req.user.id, plan.drafts, plan.keys, req.now())
    if any(o.deal_id is None for o in outcomes):
        problem = next(o.problem for o in outcomes if o.deal_id is None)
        return [SendText(t(f"deal-publish-{problem}"))]
    new = sum(1 for o in outcomes if o.problem is None)
    again = len(outcomes) - new
    return [SendText(t("deal-imported", count=new, again=again),
                     buttons=((Button(t("deal-list"), data="dl:0"),),))]


# --------------------------------------------------------------------------- /deals


@router.command("deals", role=Role.SHOPPER)
async def deals_command(req: Request) -> list[Reply]:
    """The owner's deals with sales and stock left, newest first."""
    return await _deals_page(req, 0)


@router.button("dl", role=Role.SHOPPER)
async def deals_page_button(req: Request) -> list[Reply]:
    parts = req.button_ints(1)
    if parts is None:
        return stale_replies(req)
    return await _deals_page(req, parts[0])


def _stock_text(t: Translator, deal: OwnDeal) -> str:
    return t("deal-unlimited") if deal.stock is None else str(deal.stock)


def _left_text(t: Translator, deal: OwnDeal) -> str:
    """What is left to sell, as it reads after "left" ("no limit" for unlimited stock)."""
    return t("deal-left-unlimited") if deal.stock is None else str(deal.stock)


async def _deals_page(req: Request, offset: int) -> list[Reply]:
    t = req.t
    found = await list_own_deals(req.db, req.user.id, offset=offset, limit=PAGE)
    if found is None:
        return [SendText(t("deal-owner-only"))]
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
        buttons.append(Button(f"{number}. {label}", data=f"dm:{deal.id}"))
    rows = list(keyboard_rows(buttons, 1))
    nav: list[Button] = []
    if offset > 0:
        nav.append(Button(t("page-prev"), data=f"dl:{max(0, offset - PAGE)}"))
    if offset + PAGE < total:
        nav.append(Button(t("page-next"), data=f"dl:{offset + PAGE}"))
    if nav:
        rows.append(tuple(nav))
    return [SendText("\n".join(lines), buttons=tuple(rows))]


async def _own_deal_or_stale(req: Request) -> OwnDeal | list[Reply]:
    parts = req.button_ints(1)
    deal = await get_own_deal(req.db, req.user.id, parts[0]) if parts else None
    return deal if deal is not None else stale_replies(req)


def _deal_page(req: Request, deal: OwnDeal, note: str = "") -> SendText:
    t = req.t
    text = t("deal-page", title=deal.title.get(req.lang),
             status=t(f"deal-status-{deal.shown_status}"),
             price=format_money(deal.price, deal.currency, t.lang),
             original=format_money(deal.original_price, deal.currency, t.lang),
             sold=deal.paid_units, pending=deal.pending_units, left=_left_text(t, deal),
             until=local_date(deal.valid_until, req.user.timezone))
    if deal.merchant_status == "suspended":
        note = "\n".join(filter(None, (note, t("deal-page-suspended"))))
    if note:
        text = f"{note}\n\n{text}"
    rows: list[tuple[Button, ...]] = []
    # While the merchant may not sell, nothing here could be changed: no buttons for it.
    if deal.status != "ended" and deal.merchant_status == "approved":
        edits = [Button(t(f"deal-field-{f}"), data=f"de:{deal.id}:{f}") for f in EDITABLE]
        rows += keyboard_rows(edits, 3)
        toggle = (Button(t("deal-pause"), data=f"dp:{deal.id}") if deal.status == "active"
                  else Button(t("deal-resume"), data=f"dr:{deal.id}"))
        rows.append((toggle, Button(t("deal-end"), data=f"dn:{deal.id}")))
    rows.append((Button(t("deal-list"), data="dl:0"),))
    return SendText(text, buttons=tuple(rows))


@router.button("dm", role=Role.SHOPPER)
async def deal_page_button(req: Request) -> list[Reply]:
    """One of the owner's deals: sales, stock, and Edit / Pause / Resume / End."""
    deal = await _own_deal_or_stale(req)
    return deal if isinstance(deal, list) else [_deal_page(req, deal)]


async def _move(req: Request, action: str) -> list[Reply]:
    parts = req.button_ints(1)
    if parts is None:
        return stale_replies(req)
    outcome = await change_status(req.db, req.user.id, parts[0], action, req.now())
    if outcome == "not_owner":
        return stale_replies(req)
    if outcome == "not_approved":
        reason = await _approved_seller(req)
        return [reason] if isinstance(reason, SendText) else stale_replies(req)
    deal = await get_own_deal(req.db, req.user.id, parts[0])
    assert deal is not None
    note = req.t(f"deal-{action}-{outcome}")
    return [_deal_page(req, deal, note)]


@router.button("dp", role=Role.SHOPPER)
async def pause_button(req: Request) -> list[Reply]:
    return await _move(req, "pause")


@router.button("dr", role=Role.SHOPPER)
async def resume_button(req: Request) -> list[Reply]:
    return await _move(req, "resume")


@router.button("dny", role=Role.SHOPPER)
async def end_button(req: Request) -> list[Reply]:
    return await _move(req, "end")


@router.button("dn", role=Role.SHOPPER)
async def end_ask_button(req: Request) -> list[Reply]:
    """Ending cannot be undone: ask first."""
    deal = await _own_deal_or_stale(req)
    if isinstance(deal, list):
        return deal
    t = req.t
    return [SendText(t("deal-end-confirm", title=deal.title.get(req.lang)),
                     buttons=((Button(t("deal-end-yes"), data=f"dny:{deal.id}"),
                               Button(t("deal-end-no"), data=f"dm:{deal.id}")),))]


@router.button("de", role=Role.SHOPPER)
async def edit_button(req: Request) -> list[Reply]:
    """Ask for the new value of one field of a deal."""
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    field_name = event.data.split(":")[-1]
    seller = await _approved_seller(req)
    if isinstance(seller, SendText):
        return [seller]
    deal = await _own_deal_or_stale(req)
    if isinstance(deal, list) or field_name not in EDITABLE:
        return deal if isinstance(deal, list) else stale_replies(req)
    await req.enter_flow(EDIT_FLOW, field_name, deal_id=deal.id)
    t = req.t
    current = {
        "title": deal.title.get(req.lang),
        "price": format_money(deal.price, deal.currency, t.lang),
        "original_price": format_money(deal.original_price, deal.currency, t.lang),
        "stock": _stock_text(t, deal),
        "valid_until": local_date(deal.valid_until, req.user.timezone),
    }[field_name]
    return [SendText(t("deal-edit-ask", field=t(f"deal-field-{field_name}"), current=current))]


@router.flow(EDIT_FLOW, role=Role.SHOPPER)
async def edit_step(req: Request) -> list[Reply]:
    """The new value of the field being edited; a wrong one is asked again."""
    state, event, t = req.state, req.incoming.event, req.t
    assert state is not None
    deal_id = int(state.data.get("deal_id") or 0)
    field_name = state.step
    if not isinstance(event, Text):
        return [SendText(t("deal-bad-not-text"))]
    try:
        deal = await edit_deal(req.db, req.user.id, deal_id, field_name, event.text,
                               req.now(), req.user.timezone,
                               time_reader(req.now(), req.user.timezone))
    except DealInputError as error:
        return [SendText(_problem(t, error) + "\n"
                         + t("deal-edit-ask-again", field=t(f"deal-field-{field_name}")))]
    except PermissionError:
        await req.leave_flow()
        return stale_replies(req)
    await req.leave_flow()
    return [_deal_page(req, deal, t("deal-edit-saved", field=t(f"deal-field-{field_name}")))]

