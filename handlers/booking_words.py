"""How a booking's day and time are said, on the store's wall clock ("明天 19:00",
"11月28日 周六 12:30"): shared by the booking flow, deposits and the staff's day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.i18n import Translator
from services.bookings.seating import zone_of
from services.bookings.slots import local_day


def day_label(t: Translator, day: date, today: date) -> str:
    """"今天" / "明天" / "11月28日 周六"."""
    if day == today:
        return t("booking-today")
    if day == today + timedelta(days=1):
        return t("booking-tomorrow")
    return t("booking-day", month=str(day.month), day=str(day.day),
             weekday=t(f"booking-weekday-{day.weekday()}"))


def when_text(t: Translator, moment: datetime, tz_name: str, now: datetime) -> str:
    """"明天 19:00" on the store's wall clock."""
    tz = zone_of(tz_name)
    local = moment.astimezone(tz)
    return f"{day_label(t, local.date(), local_day(now, tz))} {local:%H:%M}"
