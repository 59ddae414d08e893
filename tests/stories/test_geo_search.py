"""Distances and radius searches: exact, and right across the antimeridian and at the poles."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.catalog.deal_cards import build_search_text
from services.catalog.geo import format_distance
from services.catalog.search import SearchQuery, find_deals
from services.platform.database import Database
from storage.geo import bounding_box, haversine_m
from storage.models import Deal, DealStatus, DealStore, Merchant, MerchantStatus, Store

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def test_known_distances() -> None:
    # Mawei (26.0, 119.45) to Fuzhou's Gulou (26.08, 119.30): about 17.3 km.
    assert haversine_m(26.0, 119.45, 26.08, 119.30) == pytest.approx(17_300, rel=0.02)
    assert haversine_m(0, 179.999, 0, -179.999) == pytest.approx(222.4, rel=0.01)
    assert haversine_m(89.999, 0, 89.999, 180) == pytest.approx(222.4, rel=0.01)


# Rounded up to what is shown (1234 m read "1.2 km" and 12,345 m "12 km" before a radius
# of "1.0 km" was seen to leave out a place shown "1.0 km" away): never nearer than it is.
@pytest.mark.parametrize("metres,text", [(0, "10 m"), (348, "350 m"), (995, "1.0 km"),
                                         (1000, "1.0 km"), (1030, "1.1 km"),
                                         (1234, "1.3 km"), (12_345, "13 km")])
def test_distances_read_like_a_map_app(metres: float, text: str) -> None:
    assert format_distance(metres) == text


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9), lon=st.floats(-180, 180),
    bearing=st.floats(0, 2 * math.pi), fraction=st.floats(0, 0.999),
    radius=st.floats(10, 50_000),
)
def test_every_point_within_the_radius_is_inside_the_box(
    lat: float, lon: float, bearing: float, fraction: float, radius: float
) -> None:
    # Walk `fraction * radius` from the centre in direction `bearing` (great circle).
    d = fraction * radius / 6_371_008.8
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1),
                         math.cos(d) - math.sin(p1) * math.sin(p2))
    plat, plon = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
    box = bounding_box(lat, lon, radius)
    assert box.min_lat - 1e-9 <= plat <= box.max_lat + 1e-9
    assert any(w - 1e-9 <= plon <= e + 1e-9 for w, e in box.lon_ranges)


async def _store_with_deal(db: Database, key: str, lat: float, lon: float,
                           category: str = "hotpot", price: int = 5000) -> None:
    async with db.transaction() as session:
        merchant = Merchant(slug=key, name_en=f"Shop {key}", category=category,
                            status=MerchantStatus.APPROVED)
        session.add(merchant)
        await session.flush()
        store = Store(merchant_id=merchant.id, key=key, name_en=key, lat=lat, lon=lon)
        deal = Deal(merchant_id=merchant.id, title_en=f"Deal {key}", category=category,
                    price=price, original_price=price * 2, valid_from=NOW,
                    valid_until=NOW + timedelta(days=30), status=DealStatus.ACTIVE)
        deal.search_text = build_search_text(deal, merchant)
        session.add_all([store, deal])
        await session.flush()
        session.add(DealStore(deal_id=deal.id, store_id=store.id))


async def _titles(db: Database, query: SearchQuery) -> list[str]:
    return [d.title.get("en") for d in await find_deals(db, query, NOW)]


async def test_a_radius_search_across_the_antimeridian_finds_both_sides(db: Database) -> None:
    await _store_with_deal(db, "fiji-east", -17.0, 179.995)
    await _store_with_deal(db, "fiji-west", -17.0, -179.995)
    await _store_with_deal(db, "far", -17.0, 178.0)
    found = await _titles(db, SearchQuery(lat=-17.0, lon=179.999, radius_m=2000,
                                          sort="nearest"))
    assert found == ["Deal fiji-east", "Deal fiji-west"]


async def test_a_radius_search_at_the_pole_looks_at_every_longitude(db: Database) -> None:
    await _store_with_deal(db, "pole-a", 89.995, 10.0)
    await _store_with_deal(db, "pole-b", 89.995, -170.0)
    found = await _titles(db, SearchQuery(lat=89.999, lon=100.0, radius_m=2000))
    assert sorted(found) == ["Deal pole-a", "Deal pole-b"]


async def test_nearest_first_and_price_filters_combine(db: Database) -> None:
    await _store_with_deal(db, "near-dear", 26.001, 119.45, price=20000)
    await _store_with_deal(db, "near-cheap", 26.005, 119.45, price=3000)
    await _store_with_deal(db, "far-cheap", 26.05, 119.45, price=1000)
    query = SearchQuery(text="hotpot", lat=26.0, lon=119.45, radius_m=1000, sort="nearest")
    assert await _titles(db, query) == ["Deal near-dear", "Deal near-cheap"]
    cheap = SearchQuery(text="hotpot", lat=26.0, lon=119.45, radius_m=1000, price_max=5000)
    assert await _titles(db, cheap) == ["Deal near-cheap"]
    cheapest = SearchQuery(lat=26.0, lon=119.45, radius_m=10_000, sort="cheapest")
    assert await _titles(db, cheapest) == ["Deal far-cheap", "Deal near-cheap", "Deal near-dear"]


def test_a_query_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        SearchQuery(sort="random")
    with pytest.raises(ValueError):
        SearchQuery(lat=1.0)
    with pytest.raises(ValueError):
        SearchQuery(lat=1.0, lon=1.0, radius_m=1_000_000)


def same(found: list[object], expected: list[object]) -> bool:
    """The same deals at the same stores, distances equal to a micrometre (on
    PostgreSQL the nearest N are computed by the server, in its own floating point)."""
    return [(n.deal_id, n.store_id) for n in found] == [  # type: ignore[attr-defined]
        (n.deal_id, n.store_id) for n in expected] and all(  # type: ignore[attr-defined]
        abs(a.distance_m - b.distance_m) < 1e-6  # type: ignore[attr-defined]
        for a, b in zip(found, expected, strict=True))


async def test_the_nearest_n_from_growing_rings_equal_a_brute_force_sort(db: Database) -> None:
    import random

    from storage.geo import deals_near

    rng = random.Random(7)
    for i in range(120):
        await _store_with_deal(db, f"s{i}", 26.0 + rng.uniform(-0.03, 0.03),
                               119.45 + rng.uniform(-0.03, 0.03),
                               category=rng.choice(["hotpot", "sushi"]),
                               price=rng.randrange(1000, 20000, 100))
    async with db.engine.connect() as conn:
        for _ in range(10):
            lat, lon = 26.0 + rng.uniform(-0.02, 0.02), 119.45 + rng.uniform(-0.02, 0.02)
            everything = await deals_near(conn, lat, lon, 5000, NOW)
            nearest = await deals_near(conn, lat, lon, 5000, NOW, limit=7)
            assert same(nearest, everything[:7])
            sushi = await deals_near(conn, lat, lon, 5000, NOW, category="sushi",
                                     price_max=8000, limit=5)
            sushi_all = await deals_near(conn, lat, lon, 5000, NOW, category="sushi",
                                         price_max=8000)
            assert same(sushi, sushi_all[:5])
            rows = (await conn.exec_driver_sql(
                "SELECT ds.deal_id, s.lat, s.lon FROM stores s "
                "JOIN deal_stores ds ON ds.store_id = s.id")).all()
            brute = sorted((haversine_m(lat, lon, a, b), d) for d, a, b in rows)
            within = [d for dist, d in brute if dist <= 5000]
            assert within == [n.deal_id for n in everything]


async def test_the_nearest_n_hold_in_a_mall_and_for_a_chain_sold_at_several_stores(
    db: Database,
) -> None:
    # Six shops of a mall share one address (the same distance from anyone), five deals
    # each; a chain sells one deal at three stores; a few shops stand alone. Whatever
    # the cut, the nearest N are the first N of everything, ties read by deal.
    import random

    from storage.geo import deals_near

    rng = random.Random(11)
    async with db.transaction() as session:
        merchant = Merchant(slug="mall", name_en="Mall", category="hotpot",
                            status=MerchantStatus.APPROVED)
        session.add(merchant)
        await session.flush()

        def store(lat: float, lon: float) -> Store:
            return Store(merchant_id=merchant.id, lat=lat, lon=lon)

        def deal(title: str, price: int = 5000) -> Deal:
            return Deal(merchant_id=merchant.id, title_en=title, category="hotpot",
                        price=price, original_price=price * 2, valid_from=NOW,
                        valid_until=NOW + timedelta(days=30), status=DealStatus.ACTIVE)

        places = [store(26.0, 119.45) for _ in range(6)]
        places += [store(26.0 + rng.uniform(-0.02, 0.02), 119.45 + rng.uniform(-0.02, 0.02))
                   for _ in range(8)]
        chain = [store(26.003, 119.451), store(26.02, 119.44), store(25.99, 119.46)]
        deals = [deal(f"mall {i}", price=rng.randrange(1000, 9000, 100))
                 for i in range(6 * 5)]
        deals += [deal(f"alone {i}") for i in range(8)]
        chain_deal = deal("chain")
        session.add_all([*places, *chain, *deals, chain_deal])
        await session.flush()
        for i, shop in enumerate(places[:6]):
            session.add_all(DealStore(deal_id=d.id, store_id=shop.id)
                            for d in deals[i::6][:5])
        session.add_all(DealStore(deal_id=d.id, store_id=shop.id)
                        for d, shop in zip(deals[30:], places[6:], strict=True))
        session.add_all(DealStore(deal_id=chain_deal.id, store_id=shop.id) for shop in chain)
    async with db.engine.connect() as conn:
        for lat, lon in [(26.0, 119.45), (26.0004, 119.4503), (26.01, 119.445)]:
            everything = await deals_near(conn, lat, lon, 5000, NOW)
            assert len(everything) == 39
            chained = [n for n in everything if n.deal_id == chain_deal.id]
            assert [n.store_id for n in chained] == [min(chain, key=lambda s: haversine_m(
                lat, lon, s.lat, s.lon)).id]
            for n in (1, 3, 7, 12, 20, 39, 45):
                assert same(await deals_near(conn, lat, lon, 5000, NOW, limit=n),
                            everything[:n])
            cheap = await deals_near(conn, lat, lon, 5000, NOW, price_max=5000)
            assert same(await deals_near(conn, lat, lon, 5000, NOW, price_max=5000, limit=9),
                        cheap[:9])
