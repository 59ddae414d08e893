"""Typed place names instead of a shared location: the gazetteer."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.catalog.places import (
    GazetteerError,
    find_place_in_text,
    import_places,
    read_places_csv,
    resolve_place,
)
from services.platform.database import Database
from tests.conftest import Chat


async def test_hotpot_near_wanda_searches_around_the_mall(chat: Chat) -> None:
    await chat.say("万达附近的火锅")
    assert "马尾万达广场 3.0 km 内的「🍲 火锅」" in chat.texts
    assert "距你" in chat.texts


async def test_an_english_place_phrase_works_too(english_chat: Chat) -> None:
    await english_chat.say("sushi near Wanda")
    assert 'for "🍣 Japanese & sushi" within 3.0 km of Mawei Wanda Plaza' in english_chat.texts


async def test_a_merchant_named_after_a_place_is_not_taken_for_the_place(chat: Chat) -> None:
    assert await find_place_in_text(chat.app.db, "闽江人家") is None


async def test_near_a_misspelt_place_offers_the_closest_names(chat: Chat) -> None:
    await chat.say("/near 万大")
    assert "你是说" in chat.texts
    assert chat.button_texts[0] == "马尾万达广场"
    await chat.press(1)
    assert "马尾万达广场 3.0 km 内" in chat.texts
    await chat.say("奶茶")  # the place is now where the shopper is
    assert "距你" in chat.texts


async def test_a_place_nobody_knows_is_answered_plainly(chat: Chat) -> None:
    await chat.say("/near Atlantis")
    assert "还不认识" in chat.texts


def test_a_gazetteer_csv_with_bad_rows_imports_nothing_and_says_why() -> None:
    data = ("name_zh,name_en,aliases,kind,lat,lon,city\n"
            "好地方,Good,,landmark,26.0,119.4,福州\n"
            ",NoName,,landmark,26.0,119.4,福州\n"
            "远方,Far,,landmark,95,119.4,福州\n"
            "怪,Odd,,volcano,26,119,福州\n"
            "数,Num,,mall,north,119,福州\n").encode()
    with pytest.raises(GazetteerError) as info:
        read_places_csv(data, "p.csv")
    problems = info.value.problems
    assert [p.split(":")[1] for p in problems] == ["3", "4", "5", "6"]


def test_a_gbk_gazetteer_is_read() -> None:
    rows = read_places_csv("name_zh,lat,lon\n鼓山,26.06,119.38\n".encode("gbk"))
    assert rows[0].name_zh == "鼓山" and rows[0].kind == "landmark"


async def test_importing_the_same_place_twice_updates_it(db: Database) -> None:
    rows = read_places_csv("name_zh,name_en,aliases,lat,lon\n鼓山,Gushan,鼓岭,26.06,119.38\n"
                           .encode())
    assert await import_places(db, rows) == 1
    moved = read_places_csv("name_zh,name_en,aliases,lat,lon\n鼓山,Mount Gu,,26.07,119.39\n"
                            .encode())
    assert await import_places(db, moved) == 0
    place = await resolve_place(db, "mount gu")
    assert place is not None and place.lat == 26.07


def test_the_places_import_command_refuses_a_bad_file(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    bad = tmp_path / "bad.csv"
    bad.write_text("name,lat\nx,1\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "places", "import", str(bad),
                             "--db", str(tmp_path / "p.db")], capture_output=True, text=True,
                            env=env, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 2 and "missing column" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text("name_zh,lat,lon\n鼓山,26.06,119.38\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "places", "import", str(good),
                             "--db", str(tmp_path / "p.db")], capture_output=True, text=True,
                            env=env, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0 and "1 new" in result.stdout
