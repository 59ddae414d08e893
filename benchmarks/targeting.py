"""Push targeting: claim rate when `likelihood` picks the offer, against a random pick.

A simulation on synthetic people whose tastes are known only to the simulation:
favourite categories, a price level, a home and an hour of the day they are usually
on their phone. Their past 60 days of activity (views, clicks, searches, purchases,
redemptions, stamped in their own timezones) are drawn from those tastes with noise
(a quarter of it is browsing anything anywhere) and loaded into a temporary SQLite
database; profiles are built by the real `refresh_profiles` and read back by
`load_profiles`. Several campaigns run at once (different categories, prices, stores);
each person gets one of them:

  random          a campaign chosen uniformly, sent at the window's start (11:00 local)
  targeted        the campaign with the highest `likelihood`, sent at 11:00
  targeted + hour the same, sent at `send_hour` (the person's usual hour, 11:00-21:00)
  oracle          the campaign with the highest hidden claim probability (a ceiling)

Whether a person claims is drawn from a hidden claim probability that is deliberately
not `likelihood`'s formula: true category weight ^ 0.6, a flat-topped price band, a
Cauchy-like fall-off with the distance from their true home (not the usual area the
profile guessed), and 0.55 when the push arrives more than an hour from their hour.
The same random number per person decides the claim in every arm.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from services.catalog.taxonomy import category_ids
from services.marketing.profiles import (
    Offer,
    ProfileRow,
    likelihood,
    load_profiles,
    refresh_profiles,
)
from services.marketing.profiles import send_hour as choose_send_hour
from services.platform.database import Database

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: today's window is ahead
HISTORY_DAYS = 60
CITY = (26.07, 119.30, 0.07, 0.08)  # Fuzhou, ~16 km across: centre, half-spans (degrees)
BASE_PRICE = 6000  # fen: ¥60, a typical meal
# How dear each category is compared with BASE_PRICE.
PRICE_LEVEL = {"hotpot": 1.8, "milk_tea": 0.3, "coffee": 0.4, "noodles": 0.4, "bbq": 1.2,
               "seafood": 2.2, "sushi": 2.0, "dessert": 0.5, "fujian": 1.5, "fast_food": 0.5,
               "western": 1.6, "cinema": 0.8, "ktv": 1.5, "spa": 3.0, "fitness": 2.0,
               "beauty": 2.5}
TIMEZONES = (("Asia/Shanghai", 0.85), ("Asia/Tokyo", 0.05), ("Europe/London", 0.05),
             ("America/New_York", 0.05))
KINDS = (("view", 0.58), ("click", 0.2), ("search", 0.12), ("buy", 0.07), ("redeem", 0.03))
WINDOW = (11, 21)  # local sending window, hours
EXPLORE = 0.25  # share of activity that is browsing anything, anywhere
CANDIDATES = 8  # deals a person looks over when choosing one in a category


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--campaigns", type=int, default=6)
    parser.add_argument("--stores", type=int, default=3_000)


@dataclass(frozen=True)
class Person:
    """A synthetic person and what only the simulation knows about them."""

    user_id: int
    taste: dict[str, float]  # hidden weight per category, summing to 1
    price_factor: float  # hidden: pays price_factor x the category's usual price
    home: tuple[float, float]
    active_hour: int  # hidden, local
    timezone: str
    shares_location: bool
    activity: int  # events in the history


@dataclass
class World:
    """Stores, deals and people."""

    stores: list[tuple[int, int, float, float]]  # id, merchant, lat, lon
    merchants: list[tuple[int, str, list[int]]]  # id, category, store ids
    deals: list[tuple[int, int, str, int]]  # id, merchant, category, price
    people: list[Person]

    def deals_in(self) -> dict[str, list[tuple[int, int, str, int]]]:
        by_category: dict[str, list[tuple[int, int, str, int]]] = {}
        for deal in self.deals:
            by_category.setdefault(deal[2], []).append(deal)
        return by_category


_LON_SCALE = math.cos(math.radians(CITY[0]))  # one city: one scale for longitude


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], (a[1] - b[1]) * _LON_SCALE) * 111.195


def _point(rng: random.Random) -> tuple[float, float]:
    lat, lon, dlat, dlon = CITY
    return lat + rng.uniform(-dlat, dlat), lon + rng.uniform(-dlon, dlon)


def build_world(users: int, stores: int, rng: random.Random) -> World:
    """Merchants of 1-4 stores each, two deals per merchant, and the people."""
    categories = category_ids()
    store_rows: list[tuple[int, int, float, float]] = []
    merchants: list[tuple[int, str, list[int]]] = []
    deals: list[tuple[int, int, str, int]] = []
    while len(store_rows) < stores:
        merchant_id = len(merchants) + 1
        category = rng.choice(categories)
        ids = []
        for _ in range(rng.choice((1, 1, 1, 2, 3, 4))):
            store_id = len(store_rows) + 1
            store_rows.append((store_id, merchant_id, *_point(rng)))
            ids.append(store_id)
        merchants.append((merchant_id, category, ids))
        for _ in range(2):
            price = BASE_PRICE * PRICE_LEVEL.get(category, 1.0) * rng.lognormvariate(0, 0.45)
            deals.append((len(deals) + 1, merchant_id, category, max(100, round(price, -2))))
    zones, zone_weights = zip(*TIMEZONES, strict=True)
    people = []
    for user_id in range(1, users + 1):
        favourites = rng.sample(categories, rng.choice((1, 2, 2, 3)))
        taste = {c: 0.25 * rng.random() / len(categories) for c in categories}
        weights = [rng.random() + 0.2 for _ in favourites]
        for category, weight in zip(favourites, weights, strict=True):
            taste[category] += weight / sum(weights)
        total = sum(taste.values())
        hour = rng.choice((8, 9, 12, 12, 13, 17, 18, 19, 19, 20, 20, 21, 22))
        people.append(Person(
            user_id=user_id, taste={c: w / total for c, w in taste.items()},
            price_factor=rng.lognormvariate(0, 0.45), home=_point(rng), active_hour=hour,
            timezone=rng.choices(zones, zone_weights)[0], shares_location=rng.random() < 0.6,
            activity=0 if rng.random() < 0.15 else min(200, int(rng.expovariate(1 / 25)) + 1),
        ))
    return World(store_rows, merchants, deals, people)


def history(world: World, rng: random.Random) -> list[tuple[int, str, str | None, int | None,
                                                             int | None, datetime]]:
    """Events (user, kind, category, deal, merchant, when in UTC) drawn from hidden tastes."""
    by_category = world.deals_in()
    store_of = {m: ids for m, _, ids in world.merchants}
    where = {s: (lat, lon) for s, _, lat, lon in world.stores}
    kinds, kind_weights = zip(*KINDS, strict=True)
    zones = {name: ZoneInfo(name) for name, _ in TIMEZONES}
    events = []
    for person in world.people:
        categories, weights = zip(*person.taste.items(), strict=True)
        zone = zones[person.timezone]
        reach: dict[int, float] = {}  # merchant -> how reachable for this person
        for _ in range(person.activity):
            kind = rng.choices(kinds, kind_weights)[0]
            exploring = rng.random() < EXPLORE
            category = (rng.choice(categories) if exploring
                        else rng.choices(categories, weights)[0])
            deal = None
            if kind != "search" and by_category.get(category):
                offered = rng.sample(by_category[category],
                                     min(CANDIDATES, len(by_category[category])))
                if exploring:
                    deal = offered[0]
                else:
                    for _, m, _, _ in offered:
                        if m not in reach:
                            reach[m] = _hidden_reach(person, [where[s] for s in store_of[m]])
                    fits = [_hidden_price_fit(person, c, p) * reach[m] + 1e-6
                            for _, m, c, p in offered]
                    deal = rng.choices(offered, fits)[0]
            local_day = (NOW - timedelta(days=rng.randrange(1, HISTORY_DAYS))).astimezone(zone)
            hour = round(rng.gauss(person.active_hour, 1.5)) % 24 if rng.random() < 0.8 \
                else rng.randrange(24)
            moment = local_day.replace(hour=hour, minute=rng.randrange(60)).astimezone(UTC)
            search_category = category if rng.random() < 0.5 else None
            if deal is None:
                events.append((person.user_id, kind, search_category, None, None, moment))
            else:
                events.append((person.user_id, kind, deal[2], deal[0], deal[1], moment))
    return events


def _hidden_price_fit(person: Person, category: str, price: int) -> float:
    """A flat-topped band around what the person pays in this category."""
    target = BASE_PRICE * PRICE_LEVEL.get(category, 1.0) * person.price_factor
    return 1 / (1 + (math.log(price / target) / 0.5) ** 4)


def _hidden_reach(person: Person, stores: list[tuple[float, float]]) -> float:
    km = min((_km(person.home, s) for s in stores), default=20.0)
    return 1 / (1 + (km / 3.0) ** 2)


def hidden_claim(person: Person, offer: Offer, local_hour: int) -> float:
    """The probability that this person claims this offer pushed at this local hour."""
    price = _hidden_price_fit(person, offer.category, offer.price) if offer.price else 1.0
    gap = abs(local_hour - person.active_hour) % 24
    timing = 1.0 if min(gap, 24 - gap) <= 1 else 0.55
    return (0.6 * person.taste[offer.category] ** 0.6 * price
            * _hidden_reach(person, list(offer.stores)) * timing)


def campaigns(world: World, count: int, rng: random.Random) -> list[Offer]:
    """`count` campaigns, each a deal of a merchant of a different category when it can."""
    chosen = rng.sample(world.merchants, len(world.merchants))
    where = {s: (lat, lon) for s, _, lat, lon in world.stores}
    price_of = {m: p for _, m, _, p in world.deals}
    offers: list[Offer] = []
    seen: set[str] = set()
    for merchant_id, category, store_ids in chosen:
        if category in seen and len(seen) < len(PRICE_LEVEL):
            continue
        seen.add(category)
        offers.append(Offer(category, price_of[merchant_id],
                            tuple(where[s] for s in store_ids)))
        if len(offers) == count:
            break
    return offers


def load(path: Path, world: World, events: list[tuple[int, str, str | None, int | None,
                                                       int | None, datetime]]) -> None:
    """Bulk-load the world into the migrated SQLite file with the standard library."""
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    now = stamp(NOW)
    until = stamp(NOW + timedelta(days=60))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany(
        "INSERT INTO users (id, telegram_id, first_name, timezone, last_lat, last_lon, "
        "created_at, updated_at, push_paused, quiet_start, quiet_end) "
        "VALUES (?, ?, '', ?, ?, ?, ?, ?, 0, 1320, 480)",
        [(p.user_id, 10_000_000 + p.user_id, p.timezone,
          p.home[0] + 0.003 if p.shares_location else None,
          p.home[1] - 0.003 if p.shares_location else None, now, now) for p in world.people])
    conn.executemany(
        "INSERT INTO merchants (id, slug, category, rating_sum, rating_count, status, "
        "created_at) VALUES (?, ?, ?, 0, 0, 'approved', ?)",
        [(m, f"m{m}", c, now) for m, c, _ in world.merchants])
    conn.executemany(
        "INSERT INTO stores (id, merchant_id, lat, lon, opening_hours, created_at) "
        "VALUES (?, ?, ?, ?, '', ?)", [(*s, now) for s in world.stores])
    conn.executemany(
        "INSERT INTO deals (id, merchant_id, category, tags, price, original_price, currency, "
        "sold, per_user_limit, valid_from, valid_until, status, refund_policy, search_text, "
        "created_at, updated_at) VALUES (?, ?, ?, '[]', ?, ?, 'CNY', 0, 1, ?, ?, 'active', "
        "'anytime', '', ?, ?)",
        [(d, m, c, p, p * 2, now, until, now, now) for d, m, c, p in world.deals])
    stores_of = {m: ids for m, _, ids in world.merchants}
    conn.executemany("INSERT INTO deal_stores (deal_id, store_id) VALUES (?, ?)",
                     [(d, s) for d, m, _, _ in world.deals for s in stores_of[m]])
    conn.executemany(
        "INSERT INTO events (user_id, kind, category, deal_id, merchant_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", [(*e[:5], stamp(e[5])) for e in events])
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


@dataclass(frozen=True)
class Arm:
    """One way of choosing: the claims it got and the mean hidden claim probability."""

    name: str
    claims: int
    expected: float


@dataclass(frozen=True)
class Outcome:
    """What a simulation run measured."""

    users: int
    events: int
    arms: dict[str, Arm]
    refresh_s: float
    load_s: float
    likelihood_us: float
    row_bytes: float


def _row_bytes(rows: list[ProfileRow]) -> float:
    """Bytes per profile row (the row, its shares, floats and ints it holds)."""
    if not rows:
        return 0.0
    sizes = [sys.getsizeof(r) + sys.getsizeof(r.shares)
             + sum(sys.getsizeof(v) for v in (r.lat, r.lon, r.price_median) if v is not None)
             for r in rows]
    return statistics.fmean(sizes)


async def simulate(users: int, seed: int, campaign_count: int, stores: int = 3_000,
                   echo: bool = False) -> Outcome:
    """Build the world, the profiles (through the database) and run every arm."""
    rng = random.Random(seed)
    started = time.perf_counter()
    world = build_world(users, stores, rng)
    events = history(world, rng)
    offers = campaigns(world, campaign_count, rng)
    if echo:
        print(f"{users:,} people, {len(world.stores):,} stores, {len(events):,} events, "
              f"{len(offers)} campaigns (made in {time.perf_counter() - started:.1f} s)")
    folder = Path(tempfile.mkdtemp(prefix="o2o-targeting-"))
    path = folder / "targeting.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.upgrade()
        await db.dispose()
        load(path, world, events)
        db = Database(f"sqlite+aiosqlite:///{path}")
        started = time.perf_counter()
        refreshed = await refresh_profiles(db, NOW)
        refresh_s = time.perf_counter() - started
        started = time.perf_counter()
        profiles = await load_profiles(db, [p.user_id for p in world.people])
        load_s = time.perf_counter() - started
    finally:
        await db.dispose()
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    if echo:
        print(f"refresh_profiles: {refreshed:,} profiles in {refresh_s:.1f} s "
              f"({len(events) / max(refresh_s, 1e-9):,.0f} events/s); "
              f"load_profiles: {load_s:.2f} s")
    started = time.perf_counter()
    scores = [[likelihood(profiles.get(p.user_id), o) for o in offers] for p in world.people]
    likelihood_us = (time.perf_counter() - started) / max(1, users * len(offers)) * 1e6
    window = {}
    for name, _ in TIMEZONES:
        day = NOW.astimezone(ZoneInfo(name)).date()
        zone = ZoneInfo(name)
        window[name] = (datetime(day.year, day.month, day.day, WINDOW[0], tzinfo=zone),
                        datetime(day.year, day.month, day.day, WINDOW[1], tzinfo=zone))
    totals = {name: [0, 0.0] for name in ("random", "targeted", "targeted + hour", "oracle")}
    for person, score in zip(world.people, scores, strict=True):
        draw = rng.random()  # the same chance of claiming in every arm
        profile = profiles.get(person.user_id)
        start, end = window[person.timezone]
        best = offers[max(range(len(offers)), key=score.__getitem__)]
        timed = choose_send_hour(profile.active_hour if profile else None, start, end)
        picks = {
            "random": (rng.choice(offers), WINDOW[0]),
            "targeted": (best, WINDOW[0]),
            "targeted + hour": (best, timed.hour),
            "oracle": max(((o, h) for o in offers for h in range(WINDOW[0], WINDOW[1])),
                          key=lambda pick: hidden_claim(person, *pick)),
        }
        for name, (offer, hour) in picks.items():
            chance = hidden_claim(person, offer, hour)
            totals[name][0] += draw < chance
            totals[name][1] += chance
    arms = {name: Arm(name, int(c), e / max(1, users)) for name, (c, e) in totals.items()}
    return Outcome(users, len(events), arms, refresh_s, load_s, likelihood_us,
                   _row_bytes(list(profiles.values())[:2000]))


def report(outcome: Outcome) -> None:
    """Print the claim rates and their ratios to random."""
    random_arm = outcome.arms["random"]
    print(f"\n  {'arm':<17}{'claims':>8}{'rate':>9}{'expected':>10}{'x random':>10}")
    for arm in outcome.arms.values():
        rate = arm.claims / max(1, outcome.users)
        ratio = arm.expected / random_arm.expected if random_arm.expected else float("nan")
        print(f"  {arm.name:<17}{arm.claims:>8,}{rate:>9.2%}{arm.expected:>10.2%}"
              f"{ratio:>9.2f}x")
    print(f"\n  likelihood(): {outcome.likelihood_us:.2f} µs per person and campaign; "
          f"a ProfileRow holds about {outcome.row_bytes:.0f} bytes")


def run(args: argparse.Namespace) -> int:
    if args.users < 1 or args.campaigns < 1 or args.stores < 1:
        print("--users, --campaigns and --stores must be at least 1")
        return 2
    outcome = asyncio.run(simulate(args.users, args.seed, args.campaigns, args.stores,
                                   echo=True))
    report(outcome)
    return 0
