"""The gazetteer: districts, landmarks, malls and metro stations people name instead of
sharing a location. The Fuzhou demo ships `services/demo/data/fuzhou_places.csv`; more come
from a CSV with `o2o places import FILE` (same columns)."""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from services.catalog.deal_cards import vocabulary_changed
from services.catalog.locations import valid_coordinates
from services.platform.database import Database
from storage.models import Place

DEMO_PLACES = Path(__file__).parents[1] / "demo" / "data" / "fuzhou_places.csv"
COLUMNS = ("name_zh", "name_en", "aliases", "kind", "lat", "lon", "city")
KINDS = {"district", "landmark", "mall", "metro", "street"}
MAX_ROWS = 100_000
# Words that make a place name in a search mean "around there".
_NEAR_AFTER = ("附近", "周边", "周围", "旁边", "边上", "一带", "那边", "这边")
_NEAR_BEFORE = ("near", "around", "close to", "next to", "by", "at", "in")


@dataclass(frozen=True)
class PlaceView:
    """A known place."""

    id: int
    name_zh: str
    name_en: str
    lat: float
    lon: float

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" or not self.name_en else self.name_en


@dataclass(frozen=True)
class PlaceRow:
    """A validated row of a gazetteer CSV."""

    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    kind: str
    lat: float
    lon: float
    city: str


class GazetteerError(ValueError):
    """A gazetteer file that cannot be imported; `problems` lists each bad row and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


def read_places_csv(data: bytes, source: str = "places.csv") -> list[PlaceRow]:
    """Parse and validate a gazetteer CSV (UTF-8, with or without BOM; GBK accepted).

    Raises GazetteerError listing every rejected row, so nothing is half-imported.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gbk")
        except UnicodeDecodeError:
            raise GazetteerError([f"{source}: neither UTF-8 nor GBK text"]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("name_zh", "lat", "lon") if c not in (reader.fieldnames or [])]
    if missing:
        raise GazetteerError([f"{source}: missing column(s) {', '.join(missing)}; "
                              f"expected {','.join(COLUMNS)}"])
    rows: list[PlaceRow] = []
    problems: list[str] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise GazetteerError([f"{source}: more than {MAX_ROWS} rows"])
        name = (raw.get("name_zh") or "").strip()
        try:
            lat, lon = float(raw.get("lat") or "x"), float(raw.get("lon") or "x")
        except ValueError:
            problems.append(f"{source}:{number}: lat/lon are not numbers")
            continue
        kind = (raw.get("kind") or "landmark").strip() or "landmark"
        if not name or len(name) > 80:
            problems.append(f"{source}:{number}: name_zh must be 1 to 80 characters")
        elif not valid_coordinates(lat, lon):
            problems.append(f"{source}:{number}: lat/lon out of range")
        elif kind not in KINDS:
            problems.append(f"{source}:{number}: kind must be one of {', '.join(sorted(KINDS))}")
        else:
            aliases = tuple(a.strip() for a in (raw.get("aliases") or "").split("|") if a.strip())
            rows.append(PlaceRow(name, (raw.get("name_en") or "").strip()[:120], aliases,
                                 kind, lat, lon, (raw.get("city") or "").strip()[:40]))
    if problems:
        raise GazetteerError(problems)
    return rows


async def import_places(db: Database, rows: list[PlaceRow]) -> int:
    """Add or update places (matched by Chinese name and city); returns how many were new.
    The vocabulary version is bumped with them (the parser knows places by name)."""
    added = 0
    async with db.transaction() as session:
        existing = {(p.name_zh, p.city): p for p in (await session.exec(select(Place))).all()}
        for row in rows:
            place = existing.get((row.name_zh, row.city))
            if place is None:
                place = Place(name_zh=row.name_zh, city=row.city, lat=row.lat, lon=row.lon)
                session.add(place)
                existing[(row.name_zh, row.city)] = place
                added += 1
            place.name_en, place.aliases, place.kind = row.name_en, list(row.aliases), row.kind
            place.lat, place.lon = row.lat, row.lon
        await vocabulary_changed(await session.connection())  # names the parser knows
    return added


async def import_demo_places(db: Database) -> int:
    """Load the Fuzhou demo gazetteer."""
    return await import_places(db, read_places_csv(DEMO_PLACES.read_bytes(), DEMO_PLACES.name))


async def _names(db: Database) -> dict[str, PlaceView]:
    async with db.session() as session:
        places = (await session.exec(select(Place))).all()
    names: dict[str, PlaceView] = {}
    for p in places:
        assert p.id is not None
        view = PlaceView(p.id, p.name_zh, p.name_en, p.lat, p.lon)
        for name in (p.name_zh, p.name_en, *p.aliases):
            if name:
                names.setdefault(name.lower(), view)
    return names


async def resolve_place(db: Database, text: str) -> PlaceView | None:
    """The place called exactly `text` (any of its names, case-insensitive), or None."""
    return (await _names(db)).get(text.strip().lower())


async def get_place(db: Database, place_id: int) -> PlaceView | None:
    async with db.session() as session:
        p = await session.get(Place, place_id)
    if p is None or p.id is None:
        return None
    return PlaceView(p.id, p.name_zh, p.name_en, p.lat, p.lon)


async def suggest_places(db: Database, text: str, limit: int = 3) -> list[PlaceView]:
    """The known places whose names are closest to `text` (for "did you mean")."""
    names = await _names(db)
    wanted = text.strip().lower()
    # Chinese names are short: one character in two wrong is still a useful guess.
    cutoff = 0.6 if wanted.isascii() else 0.5
    close = difflib.get_close_matches(wanted, list(names), n=limit * 3, cutoff=cutoff)
    close += [n for n in names if wanted and (wanted in n or n in wanted)]
    seen: dict[int, PlaceView] = {}
    for name in close:
        seen.setdefault(names[name].id, names[name])
    return list(seen.values())[:limit]


async def find_place_in_text(db: Database, text: str) -> tuple[PlaceView, str] | None:
    """A known place named as a location in a search ("万达附近的火锅", "sushi near Wanda").

    Only a name next to a nearness word counts, so a merchant called "闽江人家" is not
    mistaken for the river. Returns the place and the text with the place phrase removed.
    """
    lowered = text.lower()
    for name, place in sorted((await _names(db)).items(), key=lambda kv: -len(kv[0])):
        for match in re.finditer(re.escape(name), lowered):
            start, end = match.span()
            if name.isascii() and not _ascii_bounded(lowered, start, end):
                continue  # "wanda" inside another English word
            after = lowered[end:].lstrip()
            before = lowered[:start].rstrip()
            near_after = next((w for w in _NEAR_AFTER if after.startswith(w)), None)
            near_before = next((w for w in _NEAR_BEFORE if before.endswith(" " + w)
                                or before == w), None)
            if near_after is None and near_before is None:
                continue
            cut_start = len(before) - len(near_before) if near_before else start
            cut_end = len(lowered) - len(after) + len(near_after) if near_after else end
            rest = (text[:cut_start] + " " + text[cut_end:]).strip()
            rest = re.sub(r"^(的|之)\s*", "", rest).strip()
            return place, rest
    return None


def _ascii_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii()
                                                                and after.isalnum())


def gazetteer_rows(path: Path = DEMO_PLACES) -> list[tuple[str, tuple[str, ...]]]:
    """(key, names) of each place in a gazetteer CSV (the shipped one by default):
    vocabulary for the NLU parser without a database."""
    return [(row.name_zh, (row.name_zh, row.name_en, *row.aliases))
            for row in read_places_csv(path.read_bytes(), path.name)]


async def list_place_names(db: Database) -> list[tuple[str, tuple[str, ...]]]:
    """(id, names) of every place in the database: vocabulary for the NLU parser."""
    async with db.session() as session:
        places = (await session.exec(select(Place))).all()
    return [(str(p.id), tuple(n for n in (p.name_zh, p.name_en, *p.aliases) if n))
            for p in places]
