"""The platform admin's `/admin`: totals, pending applications, merchants, suspend and
restore. Only the Telegram ids in `Options.admin_ids` get anything; every button press
checks that again (button data can be forged).

Commands:
  /admin              platform totals, with Pending applications (N) and Merchants
  /admin find WORDS   merchants whose name contains the words (/admin WORDS works too)
  /admin pending      the pending applications;  /admin merchants  the merchant list

Buttons:
  pah                 the totals again (refreshed)
  pap:<page>          pending applications, each with the merchant flow's Approve /
                      Reject (`ma:` / `mj:`, decided in handlers/merchant.py)
  pam:<page>          merchants
  pav:<id>:<page>     one merchant's page (`page`: the list page to go back to)
  pas:<id>:<page>     asks to confirm a suspension;  pac:<id>:<page>  suspends
  par:<id>:<page>     restores a suspended merchant
"""

from __future__ import annotations

import logging

from handlers.common import stale_replies
from handlers.core import (
    AnswerButton,
    Button,
    ButtonPress,
    Buttons,
    Command,
    EditText,
    Reply,
    SendText,
)
from handlers.format import LABEL_MAX, category_label, local_date, local_datetime, short_label
from handlers.i18n import Translator
from handlers.merchant import decision_buttons
from handlers.owed import owed_in_turn
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


def is_admin(req: Request) -> bool:
    """Is the person behind this event a platform admin?"""
    return req.incoming.sender.id in req.app.options.admin_ids


def _refused(req: Request) -> list[Reply]:
    event = req.incoming.event
    replies: list[Reply] = []
    if isinstance(event, ButtonPress):
        replies.append(AnswerButton(event.query_id or "", req.t("admin-only")))
    replies.append(SendText(req.t("admin-only")))
    return replies


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


def _nav(t: Translator, prefix: str, page: int, has_prev: bool, has_next: bool) -> list[Button]:
    row = []
    if has_prev:
        row.append(Button(t("admin-prev"), data=f"{prefix}:{page - 1}"))
    if has_next:
        row.append(Button(t("admin-next"), data=f"{prefix}:{page + 1}"))
    return row


def _home_button(t: Translator) -> Button:
    return Button(t("admin-home-button"), data="pah")


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
        (Button(t("admin-pending-button", count=m["pending"]), data="pap:0"),),
        (Button(t("admin-merchants-button"), data="pam:0"),
         Button(t("admin-refresh-button"), data="pah")),
    )
    return _screen(req, "\n".join(lines), buttons)


@router.command("admin", role=Role.SHOPPER)
async def admin_command(req: Request) -> list[Reply]:
    """`/admin`, `/admin find WORDS`, `/admin pending`, `/admin merchants`."""
    if not is_admin(req):
        return _refused(req)
    event = req.incoming.event
    args = event.args.strip() if isinstance(event, Command) else ""
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


def _admin_press(req: Request, count: int) -> tuple[int, ...] | list[Reply]:
    """The `count` ids an admin's button carries, or the replies that refuse the press
    (not an admin any more, or malformed data)."""
    if not is_admin(req):
        return _refused(req)
    parts = req.button_ints(count)
    return tuple(parts) if parts is not None else stale_replies(req)


@router.button("pah", role=Role.SHOPPER)
async def home_button(req: Request) -> list[Reply]:
    """The totals again, refreshed."""
    if not is_admin(req):
        return _refused(req)
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
    return _screen(req, "\n".join(lines), _with_footer(t, rows, "pap", page))


def _with_footer(t: Translator, rows: list[tuple[Button, ...]], prefix: str,
                 page: Paging) -> Buttons:
    """A paged screen's rows, then Previous / Next (when there are) and Home."""
    nav = _nav(t, prefix, page.page, page.has_prev, page.has_next)
    return (*rows, *((tuple(nav),) if nav else ()), (_home_button(t),))


@router.button("pap", role=Role.SHOPPER)
async def pending_button(req: Request) -> list[Reply]:
    """A page of pending applications."""
    parts = _admin_press(req, 1)
    return [await _pending(req, parts[0])] if isinstance(parts, tuple) else parts


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
        rows.append((Button(short_label(label, LABEL_MAX), data=f"pav:{line.id}:{back}"),))
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
    return _screen(req, "\n".join(lines), _with_footer(t, rows, "pam", page))


@router.button("pam", role=Role.SHOPPER)
async def merchants_button(req: Request) -> list[Reply]:
    """A page of the merchant list."""
    parts = _admin_press(req, 1)
    return [await _merchants(req, parts[0])] if isinstance(parts, tuple) else parts


async def _find(req: Request, text: str) -> Reply:
    t = req.t
    query = " ".join(text.split())[:100]
    found = await find_merchants(req.db, text, req.now())
    if not found.items:
        return SendText(t("admin-find-none", query=query),
                        buttons=((Button(t("admin-merchants-button"), data="pam:0"),
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
        rows.append((Button(t("admin-suspend-button"), data=f"pas:{view.id}:{back}"),))
    elif view.status == "suspended":
        rows.append((Button(t("admin-restore-button"), data=f"par:{view.id}:{back}"),))
    elif view.status == "pending":
        rows.append(decision_buttons(t, view.id))
    rows.append((Button(t("admin-back-to-list"), data=f"pam:{back}"), _home_button(t)))
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


@router.button("pav", role=Role.SHOPPER)
async def merchant_button(req: Request) -> list[Reply]:
    """One merchant's page, with Suspend or Restore."""
    parts = _admin_press(req, 2)
    return await _merchant_screen(req, *parts) if isinstance(parts, tuple) else parts


# ------------------------------------------------------------------ suspend / restore


@router.button("pas", role=Role.SHOPPER)
async def suspend_asked(req: Request) -> list[Reply]:
    """Suspend pressed: say what it does and ask to confirm."""
    parts = _admin_press(req, 2)
    if not isinstance(parts, tuple):
        return parts
    merchant_id, back = parts
    details = await merchant_details(req.db, merchant_id, req.now())
    if details is None:
        return stale_replies(req)
    t, view = req.t, details.view
    if view.status != "approved":
        return await _unchanged(req, StatusChange(
            "already" if view.status == "suspended" else "not_allowed", view),
            suspend=True, back=back)
    text = t("admin-suspend-confirm", name=_name(view, req.lang), live=details.live_deals)
    buttons = ((Button(t("admin-suspend-yes"), data=f"pac:{merchant_id}:{back}"),
                Button(t("admin-suspend-no"), data=f"pav:{merchant_id}:{back}")),)
    return [_screen(req, text, buttons)]


@router.button("pac", role=Role.SHOPPER)
async def suspend_confirmed(req: Request) -> list[Reply]:
    """Suspension confirmed: approved -> suspended once, and the owner is told."""
    return await _change(req, suspend=True)


@router.button("par", role=Role.SHOPPER)
async def restore_pressed(req: Request) -> list[Reply]:
    """Restore: suspended -> approved once, and the owner is told."""
    return await _change(req, suspend=False)


async def _change(req: Request, suspend: bool) -> list[Reply]:
    parts = _admin_press(req, 2)
    if not isinstance(parts, tuple):
        return parts
    merchant_id, back = parts
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
