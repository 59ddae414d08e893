"""Table booking (订座) for shoppers: "明晚7点两位" to a confirmed table, `/bookings` to
change or cancel one, the reminder before it with Cancel and "running late".

The service is `services.bookings.booking` (capacity never overbooked, one conditional
write per booking). Here the wish (store, party, day, time) is gathered in the `book`
flow's state, each missing part asked with buttons, then the free starts nearest the
wish are offered: at the chosen store, else at the nearest stores of the same merchant
or category.

Buttons (declared in `handlers.payloads`):
  BookAt          start at this store (store card, storefront, deal card)
  BookStore       the store chosen when asked
  BookParty       how many (0: "more", typed)
  BookDay         which day (days after today)
  BookSlot        book this start: the confirmation itself (a double tap books once)
  BookMove        move one's booking there (`/bookings` Change)
  MyBookings      `/bookings`
  BookChange      change a booking: party, day, time again
  BookCancelAsk   cancel: asks, saying whether the deposit comes back
  BookCancel      yes, cancel (the deposit's refund carried out at once)
  BookLate        running late (0: how late?), the store's people told
Owed news rendered here: `booking_reminder` (due two hours before, outside quiet hours)
and `booking_late` (to the store's owner and staff).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from handlers.booking_deposit import deposit_replies
from handlers.booking_staff import day_view
from handlers.booking_words import day_label, when_text
from handlers.common import answer_press, main_menu
from handlers.core import Button, ButtonPress, EditText, Reply, SendText, SendVenue
from handlers.i18n import Translator
from handlers.owed import renders, translator_for
from handlers.payloads import (
    BookAt,
    BookCancel,
    BookCancelAsk,
    BookChange,
    BookDay,
    BookLate,
    BookMove,
    BookParty,
    BookSlot,
    BookStore,
    MyBookings,
)
from handlers.roles import Role
from handlers.router import App, Request, Router
from nlu import Intent
from nlu.numbers import to_number
from nlu.timex import resolve
from services.bookings.booking import (
    BookingAttempt,
    BookingView,
    FreeSlot,
    book,
    booking_view,
    cancel_booking,
    change_booking,
    check_start,
    free_slots,
    my_bookings,
    offer,
    running_late,
    seating_stores_near,
)
from services.bookings.finding import SeatingStore, seating_stores, store_contact
from services.bookings.seating import StoreSeating, store_seating, zone_of
from services.bookings.slots import local_day
from services.catalog.places import resolve_place
from services.catalog.storefront import get_storefront
from services.marketing.push_settings import get_push_settings
from services.orders.redemption import is_staff
from services.orders.refunds import carry_out
from services.platform.money import format_money

router = Router()

FLOW = "book"
PARTY_BUTTONS = 8  # 1..8, then "more"
DAY_BUTTONS = 7
TIME_BUTTONS = 12
LUNCH_UNTIL = 15 * 60  # a start before 15:00 is lunch
LATE_CHOICES = (10, 20, 30)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

book_flow = router.flow(FLOW, role=Role.SHOPPER)


# ------------------------------------------------------------------ the wish


@dataclass
class Wish:
    """What the shopper asked for so far (the flow's state)."""

    store: int | None = None
    party: int | None = None
    day: date | None = None
    minute: int | None = None  # of the day, on the store's wall clock
    change: int | None = None  # the booking being changed

    def data(self) -> dict[str, Any]:
        """As the flow state keeps it."""
        return {"store": self.store, "party": self.party,
                "day": self.day.isoformat() if self.day else None,
                "minute": self.minute, "change": self.change}

    @classmethod
    def of(cls, req: Request) -> Wish | None:
        """The wish in the user's `book` flow, or None (no such flow, or a broken one)."""
        if req.state is None or req.state.flow != FLOW:
            return None
        data = req.state.data
        try:
            day = data.get("day")
            return cls(_int(data.get("store")), _int(data.get("party")),
                       date.fromisoformat(day) if isinstance(day, str) else None,
                       _int(data.get("minute")), _int(data.get("change")))
        except ValueError:
            return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_minutes(moment: datetime) -> int:
    """A UTC moment as a button carries it: whole minutes since the epoch."""
    return int((moment - EPOCH).total_seconds() // 60)


def from_minutes(minutes: int) -> datetime:
    """The UTC moment a button's minutes mean."""
    return EPOCH + timedelta(minutes=minutes)


def _local(seating: StoreSeating, day: date, minute: int) -> datetime:
    """A wall-clock minute of the store's day, in UTC."""
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    return naive.replace(tzinfo=seating.grid.tz).astimezone(UTC)


def _wish_from_intent(req: Request, intent: Intent) -> Wish:
    """The party, day and time the parse gives (a clock time is the start of a one-hour
    window; a part of the day, its middle; a day alone leaves the time to ask)."""
    wish = Wish()
    party = intent.get("party_size")
    if isinstance(party, int) and not isinstance(party, bool):
        wish.party = party
    window = intent.window
    span = intent.get("time")
    if window is None and isinstance(span, str):
        window = resolve(span, req.now(), zone_of(req.user.timezone))
    if window is not None:
        length = window.end - window.start
        wish.day = window.start.date()
        if length <= timedelta(hours=1):
            wish.minute = window.start.hour * 60 + window.start.minute
        elif length < timedelta(hours=20):
            middle = window.start + length / 2
            wish.minute = (middle.hour * 60 + middle.minute) // 30 * 30
    return wish


# ------------------------------------------------------------------ words


def _slot_label(t: Translator, seating: StoreSeating, slot: FreeSlot, same_day: date | None,
                now: datetime, lang: str, with_store: bool = False) -> str:
    local = slot.starts_at.astimezone(seating.grid.tz)
    label = f"{local:%H:%M}" if local.date() == same_day \
        else f"{day_label(t, local.date(), local_day(now, seating.grid.tz))} {local:%H:%M}"
    return f"{seating.name.get(lang)} · {label}" if with_store else label


def _slot_button(wish: Wish, seating: StoreSeating, party: int, at: datetime,
                 label: str) -> Button:
    """A start's button: books it, or moves the booking being changed there."""
    if wish.change is not None:
        return Button(label, data=BookMove(wish.change, party, to_minutes(at)).pack())
    return Button(label, data=BookSlot(seating.store_id, party, to_minutes(at)).pack())


def _rows(buttons: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def booking_text(t: Translator, view: BookingView, now: datetime, lang: str) -> str:
    """A booking in full: code, store, address, when, party and table, deposit."""
    lines = [t("booking-line-store", name=view.store_name.get(lang)),
             t("booking-line-when", when=when_text(t, view.starts_at, view.timezone, now)),
             t("booking-line-party", party=str(view.party), seats=str(view.seats)),
             t("booking-line-code", code=view.code)]
    if view.address.get(lang):
        lines.insert(1, t("booking-line-address", address=view.address.get(lang)))
    if view.deposit:
        amount = format_money(view.deposit, view.currency, lang)
        lines.append(t("booking-line-deposit-paid" if view.deposit_paid
                       else "booking-line-deposit-due", amount=amount))
    if view.late_minutes:
        lines.append(t("booking-line-late", minutes=str(view.late_minutes)))
    return "\n".join(lines)


def _venue(view: BookingView, lang: str) -> SendVenue:
    return SendVenue(view.lat, view.lon, view.store_name.get(lang), view.address.get(lang))


def _phone_line(t: Translator, phone: str | None) -> str:
    return t("booking-call", phone=phone) if phone else t("booking-call-no-phone")


# ------------------------------------------------------------------ starting


@router.intent("book_table", role=Role.SHOPPER)
async def book_table(req: Request, intent: Intent, text: str) -> list[Reply]:
    """"明晚7点两位", "周六中午 4个人 海底捞", "table for 2 tomorrow 7pm at the Wanda one":
    the wish the words give, at the store they name (or the nearest), the rest asked."""
    wish = _wish_from_intent(req, intent)
    stores = await _stores_for(req, intent)
    if len(stores) == 1 or (stores and _named(intent)):
        wish.store = stores[0].store_id
    elif intent.ref("merchant") and not stores:
        no_seat = await _merchant_without_seating(req, intent)
        if no_seat is not None:
            return no_seat
    return await advance(req, wish, choices=stores)


def _named(intent: Intent) -> bool:
    return bool(intent.ref("merchant") or intent.get("place"))


async def _near(req: Request, intent: Intent) -> tuple[float, float] | None:
    """The point the shopper means: the place named, else their shared location."""
    for name in ("place", "merchant"):
        written = intent.get(name)
        if isinstance(written, str) and (name == "place" or not intent.ref("merchant")):
            place = await resolve_place(req.db, written)
            if place is not None:
                return place.lat, place.lon
    if req.user.last_lat is not None and req.user.last_lon is not None:
        return req.user.last_lat, req.user.last_lon
    return None


async def _stores_for(req: Request, intent: Intent) -> list[SeatingStore]:
    """The stores taking bookings the message can mean: the merchant's named (nearest
    the place or the shopper first), else those of the category named, else those
    nearest the place or the shopper, else the best rated."""
    near = await _near(req, intent)
    slug = intent.ref("merchant")
    if slug:
        return await seating_stores(req.db, merchant_slug=slug, near=near)
    category = intent.ref("category")  # "明晚7点两位 火锅": hotpot places first
    if category:
        of_kind = await seating_stores(req.db, category=category, near=near)
        if of_kind:
            return of_kind
    return await seating_stores(req.db, near=near)


async def _merchant_without_seating(req: Request, intent: Intent) -> list[Reply] | None:
    """A merchant named that takes no bookings: say so, with its phone and stores that
    do nearby."""
    slug = intent.ref("merchant")
    front = await get_storefront(req.db, slug or "", req.now(), None, None)
    if front is None:
        return None
    phone = next((s.phone for s, _ in front.stores if s.phone), None)
    first = front.stores[0][0] if front.stores else None
    near = (first.lat, first.lon) if first is not None else None
    others = await seating_stores(req.db, near=near)
    text = "\n".join([req.t("booking-no-seating", name=front.name.get(req.lang)),
                      _phone_line(req.t, phone)])
    return [SendText(text + ("\n\n" + req.t("booking-elsewhere") if others else ""),
                     buttons=_store_buttons(req, others))]


def _store_buttons(req: Request, stores: list[SeatingStore]) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(s.name.get(req.lang), data=BookStore(s.store_id).pack()),)
                 for s in stores)


@router.button(BookAt, role=Role.SHOPPER)
async def book_at(req: Request, press: BookAt) -> list[Reply]:
    """Book pressed on a store or deal card: a new wish at that store."""
    return [answer_press(req), *await advance(req, Wish(store=press.store_id))]


@router.button(BookStore, role=Role.SHOPPER)
async def book_store(req: Request, press: BookStore) -> list[Reply]:
    """The store chosen for the wish being asked about (a new wish if none waits)."""
    wish = Wish.of(req) or Wish()
    wish.store, wish.change = press.store_id, None
    return [answer_press(req), *await advance(req, wish)]


@router.button(BookParty, role=Role.SHOPPER)
async def book_party(req: Request, press: BookParty) -> list[Reply]:
    """How many: 1..8 from the buttons, or "more" (then typed)."""
    wish = Wish.of(req)
    if wish is None:
        return await _expired(req)
    if press.party == 0:
        await req.enter_flow(FLOW, "party", **wish.data())
        seating = await store_seating(req.db, wish.store) if wish.store else None
        largest = seating.largest if seating else 0
        return [answer_press(req), SendText(req.t("booking-ask-party-number",
                                                  largest=str(largest)))]
    wish.party = press.party
    return [answer_press(req), *await advance(req, wish)]


@router.button(BookDay, role=Role.SHOPPER)
async def book_day(req: Request, press: BookDay) -> list[Reply]:
    """Which day."""
    wish = Wish.of(req)
    if wish is None or wish.store is None or press.offset > 400:
        return await _expired(req)
    seating = await store_seating(req.db, wish.store)
    if seating is None:
        return await _expired(req)
    wish.day = local_day(req.now(), seating.grid.tz) + timedelta(days=press.offset)
    wish.minute = None
    return [answer_press(req), *await advance(req, wish)]


async def _expired(req: Request) -> list[Reply]:
    """A booking button whose question is over (answered, expired, or forged)."""
    return [answer_press(req), SendText(req.t("booking-expired"), buttons=main_menu(req.t))]


@book_flow.step("party")
async def typed_party(req: Request) -> list[Reply]:
    """The party typed after "more"."""
    wish = Wish.of(req)
    if wish is None:
        return await _expired(req)
    text = unicodedata.normalize("NFKC", req.text).strip()
    number = to_number(text[:20]) if text else None
    if number is None:  # "4个人", "明晚7点", or something else altogether
        return await _typed_other(req, wish)
    if number != int(number) or not 1 <= number <= 99:
        seating = await store_seating(req.db, wish.store) if wish.store else None
        return [SendText(req.t("booking-bad-party",
                               largest=str(seating.largest if seating else 0)))]
    wish.party = int(number)
    return await advance(req, wish)


@book_flow.step()
async def typed_in_flow(req: Request) -> list[Reply]:
    """Text while a booking question waits: more of the wish ("明晚7点", "4个人") when
    the parser reads it so, else a new message."""
    wish = Wish.of(req)
    if wish is None:
        await req.leave_flow()
        return await _outside(req)
    return await _typed_other(req, wish)


async def _typed_other(req: Request, wish: Wish) -> list[Reply]:
    text = " ".join(req.text.split())
    if not text:
        return await _outside(req)
    parser = await req.app.understanding()
    intent = parser.parse(text, lang=req.lang, now=req.now(), tz=req.user.timezone)
    more = _wish_from_intent(req, intent)
    if intent.name == "book_table" or more.party is not None or more.day is not None:
        if intent.ref("merchant") or intent.get("place"):
            return await book_table(req, intent, text)  # another store: a new wish
        wish.party = more.party or wish.party
        if more.day is not None:
            wish.day, wish.minute = more.day, more.minute
        return await advance(req, wish)
    await req.leave_flow()
    return await _outside(req)


async def _outside(req: Request) -> list[Reply]:
    assert req.router is not None
    result = await req.router.run_event(req, "text")
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


# ------------------------------------------------------------------ gathering


async def advance(req: Request, wish: Wish, *,
                  choices: list[SeatingStore] | None = None) -> list[Reply]:
    """The next question of the wish (store, party, day, time), or the offer."""
    t, now = req.t, req.now()
    if wish.store is None:
        return await _ask_store(req, wish, choices)
    seating = await store_seating(req.db, wish.store, req.app.options.default_timezone)
    if seating is None:
        return await _no_seating(req, wish.store)
    name = seating.name.get(req.lang)
    if not seating.open_for_business:
        await req.leave_flow()
        return [SendText(t("booking-closed-store", name=name))]
    if wish.party is None:
        return await _ask_party(req, wish, seating)
    if not 1 <= wish.party <= 99:
        await req.enter_flow(FLOW, "party", **wish.data())
        return [SendText(t("booking-bad-party", largest=str(seating.largest)))]
    if wish.party > seating.largest:
        await req.leave_flow()
        return [SendText("\n".join([
            t("booking-party-too-big", name=name, party=str(wish.party),
              largest=str(seating.largest)), _phone_line(t, seating.phone)]))]
    today = local_day(now, seating.grid.tz)
    if wish.day is None:
        return await _ask_day(req, wish, seating, today)
    if wish.minute is None:
        return await _ask_time(req, wish, seating, today)
    return await _offer(req, wish, seating, today)


async def _ask_store(req: Request, wish: Wish,
                     choices: list[SeatingStore] | None) -> list[Reply]:
    stores = choices or await seating_stores(req.db)
    if not stores:
        await req.leave_flow()
        return [SendText(req.t("booking-no-stores"), buttons=main_menu(req.t))]
    await req.enter_flow(FLOW, "store", **wish.data())
    return [SendText(req.t("booking-ask-store"), buttons=_store_buttons(req, stores))]


async def _no_seating(req: Request, store_id: int) -> list[Reply]:
    """A store that takes no bookings: its phone, and stores that do nearby."""
    await req.leave_flow()
    store = await store_contact(req.db, store_id)
    if store is None:
        return await _expired(req)
    others = await seating_stores(req.db, near=(store.lat, store.lon))
    text = "\n".join([req.t("booking-no-seating", name=store.name.get(req.lang)),
                      _phone_line(req.t, store.phone)])
    if others:
        text += "\n\n" + req.t("booking-elsewhere")
    return [SendText(text, buttons=_store_buttons(req, others))]


async def _ask_party(req: Request, wish: Wish, seating: StoreSeating) -> list[Reply]:
    await req.enter_flow(FLOW, "party", **wish.data())
    top = min(PARTY_BUTTONS, seating.largest)
    buttons = [Button(str(n), data=BookParty(n).pack()) for n in range(1, top + 1)]
    more = Button(req.t("booking-party-more"), data=BookParty(0).pack())
    rows = (*_rows(buttons, 4), (more,))
    return [SendText(req.t("booking-ask-party", name=seating.name.get(req.lang)),
                     buttons=rows)]


async def _ask_day(req: Request, wish: Wish, seating: StoreSeating, today: date,
                   lead: str = "") -> list[Reply]:
    """The next open days within the horizon, as buttons."""
    from services.bookings.slots import day_starts

    await req.enter_flow(FLOW, "day", **wish.data())
    buttons: list[Button] = []
    low = req.now()
    horizon = min(seating.grid.horizon_days, 30)
    for offset in range(horizon + 1):
        day = today + timedelta(days=offset)
        if any(s > low for s in day_starts(seating.grid, day)):
            buttons.append(Button(day_label(req.t, day, today), data=BookDay(offset).pack()))
        if len(buttons) >= DAY_BUTTONS:
            break
    text = req.t("booking-ask-day", name=seating.name.get(req.lang), party=str(wish.party))
    if lead:
        text = lead + "\n" + text
    if not buttons:
        await req.leave_flow()
        return [SendText("\n".join([lead, req.t("booking-no-days"),
                                    _phone_line(req.t, seating.phone)]).strip())]
    return [SendText(text, buttons=_rows(buttons, 2))]


def _pick_times(slots: list[FreeSlot], tz: Any) -> tuple[list[FreeSlot], list[FreeSlot]]:
    """Lunch and dinner starts, at most `TIME_BUTTONS` in all, nearest 12:00 and 18:30."""
    lunch = [s for s in slots if _minute(s.starts_at, tz) < LUNCH_UNTIL]
    dinner = [s for s in slots if _minute(s.starts_at, tz) >= LUNCH_UNTIL]
    half = TIME_BUTTONS // 2
    take_lunch = min(len(lunch), max(half, TIME_BUTTONS - len(dinner)))
    take_dinner = min(len(dinner), TIME_BUTTONS - take_lunch)

    def nearest(group: list[FreeSlot], minute: int, count: int) -> list[FreeSlot]:
        ranked = sorted(group, key=lambda s: (abs(_minute(s.starts_at, tz) - minute),
                                              s.starts_at))
        return sorted(ranked[:count], key=lambda s: s.starts_at)

    return nearest(lunch, 12 * 60, take_lunch), nearest(dinner, 18 * 60 + 30, take_dinner)


def _minute(moment: datetime, tz: Any) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


async def _ask_time(req: Request, wish: Wish, seating: StoreSeating, today: date,
                    lead: str = "") -> list[Reply]:
    """The store's free starts that day as buttons, lunch then dinner."""
    assert wish.day is not None and wish.party is not None
    t, now = req.t, req.now()
    first = _local(seating, wish.day, 0)
    last = _local(seating, wish.day + timedelta(days=1), 0)
    slots = await free_slots(req.db, seating, wish.party, first, last, now)
    when = day_label(t, wish.day, today)
    if not slots:
        why = t("booking-day-full", name=seating.name.get(req.lang), day=when,
                party=str(wish.party))
        return await _ask_day(req, Wish(wish.store, wish.party, None, None, wish.change),
                              seating, today, lead=(lead + "\n" + why).strip())
    await req.enter_flow(FLOW, "time", **wish.data())
    lunch, dinner = _pick_times(slots, seating.grid.tz)
    rows: list[tuple[Button, ...]] = []
    lines = [lead] if lead else []
    lines.append(t("booking-ask-time", name=seating.name.get(req.lang), day=when,
                   party=str(wish.party)))
    for group, key in ((lunch, "booking-lunch"), (dinner, "booking-dinner")):
        if group:
            lines.append(t(key) + " " + " ".join(
                f"{s.starts_at.astimezone(seating.grid.tz):%H:%M}" for s in group))
            rows += _rows([_slot_button(wish, seating, wish.party, s.starts_at,
                                        f"{s.starts_at.astimezone(seating.grid.tz):%H:%M}")
                           for s in group], 4)
    return [SendText("\n".join(lines), buttons=rows)]


async def _offer(req: Request, wish: Wish, seating: StoreSeating, today: date) -> list[Reply]:
    """The exact wish when free (Confirm), else the nearest free starts at that store,
    else at the same merchant's or category's nearest stores, else the next days."""
    assert wish.day is not None and wish.minute is not None and wish.party is not None
    t, now, lang = req.t, req.now(), req.lang
    party = wish.party
    start = _local(seating, wish.day, wish.minute)
    name = seating.name.get(lang)
    when = when_text(t, start, str(seating.grid.tz), now)
    why = check_start(seating, party, start, now)
    lead = ""
    if why == "too_far":
        return await _ask_day(req, Wish(wish.store, party, None, None, wish.change), seating,
                              today, lead=t("booking-too-far", days=str(seating.grid.horizon_days)))
    if why == "in_past":
        lead = t("booking-in-past", when=when)
    elif why == "not_offered":
        hours = seating.grid.hours or "-"
        lead = t("booking-not-offered", name=name, when=when, hours=hours)
    found = await offer(req.db, seating, party, start, now)
    await req.enter_flow(FLOW, "offer", **wish.data())
    if found.exact and why is None:
        text = t("booking-free", name=name, when=when, party=str(party))
        others = [s for s in found.slots if s.starts_at != start][:4]
        clock = f"{start.astimezone(seating.grid.tz):%H:%M}"
        rows: list[tuple[Button, ...]] = [(_slot_button(
            wish, seating, party, start, t("booking-confirm-button", when=clock)),)]
        if others:
            text += "\n" + t("booking-or-else")
            rows += _rows([_slot_button(wish, seating, party, s.starts_at,
                                        _slot_label(t, seating, s, wish.day, now, lang))
                           for s in others], 4)
        return [SendText(text, buttons=rows)]
    local_start_day = start.astimezone(seating.grid.tz).date()
    same_day = [s for s in found.slots
                if s.starts_at.astimezone(seating.grid.tz).date() == local_start_day]
    if same_day:
        lines = [lead or t("booking-full", name=name, when=when),
                 t("booking-nearest", name=name)]
        buttons = [_slot_button(wish, seating, party, s.starts_at,
                                _slot_label(t, seating, s, local_start_day, now, lang))
                   for s in same_day]
        return [SendText("\n".join(lines), buttons=_rows(buttons, 3))]
    # Nothing that day here: the nearest stores of the merchant or category that day.
    lines = [lead or t("booking-full-day", name=name, when=when)]
    rows = []
    if wish.change is None and why is None:
        for other in await seating_stores_near(req.db, seating,
                                               default_tz=req.app.options.default_timezone):
            if party > other.largest:
                continue
            there = await offer(req.db, other, party, start, now, limit=3)
            near = [s for s in there.slots
                    if s.starts_at.astimezone(other.grid.tz).date() == local_start_day]
            rows += [(_slot_button(wish, other, party, s.starts_at,
                                   _slot_label(t, other, s, local_start_day, now, lang,
                                               with_store=True)),) for s in near]
        if rows:
            lines.append(t("booking-other-stores"))
    later = [s for s in found.slots if s not in same_day][:4]
    if later:
        lines.append(t("booking-later-days", name=name))
        rows += _rows([_slot_button(wish, seating, party, s.starts_at,
                                    _slot_label(t, seating, s, None, now, lang))
                       for s in later], 2)
    if not rows:
        return await _ask_day(req, Wish(wish.store, party, None, None, wish.change), seating,
                              today, lead="\n".join(lines))
    return [SendText("\n".join(lines), buttons=tuple(rows))]


# ------------------------------------------------------------------ booking


async def _quiet(req: Request) -> tuple[int, int, str] | None:
    """The user's quiet hours (start, end, zone) for the reminder, None without."""
    settings = await get_push_settings(req.db, req.user.id, req.app.options.push_max_per_day)
    if not settings.has_quiet_hours:
        return None
    return settings.quiet_start, settings.quiet_end, settings.timezone


@router.button(BookSlot, role=Role.SHOPPER)
async def book_slot(req: Request, press: BookSlot) -> list[Reply]:
    """A start pressed (Confirm, or one of the offered ones): book it."""
    now = req.now()
    starts_at = from_minutes(press.at)
    done = await book(req.db, req.user.id, press.store_id, press.party, starts_at, now,
                      name=req.user.first_name[:60] or None,
                      default_tz=req.app.options.default_timezone, quiet=await _quiet(req),
                      no_show_deposit=req.app.options.booking_no_show_deposit)
    if done.booking is not None:
        if req.state is not None and req.state.flow == FLOW:
            await req.leave_flow()
        return [answer_press(req), *await confirmation(req, done.booking, "booking-done",
                                                       why=done.deposit_why)]
    return [answer_press(req), *await _refused(req, done, press.store_id, press.party,
                                               starts_at, Wish(store=press.store_id,
                                                               party=press.party))]


async def _refused(req: Request, done: BookingAttempt, store_id: int, party: int,
                   starts_at: datetime, wish: Wish) -> list[Reply]:
    """Why that start could not be booked, and what instead."""
    t, now = req.t, req.now()
    reason = done.reason or "full"
    if reason == "already_booked" and done.conflict is not None:
        mine = done.conflict
        if mine.store_id == store_id and mine.starts_at == starts_at:
            return await confirmation(req, mine, "booking-already-yours")  # a double tap
        return [SendText("\n".join([t("booking-already-booked"),
                                    booking_text(t, mine, now, req.lang)]),
                         buttons=_booking_buttons(t, mine))]
    if reason in ("no_seating", "closed_store"):
        return await advance(req, Wish(store=store_id))
    if reason == "bad_party":
        return await _expired(req)
    seating = await store_seating(req.db, store_id, req.app.options.default_timezone)
    if seating is None:
        return await _expired(req)
    local = starts_at.astimezone(seating.grid.tz)
    wish.party = party
    wish.day, wish.minute = local.date(), local.hour * 60 + local.minute
    if reason == "full":
        return await advance(req, wish)
    return await advance(req, wish)  # in_past, too_far, not_offered, party_too_big: say so


async def confirmation(req: Request, view: BookingView, head: str,
                       why: str | None = None) -> list[Reply]:
    """The booking as confirmed (or held for its deposit, `why` it is asked: "store" or
    "no_shows"): its details, the store as a venue, My bookings and Cancel."""
    t, lang = req.t, req.lang
    if view.status == "held":  # not booked until the deposit is paid
        head = "booking-held-head"
    text = t(head) + "\n" + booking_text(t, view, req.now(), lang)
    replies: list[Reply] = []
    if view.status == "held":
        cancel = Button(t("booking-cancel-button"), data=BookCancelAsk(view.id).pack())
        deposit = await deposit_replies(req, view, why=why, extra=(cancel,))
        return [SendText(text), *deposit, _venue(view, lang)]
    replies.append(SendText(text, buttons=_booking_buttons(t, view)))
    if view.lat or view.lon:
        replies.append(_venue(view, lang))
    return replies


def _booking_buttons(t: Translator, view: BookingView) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = []
    if view.live:
        rows.append((Button(t("booking-change-button"), data=BookChange(view.id).pack()),
                     Button(t("booking-cancel-button"), data=BookCancelAsk(view.id).pack())))
    rows.append((Button(t("booking-mine-button"), data=MyBookings().pack()),))
    return tuple(rows)


# ------------------------------------------------------------------ /bookings


@router.command("bookings", role=Role.SHOPPER)
async def bookings(req: Request) -> list[Reply]:
    """One's bookings, upcoming first, each with Change and Cancel. Staff's
    `/bookings today` is their store's day (`handlers.booking_staff.day_view`)."""
    args = req.args.strip()
    if args and await is_staff(req.db, req.user.id):
        return await day_view(req, args)
    return [await _my_list(req)]


async def _my_list(req: Request) -> SendText:
    t, now, lang = req.t, req.now(), req.lang
    views = await my_bookings(req.db, req.user.id, now)
    if not views:
        return SendText(t("bookings-none"), buttons=main_menu(t))
    lines = [t("bookings-title", count=str(len(views)))]
    rows: list[tuple[Button, ...]] = []
    for number, view in enumerate(views, start=1):
        lines += ["", t("bookings-line", number=str(number), name=view.store_name.get(lang),
                        when=when_text(t, view.starts_at, view.timezone, now),
                        party=str(view.party), code=view.code,
                        status=t(f"booking-status-{view.status}"))]
        if view.live and view.ends_at > now:
            rows.append((Button(t("bookings-change", number=str(number)),
                                data=BookChange(view.id).pack()),
                         Button(t("bookings-cancel", number=str(number)),
                                data=BookCancelAsk(view.id).pack())))
    return SendText("\n".join(lines), buttons=tuple(rows))


@router.button(MyBookings, role=Role.SHOPPER)
async def my_bookings_button(req: Request, press: MyBookings) -> list[Reply]:
    """My bookings pressed."""
    return [answer_press(req), await _my_list(req)]


async def _mine(req: Request, booking_id: int) -> BookingView | None:
    view = await booking_view(req.db, booking_id)
    return view if view is not None and view.user_id == req.user.id else None


@router.button(BookChange, role=Role.SHOPPER)
async def change(req: Request, press: BookChange) -> list[Reply]:
    """Change: the party, day and time asked again at the same store."""
    view = await _mine(req, press.booking_id)
    if view is None or not view.live:
        return [answer_press(req), SendText(req.t("booking-not-changeable")),
                await _my_list(req)]
    wish = Wish(store=view.store_id, change=view.id)
    return [answer_press(req), SendText(req.t("booking-changing", code=view.code)),
            *await advance(req, wish)]


@router.button(BookMove, role=Role.SHOPPER)
async def move(req: Request, press: BookMove) -> list[Reply]:
    """The new start chosen: the booking moves (the old table kept until then)."""
    t, now = req.t, req.now()
    starts_at = from_minutes(press.at)
    done = await change_booking(req.db, press.booking_id, req.user.id, starts_at, press.party,
                                now, default_tz=req.app.options.default_timezone,
                                quiet=await _quiet(req))
    if done.reason is None and done.booking is not None:
        if req.state is not None and req.state.flow == FLOW:
            await req.leave_flow()
        return [answer_press(req), *await confirmation(req, done.booking, "booking-changed")]
    if done.reason in ("not_yours", "not_live"):
        return [answer_press(req), SendText(t("booking-not-changeable")), await _my_list(req)]
    view = await _mine(req, press.booking_id)
    if view is None:
        return await _expired(req)
    if done.reason == "already_booked" and done.conflict is not None:
        return [answer_press(req), SendText("\n".join([
            t("booking-already-booked"), booking_text(t, done.conflict, now, req.lang)]))]
    return [answer_press(req), *await _refused(
        req, done, view.store_id, press.party, starts_at,
        Wish(store=view.store_id, party=press.party, change=view.id))]


@router.button(BookCancelAsk, role=Role.SHOPPER)
async def cancel_ask(req: Request, press: BookCancelAsk) -> list[Reply]:
    """Cancel: what it means for the deposit, to confirm."""
    t, now = req.t, req.now()
    view = await _mine(req, press.booking_id)
    if view is None or not view.live:
        return [answer_press(req), SendText(t("booking-nothing-to-cancel")),
                await _my_list(req)]
    lines = [t("booking-cancel-ask"), booking_text(t, view, now, req.lang)]
    if view.deposit_paid:
        amount = format_money(view.deposit, view.currency, req.lang)
        lines.append(t("booking-cancel-deposit-back" if view.deposit_back_if_cancelled(now)
                       else "booking-cancel-deposit-kept", amount=amount,
                       hours=str(view.cancel_hours)))
    return [answer_press(req), SendText("\n".join(lines), buttons=(
        (Button(t("booking-cancel-yes"), data=BookCancel(view.id).pack()),),
        (Button(t("booking-cancel-no"), data=MyBookings().pack()),)))]


@router.button(BookCancel, role=Role.SHOPPER)
async def cancel(req: Request, press: BookCancel) -> list[Reply]:
    """Yes, cancel: the table is free again and a deposit due back is refunded (once: a
    second tap finds nothing to cancel)."""
    t, now = req.t, req.now()
    view = await _mine(req, press.booking_id)
    if view is None:
        return await _expired(req)
    closed = await cancel_booking(req.db, press.booking_id, now, user_id=req.user.id)
    if not closed.changed:
        text = t("booking-nothing-to-cancel")
    else:
        text = t("booking-cancelled", code=view.code)
        if closed.refund_id is not None:
            done = await carry_out(req.db, closed.refund_id, req.app.payments.refund, now,
                                   tell_buyer=False)
            amount = format_money(view.deposit, view.currency, req.lang)
            text += "\n" + t("booking-deposit-back" if done is not None and done.status == "done"
                             else "booking-deposit-pending", amount=amount)
        elif closed.deposit_kept:
            text += "\n" + t("booking-deposit-kept")
    event = req.incoming.event
    buttons = ((Button(t("booking-mine-button"), data=MyBookings().pack()),),)
    if isinstance(event, ButtonPress) and event.message_id is not None:
        return [answer_press(req), EditText(event.message_id, text, buttons=buttons)]
    return [answer_press(req), SendText(text, buttons=buttons)]


# ------------------------------------------------------------------ running late


@router.button(BookLate, role=Role.SHOPPER)
async def late(req: Request, press: BookLate) -> list[Reply]:
    """Running late: how late (10/20/30 min), then the store is told."""
    t = req.t
    view = await _mine(req, press.booking_id)
    if view is None or view.status != "confirmed":
        return [answer_press(req), SendText(t("booking-late-nothing"))]
    if press.minutes not in LATE_CHOICES:
        return [answer_press(req), SendText(t("booking-late-ask"), buttons=(tuple(
            Button(t("booking-late-choice", minutes=str(m)), data=BookLate(view.id, m).pack())
            for m in LATE_CHOICES),))]
    done = await running_late(req.db, view.id, req.user.id, press.minutes, req.now())
    if done is None:
        return [answer_press(req), SendText(t("booking-late-nothing"))]
    return [answer_press(req), SendText(t("booking-late-told", minutes=str(press.minutes),
                                          name=done.store_name.get(req.lang)),
                                        buttons=_booking_buttons(t, done))]


# ------------------------------------------------------------------ the news


@renders("booking_reminder")
async def _owed_reminder(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """The reminder before a booking, with Cancel and Running late; nothing when the
    booking is no longer confirmed, moved since (its new reminder is owed apart) or has
    begun (a reminder held up past the start, by a stopped bot, reminds of nothing)."""
    view = await booking_view(app.db, int(params["booking_id"]))
    if view is None or view.status != "confirmed" \
            or view.starts_at.isoformat() != params.get("starts_at") \
            or view.starts_at <= app.clock():
        return []
    t = await translator_for(app, chat_id)
    now = app.clock()
    text = t("booking-reminder") + "\n" + booking_text(t, view, now, t.lang)
    buttons = ((Button(t("booking-late-button"), data=BookLate(view.id, 0).pack()),
                Button(t("booking-cancel-button"), data=BookCancelAsk(view.id).pack())),)
    replies: list[Reply] = [SendText(text, buttons=buttons)]
    if view.lat or view.lon:
        replies.append(_venue(view, t.lang))
    return replies


@renders("booking_late")
async def _owed_late(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """The store's people told a booker is running late."""
    view = await booking_view(app.db, int(params["booking_id"]))
    if view is None or view.status != "confirmed":
        return []
    t = await translator_for(app, chat_id)
    local = view.local_start()
    return [SendText(t("booking-late-staff", code=view.code, name=view.name or "-",
                       party=str(view.party), time=f"{local:%H:%M}",
                       store=view.store_name.get(t.lang), minutes=str(params.get("minutes")))) ]


# ------------------------------------------------------------------ cards


async def book_button(t: Translator, db: Any, store_ids: list[int]) -> Button | None:
    """"Book a table" for the first of these stores that takes bookings (store ids in
    the order the card shows them), None when none does."""
    if not store_ids:
        return None
    stores = {s.store_id for s in await seating_stores(db, store_ids=store_ids, limit=50)}
    first = next((s for s in store_ids if s in stores), None)
    return Button(t("booking-book-button"), data=BookAt(first).pack()) if first else None
