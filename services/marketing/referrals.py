"""Referral codes: every user's own code, carried by the links they share, and the record
of who brought whom: first touch, permanent, never oneself, never a cycle of any length.

Commissions go up this chain at most three levels (`services.ledger.sales`); `/team`
counts the people a user brought in at each level (`team_counts`), never their names.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.platform.database import Database
from storage.models import User

# Crockford's base32 without I, L, O, U: easy to read aloud; 8 characters = 40 bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
# Only a newcomer can be referred: someone who arrived this recently through the link.
NEWCOMER_WINDOW = timedelta(minutes=10)


def new_code() -> str:
    """A fresh random referral code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(text: str) -> bool:
    """Is `text` shaped like a referral code?"""
    return len(text) == CODE_LENGTH and all(c in ALPHABET for c in text)


async def referral_code_of(db: Database, user_id: int) -> str:
    """The user's referral code, made on first use."""
    for _ in range(5):
        try:
            async with db.transaction() as session:
                user = await session.get(User, user_id)
                if user is None:
                    raise LookupError(f"no user {user_id}")
                if user.referral_code:
                    return user.referral_code
                user.referral_code = new_code()
                return user.referral_code
        except IntegrityError:  # a collision in 2**40: try another code
            continue
    raise RuntimeError("could not make a unique referral code")


class Referral(StrEnum):
    """What opening a link with a referral code did."""

    RECORDED = "recorded"  # a newcomer, now referred by the code's owner
    NO_CODE = "no_code"  # not a code, or nobody's: nothing to say
    OWN_CODE = "own_code"  # their own link
    UNCHANGED = "unchanged"  # referred before, here before the link, or it would loop


MAX_CHAIN = 10_000  # a walk up the chain stops here (a guard; chains are far shorter)


async def record_referral(db: Database, user_id: int, code: str, now: datetime) -> Referral:
    """Remember that a newcomer came through `code`'s link (first touch wins, for good).

    Nothing changes for an unknown code, one's own code, someone already referred,
    someone who was here before the link (more than NEWCOMER_WINDOW ago), or when the
    code's owner is, however far up, referred by this user (a cycle).
    """
    if not looks_like_code(code):
        return Referral.NO_CODE
    async with db.transaction() as session:
        user = await session.get(User, user_id)
        referrer = (await session.exec(select(User).where(User.referral_code == code))).first()
        if user is None or referrer is None:
            return Referral.NO_CODE
        if referrer.id == user.id:
            return Referral.OWN_CODE
        if user.referred_by_user_id is not None or now - user.created_at > NEWCOMER_WINDOW:
            return Referral.UNCHANGED
        above: int | None = referrer.id
        for _ in range(MAX_CHAIN):
            if above is None:
                break
            if above == user.id:
                return Referral.UNCHANGED  # the referrer is in this user's own team
            above = (await session.exec(select(User.referred_by_user_id)
                                        .where(User.id == above))).first()
        user.referred_by_user_id = referrer.id
        return Referral.RECORDED


async def team_counts(db: Database, user_id: int, levels: int = 3) -> tuple[int, ...]:
    """How many people this user brought in at level 1 (directly), 2 and 3."""
    counts: list[int] = []
    async with db.session() as session:
        frontier = select(User.id).where(User.referred_by_user_id == user_id)
        for _ in range(levels):
            counts.append(int((await session.exec(
                select(func.count()).select_from(frontier.subquery()))).one()))
            frontier = select(User.id).where(col(User.referred_by_user_id).in_(frontier))
    return tuple(counts)
