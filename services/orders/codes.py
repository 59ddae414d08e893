"""Redemption codes: how they are made, read back, and listed for their owner.

A code is 11 random Crockford base32 symbols (55 bits from `secrets`, never from the
clock) plus one check symbol, shown in groups of four: `7QH4-K2MX-9TDA`. Crockford's
alphabet has no I, L, O or U, and reading it back forgives the look-alikes (O is 0,
I and L are 1), case, spaces and dashes. The check symbol (Luhn mod 32) catches every
single mistyped symbol and every swap of two neighbours but one: like every Luhn mod N,
it cannot see 0 and Z (the first and last symbols) trade places. So a typo is nearly
always told apart from a code that does not exist; the rare 0/Z swap is looked up and
answered as "no such code", which is still right.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from PIL import Image, ImageOps
from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    String,
    Update,
    bindparam,
    func,
    insert,
    literal,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual
from services.platform.database import Database, run_prebuilt
from services.platform.outbox import owe
from storage.models import CodeStatus, Deal, Order, RedemptionCode, RefundPolicy

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = " -_\t"
_WORD = re.compile(r"[0-9A-Za-z_-]*[0-9A-Za-z][0-9A-Za-z_-]*")  # ASCII, after NFKC
RANDOM_SYMBOLS = 11  # 55 bits
CODE_LENGTH = RANDOM_SYMBOLS + 1
DEEP_LINK_PREFIX = "r_"  # /start r_<CODE> opens the redemption check for staff


def check_symbol(body: str) -> str:
    """Luhn mod 32 over `body`: the symbol that makes the whole code check out."""
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    """A fresh, unguessable code (12 symbols, no dashes: the stored form)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return body + check_symbol(body)


def format_code(code: str) -> str:
    """`7QH4K2MX9TDA` -> `7QH4-K2MX-9TDA`, the way people read it out."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True)
class ReadCode:
    """What a typed or scanned code turned out to be."""

    code: str  # normalized (upper case, no separators); "" when unreadable
    problem: str | None  # None, "empty", "length", "symbols" or "check" (a typo)


def _read_token(text: str) -> ReadCode:
    """One candidate, already NFKC-normalized: separators dropped, look-alikes forgiven."""
    text = "".join(ch for ch in text.upper() if ch not in _SEPARATORS).translate(_LOOKALIKES)
    if not text:
        return ReadCode("", "empty")
    if len(text) != CODE_LENGTH:
        return ReadCode("", "length")
    if any(ch not in _VALUE for ch in text):
        return ReadCode("", "symbols")
    if check_symbol(text[:-1]) != text[-1]:
        return ReadCode(text, "check")
    return ReadCode(text, None)


def _code_shaped(text: str) -> str | None:
    """The code in a line with other words in it ("7QH4-K2MX-9TDA 谢谢", "核销 7QH4 K2MX
    9TDA"): runs of words that together hold exactly one code's worth of letters and
    digits, the first that checks out, else the first (to be told it is a typo)."""
    words = _WORD.findall(text)
    shaped: list[str] = []
    for start in range(len(words)):
        symbols = 0
        for end in range(start, len(words)):
            symbols += sum(ch.isalnum() for ch in words[end])
            if symbols >= CODE_LENGTH:
                if symbols == CODE_LENGTH:
                    shaped.append("".join(words[start:end + 1]))
                break
    return next((c for c in shaped if _read_token(c).problem is None),
                shaped[0] if shaped else None)


def read_code(entered: str) -> ReadCode:
    """Normalize what staff typed or scanned and say whether it can be a code at all.

    The first code-shaped run of words is the code, so words typed before or after it
    do not matter; without one, the whole text is read (and says why it is no code).
    """
    # NFKC: Chinese keyboards often type full-width letters and digits (７ＱＨ４).
    text = unicodedata.normalize("NFKC", entered).strip()
    if text.lower().startswith(DEEP_LINK_PREFIX):
        text = text[len(DEEP_LINK_PREFIX):]
    shaped = _code_shaped(text)
    return _read_token(shaped if shaped is not None else text)


def qr_payload(code: str, bot_username: str) -> str:
    """What a code's QR holds: the deep link that opens the staff's redemption check."""
    return f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{code}"


# Every one of the eight mask patterns makes a valid code that scanners read; segno's
# choice of the "best" one scores all eight in pure Python (about 2 ms of the 4 a code
# took), and a code goes with every purchase, so the pattern is fixed.
QR_MASK = 0
_LIGHT = bytes(255 if value == 0 else 0 for value in range(256))  # module 1 = dark


def qr_png(data: str, scale: int = 8, border: int = 4) -> bytes:
    """A QR code of `data` as a 1-bit PNG (medium error correction, a quiet zone of
    `border` modules, `scale` pixels a module), drawn by Pillow from segno's matrix:
    the same pixels as segno's own PNG writer, in about a quarter of its time."""
    matrix = segno.make(data, error="m", micro=False, mask=QR_MASK).matrix
    modules = len(matrix)
    image = Image.frombytes("L", (modules, modules),
                            b"".join(bytes(row).translate(_LIGHT) for row in matrix))
    side = (modules + 2 * border) * scale
    image = ImageOps.expand(image.convert("1"), border=border, fill=1).resize(
        (side, side), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class CodeView:
    """One of the user's codes with the deal it is for."""

    id: int
    code: str
    status: str
    order_id: int
    deal_id: int
    deal_title: Bilingual
    valid_from: datetime
    valid_until: datetime
    refund_policy: str
    redeemed_at: datetime | None = None

    @property
    def usable(self) -> bool:
        """Not yet redeemed, refunded or expired."""
        return self.status == CodeStatus.ISSUED

    @property
    def refundable(self) -> bool:
        """May the shopper ask for this code's money back now?"""
        return self.usable and self.refund_policy == RefundPolicy.ANYTIME


async def list_codes(db: Database, user_id: int, limit: int = 20) -> list[CodeView]:
    """The user's codes, newest first."""
    async with db.session() as session:
        rows = (
            await session.exec(
                select(RedemptionCode, Deal)
                .join(Deal, Deal.id == RedemptionCode.deal_id)
                .where(RedemptionCode.user_id == user_id)
                .order_by(col(RedemptionCode.created_at).desc(), col(RedemptionCode.id).desc())
                .limit(limit)
            )
        ).all()
    return [code_view(c, d) for c, d in rows]


async def get_code(db: Database, user_id: int, code_id: int) -> CodeView | None:
    """One of the user's own codes (None when it is not theirs)."""
    async with db.session() as session:
        row = (
            await session.exec(
                select(RedemptionCode, Deal)
                .join(Deal, Deal.id == RedemptionCode.deal_id)
                .where(RedemptionCode.id == code_id, RedemptionCode.user_id == user_id)
            )
        ).first()
    return code_view(*row) if row else None


_DEALS, _CODES, _ORDERS = (Deal.__table__, RedemptionCode.__table__,  # type: ignore[attr-defined]
                           Order.__table__)  # type: ignore[attr-defined]
# An order's codes as `CodeView` shows them, in its field order (the deal's title in
# two), in issue order.
_CODES_OF_ORDER = (
    sa_select(_CODES.c.id, _CODES.c.code, _CODES.c.status, _CODES.c.order_id, _DEALS.c.id,
              _DEALS.c.title_zh, _DEALS.c.title_en, _CODES.c.valid_from, _CODES.c.valid_until,
              _DEALS.c.refund_policy, _CODES.c.redeemed_at)
    .select_from(_CODES.join(_DEALS, _DEALS.c.id == _CODES.c.deal_id)
                 .join(_ORDERS, _ORDERS.c.id == _CODES.c.order_id))
    .where(_CODES.c.order_id == bindparam("order"))
    .order_by(_CODES.c.id)
)


async def codes_of_order(db: Database, order_id: int) -> list[CodeView]:
    """The codes an order issued, in issue order."""
    async with db.reading() as conn:
        rows = (await run_prebuilt(conn, _CODES_OF_ORDER, {"order": order_id})).all()
    return [CodeView(code_id, code, status, of_order, deal_id, Bilingual(title_zh, title_en),
                     *rest)
            for code_id, code, status, of_order, deal_id, title_zh, title_en, *rest in rows]


def code_view(code: RedemptionCode, deal: Deal) -> CodeView:
    """The view of a code row and its deal."""
    assert code.id is not None and deal.id is not None
    return CodeView(
        id=code.id,
        code=code.code,
        status=code.status,
        order_id=code.order_id,
        deal_id=deal.id,
        deal_title=Bilingual(deal.title_zh, deal.title_en),
        valid_from=code.valid_from,
        valid_until=code.valid_until,
        refund_policy=deal.refund_policy,
        redeemed_at=code.redeemed_at,
    )


# ------------------------------------------------------------------ issuing

_SOLD = (
    update(_DEALS).where(_DEALS.c.id == bindparam("deal"))
    .values(sold=_DEALS.c.sold + bindparam("n"))
    .returning(_DEALS.c.valid_from, _DEALS.c.valid_until, _DEALS.c.title_zh,
               _DEALS.c.title_en, _DEALS.c.refund_policy)
)
_NEW_CODES = insert(_CODES)


async def issue_codes(conn: AsyncConnection, order_id: int, deal_id: int, user_id: int,
                      quantity: int, now: datetime) -> tuple[str | None, str | None, str]:
    """One code per unit, valid as long as the deal, counted as sold; returns the deal's
    title and refund policy. In the transaction that paid the order (or filled its group)."""
    valid_from, valid_until, title_zh, title_en, policy = (
        await conn.execute(_SOLD, {"deal": deal_id, "n": quantity})).one()
    await conn.execute(_NEW_CODES, [
        {"code": new_code(), "order_id": order_id, "deal_id": deal_id, "user_id": user_id,
         "status": CodeStatus.ISSUED, "valid_from": valid_from, "valid_until": valid_until,
         "created_at": now}
        for _ in range(quantity)
    ])
    return title_zh, title_en, policy


def issue_codes_writes(when: ColumnElement[bool]) -> tuple[Update, Insert]:
    """PostgreSQL: `issue_codes` as two writes, for the payment's statement that joins
    them to its other writes (`storage.db.joined`): the codes come as one array and the
    INSERT reads the deal's dates itself. Parameters from `issue_codes_params`. `when`:
    a condition both writes also need (in that statement: that the order was paid)."""
    return (
        update(_DEALS).where(_DEALS.c.id == bindparam("deal", type_=Integer), when)
        .values(sold=_DEALS.c.sold + bindparam("n", type_=Integer)),
        insert(_CODES).from_select(
            ["code", "order_id", "deal_id", "user_id", "status", "valid_from", "valid_until",
             "created_at"],
            sa_select(func.unnest(bindparam("codes", type_=postgresql.ARRAY(String))),
                      bindparam("order", type_=Integer), _DEALS.c.id,
                      bindparam("user", type_=Integer), literal(CodeStatus.ISSUED, String),
                      _DEALS.c.valid_from, _DEALS.c.valid_until,
                      bindparam("now", type_=_CODES.c.created_at.type))
            .where(_DEALS.c.id == bindparam("deal", type_=Integer), when)),
    )


def issue_codes_params(order_id: int, deal_id: int, user_id: int, quantity: int,
                       now: datetime) -> dict[str, Any]:
    """The parameters of `issue_codes_writes`: one fresh code per unit."""
    return {"codes": [new_code() for _ in range(quantity)], "order": order_id,
            "deal": deal_id, "user": user_id, "n": quantity, "now": now}


def codes_key(order_id: int) -> str:
    """The outbox key of a paid order's codes: one message per order."""
    return f"codes:{order_id}"


async def owe_codes(db: Database, conn: AsyncConnection, order_id: int, chat_id: int,
                    now: datetime) -> None:
    """Owe the buyer the codes of an order, in the transaction that issued them."""
    await owe(db, conn, chat_id, "codes", {"order_id": order_id}, codes_key(order_id), now)
