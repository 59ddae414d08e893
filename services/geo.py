"""Great-circle geometry: exact distances and the bounding boxes that prefilter them.

A radius search first asks the database for stores inside a latitude/longitude box
(indexed columns), then keeps those whose exact haversine distance is within the
radius. The box is correct near the poles (it widens to every longitude) and across
the antimeridian (it splits into two longitude ranges).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


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


def format_distance(metres: float) -> str:
    """"350 m" under a kilometre (to 10 m), "1.2 km" above, "12 km" from 10 km on.

    The same in Chinese and English: it is how Chinese apps write distances too.
    """
    rounded = max(10, round(metres / 10.0) * 10)
    if rounded < 1000:
        return f"{rounded} m"
    km = metres / 1000
    return f"{km:.1f} km" if km < 9.95 else f"{km:.0f} km"
