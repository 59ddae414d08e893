"""Distances as shoppers read them. The geometry itself (haversine, bounding boxes
that are right at the poles and across the antimeridian) lives in `storage.geo`, next
to the radius query that uses it, and is re-exported here for the layers above."""

from __future__ import annotations

from storage.geo import EARTH_RADIUS_M, BoundingBox, bounding_box, haversine_m

__all__ = ["EARTH_RADIUS_M", "BoundingBox", "bounding_box", "format_distance", "haversine_m"]


def format_distance(metres: float) -> str:
    """"350 m" under a kilometre (to 10 m), "1.2 km" above, "12 km" from 10 km on.

    The same in Chinese and English: it is how Chinese apps write distances too.
    """
    rounded = max(10, round(metres / 10.0) * 10)
    if rounded < 1000:
        return f"{rounded} m"
    km = metres / 1000
    return f"{km:.1f} km" if km < 9.95 else f"{km:.0f} km"
