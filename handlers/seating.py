"""The owner's seating: `/seating` sets which tables a store has and how bookings work
there, in one line (the grammar is `services.bookings.seating_input`).

`/seating` shows each of the owner's stores as it takes bookings now (or not), asks which
store when there are several (buttons), then asks for one line; the tables alone are
enough ("2x6 4x4 8x1": the defaults do the rest), options may follow in Chinese or
English. `/seating 2x6 4x4` answers at once for an owner with one store (with several,
the line waits for the store to be chosen). The reply says the saved plan in words.
A store without opening hours cannot take bookings: the owner is told how to set them.
"Stop taking bookings" keeps the tables' rows (their bookings stay valid) and takes no
new bookings; typing the tables again starts again.

For the owner of an approved merchant (`Role.OWNER`, area "seating"); the router checks
the role on every press and answer, the handlers that the store is the owner's.

Buttons (declared in handlers/payloads.py):
  SeatingStore   seat:<store>  set this store's seating
  SeatingStop    seaq:<store>  stop taking bookings at this store
  SeatingCancel  seax          leave /seating, nothing changed
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers.common import stale_replies
from handlers.core import Button, Reply, SendText, Text
from handlers.i18n import Translator
from handlers.payloads import SeatingCancel, SeatingStop, SeatingStore
from handlers.roles import Role
from handlers.router import Request, Router
from services.bookings.seating import (
    SeatingPlan,
    StoreSeating,
    save_plan,
    set_store_timezone,
    store_seating,
)
from services.bookings.seating_input import SeatingInputError, read_seating
from services.bookings.slots import day_starts, local_day
from services.catalog.deal_cards import StoreView
from services.merchants.stores import list_stores, owned_store
from services.platform.money import format_money

router = Router()
FLOW = "seating"
CHOOSE, PLAN = "store", "plan"  # the flow's steps: which store, then the one line
STORE_KEY, LINE_KEY = "store_id", "line"


# ----------------------------------------------------------------------- words


def tables_text(t: Translator, tables: tuple[tuple[int, int], ...]) -> str:
    """"2人桌×6、4人桌×4" / "6 two-seat tables, ..." in the reader's language."""
    return t("seating-list-sep").join(t("seating-table", seats=s, count=n) for s, n in tables)


def plan_text(t: Translator, seating: StoreSeating, lang: str) -> str:
    """A store's seating in words: tables, slots, sitting, how far ahead, last seating,
    closed days, deposit and its deadline, timezone and hours."""
    plan = seating.plan
    if not plan.tables:
        return t("seating-summary-none")
    total_tables = sum(n for _, n in plan.tables)
    total_seats = sum(s * n for s, n in plan.tables)
    lines = [
        t("seating-summary-tables", tables=tables_text(t, plan.tables), total=total_tables,
          seats=total_seats),
        t("seating-summary-times", slot=plan.slot_minutes, stay=plan.stay_minutes),
        t("seating-summary-ahead", ahead=plan.horizon_days, last=plan.last_seating_minutes),
    ]
    if plan.closed_days:
        days = t("seating-list-sep").join(t(f"seating-day-{d}") for d in sorted(plan.closed_days))
        lines.append(t("seating-summary-closed", days=days))
    else:
        lines.append(t("seating-summary-open-daily"))
    if plan.deposit:
        lines.append(t("seating-summary-deposit", amount=format_money(
            plan.deposit, plan.currency, lang), hours=plan.cancel_hours))
    else:
        lines.append(t("seating-summary-no-deposit"))
    lines.append(t("seating-summary-timezone", zone=seating.grid.tz.key, hours=seating.grid.hours))
    return "\n".join(lines)


def _short(t: Translator, store: StoreView, seating: StoreSeating | None) -> str:
    """One store in the overview: its tables, or why it takes no bookings."""
    if not store.opening_hours:
        return t("seating-overview-no-hours")
    if seating is None:
        return t("seating-overview-off")
    if not seating.plan.tables:
        return t("seating-overview-stopped")
    return tables_text(t, seating.plan.tables)


def _bad(t: Translator, error: SeatingInputError) -> str:
    return t(f"seating-bad-{error.reason}", **error.args_)


def _no_starts(seating: StoreSeating, req: Request) -> bool:
    """Does the saved plan offer no start at all in the coming week (hours too short
    for the last seating, every open day closed)?"""
    today = local_day(req.now(), seating.grid.tz)
    return not any(day_starts(seating.grid, today + timedelta(days=n)) for n in range(7))


# ----------------------------------------------------------------------- /seating


@router.command("seating", role=Role.OWNER, area="seating")
async def seating_command(req: Request) -> list[Reply]:
    """The owner's stores as they take bookings now; then which store, or (one store)
    the question, or (with a line after the command) the answer itself."""
    t, seller = req.t, req.seller
    stores = await list_stores(req.db, seller.merchant_id)
    if not stores:
        return [SendText(t("seating-no-stores"))]
    tz = req.app.options.default_timezone
    lines = [t("seating-overview-title", merchant=seller.name.get(req.lang))]
    for store in stores:
        seating = await store_seating(req.db, store.id, tz)
        lines.append(t("seating-overview-line", name=store.name.get(req.lang),
                       summary=_short(t, store, seating)))
    overview = SendText("\n".join(lines))
    line = req.args.strip()
    if len(stores) == 1:
        if line:
            return await _answer(req, stores[0], line)
        return [overview, *await _ask(req, stores[0])]
    await req.enter_flow(FLOW, CHOOSE, **({LINE_KEY: line[:400]} if line else {}))
    buttons = tuple((Button(t("seating-store-button", name=s.name.get(req.lang)),
                            data=SeatingStore(s.id).pack()),) for s in stores[:20])
    cancel = (Button(t("seating-cancel-button"), data=SeatingCancel().pack()),)
    return [overview, SendText(t("seating-choose-store"), buttons=(*buttons, cancel))]


async def _ask(req: Request, store: StoreView, problem: str = "") -> list[Reply]:
    """Ask for the one line of `store`'s seating (after why the last one was wrong)."""
    t = req.t
    name = store.name.get(req.lang)
    if not store.opening_hours:
        await req.leave_flow()
        return [SendText(t("seating-needs-hours", name=name))]
    seating = await store_seating(req.db, store.id, req.app.options.default_timezone)
    await req.enter_flow(FLOW, PLAN, **{STORE_KEY: store.id})
    has_tables = seating is not None and bool(seating.plan.tables)
    parts = [problem] if problem else []
    if has_tables and not problem:
        assert seating is not None
        parts.append(t("seating-current", name=name) + "\n" + plan_text(t, seating, req.lang))
    parts.append(t("seating-ask-again" if has_tables else "seating-ask", name=name))
    row = [Button(t("seating-cancel-button"), data=SeatingCancel().pack())]
    if has_tables:
        row.insert(0, Button(t("seating-stop-button"), data=SeatingStop(store.id).pack()))
    return [SendText("\n\n".join(parts), buttons=(tuple(row),))]


async def _answer(req: Request, store: StoreView, line: str) -> list[Reply]:
    """Read the owner's line for `store`, save it and say the plan in words; a wrong
    line is explained and asked again."""
    t, tz = req.t, req.app.options.default_timezone
    if not store.opening_hours:
        await req.leave_flow()
        return [SendText(t("seating-needs-hours", name=store.name.get(req.lang)))]
    current = await store_seating(req.db, store.id, tz)
    try:
        answer = read_seating(line)
        plan = answer.plan(current.plan if current is not None else None)
    except SeatingInputError as error:
        return await _ask(req, store, _bad(t, error))
    await req.leave_flow()
    return await _save(req, store, plan, answer.timezone)


async def _save(req: Request, store: StoreView, plan: SeatingPlan,
                timezone: str | None) -> list[Reply]:
    t, tz = req.t, req.app.options.default_timezone
    name = store.name.get(req.lang)
    await save_plan(req.db, store.id, plan, req.now())
    if timezone is not None:
        await set_store_timezone(req.db, store.id, timezone or None)
    saved = await store_seating(req.db, store.id, tz)
    assert saved is not None
    if not plan.tables:
        return [SendText(t("seating-stopped", name=name))]
    text = t("seating-saved", name=name) + "\n" + plan_text(t, saved, req.lang)
    if _no_starts(saved, req):
        text += "\n\n" + t("seating-no-starts", last=plan.last_seating_minutes)
    return [SendText(text)]


seating_flow = router.flow(FLOW, role=Role.OWNER, area="seating")


@seating_flow.step(CHOOSE)
async def choose_again(req: Request) -> list[Reply]:
    """Something typed while the store buttons are shown: choose with them."""
    return [SendText(req.t("seating-choose-with-buttons"))]


@seating_flow.step(PLAN)
async def plan_answered(req: Request) -> list[Reply]:
    """The owner's line for the store being set."""
    assert req.state is not None
    store_id = req.state.data.get(STORE_KEY)
    store = (await owned_store(req.db, req.user.id, store_id)
             if isinstance(store_id, int) else None)
    if store is None:
        await req.leave_flow()
        return [SendText(req.t("seating-not-yours"))]
    event = req.incoming.event
    if not isinstance(event, Text):
        return await _ask(req, store, req.t("seating-bad-empty"))
    return await _answer(req, store, event.text)


@router.button(SeatingStore, role=Role.OWNER, area="seating")
async def store_chosen(req: Request, press: SeatingStore) -> list[Reply]:
    """The store chosen: the line typed with /seating is applied, else it is asked."""
    store = await owned_store(req.db, req.user.id, press.store_id)
    if store is None:
        return [SendText(req.t("seating-not-yours"))]
    state = req.state
    line = ""
    if state is not None and state.flow == FLOW and state.step == CHOOSE:
        line = str(state.data.get(LINE_KEY) or "")
    if line:
        return await _answer(req, store, line)
    return await _ask(req, store)


@router.button(SeatingStop, role=Role.OWNER, area="seating")
async def stop(req: Request, press: SeatingStop) -> list[Reply]:
    """Take no new bookings at the store (its tables and bookings are kept)."""
    t = req.t
    store = await owned_store(req.db, req.user.id, press.store_id)
    if store is None:
        return [SendText(t("seating-not-yours"))]
    if req.state is not None and req.state.flow == FLOW:
        await req.leave_flow()
    current = await store_seating(req.db, store.id, req.app.options.default_timezone)
    if current is None or not current.plan.tables:
        return [SendText(t("seating-already-stopped", name=store.name.get(req.lang)))]
    return await _save(req, store, replace(current.plan, tables=()), None)


# Leaving one's own question needs no right (an owner suspended meanwhile may leave).
@router.button(SeatingCancel, role=Role.SHOPPER)
async def cancel(req: Request, press: SeatingCancel) -> list[Reply]:
    """Leave /seating; nothing changes."""
    if req.state is None or req.state.flow != FLOW:
        return stale_replies(req)
    await req.leave_flow()
    return [SendText(req.t("seating-cancelled"))]
