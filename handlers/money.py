"""Money in the chat (issue 16): what the books say to the people whose money it is.

Referrers (anyone, `Role.SHOPPER`):
  /earnings           available, pending (and of it frozen), in transit, withdrawn, the
                      net total each level of their team brought, the latest movements
                      in words, and "Withdraw ¥X" (all that is available)
  /withdraw AMOUNT    withdraw part of it; both ask to confirm first
  /team               how many people they brought in at each level (never who), and
                      their own invitation link
Owners (`Role.OWNER`, area "money"):
  /payouts            payable, pending and paid out, with the latest lines behind each
  /commission ...     the referral commission rates: the merchant's default and deals' own
The monthly statement (`/export statement [YYYY-MM]`) is part of `/export`
(`handlers.stats`), made here (`statement_export`).

Buttons (declared in `handlers.payloads`):
  EarningsScreen    er                 the earnings again
  WithdrawAsk       wa:<amount>        asks to confirm a withdrawal of `amount`
  WithdrawConfirm   wc:<amount>:<avl>  withdraws, only while `avl` is still what is
                                       available (a second tap withdraws nothing)
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from handlers.common import answer_press
from handlers.core import Button, ButtonPress, EditText, Reply, SendDocument, SendText
from handlers.format import local_date, short_label
from handlers.i18n import Translator
from handlers.links import ref_payload, start_link
from handlers.owed import renders, translator_for
from handlers.payloads import EarningsScreen, WithdrawAsk, WithdrawConfirm
from handlers.roles import Role
from handlers.router import App, Request, Router
from services.ledger.books import AccountKind, Posted
from services.ledger.commissions import clear_deal_rates, set_rates
from services.ledger.payouts import request_withdrawal
from services.ledger.rules import get_rules
from services.ledger.statements import (
    CommissionOverview,
    Movement,
    StatementWords,
    commission_overview,
    earnings,
    merchant_money,
    statement,
    statement_rows,
)
from services.ledger.statements import rows_csv as statement_file
from services.marketing.referrals import referral_code_of, team_counts
from services.merchants.stats import merchant_slug, zone
from services.platform.merchant_input import AmountError, clean_text, read_amount
from services.platform.money import format_money, minor_digits

router = Router()
K = AccountKind
CURRENCY = "CNY"
AMOUNT_MAX = 10**11  # minor units: anything above is no amount anyone has here
MAX_TYPED = 40  # how much of what was typed a refusal repeats


# ------------------------------------------------------------------ reading amounts


_MONEY_MARKS = re.compile(r"^[¥$]|(元|块|rmb|cny|yuan)$", re.IGNORECASE)


def read_money(text: str, currency: str = CURRENCY) -> int | str:
    """An amount typed in major units ("50", "¥12.5", "１２元", "1,000") -> minor units,
    or why not: empty, unreadable, not_positive, decimals, too_big (the one amount rule,
    `read_amount`, after the marks people add around money)."""
    words = _MONEY_MARKS.sub("", clean_text(text).replace(",", "").replace(" ", ""))
    if not words:
        return "empty"
    try:
        return read_amount(words, currency,
                           max_major=AMOUNT_MAX // 10 ** minor_digits(currency))
    except AmountError as error:
        return error.reason.replace("-", "_")


def read_percent(text: str) -> int | None:
    """A percentage ("5", "2.5", "2.5%", "０") -> basis points (250), or None when it is
    not one from 0 to 100 with at most two decimals."""
    words = clean_text(text).removesuffix("%").strip()
    try:
        value = Decimal(words)
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value <= 100:
        return None
    bp = value * 100
    return int(bp) if bp == bp.to_integral_value() else None


def percent(bp: int) -> str:
    """Basis points as a percentage: 500 -> "5%", 250 -> "2.5%"."""
    text = f"{Decimal(bp) / 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def typed(text: str) -> str:
    """What someone typed, short enough to repeat in a refusal."""
    return short_label(clean_text(text), MAX_TYPED) or "-"


def money_text(t: Translator, amount: int, currency: str = CURRENCY) -> str:
    """An amount as the reader's language writes it (¥16.80)."""
    return format_money(amount, currency, t.lang)


def _signed(t: Translator, amount: int, currency: str = CURRENCY) -> str:
    return ("+" if amount > 0 else "") + money_text(t, amount, currency)


def _screen(req: Request, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    """A press replaces its message in place; a command gets a new one."""
    event = req.incoming.event
    if isinstance(event, ButtonPress) and event.message_id is not None:
        return EditText(event.message_id, text, buttons)
    return SendText(text, buttons=buttons)


# ------------------------------------------------------------------ /earnings


def movement_text(t: Translator, move: Movement, currency: str) -> str:
    """One of a referrer's movements in words: accrued, voided, frozen (redeemed),
    released, clawed back, withdrawn..."""
    order = move.order_id if move.order_id is not None else "-"
    level = move.detail[1:] if re.fullmatch(r"l[1-9]", move.detail) else "-"
    moved = max((abs(v) for v in move.accounts.values()), default=0)
    amount = money_text(t, moved, currency)
    if move.kind == "payment":
        key = "earn-move-accrued"
    elif move.kind in ("redeemed", "lapsed"):
        key = "earn-move-frozen"
    elif move.kind == "release":
        key = "earn-move-released"
    elif move.kind == "undo":
        key = "earn-move-undone"
    elif move.kind == "refund" and set(move.accounts) == {K.COMMISSION_PENDING}:
        key = "earn-move-voided"
    elif move.kind in ("refund", "clawback"):
        key = "earn-move-clawed"
        amount = money_text(t, -move.amount, currency)
    elif move.kind == "payout_requested":
        key = "earn-move-withdrawn"
    elif move.kind == "payout_cancelled":
        key = "earn-move-withdraw-cancelled"
    else:
        return t("earn-move-other", amount=_signed(t, move.amount, currency), kind=move.kind)
    return t(key, amount=amount, order=str(order), level=level)


async def _earnings_text(req: Request) -> tuple[str, int]:
    """The earnings screen's text, and what is available to withdraw."""
    t, tz = req.t, req.user.timezone
    mine = await earnings(req.db, req.user.id, CURRENCY)
    rules = await get_rules(req.db)
    lines = [t("earn-title"), t("earn-available", amount=money_text(t, mine.available))]
    if mine.available < 0:
        lines.append(t("earn-negative"))
    lines.append(t("earn-pending" if mine.frozen else "earn-pending-unredeemed",
                   amount=money_text(t, mine.pending), frozen=money_text(t, mine.frozen),
                   days=rules.release_after_days))
    lines.append(t("earn-withdrawals", transit=money_text(t, mine.in_transit),
                   settled=money_text(t, mine.settled)))
    lines += ["", t("earn-levels-title")]
    for level, total in enumerate(mine.levels[:rules.referral_levels], start=1):
        lines.append(t(f"earn-level-{level}", amount=money_text(t, total)))
    moves = mine.movements
    if moves:
        lines += ["", t("earn-recent-title")]
        lines += [f"• {local_date(m.posted_at, tz)} {movement_text(t, m, mine.currency)}"
                  for m in moves]
    else:
        lines += ["", t("earn-none")]
    if mine.available > 0:
        lines += ["", t("earn-withdraw-hint")]
    return "\n".join(lines), mine.available


async def _earnings_reply(req: Request, note: str = "") -> Reply:
    text, available = await _earnings_text(req)
    if note:
        text = note + "\n\n" + text
    buttons: tuple[tuple[Button, ...], ...] = ()
    if available > 0:
        buttons = ((Button(req.t("earn-withdraw-button", amount=money_text(req.t, available)),
                           data=WithdrawAsk(available).pack()),),)
    return _screen(req, text, buttons)


@router.command("earnings", role=Role.SHOPPER)
async def earnings_command(req: Request) -> list[Reply]:
    """`/earnings`: the referrer's commissions, where they stand, and Withdraw."""
    return [await _earnings_reply(req)]


@router.button(EarningsScreen, role=Role.SHOPPER)
async def earnings_button(req: Request, press: EarningsScreen) -> list[Reply]:
    """The earnings again (a withdrawal's Cancel)."""
    return [await _earnings_reply(req)]


# ------------------------------------------------------------------ withdrawing


async def _ask_withdrawal(req: Request, amount: int) -> list[Reply]:
    """Confirm first: the amount, what is left after it; or why it cannot be."""
    t = req.t
    available = (await earnings(req.db, req.user.id, CURRENCY)).available
    if available <= 0:
        return [SendText(t("withdraw-nothing", available=money_text(t, max(0, available))))]
    if amount > available:
        return [SendText(t("withdraw-too-much", amount=money_text(t, amount),
                           available=money_text(t, available)),
                         buttons=((Button(t("earn-withdraw-button",
                                            amount=money_text(t, available)),
                                          data=WithdrawAsk(available).pack()),),))]
    text = t("withdraw-confirm", amount=money_text(t, amount),
             left=money_text(t, available - amount))
    buttons = ((Button(t("withdraw-yes", amount=money_text(t, amount)),
                       data=WithdrawConfirm(amount, available).pack()),
                Button(t("withdraw-no"), data=EarningsScreen().pack())),)
    return [_screen(req, text, buttons)]


@router.command("withdraw", role=Role.SHOPPER)
async def withdraw_command(req: Request) -> list[Reply]:
    """`/withdraw AMOUNT`: withdraw part of the available commission (asks first)."""
    t = req.t
    amount = read_money(req.args)
    if isinstance(amount, int):
        return await _ask_withdrawal(req, amount)
    available = max(0, (await earnings(req.db, req.user.id, CURRENCY)).available)
    figure = money_text(t, available)
    if amount == "empty":
        return [SendText(t("withdraw-usage", available=figure))]
    if amount == "too_big":  # more than anyone has: the same answer as any amount over
        if available <= 0:
            return [SendText(t("withdraw-nothing", available=figure))]
        return [SendText(t("withdraw-too-much", amount=typed(req.args), available=figure))]
    return [SendText(t(f"withdraw-bad-{amount}", text=typed(req.args), available=figure,
                       digits=minor_digits(CURRENCY)))]


@router.button(WithdrawAsk, role=Role.SHOPPER)
async def withdraw_asked(req: Request, press: WithdrawAsk) -> list[Reply]:
    """Withdraw pressed: confirm the amount first."""
    return [answer_press(req), *await _ask_withdrawal(req, press.amount)]


@router.button(WithdrawConfirm, role=Role.SHOPPER)
async def withdraw_confirmed(req: Request, press: WithdrawConfirm) -> list[Reply]:
    """Yes, withdraw: only while the balance is what it was when asked."""
    t = req.t
    done = await request_withdrawal(req.db, req.user.id, press.amount, req.now(), CURRENCY,
                                    expected_available=press.available)
    if done.outcome == "ok":
        note = t("withdraw-done", amount=money_text(t, done.amount),
                 left=money_text(t, done.available))
    elif done.outcome == "not_enough":
        note = t("withdraw-too-much", amount=money_text(t, press.amount),
                 available=money_text(t, done.available))
    else:  # changed (a second tap, or the balance moved), or a forged amount
        note = t("withdraw-changed", available=money_text(t, done.available))
    return [answer_press(req), await _earnings_reply(req, note)]


# ------------------------------------------------------------------ /team


@router.command("team", role=Role.SHOPPER)
async def team(req: Request) -> list[Reply]:
    """`/team`: how many people the user brought in at each level, and their link."""
    t = req.t
    rules = await get_rules(req.db)
    counts = await team_counts(req.db, req.user.id, rules.referral_levels)
    code = await referral_code_of(req.db, req.user.id)
    link = start_link(req.app.options.bot_username, ref_payload(code))
    lines = [t("team-title")]
    lines += [t(f"team-level-{level}", count=count)
              for level, count in enumerate(counts, start=1)]
    lines += ["", t("team-how"), "", t("team-link", link=link)]
    forward = (f"https://t.me/share/url?url={quote(link, safe='')}"
               f"&text={quote(t('team-share-text'))}")
    return [SendText("\n".join(lines), buttons=((Button(t("team-forward"), url=forward),),))]


# ------------------------------------------------------------------ /payouts


def merchant_line_text(t: Translator, line: Posted, tz: str, currency: str) -> str:
    """One line on a merchant's pending or payable account, in words."""
    if line.detail in ("coupon", "rounding"):
        what = t(f"money-detail-{line.detail}")
    else:
        what = t(f"money-kind-{line.entry_kind}") if t.has(f"money-kind-{line.entry_kind}") \
            else line.entry_kind
    if line.order_id is not None:
        what += " · " + t("money-order", order=str(line.order_id))
    return t("money-line", date=local_date(line.posted_at, tz),
             amount=_signed(t, line.amount, currency), what=what)


@router.command("payouts", role=Role.OWNER, area="money")
async def payouts(req: Request) -> list[Reply]:
    """`/payouts`: the merchant's payable, pending and paid out, and what is behind them."""
    t, tz = req.t, req.user.timezone
    seller = req.seller
    mine = await merchant_money(req.db, seller.merchant_id, CURRENCY)
    cur = mine.currency
    lines = [t("payouts-title", merchant=seller.name.get(req.lang)),
             t("payouts-payable" if mine.payable >= 0 else "payouts-payable-negative",
               amount=money_text(t, mine.payable, cur)),
             t("payouts-pending", amount=money_text(t, mine.pending, cur)),
             t("payouts-paid", amount=money_text(t, mine.paid_out, cur)),
             t("payouts-share", amount=money_text(t, mine.share, cur))]
    if not (mine.payable_lines or mine.pending_lines or mine.payouts):
        lines += ["", t("payouts-none")]
    if mine.payable_lines:
        lines += ["", t("payouts-recent-payable")]
        lines += [merchant_line_text(t, line, tz, cur) for line in mine.payable_lines]
    if mine.pending_lines:
        lines += ["", t("payouts-recent-pending")]
        lines += [merchant_line_text(t, line, tz, cur) for line in mine.pending_lines]
    if mine.payouts:
        lines += ["", t("payouts-recent-paid")]
        lines += [t("payouts-paid-line", date=local_date(p.paid_at or p.requested_at, tz),
                    amount=money_text(t, p.amount, p.currency), reference=p.reference or "-")
                  for p in mine.payouts]
    month = req.now().astimezone(zone(tz)).strftime("%Y-%m")
    lines += ["", t("payouts-statement-hint", month=month)]
    return [SendText("\n".join(lines))]


# ------------------------------------------------------------------ the monthly statement

STATEMENT_WORDS = ("statement", "对账单", "对账", "账单")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


def read_month(text: str, now: datetime, timezone: str) -> tuple[int, int] | None:
    """"2026-11", "2026/11", "2026年11月" -> (2026, 11); nothing typed: this month in
    `timezone`; None for anything else."""
    words = clean_text(text)
    if not words:
        local = now.astimezone(zone(timezone))
        return local.year, local.month
    match = _MONTH.fullmatch(words)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 and 2000 <= year <= 9999 else None


def statement_words(t: Translator) -> StatementWords:
    """The statement's column names and words in the owner's language."""
    kinds = ("payment", "redeemed", "lapsed", "refund", "clawback", "undo",
             "payout_requested", "payout_cancelled", "deposit_kept")
    details = ("sale", "coupon", "share", "rounding", "payout", "cancelled", "deposit")
    columns = ("date", "entry", "order", "code", "account", "detail", "amount", "balance")
    return StatementWords(
        header=tuple(t(f"statement-col-{c}") for c in columns),
        opening=t("statement-opening"), closing=t("statement-closing"),
        accounts={K.MERCHANT_PENDING: t("money-account-pending"),
                  K.MERCHANT_PAYABLE: t("money-account-payable")},
        kinds={k: t(f"money-kind-{k}") for k in kinds},
        details={d: t(f"money-detail-{d}") for d in details})


def is_statement(args: str) -> bool:
    """Does `/export ARGS` ask for the monthly statement?"""
    first = clean_text(args).split(" ", 1)[0].lower()
    return first in STATEMENT_WORDS


async def statement_export(req: Request) -> list[Reply]:
    """`/export statement [YYYY-MM]`: the merchant's month as a CSV file (this month
    when left out), from its opening balances to its closing ones."""
    t, tz = req.t, req.user.timezone
    rest = clean_text(req.args).split(" ", 1)[1:]
    month = read_month(rest[0] if rest else "", req.now(), tz)
    if month is None:
        return [SendText(t("statement-usage"))]
    seller = req.seller
    found = await statement(req.db, seller.merchant_id, *month, tz, CURRENCY)
    data = statement_file(statement_rows(found, statement_words(t)))
    label = f"{month[0]:04d}-{month[1]:02d}"
    slug = await merchant_slug(req.db, seller.merchant_id) or str(seller.merchant_id)
    caption = t("statement-caption", merchant=seller.name.get(req.lang), month=label,
                count=len(found.lines),
                opening=money_text(t, found.opening[K.MERCHANT_PAYABLE], found.currency),
                closing=money_text(t, found.closing[K.MERCHANT_PAYABLE], found.currency),
                timezone=found.timezone)
    return [SendDocument(data, f"statement-{slug}-{label}.csv", caption=caption)]


# ------------------------------------------------------------------ /commission

DEFAULT_WORDS = ("default", "默认", "恢复默认", "reset")


def rates_text(t: Translator, levels: tuple[int, ...]) -> str:
    """"一级 5% · 二级 3% · 三级 2%（合计 10%）"."""
    full = (*levels, 0, 0, 0)[:3]
    return t("commission-rates", l1=percent(full[0]), l2=percent(full[1]),
             l3=percent(full[2]), total=percent(sum(full)))


def _overview_text(t: Translator, lang: str, seen: CommissionOverview) -> str:
    lines = [t("commission-title"), t("commission-default", rates=rates_text(t, seen.default)),
             t("commission-cap", cap=percent(seen.cap_bp), fee=percent(seen.fee_bp))]
    if seen.referral_levels < 3:
        lines.append(t("commission-levels-note", levels=seen.referral_levels))
    if seen.deals:
        lines += ["", t("commission-deals-title")]
        for deal in seen.deals:
            title = short_label(deal.title.get(lang), 30)
            if deal.levels is None:
                lines.append(t("commission-deal-default", id=str(deal.deal_id), title=title))
            else:
                lines.append(t("commission-deal-own", id=str(deal.deal_id), title=title,
                               rates=rates_text(t, deal.levels)))
    lines += ["", t("commission-usage")]
    return "\n".join(lines)


@router.command("commission", role=Role.OWNER, area="money")
async def commission(req: Request) -> list[Reply]:
    """`/commission` shows the rates; `/commission 5 3 2` sets the default (percent),
    `/commission DEAL 8 4 2` one deal's, `/commission DEAL default` clears a deal's."""
    t, merchant_id = req.t, req.seller.merchant_id
    words = clean_text(req.args).replace("，", " ").replace(",", " ").split()
    if not words:
        seen = await commission_overview(req.db, merchant_id)
        return [SendText(_overview_text(t, req.lang, seen))]
    deal_id: int | None = None
    if words[0].startswith("#") or len(words) == 4 or (
            len(words) == 2 and words[1].lower() in DEFAULT_WORDS):
        number = words[0].lstrip("#")
        if not number.isdigit() or len(number) > 12:
            return [SendText(t("commission-bad", text=typed(words[0])))]
        deal_id, words = int(number), words[1:]
        if len(words) == 1 and words[0].lower() in DEFAULT_WORDS:
            if not await clear_deal_rates(req.db, merchant_id, deal_id):
                return [SendText(t("commission-unknown-deal", id=str(deal_id)))]
            seen = await commission_overview(req.db, merchant_id)
            return [SendText(t("commission-cleared", id=str(deal_id),
                               rates=rates_text(t, seen.default)))]
    if not 1 <= len(words) <= 3:
        return [SendText(t("commission-bad", text=typed(req.args)))]
    levels = [read_percent(word) for word in words]
    if any(level is None for level in levels):
        bad = next(w for w, level in zip(words, levels, strict=True) if level is None)
        return [SendText(t("commission-bad", text=typed(bad)))]
    asked = tuple(level for level in levels if level is not None)
    change = await set_rates(req.db, merchant_id, asked, deal_id)
    if change.outcome == "over_cap":
        return [SendText(t("commission-over-cap", total=percent(sum(asked)),
                           cap=percent(change.cap_bp)))]
    if change.outcome == "unknown_deal":
        return [SendText(t("commission-unknown-deal", id=str(deal_id)))]
    if change.outcome != "ok" or change.rates is None:
        return [SendText(t("commission-bad", text=typed(req.args)))]
    if deal_id is None:
        return [SendText(t("commission-set-default", rates=rates_text(t, change.rates.levels)))]
    return [SendText(t("commission-set-deal", id=str(deal_id),
                       rates=rates_text(t, change.rates.levels)))]


@renders("payout_paid", "payout_cancelled")
async def _owed_payout(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed payout news: a referrer's withdrawal paid (with the transfer's reference)
    or cancelled (the money is available again), or a merchant's transfer recorded."""
    t = await translator_for(app, chat_id)
    amount = format_money(int(params["amount"]), str(params["currency"]), t.lang)
    if params.get("told") == "cancelled":
        key = "money-told-withdrawal-cancelled"
    elif params.get("payee") == "merchant":
        key = "money-told-merchant-paid"
    else:
        key = "money-told-withdrawal-paid"
    return [SendText(t(key, amount=amount, reference=typed(str(params.get("reference") or "-"))))]

