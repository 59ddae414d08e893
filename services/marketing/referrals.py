"""Referral codes: every user's own code, carried by the links they share, and the record
of who brought whom (the commission rules come with the referral issue)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

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


async def record_referral(db: Database, user_id: int, code: str, now: datetime) -> bool:
    """Remember that a newcomer came through `code`'s link. True if recorded.

    Nothing happens for an unknown code, one's own code, someone already referred, or
    someone who was here before the link (more than NEWCOMER_WINDOW ago).
    """
    if not looks_like_code(code):
        return False
    async with db.transaction() as session:
        user = await session.get(User, user_id)
        referrer = (await session.exec(select(User).where(User.referral_code == code))).first()
        if user is None or referrer is None or referrer.id == user.id:
            return False
        if user.referred_by_user_id is not None or now - user.created_at > NEWCOMER_WINDOW:
            return False
        user.referred_by_user_id = referrer.id
        return True
