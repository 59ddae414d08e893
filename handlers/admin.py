"""The platform admin's `/admin`: totals, pending applications, merchants, suspend and
restore. Every route is `Role.ADMIN`: only the Telegram ids in `Options.admin_ids` get
anything, and the router checks that again on every press (button data can be forged).

Commands:
  /admin              platform totals, with Pending applications (N) and Merchants
  /admin find WORDS   merchants whose name contains the words (/admin WORDS works too)
  /admin pending      the pending applications;  /admin merchants  the merchant list
Money (issue 16):
  /admin payables                      merchants with their payable and pending
  /admin pay MERCHANT AMOUNT REFERENCE record a transfer to a merchant (never more than
                                       its payable)
  /admin withdrawals                   referrers' withdrawals waiting for a transfer
  /admin paid PAYOUT REFERENCE         one of them transferred;  /admin cancel PAYOUT
  /admin fee MERCHANT PERCENT|default  the merchant's own platform fee
  /admin refund ORDER                  refund a whole order after use (a dispute): asks
                                       first, then the buyer is paid back and told

Buttons (declared in handlers/payloads.py):
  AdminHome        pah             the totals again (refreshed)
  AdminPending     pap:<page>      pending applications, each with the merchant flow's
                                   Approve / Reject (decided in handlers/merchant.py)
  AdminMerchants   pam:<page>      merchants
  AdminMerchant    pav:<id>:<back> one merchant's page (`back`: the list page to go back to)
  AdminSuspendAsk  pas:<id>:<back> asks to confirm a suspension
  AdminSuspend     pac:<id>:<back> suspends
  AdminRestore     par:<id>:<back> restores a suspended merchant
  AdminPayables    ppy             merchants' payables
  AdminWithdrawals pwl             withdrawals waiting
  AdminPayoutPaid  ppd:<payout>    asks for the transfer's reference (flow "payoutref")
  AdminPayoutCancelAsk / AdminPayoutCancel  pxa / pxc:<payout>  cancel a withdrawal
  AdminRefundAfterUse  prf:<order> the refund after use, confirmed
"""

from __future__ import annotations

import logging

from handlers.common import stale_replies
from handlers.core import (
    AnswerButton,
    Button,
    ButtonPress,
    Buttons,
    EditText,
    Reply,
    SendText,
    Text,
)
from handlers.format import LABEL_MAX, category_label, local_date, local_datetime, short_label
from handlers.i18n import Translator
from handlers.merchant import decision_buttons
from handlers.money import AMOUNT_MAX, money_text, percent, read_money, read_percent, typed
from handlers.owed import owed_in_turn
from handlers.payloads import (
    AdminHome,
    AdminMerchant,
    AdminMerchants,
    AdminPayables,
    AdminPayoutCancel,
    AdminPayoutCancelAsk,
    AdminPayoutPaid,
    AdminPending,
    AdminRefundAfterUse,
    AdminRestore,
    AdminSuspend,
    AdminSuspendAsk,
    AdminWithdrawals,
)
from handlers.roles import Role
from handlers.router import Request, Router
from services.ledger.commissions import set_fee
from services.ledger.payouts import cancel as cancel_payout
from services.ledger.payouts import mark_paid, pay_merchant, requested_payouts
from services.ledger.rules import get_rules
from services.ledger.statements import all_payables
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
from services.orders.checkout import get_order
from services.orders.refunds import carry_out, refund_after_use
from services.platform.money import format_money
from services.platform.users import get_profile

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
        (Button(t("admin-payables-button"), data=AdminPayables().pack()),
         Button(t("admin-withdrawals-button"), data=AdminWithdrawals().pack())),
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
    if word in MONEY_COMMANDS:
        return await MONEY_COMMANDS[word](req, rest.split())
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


# ------------------------------------------------------------------ money (issue 16)

CURRENCY = "CNY"
PAYOUT_FLOW = "payoutref"  # waiting for the reference of a withdrawal's transfer


def _id(word: str) -> int | None:
    """An id typed by the admin ("12", "#12"); None when it is not one."""
    word = word.lstrip("#")
    return int(word) if word.isdigit() and len(word) <= 12 else None


async def _payables(req: Request) -> Reply:
    t = req.t
    found = await all_payables(req.db, CURRENCY)
    if not found:
        return _screen(req, t("admin-payables-none"), ((_home_button(t),),))
    lines = [t("admin-payables-title", count=len(found))]
    for number, item in enumerate(found, start=1):
        lines.append(t("admin-payables-line", number=number, id=str(item.merchant_id),
                       name=item.name.get(req.lang) or item.slug,
                       payable=money_text(t, item.payable), pending=money_text(t, item.pending)))
    lines += ["", t("admin-payables-hint")]
    return _screen(req, "\n".join(lines), ((_home_button(t),),))


async def payables_command(req: Request, words: list[str]) -> list[Reply]:
    """`/admin payables`."""
    return [await _payables(req)]


@router.button(AdminPayables, role=Role.ADMIN, area="admin")
async def payables_button(req: Request, press: AdminPayables) -> list[Reply]:
    """Merchants' payables."""
    return [await _payables(req)]


async def pay_command(req: Request, words: list[str]) -> list[Reply]:
    """`/admin pay MERCHANT AMOUNT REFERENCE`: a transfer to a merchant, recorded."""
    t = req.t
    merchant_id = _id(words[0]) if words else None
    if merchant_id is None or len(words) < 3:
        return [SendText(t("admin-pay-usage"))]
    details = await merchant_details(req.db, merchant_id, req.now())
    if details is None:
        return [SendText(t("admin-merchant-unknown", id=str(merchant_id)))]
    name = _name(details.view, req.lang)
    amount = read_money(words[1])
    if amount == "too_big":  # more than any merchant is owed: refused with its payable
        amount = AMOUNT_MAX + 1
    if not isinstance(amount, int):
        return [SendText(t("admin-bad-amount", text=typed(words[1])) + "\n"
                         + t("admin-pay-usage"))]
    reference = " ".join(words[2:])
    done = await pay_merchant(req.db, merchant_id, amount, reference, req.user.id, req.now(),
                              CURRENCY)
    if done.outcome == "not_enough":
        asked = money_text(t, amount) if amount <= AMOUNT_MAX else typed(words[1])
        return [SendText(t("admin-pay-too-much", name=name, amount=asked,
                           payable=money_text(t, done.available)))]
    if done.outcome != "ok":
        return [SendText(t("admin-bad-amount", text=typed(words[1])) + "\n"
                         + t("admin-pay-usage"))]
    log.info("admin %s paid merchant %s %s (payout %s)", req.incoming.sender.id,
             merchant_id, done.amount, done.payout_id)
    return [SendText(t("admin-pay-done", name=name, amount=money_text(t, done.amount),
                       reference=typed(reference), left=money_text(t, done.available)))]


async def _withdrawals(req: Request, note: str = "") -> Reply:
    t, tz = req.t, req.user.timezone
    waiting = await requested_payouts(req.db)
    waiting = [p for p in waiting if p.payee == "user"]
    if not waiting:
        text = t("admin-withdrawals-none")
        return _screen(req, note + "\n\n" + text if note else text, ((_home_button(t),),))
    lines = [t("admin-withdrawals-title", count=len(waiting))]
    rows: list[tuple[Button, ...]] = []
    for number, payout in enumerate(waiting, start=1):
        assert payout.id is not None
        who = await get_profile(req.db, payout.payee_id)
        lines.append(t("admin-withdrawals-line", number=number, id=str(payout.id),
                       name=(who.first_name if who else "") or "-",
                       telegram=str(who.telegram_id if who else "-"),
                       amount=money_text(t, payout.amount, payout.currency),
                       date=local_date(payout.requested_at, tz)))
        rows.append((Button(t("admin-payout-paid-button", id=str(payout.id)),
                            data=AdminPayoutPaid(payout.id).pack()),
                     Button(t("admin-payout-cancel-button", id=str(payout.id)),
                            data=AdminPayoutCancelAsk(payout.id).pack())))
    lines += ["", t("admin-withdrawals-hint")]
    rows.append((_home_button(t),))
    text = "\n".join(lines)
    return _screen(req, note + "\n\n" + text if note else text, tuple(rows))


async def withdrawals_command(req: Request, words: list[str]) -> list[Reply]:
    """`/admin withdrawals`."""
    return [await _withdrawals(req)]


@router.button(AdminWithdrawals, role=Role.ADMIN, area="admin")
async def withdrawals_button(req: Request, press: AdminWithdrawals) -> list[Reply]:
    """The withdrawals waiting for a transfer."""
    return [await _withdrawals(req)]


async def _payout(req: Request, payout_id: int) -> tuple[int, str] | None:
    """A waiting withdrawal's amount and currency (None: not one of them)."""
    found = next((p for p in await requested_payouts(req.db, limit=1000)
                  if p.id == payout_id), None)
    return (found.amount, found.currency) if found is not None else None


def _payout_outcome(t: Translator, outcome: str, payout_id: int) -> str:
    if outcome == "unknown":
        return t("admin-payout-unknown", id=str(payout_id))
    return t("admin-payout-not-requested", id=str(payout_id))


async def _mark_paid(req: Request, payout_id: int, reference: str) -> list[Reply]:
    t = req.t
    done = await mark_paid(req.db, payout_id, reference, req.user.id, req.now())
    if done.outcome != "ok":
        return [SendText(_payout_outcome(t, done.outcome, payout_id))]
    log.info("admin %s marked payout %s paid", req.incoming.sender.id, payout_id)
    return [await _withdrawals(req, t("admin-payout-paid-done", id=str(payout_id),
                                      amount=money_text(t, done.amount, done.currency),
                                      reference=typed(reference)))]


async def paid_command(req: Request, words: list[str]) -> list[Reply]:
    """`/admin paid PAYOUT REFERENCE`: a withdrawal transferred."""
    payout_id = _id(words[0]) if words else None
    if payout_id is None or len(words) < 2:
        return [SendText(req.t("admin-paid-usage"))]
    return await _mark_paid(req, payout_id, " ".join(words[1:]))


@router.button(AdminPayoutPaid, role=Role.ADMIN, area="admin")
async def payout_paid_button(req: Request, press: AdminPayoutPaid) -> list[Reply]:
    """Mark paid pressed: the transfer's reference is asked for."""
    t = req.t
    waiting = await _payout(req, press.payout_id)
    if waiting is None:
        return [SendText(t("admin-payout-not-requested", id=str(press.payout_id)))]
    await req.enter_flow(PAYOUT_FLOW, "reference", payout_id=press.payout_id)
    return [SendText(t("admin-payout-reference-ask", id=str(press.payout_id),
                       amount=money_text(t, *waiting)))]


@router.flow(PAYOUT_FLOW, role=Role.ADMIN, area="admin")
async def payout_reference(req: Request) -> list[Reply]:
    """The reference of the transfer of the withdrawal being marked paid."""
    state, t = req.state, req.t
    assert state is not None
    payout_id = int(state.data.get("payout_id") or 0)
    reference = " ".join(req.text.split()) if isinstance(req.incoming.event, Text) else ""
    if not reference:
        return [SendText(t("admin-payout-reference-again", id=str(payout_id)))]
    await req.leave_flow()
    return await _mark_paid(req, payout_id, reference)


async def cancel_command(req: Request, words: list[str]) -> list[Reply]:
    """`/admin cancel PAYOUT`: asks first, like the button."""
    payout_id = _id(words[0]) if len(words) == 1 else None
    if payout_id is None:
        return [SendText(req.t("admin-cancel-usage"))]
    return await _cancel_ask(req, payout_id)


async def _cancel_ask(req: Request, payout_id: int) -> list[Reply]:
    t = req.t
    waiting = await _payout(req, payout_id)
    if waiting is None:
        return [SendText(t("admin-payout-not-requested", id=str(payout_id)))]
    return [_screen(req, t("admin-payout-cancel-confirm", id=str(payout_id),
                           amount=money_text(t, *waiting)),
                    ((Button(t("admin-payout-cancel-yes"),
                             data=AdminPayoutCancel(payout_id).pack()),
                      Button(t("admin-payout-cancel-no"), data=AdminWithdrawals().pack())),))]


@router.button(AdminPayoutCancelAsk, role=Role.ADMIN, area="admin")
async def payout_cancel_asked(req: Request, press: AdminPayoutCancelAsk) -> list[Reply]:
    """Cancel pressed: asks to confirm."""
    return await _cancel_ask(req, press.payout_id)


@router.button(AdminPayoutCancel, role=Role.ADMIN, area="admin")
async def payout_cancelled(req: Request, press: AdminPayoutCancel) -> list[Reply]:
    """The cancellation confirmed: back to the referrer's available balance, once."""
    t = req.t
    done = await cancel_payout(req.db, press.payout_id, req.now())
    if done.outcome != "ok":
        return [SendText(_payout_outcome(t, done.outcome, press.payout_id))]
    log.info("admin %s cancelled payout %s", req.incoming.sender.id, press.payout_id)
    return [await _withdrawals(req, t("admin-payout-cancelled", id=str(press.payout_id),
                                      amount=money_text(t, done.amount, done.currency)))]


async def fee_command(req: Request, words: list[str]) -> list[Reply]:
    """`/admin fee MERCHANT PERCENT|default`: the merchant's own platform fee."""
    t = req.t
    merchant_id = _id(words[0]) if len(words) == 2 else None
    if merchant_id is None:
        return [SendText(t("admin-fee-usage"))]
    details = await merchant_details(req.db, merchant_id, req.now())
    if details is None:
        return [SendText(t("admin-merchant-unknown", id=str(merchant_id)))]
    name = _name(details.view, req.lang)
    default = words[1].lower() in ("default", "默认", "reset")
    fee_bp = None if default else read_percent(words[1])
    if fee_bp is None and not default:
        return [SendText(t("admin-fee-bad", text=typed(words[1])) + "\n" + t("admin-fee-usage"))]
    shown = percent((await get_rules(req.db)).fee_bp if fee_bp is None else fee_bp)
    if not await set_fee(req.db, merchant_id, fee_bp):
        return [SendText(t("admin-fee-refused", name=name, fee=shown))]
    log.info("admin %s set merchant %s fee to %s", req.incoming.sender.id, merchant_id, fee_bp)
    return [SendText(t("admin-fee-default" if default else "admin-fee-done", name=name,
                       fee=shown))]


async def refund_command(req: Request, words: list[str]) -> list[Reply]:
    """`/admin refund ORDER`: what refunding the whole order after use does, to confirm."""
    t = req.t
    order_id = _id(words[0]) if len(words) == 1 else None
    if order_id is None:
        return [SendText(t("admin-refund-usage"))]
    order = await get_order(req.db, order_id)
    if order is None or order.status not in ("paid", "fulfilled"):
        return [SendText(t("admin-refund-unknown", id=str(order_id)))]
    text = t("admin-refund-confirm", id=str(order_id), title=order.deal_title.get(req.lang),
             total=money_text(t, order.total, order.currency))
    return [SendText(text, buttons=((Button(t("admin-refund-yes"),
                                            data=AdminRefundAfterUse(order_id).pack()),
                                     _home_button(t)),))]


@router.button(AdminRefundAfterUse, role=Role.ADMIN, area="admin")
async def refund_confirmed(req: Request, press: AdminRefundAfterUse) -> list[Reply]:
    """The refund after use, confirmed: recorded (the books take back what the codes'
    settlement gave out), paid back through the provider, and the buyer told."""
    t, now = req.t, req.now()
    asked = await refund_after_use(req.db, press.order_id, now)
    if asked.outcome != "started" or asked.refund_id is None:
        return [SendText(t("admin-refund-nothing", id=str(press.order_id)))]
    log.info("admin %s refunded order %s after use (refund %s)", req.incoming.sender.id,
             press.order_id, asked.refund_id)
    done = await carry_out(req.db, asked.refund_id, req.app.payments.refund, now)
    key = "admin-refund-done" if done is not None and done.status == "done" \
        else "admin-refund-pending"
    replies: list[Reply] = [SendText(t(key, id=str(press.order_id),
                                       amount=money_text(t, asked.amount, asked.currency),
                                       count=asked.codes))]
    if done is not None and done.owed_key:
        replies += await owed_in_turn(req, done.owed_key)
    return replies


MONEY_COMMANDS = {
    "payables": payables_command, "pay": pay_command, "withdrawals": withdrawals_command,
    "paid": paid_command, "cancel": cancel_command, "fee": fee_command,
    "refund": refund_command,
}
