"""Distances as shoppers read them. The geometry itself (haversine, bounding boxes
that are right at the poles and across the antimeridian) lives in `storage.geo`, next
to the radius query that uses it; services import it from there."""

from __future__ import annotations

import math


def format_distance(metres: float) -> str:
    """"350 m" under a kilometre (to 10 m), "1.2 km" above, "12 km" from 10 km on.

    Always rounded up to the precision shown, never down: radius filters count exact
    metres, so a place 1,030 m away, outside "within 1.0 km", reads "1.1 km", not
    "1.0 km", and whatever reads "1.0 km" is within it. The same in Chinese and English:
    it is how Chinese apps write distances too.
    """
    tens = max(1, math.ceil(metres / 10))
    if tens < 100:
        return f"{tens * 10} m"
    tenths = math.ceil(metres / 100)
    if tenths < 100:
        return f"{tenths / 10:.1f} km"
    return f"{math.ceil(metres / 1000)} km"
