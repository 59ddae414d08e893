"""Exact splits of an amount in minor units: not a fen created or lost.

Largest remainder (Hamilton's method): each part gets the floor of its exact share,
then the fen left over go one each to the parts with the largest fractional remainders
(ties to the earlier part). The parts always sum to the amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")

BP = 10_000  # basis points in a whole: 500 bp = 5%


def largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` (>= 0) in proportion to `weights` (>= 0, not all zero)."""
    total = sum(weights)
    if amount < 0 or total <= 0 or any(w < 0 for w in weights):
        raise ValueError(f"cannot split {amount} by {list(weights)}")
    parts = [amount * w // total for w in weights]
    left = amount - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def take_from(amount: int, held: dict[K, int]) -> dict[K, int]:
    """Take `amount` from what each key holds, in proportion: never more than a key
    holds (`amount` must not exceed the total held)."""
    keys = [k for k, v in held.items() if v > 0]
    if amount <= 0 or not keys:
        if amount > 0:
            raise ValueError(f"cannot take {amount} from nothing")
        return {}
    if amount > sum(held[k] for k in keys):
        raise ValueError(f"cannot take {amount} from {sum(held[k] for k in keys)}")
    return dict(zip(keys, largest_remainder(amount, [held[k] for k in keys]), strict=True))


@dataclass(frozen=True)
class SaleSplit:
    """Who a paid amount belongs to: the platform's fee, the referrers' commissions
    (level 1 first), and the merchant (the rest)."""

    paid: int
    fee: int
    commissions: tuple[int, ...]
    merchant: int


def split_sale(paid: int, fee_bp: int, rates_bp: Sequence[int]) -> SaleSplit:
    """The fee (`fee_bp` of `paid`, rounded down) and the commissions: their pool is
    the sum of `rates_bp` of `paid`, rounded down, shared by largest remainder in
    proportion to the rates, so they never add up to more than the configured total.
    The merchant gets the rest (the fee plus every rate must stay within 100%)."""
    if fee_bp < 0 or any(r < 0 for r in rates_bp) or fee_bp + sum(rates_bp) > BP:
        raise ValueError(f"fee {fee_bp} bp and rates {list(rates_bp)} bp exceed the paid amount")
    fee = paid * fee_bp // BP
    pool = paid * sum(rates_bp) // BP
    commissions = tuple(largest_remainder(pool, rates_bp)) if pool else tuple(0 for _ in rates_bp)
    return SaleSplit(paid, fee, commissions, paid - fee - pool)
