"""`/newdeal`: an approved merchant's owner puts a deal on sale.

The guided conversation asks one thing at a time (title, description, photo, price,
original price, group deal, quantity, per-person limit, valid from / until, usage
rules, stores, category, tags, refund policy); each answer is checked where it is given
and a wrong one is asked again with the reason. A preview card ends it: Publish / Edit
/ Cancel. Power users type it all on one line: `/newdeal 双人火锅套餐 | 88 | 168 | 100 |
2026-12-31`, with an optional `| 拼团 3人 69元 24小时`, which goes straight to the same
preview.

The group deal (拼团) is one optional answer, "3人 39元 24小时" or Skip. Its terms must
keep fitting the rest of the draft: a price since lowered to the group price, or a last
day that leaves less than the group window, asks the group question again (and the
flow then goes on where it was).

Buttons: `NewDealChoice` (`nd:<what>[:<arg>]`), a shortcut answer at the step the owner
is at, or the preview's Publish / Edit / Cancel; a press that does not belong to the
current step is stale.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from handlers.common import stale_replies
from handlers.core import Button, Document, Photo, Reply, SendPhoto, SendText, Text, keyboard_rows
from handlers.dates import time_reader
from handlers.deals import group_bounds, group_terms_text, input_problem
from handlers.format import category_label, discount_text, fit_caption, local_date
from handlers.links import deal_payload, start_link
from handlers.payloads import DealList, DealPage, NewDealChoice
from handlers.roles import Role
from handlers.router import Request, Router
from services.catalog.taxonomy import CATEGORIES
from services.merchants.deal_input import (
    DESCRIPTION_MAX,
    REFUND_POLICIES,
    RULES_MAX,
    DealDraft,
    DealFormErrors,
    DealInputError,
    answer_step,
    draft_group_problem,
    group_data,
    parse_one_line,
)
from services.merchants.deals import Seller, publish_deals
from services.platform.merchant_input import CURRENCY, PER_USER_MAX, QUANTITY_MAX
from services.platform.money import format_money

router = Router()
FLOW = "newdeal"
STEPS = ("title", "description", "photo", "price", "original_price", "group", "stock",
         "per_user_limit", "valid_from", "valid_until", "usage_rules", "stores", "category",
         "tags", "refund_policy")
SKIPPABLE = ("description", "photo", "group", "usage_rules", "tags")
LIMIT_CHOICES = (1, 2, 5)  # the per-person limit's buttons
DAY_CHOICES = (7, 30, 90)  # "valid for ... days" buttons

newdeal_flow = router.flow(FLOW, role=Role.OWNER, area="deal", draft=True)


def _seller(req: Request) -> Seller:
    """The merchant the owner sells as (loaded by the route's owner role)."""
    assert req.seller is not None, "owner routes load the seller"
    return req.seller


def _picked(arg: str | None, choices: tuple[int, ...]) -> int | None:
    """The number of the button pressed, if it is one of those offered."""
    return next((n for n in choices if str(n) == arg), None)


# --------------------------------------------------------------------------- /newdeal


@router.command("newdeal", role=Role.OWNER, area="deal")
async def newdeal(req: Request) -> list[Reply]:
    """Start the guided conversation, or take a one-line deal straight to its preview."""
    seller, t = _seller(req), req.t
    if not seller.stores:
        return [SendText(t("deal-no-stores"))]
    token = secrets.token_hex(8)
    if req.args:
        try:
            draft = parse_one_line(req.args, req.now(), req.user.timezone,
                                   time_reader(req.now(), req.user.timezone))
        except DealFormErrors as exc:
            lines = [t("deal-one-line-problems")]
            lines += [f"• {t(f'deal-field-{name}')}: {input_problem(t, error)}"
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
    if step in SKIPPABLE:
        buttons = [Button(t("deal-skip"), data=NewDealChoice("skip").pack())]
    elif step == "stock":
        buttons = [Button(t("deal-unlimited"), data=NewDealChoice("unlimited").pack())]
    elif step == "per_user_limit":
        buttons = [Button(str(n), data=NewDealChoice("n", str(n)).pack())
                   for n in LIMIT_CHOICES]
        per_row = 3
    elif step == "valid_from":
        buttons = [Button(t("deal-from-now"), data=NewDealChoice("now").pack())]
    elif step == "valid_until":
        buttons = [Button(t("deal-days", days=d), data=NewDealChoice("days", str(d)).pack())
                   for d in DAY_CHOICES]
        per_row = 3
    elif step == "stores":
        chosen = set(data.get("store_ids") or [s for s, _ in seller.stores])
        buttons = [Button(("✅ " if store_id in chosen else "⬜ ") + name.get(req.lang),
                          data=NewDealChoice("s", str(store_id)).pack())
                   for store_id, name in seller.stores]
        buttons.append(Button(t("deal-stores-done"), data=NewDealChoice("s", "ok").pack()))
    elif step == "category":
        buttons = [Button(t("deal-category-shop", category=category_label(req.lang,
                                                                          seller.category)),
                          data=NewDealChoice("c", seller.category).pack())]
        buttons += [Button(category_label(req.lang, c.id), data=NewDealChoice("c", c.id).pack())
                    for c in CATEGORIES if c.id != seller.category]
        per_row = 3
    elif step == "refund_policy":
        buttons = [Button(t(f"deal-policy-{p}"), data=NewDealChoice("r", p).pack())
                   for p in REFUND_POLICIES]
    text = t(f"deal-ask-{step}", max_description=DESCRIPTION_MAX, max_rules=RULES_MAX,
             max_quantity=QUANTITY_MAX, max_limit=PER_USER_MAX,
             **group_bounds(t, data.get("price"), str(data.get("currency") or CURRENCY)))
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
    if (problem := draft_group_problem(data, req.now())) is not None:
        # The group terms no longer fit (a lower price, an earlier last day): ask again,
        # then go on from where the owner was.
        data.update(group_data(None))
        if step != "group" and not data.get("editing"):
            data["resume_after"] = step
        await req.enter_flow(FLOW, "group", **data)
        return [_ask(req, seller, "group", data, input_problem(req.t, problem))]
    if step == "group" and data.get("resume_after") in STEPS:
        step = data.pop("resume_after")
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


# --------------------------------------------------------------------------- the steps


async def _typed(req: Request, seller: Seller, data: dict[str, Any],
                 step: str) -> list[Reply]:
    """A typed answer at `step`: the next question, or this one again with the reason."""
    if not isinstance(req.incoming.event, Text):
        return [_ask(req, seller, step, data, req.t("deal-bad-not-text"))]
    try:
        data.update(answer_step(step, req.text, data, req.now(), req.user.timezone,
                                time_reader(req.now(), req.user.timezone)))
    except DealInputError as error:
        return [_ask(req, seller, step, data, input_problem(req.t, error))]
    return await _advance(req, seller, data, step)


@newdeal_flow.step(*(step for step in STEPS if step != "photo"))
async def typed_answer(req: Request) -> list[Reply]:
    """The answer to the question the owner is at."""
    assert req.state is not None
    return await _typed(req, _seller(req), dict(req.state.data), req.state.step)


@newdeal_flow.step("photo")
async def photo_answer(req: Request) -> list[Reply]:
    """The deal's photo, sent as a photo (a picture sent as a file is asked again), or a
    typed "skip"."""
    assert req.state is not None
    seller, data, event = _seller(req), dict(req.state.data), req.incoming.event
    if isinstance(event, Photo):
        data["photo"] = event.file_id
        return await _advance(req, seller, data, "photo")
    if isinstance(event, Document):
        return [_ask(req, seller, "photo", data, req.t("deal-bad-photo-as-file"))]
    return await _typed(req, seller, data, "photo")


@newdeal_flow.step("preview")
async def at_preview(req: Request) -> list[Reply]:
    """Anything sent at the preview: the preview again (its buttons decide)."""
    assert req.state is not None
    draft = _draft_of(dict(req.state.data))
    return _preview(req, _seller(req), draft) if draft else stale_replies(req)


@router.button(NewDealChoice, role=Role.OWNER, area="deal")
async def newdeal_button(req: Request, press: NewDealChoice) -> list[Reply]:
    """A shortcut or choice button inside /newdeal, or the preview's Publish/Edit/Cancel."""
    state = req.state
    if state is None or state.flow != FLOW:
        return stale_replies(req)
    seller = _seller(req)
    data, step = dict(state.data), state.step
    if press.what == "x":
        await req.leave_flow()
        return [SendText(req.t("deal-cancelled"))]
    if step == "preview":
        if press.what == "pub":
            return await _publish(req, seller, data)
        if press.what == "edit":
            return [_edit_menu(req)]
        if press.what == "e" and press.arg in STEPS:
            data["editing"] = True
            await req.enter_flow(FLOW, press.arg, **data)
            return [_ask(req, seller, press.arg, data)]
        return stale_replies(req)
    chosen = _button_choice(req, seller, step, press, data)
    if chosen is None:
        return stale_replies(req)
    if chosen == "again":  # a store toggled: show the choice again
        await req.enter_flow(FLOW, step, **data)
        return [_ask(req, seller, step, data)]
    data.update(chosen)
    return await _advance(req, seller, data, step)


def _button_choice(req: Request, seller: Seller, step: str, press: NewDealChoice,
                   data: dict[str, Any]) -> dict[str, Any] | str | None:
    """What a button pressed at `step` sets; "again" to redraw; None if it does not
    belong to this step (old or forged)."""
    what, arg = press.what, press.arg
    if what == "skip" and step == "group":
        return group_data(None)
    if what == "skip" and step in SKIPPABLE:
        return {step: [] if step == "tags" else ("" if step != "photo" else None)}
    if what == "unlimited" and step == "stock":
        return {"stock": None}
    if what == "n" and step == "per_user_limit" and (limit := _picked(arg, LIMIT_CHOICES)):
        return {"per_user_limit": limit}
    if what == "now" and step == "valid_from":
        return {"valid_from": None}
    if what == "days" and step == "valid_until" and (days := _picked(arg, DAY_CHOICES)):
        day = req.now() + timedelta(days=days)
        try:
            return answer_step("valid_until", local_date(day, req.user.timezone), data,
                               req.now(), req.user.timezone)
        except DealInputError:
            return None
    if what == "s" and step == "stores":
        return _toggle_store(seller, data, arg)
    if what == "c" and step == "category" and any(c.id == arg for c in CATEGORIES):
        return {"category": arg}
    if what == "r" and step == "refund_policy" and arg in REFUND_POLICIES:
        return {"refund_policy": arg}
    return None


def _toggle_store(seller: Seller, data: dict[str, Any],
                  arg: str | None) -> dict[str, Any] | str | None:
    """A store ticked or unticked ("again": draw the choice again; at least one store
    stays ticked), or Done; None for a store that is not the seller's."""
    own = {str(store_id): store_id for store_id, _ in seller.stores}
    chosen = list(data.get("store_ids") or own.values())
    if arg == "ok":
        return {"store_ids": [] if set(chosen) == set(own.values()) else sorted(chosen)}
    store_id = own.get(arg or "")
    if store_id is None:
        return None
    if store_id in chosen and len(chosen) > 1:
        chosen.remove(store_id)
    elif store_id not in chosen:
        chosen.append(store_id)
    data["store_ids"] = sorted(chosen)
    return "again"


# --------------------------------------------------------------------------- the preview


def _edit_menu(req: Request) -> SendText:
    t = req.t
    buttons = [Button(t(f"deal-field-{step}"), data=NewDealChoice("e", step).pack())
               for step in STEPS]
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
        group=group_terms_text(t, draft.group, draft.currency),
    )


def _preview(req: Request, seller: Seller, draft: DealDraft) -> list[Reply]:
    t = req.t
    buttons = ((Button(t("deal-publish"), data=NewDealChoice("pub").pack()),),
               (Button(t("deal-edit"), data=NewDealChoice("edit").pack()),
                Button(t("deal-cancel"), data=NewDealChoice("x").pack())))
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
    if (problem := draft_group_problem(data, req.now())) is not None:
        data.update(group_data(None), editing=True)  # time went by: the window must shrink
        await req.enter_flow(FLOW, "group", **data)
        return [_ask(req, seller, "group", data, input_problem(t, problem))]
    key = f"chat:{seller.merchant_id}:{data.get('token', '')}"
    [outcome] = await publish_deals(req.db, req.user.id, [draft], [key], req.now())
    await req.leave_flow()
    if outcome.problem == "duplicate":
        return [SendText(t("deal-published-already"))]
    if outcome.deal_id is None:
        return [SendText(t(f"deal-publish-{outcome.problem}"))]
    link = start_link(req.app.options.bot_username, deal_payload(outcome.deal_id))
    return [SendText(t("deal-published", title=draft.title, link=link),
                     buttons=((Button(t("deal-manage"),
                                      data=DealPage(outcome.deal_id).pack()),
                               Button(t("deal-list"), data=DealList(0).pack())),))]
