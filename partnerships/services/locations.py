"""Which country a point lies in, offline: Natural Earth's admin-0 boundaries and shapely.

The boundaries are Natural Earth's 1:50m admin-0 countries (public domain),
as TopoJSON from the ``world-atlas`` package (v2.0.2), committed in
``partnerships/reference/natural_earth_countries_50m.topojson`` (see the
README there). Each country carries its ISO 3166-1 numeric code, turned into
alpha-3 with ``pycountry``.

A point inside a country's land is that country's. A point at sea is the
country's whose coast lies within 12 nautical miles (its territorial sea; at
1:50m a coastal base can fall just off the drawn coast); beyond that it is
no country's: an exercise in the open sea has no location country, and none
is guessed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycountry
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import nearest_points

BOUNDARIES = Path(__file__).resolve().parents[1] / "reference" / "natural_earth_countries_50m.topojson"
# The territorial sea: 12 nautical miles (UNCLOS art. 3), in kilometres.
TERRITORIAL_SEA_KM = 12 * 1.852
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Country:
    """A country of the boundary data: its ISO alpha-3 code ("" for the few without one) and its name there."""

    iso3: str
    name: str


@dataclass(frozen=True)
class Hit:
    """Where a point lies: the country, and how far off its coast (0 inside it)."""

    country: Country
    km_offshore: float


def _ring(arc_ids: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in arc_ids:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their end and start point.
        points.extend(arc if not points else arc[1:])
    return points


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Return the topology's arcs as (lon, lat) lists: delta-encoded integers scaled by its transform."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _iso3(numeric: str | None) -> str:
    if not numeric:
        return ""
    country = pycountry.countries.get(numeric=numeric)
    return country.alpha_3 if country is not None else ""


@lru_cache(maxsize=1)
def _boundaries(path: Path = BOUNDARIES) -> tuple[list[Country], list[MultiPolygon], shapely.STRtree]:
    """Load the boundary file once per process: countries, their shapes, and a spatial index over them."""
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    countries, shapes = [], []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        shape = MultiPolygon(
            [Polygon(_ring(rings[0], arcs), [_ring(hole, arcs) for hole in rings[1:]]) for rings in polygons]
        )
        countries.append(Country(_iso3(geometry.get("id")), geometry.get("properties", {}).get("name", "")))
        shapes.append(shapely.make_valid(shape))
    return countries, shapes, shapely.STRtree(shapes)


def _km(a: Point, b: Point) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat, dlon = lat2 - lat1, math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def country_at(*, latitude: float, longitude: float) -> Hit | None:
    """Return the country the point lies in, or off whose coast it lies within 12 nautical miles; else None.

    Raise ValueError for a latitude outside [-90, 90] or a longitude outside [-180, 180].
    """
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"({latitude}, {longitude}) is not a point on Earth")
    countries, shapes, tree = _boundaries()
    point = Point(longitude, latitude)
    inside = tree.query(point, predicate="intersects")
    if len(inside):
        return Hit(countries[int(min(inside))], 0.0)
    # Candidates within a box wide enough for 12 nautical miles at this latitude (one degree of latitude is
    # 60 nautical miles; a degree of longitude shrinks with the cosine of the latitude).
    dlat = TERRITORIAL_SEA_KM / 111.0
    dlon = min(180.0, dlat / max(math.cos(math.radians(latitude)), 0.01))
    box = shapely.box(longitude - dlon, latitude - dlat, longitude + dlon, latitude + dlat)
    best: Hit | None = None
    for index in tree.query(box, predicate="intersects"):
        coast = nearest_points(shapes[int(index)], point)[0]
        km = _km(point, coast)
        if km <= TERRITORIAL_SEA_KM and (best is None or km < best.km_offshore):
            best = Hit(countries[int(index)], km)
    return best
