"""A merchant's numbers for its owner: sales, redemptions and followers over a period,
day by day in the owner's time zone, and the list of its orders for a CSV export.

Every figure is aggregated by the database (one query per kind of figure, grouped by
local day), never by walking rows in Python, and the same SQL runs on SQLite and
PostgreSQL: local days are turned into UTC boundaries here, and a `CASE` over those
boundaries buckets each timestamp into its day, so daylight-saving changes are right.

What the figures mean:
- paid orders, units and revenue count the orders *paid* in the period (whatever
  happened to them since); revenue is what they paid minus what was refunded of them;
- redemptions are the codes redeemed *during* the period (whenever they were bought);
- the redemption rate is, of the codes issued for the orders paid in the period, the
  share redeemed so far;
- new followers are the follows made in the period;
- campaign results are those of the runs whose scheduled start (occurrence) falls in
  the period, counted as the run's final report counts them
  (`services.marketing.pushes.reports`): sent pushes, coupons claimed from them, and
  pushes that ended in a visit (the pushed coupon used, or the pushed deal paid for after
  the push), however long after the period.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    func,
)
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual
from services.marketing.pushes.reports import push_results
from services.platform.clock import as_utc
from services.platform.database import Database
from services.platform.money import minor_digits
from storage.models import (
    Campaign,
    CampaignRun,
    CodeStatus,
    CouponTemplate,
    Deal,
    Delivery,
    Follow,
    Merchant,
    Order,
    OrderStatus,
    RedemptionCode,
)

TOP_DEALS = 5
CAMPAIGN_RUNS_SHOWN = 5  # the newest runs /stats lists one by one (all are in the total)
PERIOD_DAYS = (7, 30)  # the periods /stats and /export offer
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every status an order can have (the export's status column is translated from these).
ORDER_STATUSES: tuple[str, ...] = tuple(s.value for s in OrderStatus)


def zone(name: str) -> ZoneInfo:
    """The time zone called `name`; UTC when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Period:
    """Whole local days, from `first` to `last` (inclusive), in `timezone`.

    `start` and `end` are the UTC bounds (start inclusive, end exclusive); `start` is
    None for "since the beginning" (then `days` is empty and `first` None).
    """

    timezone: str
    start: datetime | None
    end: datetime
    days: tuple[date, ...]
    first: date | None
    last: date

    def bounds(self) -> tuple[datetime, ...]:
        """The UTC moment each local day starts, and the end of the last day."""
        tz = zone(self.timezone)
        starts = [local_midnight(day, tz) for day in self.days]
        return (*starts, self.end)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC moment `day` starts in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def period_of(days: int | None, now: datetime, timezone: str) -> Period:
    """The last `days` local days up to and including today in `timezone` (None: all
    time up to the end of today). An unknown time zone counts as UTC."""
    tz = zone(timezone)
    timezone = tz.key
    today = now.astimezone(tz).date()
    end = local_midnight(today + timedelta(days=1), tz)
    if days is None:
        return Period(timezone, None, end, (), None, today)
    if days < 1:
        raise ValueError("a period is at least one day")
    covered = tuple(today - timedelta(days=n) for n in range(days - 1, -1, -1))
    return Period(timezone, local_midnight(covered[0], tz), end, covered, covered[0], today)


def _within(column: ColumnElement[datetime], period: Period) -> list[ColumnElement[bool]]:
    where = [column < period.end]
    if period.start is not None:
        where.append(column >= period.start)
    return where


def _day_of(column: ColumnElement[datetime], period: Period) -> ColumnElement[int]:
    """The index in `period.days` of the local day `column` falls in (a SQL CASE)."""
    bounds = period.bounds()
    return case(*((column < bounds[i + 1], i) for i in range(len(period.days))), else_=-1)


# ------------------------------------------------------------------ the numbers


@dataclass(frozen=True)
class DealFigures:
    """One deal's sales in the period."""

    deal_id: int
    title: Bilingual
    orders: int
    units: int
    revenue: int  # minor units, net of refunds
    currency: str


@dataclass(frozen=True)
class DayFigures:
    """One local day: revenue (net, per currency) of the orders paid that day, and
    codes redeemed that day."""

    day: date
    orders: int
    units: int
    revenue: dict[str, int]
    redemptions: int


@dataclass(frozen=True)
class CampaignRunFigures:
    """One campaign run that started in the period, as its final report counts it."""

    run_id: int
    campaign_id: int
    title: Bilingual  # the promoted coupon's or deal's title (either may be missing)
    occurrence: datetime  # the run's scheduled start (UTC)
    sent: int
    claimed: int  # coupons claimed from the pushes
    redeemed: int  # pushes that ended in a visit (coupon used / deal bought after it)


@dataclass(frozen=True)
class CampaignTotals:
    """All campaign runs that started in the period, added up."""

    runs: int
    sent: int
    claimed: int
    redeemed: int


@dataclass(frozen=True)
class MerchantStats:
    """A merchant's figures over a period (see the module docstring for definitions)."""

    period: Period
    orders: int
    units: int
    revenue: dict[str, int]  # currency -> minor units, net of refunds
    refunded: dict[str, int]  # currency -> minor units refunded of those orders
    redemptions: int
    codes_issued: int  # codes of the orders paid in the period
    codes_redeemed: int  # of those, redeemed by now
    new_followers: int
    top_deals: tuple[DealFigures, ...]
    daily: tuple[DayFigures, ...]
    # The newest runs (at most CAMPAIGN_RUNS_SHOWN) and the sum of all; None: no runs.
    campaign_runs: tuple[CampaignRunFigures, ...] = ()
    campaign_totals: CampaignTotals | None = None

    @property
    def redemption_rate(self) -> int | None:
        """`codes_redeemed` as a whole percent of `codes_issued` (None without codes)."""
        if not self.codes_issued:
            return None
        return (200 * self.codes_redeemed + self.codes_issued) // (2 * self.codes_issued)

    @property
    def main_currency(self) -> str | None:
        """The currency most of the revenue is in (for the chart); None without sales."""
        if not self.revenue:
            return None
        return max(sorted(self.revenue), key=lambda c: self.revenue[c])

    @property
    def is_empty(self) -> bool:
        """Nothing was paid or redeemed in the period."""
        return self.orders == 0 and self.redemptions == 0


def _paid_orders(merchant_id: int, period: Period) -> list[ColumnElement[bool]]:
    return [Deal.merchant_id == merchant_id, col(Order.paid_at).is_not(None),
            *_within(col(Order.paid_at), period)]


def _sales_by_day(merchant_id: int, period: Period) -> Select:  # type: ignore[type-arg]
    """Orders paid in the period, per local day and currency."""
    inner = (
        select(
            _day_of(col(Order.paid_at), period).label("day"),
            col(Order.currency).label("currency"),
            col(Order.quantity).label("quantity"),
            (col(Order.total) - col(Order.refunded)).label("net"),
            col(Order.refunded).label("refunded"),
        )
        .join(Deal, col(Deal.id) == col(Order.deal_id))
        .where(*_paid_orders(merchant_id, period))
        .subquery()
    )
    return (
        select(inner.c.day, inner.c.currency, func.count(), func.sum(inner.c.quantity),
               func.sum(inner.c.net), func.sum(inner.c.refunded))
        .group_by(inner.c.day, inner.c.currency)
    )


def _redemptions_by_day(merchant_id: int, period: Period) -> Select:  # type: ignore[type-arg]
    """Codes of the merchant redeemed in the period, per local day."""
    inner = (
        select(_day_of(col(RedemptionCode.redeemed_at), period).label("day"))
        .join(Deal, col(Deal.id) == col(RedemptionCode.deal_id))
        .where(Deal.merchant_id == merchant_id, RedemptionCode.status == CodeStatus.REDEEMED,
               col(RedemptionCode.redeemed_at).is_not(None),
               *_within(col(RedemptionCode.redeemed_at), period))
        .subquery()
    )
    return select(inner.c.day, func.count()).group_by(inner.c.day)


def _campaign_runs(merchant_id: int, period: Period) -> Select:  # type: ignore[type-arg]
    """One query: the merchant's runs that started in the period, newest first, at most
    CAMPAIGN_RUNS_SHOWN, each with its counts and the promoted offer's titles, and on
    every row the totals of ALL the period's runs (window sums, taken before the LIMIT).
    The counts are the run report's (`services.marketing.pushes.reports.push_results`)."""
    sent, claimed, redeemed = push_results()
    runs = (
        select(
            col(CampaignRun.id).label("run_id"), col(CampaignRun.occurrence).label("occurrence"),
            col(Campaign.id).label("campaign_id"), col(Campaign.template_id).label("template_id"),
            col(Campaign.deal_id).label("deal_id"),
            sent.label("sent"), claimed.label("claimed"), redeemed.label("redeemed"),
        )
        .select_from(CampaignRun)
        .join(Campaign, col(Campaign.id) == col(CampaignRun.campaign_id))
        .outerjoin(Delivery, col(Delivery.run_id) == col(CampaignRun.id))
        .where(Campaign.merchant_id == merchant_id, *_within(col(CampaignRun.occurrence), period))
        .group_by(col(CampaignRun.id), col(CampaignRun.occurrence), col(Campaign.id),
                  col(Campaign.template_id), col(Campaign.deal_id))
        .subquery()
    )
    return (
        select(runs.c.run_id, runs.c.campaign_id, runs.c.occurrence, runs.c.sent,
               runs.c.claimed, runs.c.redeemed,
               func.count().over(), func.sum(runs.c.sent).over(),
               func.sum(runs.c.claimed).over(), func.sum(runs.c.redeemed).over(),
               col(CouponTemplate.title_zh), col(CouponTemplate.title_en),
               col(Deal.title_zh), col(Deal.title_en))
        .select_from(runs)
        .outerjoin(CouponTemplate, col(CouponTemplate.id) == runs.c.template_id)
        .outerjoin(Deal, col(Deal.id) == runs.c.deal_id)
        .order_by(runs.c.occurrence.desc(), runs.c.run_id.desc())
        .limit(CAMPAIGN_RUNS_SHOWN)
    )


def _campaign_figures(rows: Sequence[Any]) -> tuple[tuple[CampaignRunFigures, ...],
                                                     CampaignTotals | None]:
    """The listed runs and the period's totals from `_campaign_runs`' rows."""
    if not rows:
        return (), None
    listed = tuple(
        CampaignRunFigures(
            run_id=int(r[0]), campaign_id=int(r[1]),
            title=Bilingual(r[10], r[11]) if (r[10] or r[11]) else Bilingual(r[12], r[13]),
            occurrence=as_utc(r[2]), sent=int(r[3] or 0), claimed=int(r[4] or 0),
            redeemed=int(r[5] or 0))
        for r in rows
    )
    first = rows[0]
    return listed, CampaignTotals(int(first[6]), int(first[7] or 0), int(first[8] or 0),
                                  int(first[9] or 0))


async def merchant_stats(db: Database, merchant_id: int, period: Period) -> MerchantStats:
    """The figures of `merchant_id` over `period` (which must have days)."""
    if not period.days:
        raise ValueError("merchant_stats needs a period of whole days")
    redeemed = func.sum(case((RedemptionCode.status == CodeStatus.REDEEMED, 1), else_=0))
    deal_revenue = func.sum(col(Order.total) - col(Order.refunded))
    deal_units = func.sum(col(Order.quantity))
    async with db.session() as session:
        sales = (await session.exec(_sales_by_day(merchant_id, period))).all()
        visits = (await session.exec(_redemptions_by_day(merchant_id, period))).all()
        issued, used = (
            await session.exec(
                select(func.count(col(RedemptionCode.id)), redeemed)
                .join(Order, col(Order.id) == col(RedemptionCode.order_id))
                .join(Deal, col(Deal.id) == col(Order.deal_id))
                .where(*_paid_orders(merchant_id, period))
            )
        ).one()
        followers = (
            await session.exec(
                select(func.count()).select_from(Follow)
                .where(Follow.merchant_id == merchant_id, *_within(col(Follow.created_at), period))
            )
        ).one()
        top = (
            await session.exec(
                select(Deal.id, Deal.title_zh, Deal.title_en, Order.currency, func.count(),
                       deal_units, deal_revenue)
                .join(Deal, col(Deal.id) == col(Order.deal_id))
                .where(*_paid_orders(merchant_id, period))
                .group_by(col(Deal.id), col(Deal.title_zh), col(Deal.title_en),
                          col(Order.currency))
                .order_by(deal_revenue.desc(), deal_units.desc(), col(Deal.id))
                .limit(TOP_DEALS)
            )
        ).all()
        runs = (await session.exec(_campaign_runs(merchant_id, period))).all()
    campaign_runs, campaign_totals = _campaign_figures(runs)
    count = len(period.days)
    orders_on, units_on, visits_on = [0] * count, [0] * count, [0] * count
    revenue_on: list[dict[str, int]] = [{} for _ in range(count)]
    revenue: dict[str, int] = {}
    refunded: dict[str, int] = {}
    for index, currency, orders, units, net, back in sales:
        day = int(index)
        if not 0 <= day < count:  # pragma: no cover - the WHERE keeps rows inside
            continue
        orders_on[day] += int(orders)
        units_on[day] += int(units or 0)
        revenue_on[day][currency] = int(net or 0)
        revenue[currency] = revenue.get(currency, 0) + int(net or 0)
        if back:
            refunded[currency] = refunded.get(currency, 0) + int(back)
    for index, visits_that_day in visits:
        if 0 <= int(index) < count:
            visits_on[int(index)] = int(visits_that_day)
    daily = tuple(
        DayFigures(period.days[i], orders_on[i], units_on[i], revenue_on[i], visits_on[i])
        for i in range(count)
    )
    return MerchantStats(
        period=period,
        orders=sum(d.orders for d in daily),
        units=sum(d.units for d in daily),
        revenue=revenue,
        refunded=refunded,
        redemptions=sum(d.redemptions for d in daily),
        codes_issued=int(issued or 0),
        codes_redeemed=int(used or 0),
        new_followers=int(followers or 0),
        top_deals=tuple(
            DealFigures(int(deal_id), Bilingual(zh, en), int(orders), int(units or 0),
                        int(net or 0), currency)
            for deal_id, zh, en, currency, orders, units, net in top
        ),
        daily=daily,
        campaign_runs=campaign_runs,
        campaign_totals=campaign_totals,
    )


async def merchant_slug(db: Database, merchant_id: int) -> str | None:
    """The slug of the merchant (its storefront's name in links), or None."""
    async with db.session() as session:
        return (
            await session.exec(select(Merchant.slug).where(Merchant.id == merchant_id))
        ).first()


# ------------------------------------------------------------------ the export


@dataclass(frozen=True)
class OrderLine:
    """One order of the merchant, as the export lists it."""

    id: int
    created_at: datetime
    paid_at: datetime | None
    title: Bilingual
    quantity: int
    total: int  # minor units
    refunded: int  # minor units
    currency: str
    status: str
    codes_issued: int
    codes_redeemed: int


async def merchant_orders(db: Database, merchant_id: int, period: Period) -> list[OrderLine]:
    """The merchant's orders created in `period` (every status), oldest first, with how
    many codes each issued and how many of those are redeemed."""
    codes = (
        select(
            col(RedemptionCode.order_id).label("order_id"),
            func.count(col(RedemptionCode.id)).label("issued"),
            func.sum(case((RedemptionCode.status == CodeStatus.REDEEMED, 1), else_=0))
            .label("redeemed"),
        )
        .group_by(col(RedemptionCode.order_id))
        .subquery()
    )
    async with db.session() as session:
        rows = (
            await session.exec(
                select(Order, Deal.title_zh, Deal.title_en, codes.c.issued, codes.c.redeemed)
                .join(Deal, col(Deal.id) == col(Order.deal_id))
                .outerjoin(codes, codes.c.order_id == col(Order.id))
                .where(Deal.merchant_id == merchant_id, *_within(col(Order.created_at), period))
                .order_by(col(Order.created_at), col(Order.id))
            )
        ).all()
    return [
        OrderLine(
            id=order.id or 0, created_at=order.created_at, paid_at=order.paid_at,
            title=Bilingual(zh, en), quantity=order.quantity, total=order.total,
            refunded=order.refunded, currency=order.currency, status=order.status,
            codes_issued=int(issued or 0), codes_redeemed=int(used or 0),
        )
        for order, zh, en, issued, used in rows
    ]


def decimal_amount(amount: int, currency: str) -> str:
    """Minor units as a plain decimal string with the currency's digits: 8800 -> "88.00"."""
    digits = minor_digits(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f}"


def safe_cell(value: object) -> str:
    """A CSV cell as text; one a spreadsheet would run as a formula gets a leading "'"."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def orders_csv(lines: Sequence[OrderLine], header: Sequence[str], timezone: str,
               lang: str, statuses: dict[str, str] | None = None) -> bytes:
    """The orders as CSV bytes (UTF-8 with a BOM, so Excel reads Chinese right).

    Columns, named by `header` (11 names, in the owner's language): order id, created
    and paid time in `timezone`, deal title in `lang`, quantity, amount paid and
    amount refunded as decimal strings, currency, status (translated by `statuses`
    when given), codes issued, codes redeemed.
    """
    if len(header) != 11:
        raise ValueError("the export has 11 columns")
    tz = zone(timezone)
    statuses = statuses or {}

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for line in lines:
        writer.writerow([safe_cell(cell) for cell in (
            line.id, when(line.created_at), when(line.paid_at), line.title.get(lang),
            line.quantity, decimal_amount(line.total, line.currency),
            decimal_amount(line.refunded, line.currency), line.currency,
            statuses.get(line.status, line.status), line.codes_issued, line.codes_redeemed,
        )])
    return out.getvalue().encode("utf-8-sig")
