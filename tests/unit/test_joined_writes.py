"""The money paths' one-statement writes (`storage.db.joined`) write only the columns
they name.

Executed with a dictionary of parameters, SQLAlchemy takes every parameter named like a
column of a table an UPDATE (or an INSERT ... VALUES) writes as one more column to set:
a payment whose ledger entry's `currency` parameter were named plainly would also set
the deal's currency. So the statements name their parameters apart from the columns;
this holds them to it, compiled as PostgreSQL runs them (no database needed).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, bindparam, literal, select, update
from sqlalchemy.dialects import postgresql

from services.orders import checkout, redemption
from storage.db import joined
from storage.models import Deal

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]


def _sets_more_than_it_names(statement: object) -> bool:
    """Compiled with every one of its parameters given, does the statement write more
    than compiled with none?"""
    plain = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
    given = statement.compile(  # type: ignore[attr-defined]
        dialect=_DIALECT, column_keys=sorted(plain.binds))
    return str(given) != str(plain)


@pytest.mark.parametrize("name, statement", [
    ("paying an order", checkout._PAY_AT_ONCE),
    ("ordering with room under the limit", checkout._NEW_ORDER_IF_ROOM),
    ("checking a good code", redemption._REQUEST_AND_ATTEMPT),
    ("confirming: the request used, the order locked", redemption._USE_AND_LOCK),
    ("confirming: the code redeemed and read", redemption._REDEEM_AND_READ),
    ("confirming: the redemption's writes", redemption._REDEEMED_WRITES),
])
def test_a_money_path_statement_writes_only_what_it_names(name: str,
                                                          statement: object) -> None:
    assert not _sets_more_than_it_names(statement), name


def test_a_parameter_named_like_a_column_would_be_caught() -> None:
    deals = Deal.__table__  # type: ignore[attr-defined]
    sold = update(deals).where(deals.c.id == bindparam("deal", type_=Integer)).values(
        sold=deals.c.sold + bindparam("currency", type_=Integer))  # a column's name
    assert _sets_more_than_it_names(joined(select(literal(1)), sold))
