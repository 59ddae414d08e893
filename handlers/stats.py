"""The owner's numbers: `/stats`, `/export` and `/poster`.

- `/stats [7d|30d]` (7d when left out; 7, 30, 7天, 30天 work too): paid orders, units,
  revenue, redemptions and the redemption rate, new followers and the top deals over
  the last 7 or 30 days (today included, days in the owner's time zone), then the
  same day by day as a chart (revenue bars, redemptions line).
- `/export [7d|30d|all]` (30d when left out): the orders as a CSV file for Excel;
  `/export statement [YYYY-MM]` (this month when left out): the month's statement of the
  merchant's money (`handlers.money.statement_export`).
- `/poster`: the printable QR poster of the owner's storefront.

Only the owner of an approved merchant gets them (`Role.OWNER`, area "stats": the router
checks it on every call and tells anyone else why not), and only for their own merchant.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Sequence
from datetime import date

from handlers.core import Reply, SendDocument, SendPhoto, SendText
from handlers.format import fit_caption, local_datetime
from handlers.i18n import Translator
from handlers.links import shop_payload, start_link
from handlers.money import is_statement, statement_export
from handlers.roles import Role
from handlers.router import Request, Router
from services.catalog.deal_cards import Bilingual
from services.catalog.storefront import Storefront, get_storefront
from services.merchants.deals import Seller
from services.merchants.stats import (
    ORDER_STATUSES,
    MerchantStats,
    Period,
    merchant_orders,
    merchant_slug,
    merchant_stats,
    orders_csv,
    period_of,
)
from services.pictures.charts import ChartLabels, daily_chart, plan_chart
from services.pictures.poster import (
    FONT_DIRS,
    PosterTexts,
    font_candidates,
    plan_poster,
    render_poster,
)
from services.platform.money import format_money

router = Router()
log = logging.getLogger(__name__)

STATS_DEFAULT_DAYS = 7
EXPORT_DEFAULT_DAYS = 30
ALL_TIME = "all"
# What people type for a period: "7d", "7", "7天", "7日" (full-width digits too).
_DAYS = {f"{n}{unit}": n for n in (7, 30) for unit in ("", "d", "天", "日", "days", "day")}
_ALL_WORDS = {"all", "全部", "所有"}
EXPORT_COLUMNS = ("order", "created", "paid", "deal", "quantity", "amount", "refunded",
                  "currency", "status", "issued", "redeemed")


def parse_days(args: str, default: int, allow_all: bool = False) -> int | str | None:
    """The period someone asked for: a number of days, ALL_TIME (when allowed), or
    None when the words are not a period we offer."""
    words = unicodedata.normalize("NFKC", args).strip().lower().replace(" ", "")
    if not words:
        return default
    if words in _DAYS:
        return _DAYS[words]
    if allow_all and words in _ALL_WORDS:
        return ALL_TIME
    return None


def _seller(req: Request) -> Seller:
    """The owner's approved merchant, loaded by the router for `Role.OWNER`."""
    assert req.seller is not None
    return req.seller


def _money(amounts: dict[str, int], lang: str) -> str:
    """Amounts in several currencies ("¥88 + $5"); "0" when there are none."""
    if not amounts:
        return "0"
    return " + ".join(format_money(amounts[c], c, lang) for c in sorted(amounts))


def _dates(t: Translator, first: date, last: date) -> str:
    return t("stats-dates", first=first.isoformat(), last=last.isoformat())


def stats_text(t: Translator, merchant: str, figures: MerchantStats) -> str:
    """The figures as a chat message in the owner's language."""
    period = figures.period
    assert period.first is not None
    lang = t.lang
    lines = [
        t("stats-title", merchant=merchant, days=len(period.days)),
        t("stats-range", first=period.first.isoformat(), last=period.last.isoformat(),
          timezone=period.timezone),
        "",
        t("stats-orders", orders=figures.orders, units=figures.units),
    ]
    revenue = _money(figures.revenue, lang)
    if figures.refunded:
        lines.append(t("stats-revenue-refunded", revenue=revenue,
                       refunded=_money(figures.refunded, lang)))
    else:
        lines.append(t("stats-revenue", revenue=revenue))
    lines.append(t("stats-redemptions", count=figures.redemptions))
    rate = figures.redemption_rate
    if rate is None:
        lines.append(t("stats-rate-none"))
    else:
        lines.append(t("stats-rate", rate=rate, redeemed=figures.codes_redeemed,
                       issued=figures.codes_issued))
    lines.append(t("stats-followers", count=figures.new_followers))
    if figures.top_deals:
        lines += ["", t("stats-top-title")]
        for number, deal in enumerate(figures.top_deals, start=1):
            lines.append(t("stats-top-line", number=number, title=deal.title.get(lang),
                           revenue=format_money(deal.revenue, deal.currency, lang),
                           units=deal.units))
    if figures.is_empty:
        lines += ["", t("stats-nothing")]
    lines += campaign_lines(t, figures)
    return "\n".join(lines)


def campaign_lines(t: Translator, figures: MerchantStats) -> list[str]:
    """The campaign section of /stats: the newest runs that started in the period (their
    offer, start in the owner's time zone, sent · claimed · redeemed) and the total of
    all of them; nothing at all when no campaign ran."""
    totals = figures.campaign_totals
    if totals is None or not figures.campaign_runs:
        return []
    timezone = figures.period.timezone
    lines = ["", t("stats-campaigns-title")]
    for number, run in enumerate(figures.campaign_runs, start=1):
        title = run.title.get(t.lang) or t("stats-campaign-untitled",
                                           campaign=str(run.campaign_id))
        lines.append(t("stats-campaign-line", number=number, title=title,
                       when=local_datetime(run.occurrence, timezone),
                       counts=t("stats-campaign-counts", sent=run.sent, claimed=run.claimed,
                                redeemed=run.redeemed)))
    earlier = totals.runs - len(figures.campaign_runs)
    if earlier > 0:
        lines.append(t("stats-campaign-earlier", count=earlier))
    lines.append(t("stats-campaign-total", runs=totals.runs,
                   counts=t("stats-campaign-counts", sent=totals.sent, claimed=totals.claimed,
                            redeemed=totals.redeemed)))
    return lines


def chart_labels(t: Translator, merchant: str, days: int, currency: str | None) -> ChartLabels:
    """The chart's words in `t`'s language."""
    revenue = (t("stats-chart-revenue", currency=currency) if currency
               else t("stats-chart-revenue-plain"))
    return ChartLabels(title=t("stats-chart-title", merchant=merchant, days=days),
                       revenue=revenue, redemptions=t("stats-chart-redemptions"))


def english_name(name: Bilingual, slug: str | None) -> str:
    """How a picture in English names a merchant: its English name, else its slug
    (the Chinese name cannot be drawn where English is the fallback)."""
    return name.en or slug or name.get("en")


def stats_chart(t: Translator, merchant: Bilingual, slug: str | None, figures: MerchantStats,
                font: str | None = None, font_dirs: Sequence[str] = FONT_DIRS
                ) -> tuple[bytes, bool]:
    """The figures day by day as a PNG (revenue in the main currency), and whether it
    had to be drawn in English because no font found draws the owner's language."""
    currency = figures.main_currency
    days = len(figures.period.days)
    candidates, warnings = font_candidates(font, font_dirs)
    for warning in warnings:
        log.warning("chart: %s", warning)
    plan = plan_chart(
        chart_labels(t, merchant.get(t.lang), days, currency),
        chart_labels(Translator("en"), english_name(merchant, slug), days, currency),
        candidates,
    )
    png = daily_chart(
        [d.day for d in figures.daily],
        [d.revenue.get(currency, 0) if currency else 0 for d in figures.daily],
        [d.redemptions for d in figures.daily],
        currency,
        plan.labels,
        plan.font,
    )
    return png, plan.fell_back


@router.command("stats", role=Role.OWNER, area="stats")
async def stats(req: Request) -> list[Reply]:
    """`/stats [7d|30d]`: the owner's figures as text, then as a chart."""
    t, merchant = req.t, _seller(req)
    days = parse_days(req.args, STATS_DEFAULT_DAYS)
    if not isinstance(days, int):
        return [SendText(t("stats-usage"))]
    period = period_of(days, req.now(), req.user.timezone)
    figures = await merchant_stats(req.db, merchant.merchant_id, period)
    replies: list[Reply] = [SendText(stats_text(t, merchant.name.get(req.lang), figures))]
    if not figures.is_empty:
        options = req.app.options
        slug = await merchant_slug(req.db, merchant.merchant_id)
        png, in_english = await asyncio.to_thread(stats_chart, t, merchant.name, slug,
                                                  figures, options.poster_font,
                                                  options.font_dirs)
        assert period.first is not None
        caption = t("stats-chart-caption", first=period.first.isoformat(),
                    last=period.last.isoformat())
        if in_english:
            caption += "\n" + t("stats-chart-in-english")
        replies += fit_caption(SendPhoto(png, caption=caption, filename=f"stats-{days}d.png"))
    return replies


@router.command("export", role=Role.OWNER, area="stats")
async def export(req: Request) -> list[Reply]:
    """`/export [7d|30d|all]`: the owner's orders as a CSV file; `/export statement
    [YYYY-MM]`: the month's statement of its money."""
    if is_statement(req.args):
        return await statement_export(req)
    t, merchant_id = req.t, _seller(req).merchant_id
    days = parse_days(req.args, EXPORT_DEFAULT_DAYS, allow_all=True)
    if days is None:
        return [SendText(t("export-usage"))]
    timezone = req.user.timezone
    period: Period = period_of(None if days == ALL_TIME else int(days), req.now(), timezone)
    span = (t("export-all-time") if period.first is None
            else _dates(t, period.first, period.last))
    lines = await merchant_orders(req.db, merchant_id, period)
    if not lines:
        return [SendText(t("export-none", range=span))]
    header = [t(f"export-col-{column}") for column in EXPORT_COLUMNS]
    statuses = {status: t(f"export-status-{status}") for status in ORDER_STATUSES}
    data = orders_csv(lines, header, timezone, req.lang, statuses)
    slug = await merchant_slug(req.db, merchant_id) or str(merchant_id)
    label = ALL_TIME if days == ALL_TIME else f"{days}d"
    return [SendDocument(data, f"orders-{slug}-{label}.csv",
                         caption=t("export-caption", count=len(lines), range=span,
                                   timezone=timezone))]


def poster_texts(t: Translator, storefront: Storefront) -> PosterTexts:
    """What the poster of `storefront` says in `t`'s language (an English poster names
    the merchant in English, or by its slug)."""
    lang = t.lang
    if lang == "en":
        title = english_name(storefront.name, storefront.slug)
    else:
        title = storefront.name.get(lang) or storefront.slug
    return PosterTexts(
        lang=lang,
        title=title,
        tagline=t("poster-tagline"),
        heading=t("poster-stores"),
        addresses=tuple(a for a in (s.address.get(lang) for s, _ in storefront.stores) if a),
    )


def draw_poster(wanted: PosterTexts, fallback: PosterTexts, link: str,
                font: str | None = None, font_dirs: Sequence[str] = FONT_DIRS
                ) -> tuple[bytes, PosterTexts]:
    """The poster PNG in the first installed font that draws it (else in English), the
    way `o2o poster` makes it, and the texts drawn; font problems are logged for the
    operator."""
    candidates, warnings = font_candidates(font, font_dirs)
    texts, chosen, more = plan_poster(wanted, fallback, candidates)
    for warning in [*warnings, *more]:
        log.warning("poster: %s", warning)
    png = render_poster(texts.title, texts.tagline, link, texts.addresses,
                        lang=texts.lang, font_path=chosen, heading=texts.heading)
    return png, texts


@router.command("poster", role=Role.OWNER, area="stats")
async def poster(req: Request) -> list[Reply]:
    """`/poster`: the owner's storefront QR poster, to look at and to print."""
    t = req.t
    slug = await merchant_slug(req.db, _seller(req).merchant_id)
    storefront = await get_storefront(req.db, slug, req.now()) if slug else None
    if storefront is None:
        return [SendText(t("poster-no-storefront"))]
    try:
        link = start_link(req.app.options.bot_username, shop_payload(storefront.slug))
    except ValueError:  # a slug a link cannot carry
        return [SendText(t("poster-no-storefront"))]
    wanted = poster_texts(t, storefront)
    png, drawn = await asyncio.to_thread(draw_poster, wanted,
                                         poster_texts(Translator("en"), storefront), link,
                                         req.app.options.poster_font,
                                         req.app.options.font_dirs)
    filename = f"poster-{storefront.slug}.png"
    caption = t("poster-caption", link=link)
    if drawn.lang != wanted.lang:
        caption += "\n" + t("poster-in-english", title=drawn.title)
    return [
        *fit_caption(SendPhoto(png, caption=caption, filename=filename)),
        SendDocument(png, filename, caption=t("poster-print-file")),
    ]
