"""The books: accounts, balanced entries posted once, balances as sums of lines.

Sign: a line's amount is a debit when positive, a credit when negative; every entry's
lines sum to zero (one currency per entry). The platform's cash is the only asset;
every other account is money the platform holds for someone (a merchant, a referrer, a
buyer owed a refund) or has earned, so its balance as people see it is the negated sum
of its lines (`Balance.shown`).

An entry is written in the transaction of the change it records (the order paid, the
code redeemed, ...), through `post`, and never changed afterwards. Its `key` names its
cause ("paid:order:7"); a second post with the same key writes nothing, so a replayed
payment notice, a double tap or a job run twice cannot post twice. A correction is a
new entry that `reverses` an old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    func,
    insert,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from services.platform.database import Database
from storage.models import LedgerAccount, LedgerEntry, LedgerLine

PLATFORM = ""  # the `ref` of the platform's own accounts


class AccountKind(StrEnum):
    """What an account holds. `ref` says whose: a provider for cash, a merchant id for
    merchant accounts, a user id for commission accounts, "" for the platform's."""

    CASH = "cash"  # money at a payment provider (ref: provider); "bank" pays payouts
    FEE_PENDING = "fee_pending"  # the platform's fee on units paid, not yet redeemed
    FEE_INCOME = "fee_income"  # the platform's fee, earned (units redeemed or lapsed)
    REFUNDS_PAYABLE = "refunds_payable"  # money owed back to buyers, not yet paid back
    PAYOUTS_IN_TRANSIT = "payouts_in_transit"  # payouts requested, not yet transferred
    MERCHANT_PENDING = "merchant_pending"  # the merchant's share of unredeemed units
    MERCHANT_PAYABLE = "merchant_payable"  # the merchant's share, owed to it now
    COMMISSION_PENDING = "commission_pending"  # accrued on units paid, not yet redeemed
    COMMISSION_FROZEN = "commission_frozen"  # redeemed, inside the refund window
    COMMISSION_AVAILABLE = "commission_available"  # the referrer's to withdraw
    DEPOSITS_HELD = "deposits_held"  # bookings' paid deposits (ref: merchant id), until
    # given back (a cancellation in time) or kept (merchant payable)


# Accounts whose balance (as shown) may never be below zero. Merchant payable and a
# referrer's available commission may: a refund after payout or release claws back the
# whole amount, even into the negative, rather than losing money (the malls cap it).
NEVER_NEGATIVE = (
    AccountKind.FEE_PENDING, AccountKind.REFUNDS_PAYABLE, AccountKind.PAYOUTS_IN_TRANSIT,
    AccountKind.MERCHANT_PENDING, AccountKind.COMMISSION_PENDING,
    AccountKind.COMMISSION_FROZEN, AccountKind.DEPOSITS_HELD,
)
# Accounts that hold one order's money until its units are redeemed, lapse or go back.
ORDER_PENDING = (AccountKind.MERCHANT_PENDING, AccountKind.FEE_PENDING,
                 AccountKind.COMMISSION_PENDING)


class UnbalancedEntry(ValueError):
    """An entry whose lines do not sum to zero: a bug, never posted."""


@dataclass(frozen=True)
class Line:
    """One line to post: `amount` (debit +, credit -) on the account (kind, ref)."""

    kind: str
    ref: str
    amount: int
    detail: str = ""


@dataclass(frozen=True)
class Posted:
    """A line as stored, with its entry (for statements and recent-entry lists)."""

    entry_id: int
    entry_kind: str
    posted_at: datetime
    order_id: int | None
    code_id: int | None
    account_kind: str
    ref: str
    amount: int  # as shown: positive adds to the holder's balance
    detail: str


_ACCOUNTS = LedgerAccount.__table__  # type: ignore[attr-defined]
_ENTRIES = LedgerEntry.__table__  # type: ignore[attr-defined]
_LINES = LedgerLine.__table__  # type: ignore[attr-defined]


def shown(kind: str, lines_sum: int) -> int:
    """A balance as its holder sees it: cash as is, every other account negated."""
    return lines_sum if kind == AccountKind.CASH else -lines_sum


# Account ids never change once their row is committed, so each process remembers them
# (per database): posting then needs no lookup. An account opened by a transaction that
# has not committed is not remembered (it would vanish with a rollback).
_KNOWN: WeakKeyDictionary[Database, dict[tuple[str, str, str], int]] = WeakKeyDictionary()
_OPENED_HERE = "ledger_accounts_opened"  # conn.info: (transaction, keys it opened)


async def account_ids(db: Database, conn: AsyncConnection, wanted: Iterable[tuple[str, str]],
                      currency: str) -> dict[tuple[str, str], int]:
    """The ids of these (kind, ref) accounts in `currency`, opening the missing ones."""
    keys = set(wanted)
    known = _KNOWN.setdefault(db, {})
    if all((k, r, currency) in known for k, r in keys):
        return {(k, r): known[(k, r, currency)] for k, r in keys}
    query = select(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _ACCOUNTS.c.id).where(
        _ACCOUNTS.c.currency == currency,
        tuple_(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref).in_(sorted(keys)))
    found = {(k, r): i for k, r, i in (await conn.execute(query)).all()}
    transaction = conn.sync_connection.get_transaction() if conn.sync_connection else None
    opened_by, opened = conn.info.get(_OPENED_HERE, (None, set()))
    if opened_by is not transaction:
        opened = set()
    missing = keys - found.keys()
    if missing:
        inserted = (await conn.execute(
            db.insert_ignoring(_ACCOUNTS, ["kind", "ref", "currency"])
            .values([{"kind": k, "ref": r, "currency": currency} for k, r in sorted(missing)])
            .returning(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _ACCOUNTS.c.id))).all()
        opened |= {(k, r, currency) for k, r in missing}
        conn.info[_OPENED_HERE] = (transaction, opened)
        found.update({(k, r): i for k, r, i in inserted})
        if len(inserted) < len(missing):  # another transaction opened some meanwhile
            found = {(k, r): i for k, r, i in (await conn.execute(query)).all()}
    known.update({(k, r, currency): i for (k, r), i in found.items()
                  if (k, r, currency) not in opened})
    return found


_NEW_LINES = insert(_LINES)
_NEW_ENTRY: dict[str, Any] = {}  # per dialect: built once, so posting compiles nothing


def _new_entry(db: Database) -> Any:
    """INSERT an entry unless its key is taken, returning its id (none when taken)."""
    if db.dialect not in _NEW_ENTRY:
        _NEW_ENTRY[db.dialect] = db.insert_ignoring(_ENTRIES, ["key"]).returning(
            _ENTRIES.c.id)
    return _NEW_ENTRY[db.dialect]


_ENTRY_COLUMNS = ("key", "kind", "currency", "order_id", "code_id", "refund_id", "payout_id",
                  "reverses_id", "posted_at")


def entry_with_lines(when: ColumnElement[bool] | None = None) -> Any:
    """PostgreSQL: INSERT an entry unless its key is taken, and its lines (given as
    three arrays) with it; returns the entry's id once per line (nothing when taken).
    For a statement that joins it to other writes (`storage.db.joined`), its parameters
    from `posting`. `when`: a condition the entry needs too (in the payment's statement:
    that the order was paid)."""
    values = select(*(bindparam(f"entry_{c}", type_=_ENTRIES.c[c].type) for c in _ENTRY_COLUMNS))
    entry = (postgresql.insert(_ENTRIES)
             .from_select(list(_ENTRY_COLUMNS), values if when is None else values.where(when))
             .on_conflict_do_nothing(index_elements=["key"])
             .returning(_ENTRIES.c.id).cte("new_entry"))
    rows = func.unnest(bindparam("accounts", type_=postgresql.ARRAY(Integer)),
                       bindparam("amounts", type_=postgresql.ARRAY(BigInteger)),
                       bindparam("details", type_=postgresql.ARRAY(String))
                       ).table_valued("account_id", "amount", "detail").render_derived(
                           name="new_lines")
    return (insert(_LINES).from_select(
        ["entry_id", "account_id", "amount", "order_id", "detail"],
        select(entry.c.id, rows.c.account_id, rows.c.amount,
               bindparam("entry_order_id", type_=Integer), rows.c.detail)
        .select_from(entry).join(rows, true()))
        .returning(_LINES.c.entry_id))


ENTRY_WITH_LINES = entry_with_lines()


async def posting(db: Database, conn: AsyncConnection, *, key: str, kind: str,
                  currency: str, lines: Sequence[Line], now: datetime,
                  order_id: int | None = None, code_id: int | None = None,
                  refund_id: int | None = None, payout_id: int | None = None,
                  reverses_id: int | None = None) -> dict[str, Any] | None:
    """What `post` writes, as the parameters of `ENTRY_WITH_LINES` (PostgreSQL), for a
    statement that joins the entry to other writes (`storage.db.joined`); the accounts
    are opened in `conn`'s transaction if need be. None when every line is zero
    (nothing to post). The entry is still written once per key."""
    if sum(line.amount for line in lines) != 0:
        raise UnbalancedEntry(f"{key}: lines sum to {sum(line.amount for line in lines)}")
    lines = [line for line in lines if line.amount != 0]
    if not lines:
        return None
    ids = await account_ids(db, conn, {(line.kind, line.ref) for line in lines}, currency)
    entry = (key, kind, currency, order_id, code_id, refund_id, payout_id, reverses_id, now)
    # Named apart from every column: in a joined statement, SQLAlchemy would take a
    # parameter named as a column of a table written by VALUES or SET for one more value.
    return {**{f"entry_{c}": v for c, v in zip(_ENTRY_COLUMNS, entry, strict=True)},
            "accounts": [ids[(line.kind, line.ref)] for line in lines],
            "amounts": [line.amount for line in lines],
            "details": [line.detail for line in lines]}


async def post(db: Database, conn: AsyncConnection, *, key: str, kind: str, currency: str,
               lines: Sequence[Line], now: datetime, order_id: int | None = None,
               code_id: int | None = None, refund_id: int | None = None,
               payout_id: int | None = None, reverses_id: int | None = None) -> int | None:
    """Post one entry in `conn`'s transaction; its id, or None when an entry with this
    key exists already (nothing is written) or every line is zero."""
    params = await posting(db, conn, key=key, kind=kind, currency=currency, lines=lines,
                           now=now, order_id=order_id, code_id=code_id, refund_id=refund_id,
                           payout_id=payout_id, reverses_id=reverses_id)
    if params is None:
        return None
    if db.dialect == "postgresql":
        # The entry and its lines in one statement (the lines only if the entry went
        # in): one round trip less on every payment and redemption.
        posted = (await conn.execute(ENTRY_WITH_LINES, params)).first()
        return None if posted is None else int(posted[0])  # None: a replay
    entry_id = (await conn.execute(_new_entry(db), {
        c: params[f"entry_{c}"] for c in _ENTRY_COLUMNS})).scalar()
    if entry_id is None:
        return None  # posted before: this is a replay
    await conn.execute(_NEW_LINES, [
        {"entry_id": entry_id, "account_id": account, "amount": amount,
         "order_id": order_id, "detail": detail}
        for account, amount, detail in zip(params["accounts"], params["amounts"],
                                           params["details"], strict=True)])
    return int(entry_id)


_NEW_ENTRIES: dict[str, Any] = {}  # per dialect


def _new_entries(db: Database) -> Any:
    """INSERT entries whose key is not taken, returning (id, key) of those it wrote."""
    if db.dialect not in _NEW_ENTRIES:
        _NEW_ENTRIES[db.dialect] = db.insert_ignoring(_ENTRIES, ["key"]).returning(
            _ENTRIES.c.id, _ENTRIES.c.key)
    return _NEW_ENTRIES[db.dialect]


@dataclass(frozen=True)
class Posting:
    """One entry for `post_many`: what `post` takes, as a value."""

    key: str
    kind: str
    currency: str
    lines: Sequence[Line]
    order_id: int | None = None
    code_id: int | None = None
    refund_id: int | None = None
    payout_id: int | None = None


async def post_many(db: Database, conn: AsyncConnection, postings: Sequence[Posting],
                    now: datetime) -> int:
    """`post` for many entries at once (a page of refunds, say), in `conn`'s transaction:
    the entries in one INSERT, those whose key is taken skipped as `post` skips them, then
    all their lines in one more. Returns how many entries were posted."""
    kept: dict[str, tuple[Posting, list[Line]]] = {}
    for posting in postings:
        if sum(line.amount for line in posting.lines) != 0:
            raise UnbalancedEntry(f"{posting.key}: lines sum to "
                                  f"{sum(line.amount for line in posting.lines)}")
        lines = [line for line in posting.lines if line.amount != 0]
        if lines:
            kept[posting.key] = (posting, lines)
    if not kept:
        return 0
    ids: dict[str, dict[tuple[str, str], int]] = {}
    for currency in {p.currency for p, _ in kept.values()}:
        ids[currency] = await account_ids(db, conn, {
            (line.kind, line.ref) for p, lines in kept.values() if p.currency == currency
            for line in lines}, currency)
    # executemany (SQLAlchemy's "insertmanyvalues"): batched, and compiled once.
    entries = (await conn.execute(_new_entries(db), [
        {"key": p.key, "kind": p.kind, "currency": p.currency, "order_id": p.order_id,
         "code_id": p.code_id, "refund_id": p.refund_id, "payout_id": p.payout_id,
         "reverses_id": None, "posted_at": now} for p, _ in kept.values()])).all()
    if not entries:
        return 0
    await conn.execute(_NEW_LINES, [
        {"entry_id": entry_id, "account_id": ids[p.currency][(line.kind, line.ref)],
         "amount": line.amount, "order_id": p.order_id, "detail": line.detail}
        for entry_id, key in entries for p, lines in (kept[key],) for line in lines])
    return len(entries)


async def reverse(db: Database, conn: AsyncConnection, entry_id: int, *, key: str,
                  kind: str, now: datetime) -> int | None:
    """Post the mirror image of an entry (every line negated), naming it as reversed."""
    entry = (await conn.execute(select(_ENTRIES).where(_ENTRIES.c.id == entry_id))).one()
    rows = (await conn.execute(
        select(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _LINES.c.amount, _LINES.c.detail)
        .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
        .where(_LINES.c.entry_id == entry_id).order_by(_LINES.c.id))).all()
    return await post(db, conn, key=key, kind=kind, currency=entry.currency,
                      lines=[Line(k, r, -amount, detail) for k, r, amount, detail in rows],
                      now=now, order_id=entry.order_id, code_id=entry.code_id,
                      refund_id=entry.refund_id, payout_id=entry.payout_id,
                      reverses_id=entry_id)


async def balances(conn: AsyncConnection, kinds: Sequence[str], ref: str,
                   currency: str | None = None) -> dict[tuple[str, str], int]:
    """Shown balances of `ref`'s accounts of these kinds: {(kind, currency): amount}."""
    query = (select(_ACCOUNTS.c.kind, _ACCOUNTS.c.currency,
                    func.coalesce(func.sum(_LINES.c.amount), 0))
             .select_from(_ACCOUNTS.outerjoin(_LINES, _LINES.c.account_id == _ACCOUNTS.c.id))
             .where(_ACCOUNTS.c.ref == ref, _ACCOUNTS.c.kind.in_(list(kinds)))
             .group_by(_ACCOUNTS.c.kind, _ACCOUNTS.c.currency))
    if currency is not None:
        query = query.where(_ACCOUNTS.c.currency == currency)
    return {(kind, cur): shown(kind, int(total))
            for kind, cur, total in (await conn.execute(query)).all()}


async def order_pending(conn: AsyncConnection, order_id: int) -> dict[tuple[str, str], int]:
    """What of one order's money is still pending, per (kind, ref) account, as shown."""
    rows = (await conn.execute(
        select(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, func.sum(_LINES.c.amount))
        .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
        .where(_LINES.c.order_id == order_id, _ACCOUNTS.c.kind.in_(list(ORDER_PENDING)))
        .group_by(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref))).all()
    return {(kind, ref): -int(total) for kind, ref, total in rows if total}


async def entry_lines(conn: AsyncConnection, entry_id: int) -> list[Line]:
    """The lines of one entry, as posted."""
    rows = (await conn.execute(
        select(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _LINES.c.amount, _LINES.c.detail)
        .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
        .where(_LINES.c.entry_id == entry_id).order_by(_LINES.c.id))).all()
    return [Line(k, r, a, d) for k, r, a, d in rows]


async def recent_lines(conn: AsyncConnection, kinds: Sequence[str], ref: str, *,
                       limit: int = 10, since: datetime | None = None,
                       until: datetime | None = None) -> list[Posted]:
    """Lines on `ref`'s accounts of these kinds, newest first (or a period's, oldest
    first, with `since`/`until`)."""
    query = (select(_LINES.c.entry_id, _ENTRIES.c.kind, _ENTRIES.c.posted_at,
                    _ENTRIES.c.order_id, _ENTRIES.c.code_id, _ACCOUNTS.c.kind,
                    _ACCOUNTS.c.ref, _LINES.c.amount, _LINES.c.detail)
             .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
             .join(_ENTRIES, _ENTRIES.c.id == _LINES.c.entry_id)
             .where(_ACCOUNTS.c.ref == ref, _ACCOUNTS.c.kind.in_(list(kinds))))
    if since is not None or until is not None:
        conditions = []
        if since is not None:
            conditions.append(_ENTRIES.c.posted_at >= since)
        if until is not None:
            conditions.append(_ENTRIES.c.posted_at < until)
        query = query.where(and_(*conditions)).order_by(_LINES.c.id)
    else:
        query = query.order_by(_LINES.c.id.desc()).limit(limit)
    return [Posted(e, ek, at, o, c, k, r, shown(k, a), d)
            for e, ek, at, o, c, k, r, a, d in (await conn.execute(query)).all()]


__all__ = ["ENTRY_WITH_LINES", "PLATFORM", "AccountKind", "Line", "Posted", "UnbalancedEntry",
           "account_ids", "balances", "entry_lines", "order_pending", "post", "posting",
           "recent_lines", "reverse", "shown"]
