"""The platform admin's `/admin`: totals, pending applications, merchants, suspend and
restore. Every route is `Role.ADMIN`: only the Telegram ids in `Options.admin_ids` get
anything, and the router checks that again on every press (button data can be forged).

Commands:
  /admin              platform totals, with Pending applications (N) and Merchants
  /admin find WORDS   merchants whose name contains the words (/admin WORDS works too)
  /admin pending      the pending applications;  /admin merchants  the merchant list

Buttons (declared in handlers/payloads.py):
  AdminHome        pah             the totals again (refreshed)
  AdminPending     pap:<page>      pending applications, each with the merchant flow's
                                   Approve / Reject (decided in handlers/merchant.py)
  AdminMerchants   pam:<page>      merchants
  AdminMerchant    pav:<id>:<back> one merchant's page (`back`: the list page to go back to)
  AdminSuspendAsk  pas:<id>:<back> asks to confirm a suspension
  AdminSuspend     pac:<id>:<back> suspends
  AdminRestore     par:<id>:<back> restores a suspended merchant
"""

from __future__ import annotations

import logging

from handlers.common import stale_replies
from handlers.core import AnswerButton, Button, ButtonPress, Buttons, EditText, Reply, SendText
from handlers.format import LABEL_MAX, category_label, local_date, local_datetime, short_label
from handlers.i18n import Translator
from handlers.merchant import decision_buttons
from handlers.owed import owed_in_turn
from handlers.payloads import (
    AdminHome,
    AdminMerchant,
    AdminMerchants,
    AdminPending,
    AdminRestore,
    AdminSuspend,
    AdminSuspendAsk,
)
from handlers.roles import Role
from handlers.router import Request, Router
from services.merchants.admin import (
    MERCHANT_STATUSES,
    Amounts,
    MerchantDetails,
    MerchantLine,
    MerchantPage,
    Paging,
    Periods,
    StatusChange,
    find_merchants,
    merchant_details,
    merchants_page,
    pending_page,
    platform_totals,
    restore_merchant,
    suspend_merchant,
)
from services.merchants.applications import MerchantView, merchant_news_key
from services.platform.money import format_money

log = logging.getLogger(__name__)
router = Router()

FIND_WORDS = ("find", "search", "查找", "搜索", "找")
PENDING_WORDS = ("pending", "applications", "待审核", "申请")
MERCHANTS_WORDS = ("merchants", "list", "商家")


# ------------------------------------------------------------------ shared pieces


def _screen(req: Request, text: str, buttons: Buttons) -> Reply:
    """Replace the pressed message in place (a phone screen, not a scroll of copies);
    a command gets a new message."""
    event = req.incoming.event
    if isinstance(event, ButtonPress) and event.message_id is not None:
        return EditText(event.message_id, text, buttons)
    return SendText(text, buttons=buttons)


def _money(amounts: Amounts, lang: str) -> str:
    return " + ".join(format_money(amount, currency, lang) for currency, amount in amounts)


def _name(view: MerchantView, lang: str) -> str:
    return view.name.get(lang) or f"#{view.id}"


def _nav(t: Translator, pages: type[AdminPending | AdminMerchants], page: int,
         has_prev: bool, has_next: bool) -> list[Button]:
    row = []
    if has_prev:
        row.append(Button(t("admin-prev"), data=pages(page - 1).pack()))
    if has_next:
        row.append(Button(t("admin-next"), data=pages(page + 1).pack()))
    return row


def _home_button(t: Translator) -> Button:
    return Button(t("admin-home-button"), data=AdminHome().pack())


# ------------------------------------------------------------------ totals


def _period_lines(t: Translator, periods: Periods, with_money: str) -> list[str]:
    lines = []
    for name, tally in (("today", periods.today), ("week", periods.week),
                        ("all", periods.all_time)):
        label = t(f"admin-period-{name}")
        if tally.count == 0:
            lines.append(t(f"admin-{with_money}-none", period=label))
        else:
            lines.append(t(f"admin-{with_money}-line", period=label, count=tally.count,
                           amount=_money(tally.amounts, t.lang)))
    return lines


async def _home(req: Request) -> Reply:
    t, now = req.t, req.now()
    totals = await platform_totals(req.db, now, req.user.timezone)
    m = totals.merchants
    lines = [
        t("admin-home-title", time=local_datetime(now, req.user.timezone),
          timezone=req.user.timezone),
        t("admin-users", count=totals.users),
        t("admin-merchants", approved=m["approved"], pending=m["pending"],
          suspended=m["suspended"], rejected=m["rejected"]),
        t("admin-deals-on-sale", count=totals.deals_on_sale),
        "",
        t("admin-orders-title"),
        *_period_lines(t, totals.paid_orders, "orders"),
        "",
        t("admin-redeemed", today=totals.redeemed.today.count, week=totals.redeemed.week.count,
          all=totals.redeemed.all_time.count),
        "",
        t("admin-refunds-title"),
        *_period_lines(t, totals.refunds, "refunds"),
    ]
    if totals.refunds_open:
        lines.append(t("admin-refunds-open", count=totals.refunds_open))
    lines += ["", t("admin-home-hint")]
    buttons = (
        (Button(t("admin-pending-button", count=m["pending"]), data=AdminPending(0).pack()),),
        (Button(t("admin-merchants-button"), data=AdminMerchants(0).pack()),
         Button(t("admin-refresh-button"), data=AdminHome().pack())),
    )
    return _screen(req, "\n".join(lines), buttons)


@router.command("admin", role=Role.ADMIN, area="admin")
async def admin_command(req: Request) -> list[Reply]:
    """`/admin`, `/admin find WORDS`, `/admin pending`, `/admin merchants`."""
    args = req.args.strip()
    if not args:
        return [await _home(req)]
    first, _, rest = args.partition(" ")
    word = first.lower()
    if word in PENDING_WORDS and not rest.strip():
        return [await _pending(req, 0)]
    if word in MERCHANTS_WORDS and not rest.strip():
        return [await _merchants(req, 0)]
    if word in FIND_WORDS:
        if not rest.strip():
            return [SendText(req.t("admin-find-usage"))]
        return [await _find(req, rest)]
    return [await _find(req, args)]  # `/admin haidilao` finds, as the operator meant


@router.button(AdminHome, role=Role.ADMIN, area="admin")
async def home_button(req: Request, press: AdminHome) -> list[Reply]:
    """The totals again, refreshed."""
    return [await _home(req)]


# ------------------------------------------------------------------ pending applications


async def _pending(req: Request, page_number: int) -> Reply:
    t, tz = req.t, req.user.timezone
    page = await pending_page(req.db, page_number, req.app.options.page_size)
    if page.total == 0:
        return _screen(req, t("admin-pending-none"), ((_home_button(t),),))
    lines = [t("admin-pending-title", count=page.total, page=page.page + 1, pages=page.pages)]
    rows: list[tuple[Button, ...]] = []
    for number, item in enumerate(page.items, start=page.page * page.page_size + 1):
        view = item.view
        applicant = item.applicant_name or "-"
        if item.applicant_username:
            applicant += f" (@{item.applicant_username})"
        lines += ["", t("admin-pending-item", number=number, name=_name(view, req.lang),
                        category=category_label(req.lang, view.category),
                        phone=view.phone or "-", applicant=applicant,
                        date=local_date(item.applied_at, tz),
                        description=view.description.get(req.lang) or "-")]
        rows.append(decision_buttons(t, view.id, number))
    return _screen(req, "\n".join(lines), _with_footer(t, rows, AdminPending, page))


def _with_footer(t: Translator, rows: list[tuple[Button, ...]],
                 pages: type[AdminPending | AdminMerchants], page: Paging) -> Buttons:
    """A paged screen's rows, then Previous / Next (when there are) and Home."""
    nav = _nav(t, pages, page.page, page.has_prev, page.has_next)
    return (*rows, *((tuple(nav),) if nav else ()), (_home_button(t),))


@router.button(AdminPending, role=Role.ADMIN, area="admin")
async def pending_button(req: Request, press: AdminPending) -> list[Reply]:
    """A page of pending applications."""
    return [await _pending(req, press.page)]


# ------------------------------------------------------------------ merchants


def _status(t: Translator, status: str) -> str:
    return t(f"admin-status-{status}") if status in MERCHANT_STATUSES else status


def _line_text(t: Translator, number: int, line: MerchantLine) -> str:
    status = line.view.status
    if status == "approved":
        deals = t("admin-deals-live", count=line.live_deals)
    elif status == "suspended":
        deals = t("admin-deals-hidden", count=line.live_deals)
    else:
        deals = t("admin-deals-not-selling")
    return t("admin-merchant-line", number=number, name=_name(line.view, t.lang),
             status=_status(t, status), deals=deals,
             orders=t("admin-paid-orders", count=line.paid_orders))


def _merchant_rows(t: Translator, page: MerchantPage, first: int,
                   back: int) -> list[tuple[Button, ...]]:
    rows: list[tuple[Button, ...]] = []
    for number, line in enumerate(page.items, start=first):
        label = f"{number}. {_name(line.view, t.lang)}"
        rows.append((Button(short_label(label, LABEL_MAX),
                            data=AdminMerchant(line.id, back).pack()),))
    return rows


async def _merchants(req: Request, page_number: int) -> Reply:
    t = req.t
    page = await merchants_page(req.db, page_number, req.app.options.page_size, req.now())
    if page.total == 0:
        return _screen(req, t("admin-merchants-none"), ((_home_button(t),),))
    first = page.page * page.page_size + 1
    lines = [t("admin-merchants-title", count=page.total, page=page.page + 1, pages=page.pages)]
    lines += [_line_text(t, n, line) for n, line in enumerate(page.items, start=first)]
    rows = _merchant_rows(t, page, first, page.page)
    return _screen(req, "\n".join(lines), _with_footer(t, rows, AdminMerchants, page))


@router.button(AdminMerchants, role=Role.ADMIN, area="admin")
async def merchants_button(req: Request, press: AdminMerchants) -> list[Reply]:
    """A page of the merchant list."""
    return [await _merchants(req, press.page)]


async def _find(req: Request, text: str) -> Reply:
    t = req.t
    query = " ".join(text.split())[:100]
    found = await find_merchants(req.db, text, req.now())
    if not found.items:
        return SendText(t("admin-find-none", query=query),
                        buttons=((Button(t("admin-merchants-button"),
                                         data=AdminMerchants(0).pack()),
                                  _home_button(t)),))
    lines = [t("admin-find-title", query=query, count=found.total)]
    lines += [_line_text(t, n, line) for n, line in enumerate(found.items, start=1)]
    if found.total > len(found.items):
        lines.append(t("admin-find-more", shown=len(found.items)))
    rows = _merchant_rows(t, found, 1, 0)
    rows.append((_home_button(t),))
    return SendText("\n".join(lines), buttons=tuple(rows))


def _page_text(req: Request, details: MerchantDetails) -> str:
    t, lang, view = req.t, req.lang, details.view
    names = [n for n in (view.name.get(lang), view.name.get("en" if lang == "zh" else "zh")) if n]
    owner = t("admin-owner-none")
    if details.owner_name is not None:
        owner = details.owner_name or "-"
        if details.owner_username:
            owner += f" (@{details.owner_username})"
        if view.owner_telegram_id is not None:
            owner += f" · id {view.owner_telegram_id}"
    if view.status == "approved":
        deals = t("admin-page-deals-approved", live=details.live_deals, all=details.deals)
    elif view.status == "suspended":
        deals = t("admin-page-deals-suspended", live=details.live_deals, all=details.deals)
    else:
        deals = t("admin-page-deals-other", all=details.deals)
    revenue = _money(details.paid.amounts, lang)
    lines = [
        "🏪 " + " / ".join(dict.fromkeys(names)) if names else f"🏪 #{view.id}",
        t("admin-page-status", status=_status(t, view.status),
          category=category_label(lang, view.category), slug=details.slug),
        *([t("admin-page-phone", phone=view.phone)] if view.phone else []),
        t("admin-page-owner", owner=owner),
        t("admin-page-joined", date=local_date(details.created_at, req.user.timezone)),
        t("admin-page-stores", count=details.stores),
        deals,
        t("admin-page-orders", count=details.paid.count) + (f" · {revenue}" if revenue else ""),
        t("admin-page-redeemed", count=details.redeemed),
        t("admin-page-followers", count=details.followers),
    ]
    description = view.description.get(lang)
    if description:
        lines.insert(3, description)
    return "\n".join(lines)


def _page_buttons(t: Translator, view: MerchantView, back: int) -> Buttons:
    rows: list[tuple[Button, ...]] = []
    if view.status == "approved":
        rows.append((Button(t("admin-suspend-button"),
                            data=AdminSuspendAsk(view.id, back).pack()),))
    elif view.status == "suspended":
        rows.append((Button(t("admin-restore-button"),
                            data=AdminRestore(view.id, back).pack()),))
    elif view.status == "pending":
        rows.append(decision_buttons(t, view.id))
    rows.append((Button(t("admin-back-to-list"), data=AdminMerchants(back).pack()),
                 _home_button(t)))
    return tuple(rows)


async def _merchant_screen(req: Request, merchant_id: int, back: int,
                           note: str = "") -> list[Reply]:
    details = await merchant_details(req.db, merchant_id, req.now())
    if details is None:
        return stale_replies(req)
    text = _page_text(req, details)
    if note:
        text = note + "\n\n" + text
    return [_screen(req, text, _page_buttons(req.t, details.view, back))]


@router.button(AdminMerchant, role=Role.ADMIN, area="admin")
async def merchant_button(req: Request, press: AdminMerchant) -> list[Reply]:
    """One merchant's page, with Suspend or Restore."""
    return await _merchant_screen(req, press.merchant_id, press.back)


# ------------------------------------------------------------------ suspend / restore


@router.button(AdminSuspendAsk, role=Role.ADMIN, area="admin")
async def suspend_asked(req: Request, press: AdminSuspendAsk) -> list[Reply]:
    """Suspend pressed: say what it does and ask to confirm."""
    merchant_id, back = press.merchant_id, press.back
    details = await merchant_details(req.db, merchant_id, req.now())
    if details is None:
        return stale_replies(req)
    t, view = req.t, details.view
    if view.status != "approved":
        return await _unchanged(req, StatusChange(
            "already" if view.status == "suspended" else "not_allowed", view),
            suspend=True, back=back)
    text = t("admin-suspend-confirm", name=_name(view, req.lang), live=details.live_deals)
    buttons = ((Button(t("admin-suspend-yes"), data=AdminSuspend(merchant_id, back).pack()),
                Button(t("admin-suspend-no"), data=AdminMerchant(merchant_id, back).pack())),)
    return [_screen(req, text, buttons)]


@router.button(AdminSuspend, role=Role.ADMIN, area="admin")
async def suspend_confirmed(req: Request, press: AdminSuspend) -> list[Reply]:
    """Suspension confirmed: approved -> suspended once, and the owner is told."""
    return await _change(req, press.merchant_id, press.back, suspend=True)


@router.button(AdminRestore, role=Role.ADMIN, area="admin")
async def restore_pressed(req: Request, press: AdminRestore) -> list[Reply]:
    """Restore: suspended -> approved once, and the owner is told."""
    return await _change(req, press.merchant_id, press.back, suspend=False)


async def _change(req: Request, merchant_id: int, back: int, suspend: bool) -> list[Reply]:
    now = req.now()
    change = await (suspend_merchant if suspend else restore_merchant)(req.db, merchant_id, now)
    if change.outcome == "missing" or change.merchant is None:
        return stale_replies(req)
    if change.outcome != "done":
        return await _unchanged(req, change, suspend, back)
    view = change.merchant
    outcome = "suspended" if suspend else "restored"
    log.info("admin %s %s merchant %s", req.incoming.sender.id, outcome, view.id)
    t = req.t
    note = t(f"admin-{outcome}", name=_name(view, req.lang))
    replies: list[Reply] = []
    event = req.incoming.event
    if isinstance(event, ButtonPress):
        replies.append(AnswerButton(event.query_id or "", note))
    replies += await _merchant_screen(req, merchant_id, back, note)
    replies += await owed_in_turn(req, merchant_news_key(view.id, outcome, now))
    return replies


async def _unchanged(req: Request, change: StatusChange, suspend: bool,
                     back: int) -> list[Reply]:
    """A second press, a stale button, or a merchant that is pending or rejected."""
    t, view = req.t, change.merchant
    assert view is not None
    name = _name(view, req.lang)
    if change.outcome == "already":
        note = t("admin-already-suspended" if suspend else "admin-already-restored", name=name)
    else:
        note = t("admin-cannot-suspend" if suspend else "admin-cannot-restore", name=name,
                 status=_status(t, view.status))
    replies: list[Reply] = []
    event = req.incoming.event
    if isinstance(event, ButtonPress):
        replies.append(AnswerButton(event.query_id or "", note))
    replies += await _merchant_screen(req, view.id, back, note)
    return replies
