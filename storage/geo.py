"""Geo queries: deals on sale near a point, on SQLite and PostgreSQL alike.

Why a bounding box on plain indexed columns rather than SQLite's R*Tree or PostGIS:
the composite index `ix_stores_lat_lon` exists on both databases with no extension,
the box narrows a city of 50,000 stores to a few hundred, and exact great-circle
distance is then computed for those rows only. For "the nearest N", rings grow from
a small radius, by the density seen so far, until N deals are certainly found (every
point within the ring's radius is inside its box, so the N nearest inside the ring are
the N nearest overall). On PostgreSQL the server sorts the ring's stores by distance
and reads their deals nearest store first, stopping once enough are found
(`_nearest_sql_postgres`).
`o2o bench search` measures this against a brute-force scan and PostGIS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, column, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.prebuilt import run_prebuilt

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
FIRST_RING_M = 400.0
FIRST_RING_POSTGRES_M = 1200.0


@dataclass(frozen=True)
class NearbyDeal:
    """A deal on sale within reach, with its nearest store and the distance to it."""

    deal_id: int
    store_id: int
    distance_m: float


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class BoundingBox:
    """Latitude range plus one or two longitude ranges (two when crossing ±180°)."""

    min_lat: float
    max_lat: float
    lon_ranges: tuple[tuple[float, float], ...]


def bounding_box(lat: float, lon: float, radius_m: float) -> BoundingBox:
    """The smallest lat/lon box that holds every point within `radius_m` of (lat, lon)."""
    angular = radius_m / EARTH_RADIUS_M
    rad_lat, rad_lon = math.radians(lat), math.radians(lon)
    min_lat, max_lat = rad_lat - angular, rad_lat + angular
    if min_lat <= -math.pi / 2 or max_lat >= math.pi / 2:
        # The circle contains a pole: every longitude is in play.
        return BoundingBox(
            math.degrees(max(min_lat, -math.pi / 2)),
            math.degrees(min(max_lat, math.pi / 2)),
            ((-180.0, 180.0),),
        )
    delta_lon = math.asin(min(1.0, math.sin(angular) / math.cos(rad_lat)))
    west, east = rad_lon - delta_lon, rad_lon + delta_lon
    lat_range = (math.degrees(min_lat), math.degrees(max_lat))
    if west < -math.pi:
        return BoundingBox(*lat_range, ((math.degrees(west + 2 * math.pi), 180.0),
                                        (-180.0, math.degrees(east))))
    if east > math.pi:
        return BoundingBox(*lat_range, ((math.degrees(west), 180.0),
                                        (-180.0, math.degrees(east - 2 * math.pi))))
    return BoundingBox(*lat_range, ((math.degrees(west), math.degrees(east)),))


@lru_cache(maxsize=64)
def _sql(lon_ranges: int, category: bool, price_min: bool, price_max: bool) -> Any:
    lon_clause = " OR ".join(f"s.lon BETWEEN :w{i} AND :e{i}" for i in range(lon_ranges))
    return text(
        "SELECT ds.deal_id, s.id, s.lat, s.lon FROM stores s "
        "JOIN deal_stores ds ON ds.store_id = s.id "
        "JOIN deals d ON d.id = ds.deal_id "
        "JOIN merchants m ON m.id = d.merchant_id "
        f"WHERE s.lat BETWEEN :lat_lo AND :lat_hi AND ({lon_clause}) "
        "AND d.status = 'active' AND m.status = 'approved' AND d.valid_until > :now "
        "AND (d.stock IS NULL OR d.stock > 0)"
        + (" AND d.category = :category" if category else "")
        + (" AND d.price >= :price_min" if price_min else "")
        + (" AND d.price <= :price_max" if price_max else "")
    ).columns(column("deal_id", Integer), column("id", Integer), column("lat", Float),
              column("lon", Float))


@lru_cache(maxsize=64)
def _nearest_sql_postgres(lon_ranges: int, category: bool, price_min: bool,
                          price_max: bool) -> Any:
    """PostgreSQL only: the stores in the box, nearest first, each with its deals on
    sale, until `:rows` rows: the deals of far stores are never looked up.

    The stores are sorted by exact distance in a subquery and joined laterally, so the
    plan is a nested loop over the sorted stores under the LIMIT (the final ORDER BY is
    the subquery's own), even as a generic plan of the prepared statement."""
    lon_clause = " OR ".join(f"s.lon BETWEEN :w{i} AND :e{i}" for i in range(lon_ranges))
    return text(
        "SELECT x.deal_id, s.id, s.distance FROM (SELECT s.id, "
        f"2 * {EARTH_RADIUS_M} * asin(least(1.0, sqrt("
        "power(sin(radians(s.lat - :lat) / 2), 2) + cos(radians(:lat)) * "
        "cos(radians(s.lat)) * power(sin(radians(s.lon - :lon) / 2), 2)))) AS distance "
        f"FROM stores s WHERE s.lat BETWEEN :lat_lo AND :lat_hi AND ({lon_clause}) "
        "ORDER BY distance, s.id) AS s "
        "CROSS JOIN LATERAL (SELECT ds.deal_id FROM deal_stores ds "
        "JOIN deals d ON d.id = ds.deal_id "
        "JOIN merchants m ON m.id = d.merchant_id "
        "WHERE ds.store_id = s.id "
        "AND d.status = 'active' AND m.status = 'approved' AND d.valid_until > :now "
        "AND (d.stock IS NULL OR d.stock > 0)"
        + (" AND d.category = :category" if category else "")
        + (" AND d.price >= :price_min" if price_min else "")
        + (" AND d.price <= :price_max" if price_max else "")
        + ") AS x WHERE s.distance <= :ring ORDER BY s.distance, s.id LIMIT :rows"
    ).columns(column("deal_id", Integer), column("id", Integer), column("distance", Float))


async def _nearest_in_ring_postgres(conn: AsyncConnection, shape: tuple[int, bool, bool, bool],
                                    params: dict[str, Any], limit: int) -> list[NearbyDeal]:
    """The `limit` nearest deals within the ring (fewer if the ring holds fewer)."""
    # Rows at the last distance of a cut may miss some (that store's other deals, another
    # store as far): twice the rows wanted leaves enough before it, almost always.
    wanted = 2 * limit
    while True:
        rows = (await run_prebuilt(conn, _nearest_sql_postgres(*shape),
                                   {**params, "rows": wanted})).all()
        nearest = _nearest_of(rows, limit, complete=len(rows) < wanted)
        if nearest is not None:
            return nearest
        wanted *= 2


def _nearest_of(rows: list[Any], limit: int, complete: bool) -> list[NearbyDeal] | None:
    """The `limit` nearest deals, each at its nearest store, from rows ordered by
    (distance, store): all rows of the ring when `complete`, else its first rows. A cut
    may fall among rows at the last distance, so only the deals nearer than it are
    certain; None when they are too few (fetch more rows)."""
    if not complete:
        last = rows[-1][2]
        rows = [row for row in rows if row[2] < last]
    best: dict[int, NearbyDeal] = {}
    for deal_id, store_id, distance in rows:  # nearest store first
        if deal_id not in best:
            best[deal_id] = NearbyDeal(deal_id, store_id, distance)
    if not complete and len(best) < limit:
        return None
    return sorted(best.values(), key=lambda n: (n.distance_m, n.deal_id))[:limit]


async def deals_near(
    conn: AsyncConnection,
    lat: float,
    lon: float,
    radius_m: float,
    now: datetime,
    *,
    category: str | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    limit: int | None = None,
) -> list[NearbyDeal]:
    """Deals on sale within `radius_m`, nearest first (each at its nearest store).

    With `limit`, only the `limit` nearest are wanted and rings grow from FIRST_RING_M
    (FIRST_RING_POSTGRES_M on PostgreSQL, where a wider ring costs only its stores: the
    deals are read nearest store first and no further than needed); without it, every
    deal within the radius is returned.
    """
    naive_now = now.astimezone(UTC).replace(tzinfo=None)  # columns hold naive UTC
    postgres_nearest = bool(limit) and conn.dialect.name == "postgresql"
    first = FIRST_RING_POSTGRES_M if postgres_nearest else FIRST_RING_M
    ring = min(radius_m, first) if limit else radius_m
    while True:
        area = bounding_box(lat, lon, ring)
        params: dict[str, Any] = {"lat_lo": area.min_lat, "lat_hi": area.max_lat,
                                  "now": naive_now,
                                  "category": category, "price_min": price_min,
                                  "price_max": price_max}
        for i, (w, e) in enumerate(area.lon_ranges):
            params[f"w{i}"], params[f"e{i}"] = w, e
        shape = (len(area.lon_ranges), category is not None, price_min is not None,
                 price_max is not None)
        if limit and postgres_nearest:
            params.update(lat=lat, lon=lon, ring=ring)
            nearest = await _nearest_in_ring_postgres(conn, shape, params, limit)
            if len(nearest) >= limit or ring >= radius_m:
                return nearest
            ring = min(radius_m, ring * _growth(limit, len(nearest)))
            continue
        rows = (await run_prebuilt(conn, _sql(*shape), params)).all()
        best: dict[int, NearbyDeal] = {}
        for deal_id, store_id, slat, slon in rows:
            distance = haversine_m(lat, lon, slat, slon)
            if distance > ring:
                continue
            known = best.get(deal_id)
            if known is None or distance < known.distance_m:
                best[deal_id] = NearbyDeal(deal_id, store_id, distance)
        found = sorted(best.values(), key=lambda n: (n.distance_m, n.deal_id))
        if limit is None or len(found) >= limit or ring >= radius_m:
            return found[:limit] if limit else found
        ring = min(radius_m, ring * _growth(limit, len(found)))


def _growth(wanted: int, found: int) -> float:
    """How much to widen the ring: its area (radius squared) in proportion to the results
    still missing, with a margin; at least double, at most four times."""
    return min(4.0, max(2.0, 1.3 * math.sqrt(wanted / max(found, 0.5))))
