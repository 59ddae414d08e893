"""A merchant prints a QR poster for the counter; shoppers' phones read the storefront
link from it (`o2o poster`, services/pictures/poster.py)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

import services.pictures.poster as poster
from bot.cli import main
from handlers.links import shop_payload, start_link
from services.pictures.poster import HEIGHT, WIDTH, PosterFontError, render_poster

SYSTEM_CJK_FONTS = poster.system_cjk_fonts()
EDGE = 40  # pixels along each side of the page that must stay blank paper


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo world, seeded once through the CLI."""
    path = tmp_path_factory.mktemp("poster") / "demo.db"
    env = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("O2O_")}
    try:
        assert main(["seed", "demo", "--db", str(path)]) == 0
    finally:
        os.environ.update(env)
    return path


@pytest.fixture
def db_file(demo_file: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database, free to change."""
    copy = tmp_path / "demo.db"
    copy.write_bytes(demo_file.read_bytes())
    return copy


@pytest.fixture(autouse=True)
def counter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Work in an empty directory with no O2O_ settings from outside."""
    for key in list(os.environ):
        if key.startswith("O2O_"):
            monkeypatch.delenv(key)
    work = tmp_path / "counter"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def no_cjk_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without any CJK font installed: no folders to search."""
    monkeypatch.setenv("O2O_FONT_DIRS", "")


def scan(path: Path) -> list[zxingcpp.Barcode]:
    """What a phone's camera reads from the printed poster."""
    return list(zxingcpp.read_barcodes(Image.open(path)))


def blank_edges(path: Path) -> bool:
    """Nothing is drawn within EDGE pixels of the page's sides (no text ran off)."""
    image = Image.open(path).convert("L")
    strips = [(0, 0, WIDTH, EDGE), (0, HEIGHT - EDGE, WIDTH, HEIGHT),
              (0, 0, EDGE, HEIGHT), (WIDTH - EDGE, 0, WIDTH, HEIGHT)]
    return all(image.crop(box).getextrema()[0] == 255 for box in strips)


def test_a_merchant_prints_a_poster_and_a_shoppers_phone_reads_the_storefront_link(
    db_file: Path, counter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poster", "haidilao", "--db", str(db_file)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "poster-haidilao.png"
    image = Image.open(counter / "poster-haidilao.png")
    assert image.size == (WIDTH, HEIGHT)
    assert round(image.info["dpi"][0]) == 150
    codes = scan(counter / "poster-haidilao.png")
    link = start_link("o2o_demo_bot", shop_payload("haidilao"))
    assert [c.text for c in codes] == [link]
    assert link == "https://t.me/o2o_demo_bot?start=shop_haidilao"
    left = codes[0].position.top_left.x
    right = codes[0].position.top_right.x
    assert right - left >= 0.4 * WIDTH  # big enough to scan from across the counter
    assert blank_edges(counter / "poster-haidilao.png")
    if SYSTEM_CJK_FONTS:  # a Chinese poster, drawn in a Chinese font, no excuses
        assert image.info["Language"] == "zh" and image.info["Title"] == "海底捞火锅"
        assert "warning" not in err
    else:  # an English one, and the operator is told why
        assert image.info["Language"] == "en" and "warning: no font draws the zh" in err


def test_the_poster_can_be_asked_for_by_the_merchants_name_in_english(
    db_file: Path, counter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = counter / "posters" / "hotpot.png"
    out_file.parent.mkdir()
    assert main(["poster", "Haidilao Hotpot", "--lang", "en", "--out", str(out_file),
                 "--db", str(db_file)]) == 0
    assert capsys.readouterr().out.strip() == str(out_file)
    image = Image.open(out_file)
    assert image.info["Language"] == "en" and image.info["Title"] == "Haidilao Hotpot"
    assert [c.text for c in scan(out_file)] == [
        "https://t.me/o2o_demo_bot?start=shop_haidilao"]


def test_the_code_carries_the_bots_real_username(
    db_file: Path, counter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("O2O_BOT_USERNAME", "MaweiDealsBot")
    assert main(["poster", "海底捞火锅", "--db", str(db_file)]) == 0
    assert [c.text for c in scan(counter / "poster-haidilao.png")] == [
        "https://t.me/MaweiDealsBot?start=shop_haidilao"]


@pytest.mark.parametrize("typed,expected", [("haidilo", "haidilao"), ("mixu", "mixue"),
                                            ("海底捞", "haidilao")])
def test_a_mistyped_merchant_exits_2_and_suggests_close_slugs(
    db_file: Path, counter: Path, capsys: pytest.CaptureFixture[str], typed: str,
    expected: str,
) -> None:
    assert main(["poster", typed, "--db", str(db_file)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"unknown merchant {typed!r}" in err and expected in err
    slugs = err.split("close slugs: ", 1)[1].strip().split(", ")
    assert 1 <= len(slugs) <= 5
    assert not list(counter.iterdir())  # no poster written


def test_a_merchant_nobody_has_heard_of_gets_no_suggestions(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poster", "zzqqxx", "--db", str(db_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no merchant's slug or name comes close" in err


def test_a_suspended_merchant_gets_no_poster(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db_file) as conn:
        conn.execute("UPDATE merchants SET status = 'suspended' WHERE slug = 'mixue'")
    assert main(["poster", "mixue", "--db", str(db_file)]) == 2
    assert "not approved" in capsys.readouterr().err


def test_a_very_long_merchant_name_and_many_stores_still_fit_on_the_page(
    db_file: Path, counter: Path
) -> None:
    long_zh = "福州马尾船政文化城" * 6 + "超级无敌豪华至尊海鲜自助火锅烧烤餐厅旗舰店"
    long_en = "The Extraordinarily Magnificent Grand Imperial Seafood " * 3
    with sqlite3.connect(db_file) as conn:
        conn.execute("UPDATE merchants SET name_zh = ?, name_en = ? WHERE slug = 'haidilao'",
                     (long_zh, long_en.strip()))
        conn.execute("UPDATE stores SET address_zh = address_zh || ?, address_en = ? "
                     "WHERE merchant_id = (SELECT id FROM merchants WHERE slug = 'haidilao')",
                     ("（" + "近地铁站出口步行五分钟" * 8 + "）", "Unit 9, " * 60))
    for lang in ("zh", "en"):
        out_file = counter / f"{lang}.png"
        assert main(["poster", "haidilao", "--lang", lang, "--out", str(out_file),
                     "--db", str(db_file)]) == 0
        assert Image.open(out_file).size == (WIDTH, HEIGHT)
        assert blank_edges(out_file)
        assert [c.text for c in scan(out_file)] == [
            "https://t.me/o2o_demo_bot?start=shop_haidilao"]


def test_dozens_of_addresses_end_in_a_count_instead_of_running_off(counter: Path) -> None:
    addresses = [f"No. {n} Very Long Example Road, Mawei District, Fuzhou" for n in range(40)]
    out_file = counter / "chain.png"
    out_file.write_bytes(render_poster(
        "Chain Store " * 8, "Scan, follow, get a welcome coupon",
        "https://t.me/o2o_demo_bot?start=shop_chain", addresses, "en", None, "Our stores"))
    assert blank_edges(out_file)
    assert [c.text for c in scan(out_file)] == ["https://t.me/o2o_demo_bot?start=shop_chain"]


def test_the_english_poster_works_without_any_cjk_font(
    db_file: Path, counter: Path, no_cjk_fonts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = counter / "fonts" / "NoSuchFont.ttf"
    assert main(["poster", "haidilao", "--font", str(missing), "--db", str(db_file)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "poster-haidilao.png"
    assert f"warning: poster_font {missing}: no such file" in err
    assert "warning: no font draws the zh poster" in err and "made the en poster" in err
    assert "built-in font" in err
    image = Image.open(counter / "poster-haidilao.png")
    assert image.info["Language"] == "en" and image.info["Title"] == "Haidilao Hotpot"
    assert [c.text for c in scan(counter / "poster-haidilao.png")] == [
        "https://t.me/o2o_demo_bot?start=shop_haidilao"]


def test_the_poster_font_setting_is_used_and_a_bad_one_is_reported(
    db_file: Path, counter: Path, no_cjk_fonts: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    not_a_font = counter / "notes.txt"
    not_a_font.write_text("hello")
    monkeypatch.setenv("O2O_POSTER_FONT", str(not_a_font))
    assert main(["poster", "harbour-coffee", "--lang", "en", "--db", str(db_file)]) == 0
    err = capsys.readouterr().err
    assert "not a usable font" in err
    image = Image.open(counter / "poster-harbour-coffee.png")
    assert image.info["Title"] == "Shipyard Cafe"  # the built-in font has no é
    if SYSTEM_CJK_FONTS:
        monkeypatch.setenv("O2O_POSTER_FONT", SYSTEM_CJK_FONTS[0])
        assert main(["poster", "harbour-coffee", "--db", str(db_file)]) == 0
        assert "warning" not in capsys.readouterr().err
        assert Image.open(counter / "poster-harbour-coffee.png").info["Title"] == "船政咖啡馆"


def test_chinese_text_is_never_drawn_as_empty_boxes() -> None:
    with pytest.raises(PosterFontError, match="cannot draw"):
        render_poster("海底捞火锅", "扫码关注", "https://t.me/b?start=shop_x", [], "zh", None)
