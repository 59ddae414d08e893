"""The staff's day: a store's bookings of one day, marked arrived or no-show with a
button, and walk-ins that block a table.

`day_view(req, args)` answers `/bookings today|今天|tomorrow|明天|yesterday|昨天|YYYY-MM-DD`
(the shopper's `/bookings` hands it the arguments when the person works for a merchant)
and `/daybook` (the same, for staff; no argument: today); a booking's code
(`/daybook ABCD2345`) shows that one booking. Each store the person works at and that
takes bookings gets one message: the day's totals (bookings and people, arrived, no-shows,
walk-ins), a line per booking (local time, party, name, status, minutes late, code) and,
for each confirmed one, Arrived / No-show buttons; pages of `PAGE` bookings; the days
before and after; on today's page, Walk-in. A mark or a walk-in draws the page again in
the same message (an edit). Staff see and mark only their merchant's stores (the one store
they are tied to, if any); an owner every store of the merchant.

For people who work for a merchant (`Role.STAFF`, area "booking"); which store a press is
about is checked against the stores the presser works at, and the mark itself
(`services.bookings.booking.mark_booking`) checks the merchant again.

Buttons (declared in handlers/payloads.py):
  StaffDay          bsd:<store>:<yyyymmdd>:<page>  a store's day, one page
  StaffMark         bsm:<booking>:<to>:<page>      arrived / no_show, then the page again
  StaffWalkIn       bsw:<store>                    seat a walk-in now: how many?
  StaffWalkInParty  bsp:<store>:<party>            the walk-in's party size
"""

from __future__ import annotations

import re
from datetime import date, datetime

from handlers.core import Button, ButtonPress, Buttons, EditText, Reply, SendText, Text
from handlers.format import short_label
from handlers.i18n import Translator
from handlers.payloads import StaffDay, StaffMark, StaffWalkIn, StaffWalkInParty
from handlers.roles import Role
from handlers.router import Request, Router
from services.bookings.booking import (
    NEAR,
    NO_SHOW_GRACE,
    BookingView,
    booking_by_code,
    booking_view,
    mark_booking,
    walk_in,
)
from services.bookings.seating import store_seating, zone_of
from services.bookings.staff_day import StoreDay, WorkStore, store_day, working_stores, works_at
from services.platform.merchant_input import clean_text

router = Router()
PAGE = 8  # bookings on one page (8 lines and 8 rows of buttons stay far below 4,096)
STORES_MAX = 10  # messages one /daybook sends
WALK_IN_FLOW = "walkin"
WALK_IN_PARTY_BUTTONS = 8
DAY_WORDS = {"": 0, "today": 0, "今天": 0, "今日": 0, "tomorrow": 1, "明天": 1, "明日": 1,
             "yesterday": -1, "昨天": -1, "昨日": -1, "后天": 2}
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_CODE = re.compile(r"[A-Za-z0-9]{6,12}")


def _day_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _day_of(number: int) -> date | None:
    try:
        return date(number // 10_000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def _today(store: WorkStore, now: datetime) -> date:
    return now.astimezone(zone_of(store.timezone)).date()


# ----------------------------------------------------------------------- drawing


def _who(t: Translator, booking: BookingView) -> str:
    if booking.walk_in:
        return t("staffday-walk-in-name")
    return short_label(booking.name or t("staffday-no-name"), 20)


def _line(t: Translator, booking: BookingView) -> str:
    text = t("staffday-line", time=booking.local_start().strftime("%H:%M"),
             party=booking.party, name=_who(t, booking),
             status=t(f"staffday-status-{booking.status}"), code=booking.code)
    if booking.late_minutes and booking.live:
        text += " " + t("staffday-late", minutes=booking.late_minutes)
    return text


def _totals(t: Translator, day: StoreDay) -> str:
    totals = day.totals
    text = t("staffday-totals", booked=totals.booked, covers=totals.covers,
             arrived=totals.arrived)
    extra = []
    if totals.no_shows:
        extra.append(t("staffday-totals-no-shows", count=totals.no_shows))
    if totals.walk_ins:
        extra.append(t("staffday-totals-walk-ins", count=totals.walk_ins,
                       covers=totals.walk_in_covers))
    return " · ".join([text, *extra])


def _mark_row(t: Translator, booking: BookingView, page: int) -> tuple[Button, ...]:
    at, who = booking.local_start().strftime("%H:%M"), short_label(_who(t, booking), 10)
    return (Button(t("staffday-arrived-button", time=at, name=who),
                   data=StaffMark(booking.id, "arrived", page).pack()),
            Button(t("staffday-no-show-button", time=at),
                   data=StaffMark(booking.id, "no_show", page).pack()))


def _draw(req: Request, day: StoreDay, page: int, note: str = "") -> tuple[str, Buttons]:
    """The text and buttons of one page of a store's day."""
    t = req.t
    pages = max(1, -(-len(day.bookings) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = day.bookings[page * PAGE:(page + 1) * PAGE]
    lines = [note] if note else []
    lines.append(t("staffday-title", name=day.store.name.get(req.lang),
                   date=day.day.isoformat(), weekday=t(f"staffday-weekday-{day.day.weekday()}")))
    lines.append(_totals(t, day))
    if not day.bookings:
        lines.append(t("staffday-none"))
    lines.extend(_line(t, b) for b in shown)
    if pages > 1:
        lines.append(t("staffday-page", page=page + 1, pages=pages))
    rows: list[tuple[Button, ...]] = [
        _mark_row(t, b, page) for b in shown if b.status == "confirmed"]
    store_id, number = day.store.store_id, _day_number(day.day)
    if pages > 1:
        nav = [Button(t(key), data=StaffDay(store_id, number, page + step).pack())
               for key, step, shown_if in (("staffday-earlier", -1, page > 0),
                                           ("staffday-later", 1, page < pages - 1)) if shown_if]
        rows.append(tuple(nav))
    days = []
    for step, key in ((-1, "staffday-day-before"), (1, "staffday-day-after")):
        other = date.fromordinal(day.day.toordinal() + step)
        days.append(Button(t(key), data=StaffDay(store_id, _day_number(other)).pack()))
    days.insert(1, Button(t("staffday-refresh"), data=StaffDay(store_id, number, page).pack()))
    rows.append(tuple(days))
    if day.day == _today(day.store, req.now()) and day.store.takes_bookings:
        rows.append((Button(t("staffday-walk-in-button"), data=StaffWalkIn(store_id).pack()),))
    return "\n".join(lines), tuple(rows)


async def _page_reply(req: Request, store: WorkStore, day: date, page: int,
                      note: str = "") -> Reply:
    """The page as a new message, or as an edit of the pressed button's message."""
    text, buttons = _draw(req, await store_day(req.db, store, day), page, note)
    event = req.incoming.event
    if isinstance(event, ButtonPress) and event.message_id is not None:
        return EditText(event.message_id, text, buttons)
    return SendText(text, buttons=buttons)


# ----------------------------------------------------------------------- the day


def read_day(args: str) -> int | date | None:
    """What the staff asked for: days from today (0 today, 1 tomorrow, -1 yesterday), a
    date, or None when it is neither."""
    word = clean_text(args or "").lower()
    if word in DAY_WORDS:
        return DAY_WORDS[word]
    match = _DATE.fullmatch(word)
    if match is not None:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    return None


async def day_view(req: Request, args: str) -> list[Reply]:
    """`/bookings today|tomorrow|YYYY-MM-DD|<code>` for staff: a message per store they
    work at that takes bookings; a code shows that booking (see the module's docstring)."""
    t, tz = req.t, req.app.options.default_timezone
    stores = await working_stores(req.db, req.user.id, tz)
    if not stores:
        return [SendText(t("staffday-not-staff"))]
    wanted = read_day(args)
    if wanted is None:
        code = clean_text(args or "")
        if _CODE.fullmatch(code.replace(" ", "")) and not code.isdigit():
            return await _by_code(req, stores, code)
        return [SendText(t("staffday-help"))]
    taking = [s for s in stores if s.takes_bookings]
    if not taking:
        return [SendText(t("staffday-no-seating"))]
    replies: list[Reply] = []
    for store in taking[:STORES_MAX]:
        day = wanted if isinstance(wanted, date) else date.fromordinal(
            _today(store, req.now()).toordinal() + wanted)
        replies.append(await _page_reply(req, store, day, 0))
    return replies


async def _by_code(req: Request, stores: list[WorkStore], code: str) -> list[Reply]:
    t = req.t
    booking = await booking_by_code(req.db, code)
    if booking is None or booking.store_id not in {s.store_id for s in stores}:
        return [SendText(t("staffday-no-code", code=short_label(code, 12)))]
    store = next(s for s in stores if s.store_id == booking.store_id)
    day = booking.local_start().date()
    text = "\n".join([t("staffday-found", name=store.name.get(req.lang), date=day.isoformat()),
                      _line(t, booking)])
    rows: list[tuple[Button, ...]] = []
    if booking.status == "confirmed":
        rows.append(_mark_row(t, booking, 0))
    rows.append((Button(t("staffday-open-day"),
                        data=StaffDay(store.store_id, _day_number(day)).pack()),))
    return [SendText(text, buttons=tuple(rows))]


@router.command("daybook", role=Role.STAFF, area="booking")
async def daybook(req: Request) -> list[Reply]:
    """`/daybook [today|tomorrow|YYYY-MM-DD|code]`: the staff's day (see `day_view`)."""
    return await day_view(req, req.args)


@router.button(StaffDay, role=Role.STAFF, area="booking")
async def show_day(req: Request, press: StaffDay) -> list[Reply]:
    """Another page or day of a store's bookings, in the same message."""
    store = await works_at(req.db, req.user.id, press.store_id)
    day = _day_of(press.day)
    if store is None or day is None:
        return [SendText(req.t("staffday-not-yours"))]
    return [await _page_reply(req, store, day, press.page)]


# ----------------------------------------------------------------------- marks


@router.button(StaffMark, role=Role.STAFF, area="booking")
async def mark(req: Request, press: StaffMark) -> list[Reply]:
    """Mark a booking arrived or no-show, then draw its day's page again."""
    t = req.t
    booking = await booking_view(req.db, press.booking_id)
    store = await works_at(req.db, req.user.id, booking.store_id) if booking else None
    if booking is None or store is None:
        return [SendText(t("staffday-not-yours"))]
    done = await mark_booking(req.db, booking.id, booking.merchant_id, press.to, req.now())
    if isinstance(done, str):
        if done == "too_early":
            when = (booking.starts_at + NO_SHOW_GRACE if press.to == "no_show"
                    else booking.starts_at - NEAR)
            local = when.astimezone(zone_of(store.timezone)).strftime("%H:%M")
            return [SendText(t(f"staffday-too-early-{press.to}", time=local,
                               name=_who(t, booking)))]
        return [SendText(t("staffday-not-yours"))]
    after = done.booking or booking
    if done.changed:
        note = t(f"staffday-marked-{press.to}", name=_who(t, after))
    else:
        note = t("staffday-unchanged", name=_who(t, after),
                 status=t(f"staffday-status-{after.status}"))
    day = booking.local_start().date()
    return [await _page_reply(req, store, day, press.page, note)]


# ----------------------------------------------------------------------- walk-ins


@router.button(StaffWalkIn, role=Role.STAFF, area="booking")
async def walk_in_start(req: Request, press: StaffWalkIn) -> list[Reply]:
    """How many people walked in? (buttons, or type the number)."""
    t = req.t
    store = await works_at(req.db, req.user.id, press.store_id)
    if store is None:
        return [SendText(t("staffday-not-yours"))]
    seating = await store_seating(req.db, store.store_id, req.app.options.default_timezone)
    if seating is None or seating.largest == 0:
        return [SendText(t("staffday-walk-in-no-tables", name=store.name.get(req.lang)))]
    sizes = list(range(1, min(WALK_IN_PARTY_BUTTONS, seating.largest) + 1))
    sizes += [k.seats for k in seating.kinds
              if k.seats > WALK_IN_PARTY_BUTTONS and k.tables > 0 and k.seats not in sizes]
    buttons = [Button(str(n), data=StaffWalkInParty(store.store_id, n).pack()) for n in sizes]
    rows = tuple(tuple(buttons[i:i + 4]) for i in range(0, len(buttons), 4))
    await req.enter_flow(WALK_IN_FLOW, "party", store_id=store.store_id)
    return [SendText(t("staffday-walk-in-ask", name=store.name.get(req.lang),
                       largest=seating.largest), buttons=rows)]


async def _seat(req: Request, store_id: int, party: int) -> list[Reply]:
    """Seat the walk-in once (the question is left first: a double tap seats one)."""
    t = req.t
    state = req.state
    if (state is None or state.flow != WALK_IN_FLOW or state.data.get("store_id") != store_id
            or not await req.leave_flow()):
        return [SendText(t("staffday-walk-in-stale"))]
    store = await works_at(req.db, req.user.id, store_id)
    if store is None:
        return [SendText(t("staffday-not-yours"))]
    attempt = await walk_in(req.db, store_id, party, req.now(),
                            default_tz=req.app.options.default_timezone)
    if attempt.booking is None:
        reason = attempt.reason or "full"
        return [SendText(t(f"staffday-walk-in-{reason}", party=party, largest=attempt.largest))]
    seated = attempt.booking
    until = seated.ends_at.astimezone(zone_of(store.timezone)).strftime("%H:%M")
    note = t("staffday-walk-in-done", party=party, seats=seated.seats, until=until)
    return [await _page_reply(req, store, _today(store, req.now()), 0, note)]


@router.button(StaffWalkInParty, role=Role.STAFF, area="booking")
async def walk_in_party(req: Request, press: StaffWalkInParty) -> list[Reply]:
    """The walk-in's party size pressed."""
    return await _seat(req, press.store_id, press.party)


walk_in_flow = router.flow(WALK_IN_FLOW, role=Role.STAFF, area="booking")


@walk_in_flow.step("party")
async def walk_in_typed(req: Request) -> list[Reply]:
    """The party size typed instead of pressed."""
    assert req.state is not None
    event = req.incoming.event
    typed = clean_text(event.text) if isinstance(event, Text) else ""
    store_id = req.state.data.get("store_id")
    if not typed.isdigit() or not isinstance(store_id, int) or len(typed) > 3:
        return [SendText(req.t("staffday-walk-in-ask-number"))]
    return await _seat(req, store_id, int(typed))
